"""Network drivers at the level the guides use them: the snull sample (two
interfaces wired back to back), a NIC that stops its queue until a timer's
"transmit done", an Ethernet device from alloc_etherdev, and what a driver forgets."""

from __future__ import annotations

import errno

import pytest
from kernel_helpers import SAMPLES, texts

from lkmsh.errors import KernelError

SNULL = (SAMPLES / "snull.c").read_text()
FRAME = bytes.fromhex("ffffffffffff00534e554c300800") + b"hello, peer"


def link(kernel, name):
    return next(ln for ln in kernel.net_devices() if ln.name == name)


def test_snull_moves_a_packet_from_one_interface_to_the_other_on_both_arches(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(SNULL, "snull"))
    assert [(ln.ifindex, ln.name, ln.operstate) for ln in kernel.net_devices()] == [
        (1, "sn0", "down"),
        (2, "sn1", "down"),
    ]
    assert kernel.read_file("/sys/class/net/sn0/mtu") == b"1500\n"
    assert kernel.read_file("/sys/class/net/sn0/type") == b"1\n"
    with pytest.raises(KernelError) as exc:
        kernel.net_send("sn0", FRAME)
    assert exc.value.errno == errno.ENETDOWN
    kernel.net_set_up("sn0", True)
    kernel.net_set_up("sn1", True)
    assert kernel.read_file("/sys/class/net/sn1/address") == b"00:53:4e:55:4c:31\n"
    assert kernel.read_file("/sys/class/net/sn1/operstate") == b"up\n"
    assert kernel.net_send("sn0", FRAME) == "sent"
    ((ns, way, data),) = kernel.net_packets("sn1")
    assert (way, data) == ("in", FRAME)
    assert link(kernel, "sn0").stats["tx_packets"] == 1
    assert link(kernel, "sn1").stats["rx_bytes"] == len(FRAME)
    assert kernel.read_file("/sys/class/net/sn1/statistics/rx_packets") == b"1\n"
    assert "   sn1:      25       1" in kernel.read_file("/proc/net/dev").decode()
    kernel.net_set_up("sn1", False)
    assert kernel.read_file("/sys/class/net/sn1/operstate") == b"down\n"
    kernel.net_send("sn0", FRAME)
    assert link(kernel, "sn1").stats["rx_dropped"] == 1
    kernel.module_unload("snull")
    assert texts(kernel)[-4:] == ["sn0: up", "sn1: up", "sn1: down", "sn0: down"]
    assert kernel.net_devices() == []
    assert not kernel.heap.allocations("snull")


#: a NIC with a one-packet transmit ring: the queue stops until the "TX done" timer
SLOWNIC = r"""
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/timer.h>

struct slownic {
	struct net_device *dev;
	struct timer_list tx_done;
	struct sk_buff *in_ring;
	int busy_once;
};

static struct net_device *nic;

static void tx_done(struct timer_list *t)
{
	struct slownic *priv = from_timer(priv, t, tx_done);

	priv->dev->stats.tx_packets++;
	priv->dev->stats.tx_bytes += priv->in_ring->len;
	dev_kfree_skb_irq(priv->in_ring);
	priv->in_ring = NULL;
	netif_wake_queue(priv->dev);
}

static netdev_tx_t slownic_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct slownic *priv = netdev_priv(dev);

	if (priv->busy_once) {
		priv->busy_once = 0;
		return NETDEV_TX_BUSY;
	}
	priv->in_ring = skb;
	netif_stop_queue(dev);
	mod_timer(&priv->tx_done, jiffies + msecs_to_jiffies(10));
	return NETDEV_TX_OK;
}

static int slownic_open(struct net_device *dev)
{
	netif_carrier_off(dev);
	netif_start_queue(dev);
	return 0;
}

static int slownic_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	return 0;
}

static int slownic_change_mtu(struct net_device *dev, int new_mtu)
{
	netdev_info(dev, "mtu %d -> %d\n", dev->mtu, new_mtu);
	dev->mtu = new_mtu;
	return 0;
}

static const struct net_device_ops slownic_ops = {
	.ndo_open = slownic_open,
	.ndo_stop = slownic_stop,
	.ndo_start_xmit = slownic_xmit,
	.ndo_change_mtu = slownic_change_mtu,
	.ndo_validate_addr = eth_validate_addr,
};

static int __init slownic_init(void)
{
	struct slownic *priv;
	int ret;

	nic = alloc_etherdev(sizeof(*priv));
	if (!nic)
		return -ENOMEM;
	priv = netdev_priv(nic);
	priv->dev = nic;
	priv->busy_once = 1;
	timer_setup(&priv->tx_done, tx_done, 0);
	nic->netdev_ops = &slownic_ops;
	nic->max_mtu = 9000;
	eth_hw_addr_random(nic);
	ret = register_netdev(nic);
	if (ret) {
		free_netdev(nic);
		return ret;
	}
	netdev_info(nic, "registered, %s address\n",
		is_valid_ether_addr(nic->dev_addr) ? "valid" : "invalid");
	return 0;
}

static void __exit slownic_exit(void)
{
	struct slownic *priv = netdev_priv(nic);

	unregister_netdev(nic);
	del_timer_sync(&priv->tx_done);
	free_netdev(nic);
}

module_init(slownic_init);
module_exit(slownic_exit);
MODULE_LICENSE("GPL");
"""


def test_a_stopped_queue_holds_packets_until_the_driver_wakes_it(kernel, build):
    kernel.module_load(build(SLOWNIC, "slownic"))
    assert texts(kernel)[-1] == "eth0: registered, valid address"
    address = kernel.read_file("/sys/class/net/eth0/address").decode().strip()
    assert int(address[:2], 16) & 3 == 2  # random: locally administered, unicast
    kernel.net_set_up("eth0", True)
    nic = link(kernel, "eth0")
    assert (nic.operstate, nic.flags & 0x10000) == ("down", 0)  # NO-CARRIER
    # busy once (put back), then in the ring: the queue stops, the rest wait
    assert kernel.net_send("eth0", FRAME) == "queued"
    assert kernel.net_send("eth0", FRAME + b"2") == "queued"
    assert kernel.net_send("eth0", FRAME + b"3") == "queued"
    kernel.sleep(100_000_000)  # the timer's TX-done wakes the queue, packet after packet
    assert link(kernel, "eth0").stats["tx_packets"] == 3
    assert [p[2] for p in kernel.net_packets("eth0")] == [FRAME, FRAME + b"2", FRAME + b"3"]
    kernel.net_set_mtu("eth0", 9000)
    assert texts(kernel)[-1] == "eth0: mtu 1500 -> 9000"
    with pytest.raises(KernelError) as exc:
        kernel.net_set_mtu("eth0", 9001)
    assert exc.value.errno == errno.EINVAL
    kernel.module_unload("slownic")
    assert not kernel.heap.allocations("slownic")


def test_what_a_driver_forgets_is_removed_and_reported_at_unload(kernel, build):
    leaky = r"""
#include <linux/etherdevice.h>
#include <linux/module.h>

static netdev_tx_t keep_xmit(struct sk_buff *skb, struct net_device *dev)
{
	return NETDEV_TX_OK;	/* and never frees the skb */
}

static const struct net_device_ops keep_ops = { .ndo_start_xmit = keep_xmit };

static int __init keep_init(void)
{
	struct net_device *dev = alloc_etherdev(0);

	if (!dev)
		return -ENOMEM;
	dev->netdev_ops = &keep_ops;
	return register_netdev(dev);
}

module_init(keep_init);
MODULE_LICENSE("GPL");
"""
    kernel.module_load(build(leaky, "keeper"))
    kernel.net_set_up("eth0", True)
    assert kernel.read_file("/sys/class/net/eth0/operstate") == b"unknown\n"
    kernel.net_send("eth0", FRAME)
    kernel.module_unload("keeper", force=True)
    lines = texts(kernel)
    assert "keeper: unregistering network device eth0 it left" in lines
    assert "keeper: 1 sk_buff(s) it was given were never freed" in lines
    assert kernel.net_devices() == []
    assert "/sys/class/net/eth0/" not in kernel.file_paths("/sys/class/net")


def test_devices_survive_the_state_file(kernel, build):
    from lkmsh.kernel.kernel import Kernel

    kernel.module_load(build(SNULL, "snull"))
    kernel.net_set_up("sn0", True)
    kernel.net_set_up("sn1", True)
    again = Kernel.from_state(kernel.export_state())
    assert again.read_file("/sys/class/net/sn0/operstate") == b"up\n"
    assert again.net_send("sn0", FRAME) == "sent"
    assert [p[2] for p in again.net_packets("sn1")] == [FRAME]
    again.module_unload("snull")
    assert not again.heap.allocations("snull")
