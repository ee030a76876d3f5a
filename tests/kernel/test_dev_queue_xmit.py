"""dev_queue_xmit() from module code: a UDP/IPv6 packet built with skb_reserve/skb_push
and the header setters, given to blackhole_netdev (dropped, NET_XMIT_SUCCESS, as
lib/test_blackhole_dev.c expects) and to the module's own Ethernet device: dropped
while it is down (NET_XMIT_CN, its qdisc is noop), handed to ->ndo_start_xmit once up."""

from __future__ import annotations

from kernel_helpers import texts

UDPTX = r"""
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/proc_fs.h>
#include <linux/udp.h>

static struct net_device *nic;
static struct proc_dir_entry *trigger;

static netdev_tx_t udptx_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct udphdr *uh = udp_hdr(skb);

	pr_info("xmit %u bytes, proto %#06x, v%u, next %u, port %u, udp len %u\n", skb->len,
		ntohs(skb->protocol), ip6h->version, ip6h->nexthdr, ntohs(uh->dest),
		ntohs(uh->len));
	dev->stats.tx_packets++;
	dev_kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops udptx_ops = { .ndo_start_xmit = udptx_xmit };

static int send_one(struct net_device *dev, int payload)
{
	struct sk_buff *skb = alloc_skb(256, GFP_KERNEL);
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	struct ethhdr *eth;

	if (!skb)
		return -ENOMEM;
	skb_reserve(skb, ETH_HLEN + sizeof(*ip6h) + sizeof(*uh));
	memset(__skb_put(skb, payload), 'x', payload);
	uh = skb_push(skb, sizeof(*uh));
	skb_set_transport_header(skb, 0);
	uh->source = uh->dest = htons(1234);
	uh->len = htons(payload + sizeof(*uh));
	uh->check = 0;
	ip6h = skb_push(skb, sizeof(*ip6h));
	skb_set_network_header(skb, 0);
	memset(ip6h, 0, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->hop_limit = 64;
	ip6h->nexthdr = IPPROTO_UDP;
	ip6h->payload_len = htons(payload + sizeof(*uh));
	ip6h->saddr = in6addr_loopback;
	ip6h->daddr = in6addr_loopback;
	eth = skb_push(skb, sizeof(*eth));
	skb_set_mac_header(skb, 0);
	eth_broadcast_addr(eth->h_dest);
	memcpy(eth->h_source, dev->dev_addr, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IPV6);
	skb->protocol = htons(ETH_P_IPV6);
	skb->dev = dev;
	return dev_queue_xmit(skb);
}

static ssize_t trigger_write(struct file *file, const char __user *buf, size_t len, loff_t *pos)
{
	pr_info("sent: %d\n", send_one(nic, 16));
	return len;
}

static const struct proc_ops trigger_ops = { .proc_write = trigger_write };

static int __init udptx_init(void)
{
	int err;

	pr_info("%s: mtu %u, flags %#x, up %d\n", blackhole_netdev->name, blackhole_netdev->mtu,
		blackhole_netdev->flags, !!(blackhole_netdev->flags & IFF_UP));
	pr_info("blackhole: %d\n", send_one(blackhole_netdev, 8));

	nic = alloc_etherdev(0);
	if (!nic)
		return -ENOMEM;
	nic->netdev_ops = &udptx_ops;
	eth_hw_addr_random(nic);
	err = register_netdev(nic);
	if (err)
		goto out_free;
	pr_info("while down: %d\n", send_one(nic, 8));
	trigger = proc_create("udptx", 0200, NULL, &trigger_ops);
	if (!trigger) {
		err = -ENOMEM;
		goto out_unregister;
	}
	return 0;

out_unregister:
	unregister_netdev(nic);
out_free:
	free_netdev(nic);
	return err;
}

static void __exit udptx_exit(void)
{
	proc_remove(trigger);
	unregister_netdev(nic);
	free_netdev(nic);
}

module_init(udptx_init);
module_exit(udptx_exit);
MODULE_LICENSE("GPL");
"""

NET_XMIT_SUCCESS, NET_XMIT_CN = 0, 2


def test_udp_over_ipv6_to_the_blackhole_and_to_a_driver_on_both_arches(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(UDPTX, "udptx"))
    assert texts(kernel)[-4:] == [
        "udptx: blackhole_dev: mtu 68, flags 0x49, up 1",  # LOOPBACK|UP|RUNNING
        "blackhole_netdev_xmit(): Dropping skb.",
        f"udptx: blackhole: {NET_XMIT_SUCCESS}",
        f"udptx: while down: {NET_XMIT_CN}",
    ]
    kernel.net_set_up("eth0", True)
    kernel.write_file("/proc/udptx", b"1\n")
    assert texts(kernel)[-2:] == [
        "udptx: xmit 78 bytes, proto 0x86dd, v6, next 17, port 1234, udp len 24",
        f"udptx: sent: {NET_XMIT_SUCCESS}",
    ]
    ((_, way, frame),) = kernel.net_packets("eth0")
    assert way == "out" and len(frame) == 14 + 40 + 8 + 16
    assert frame[:6] == b"\xff" * 6 and frame[12:14] == b"\x86\xdd"
    assert frame[14] >> 4 == 6 and frame[20] == 17  # IPv6, next header UDP
    assert frame[22 + 15] == 1 and frame[38 + 15] == 1  # ::1 to ::1
    assert frame[-16:] == b"x" * 16
    kernel.module_unload("udptx")
    assert not kernel.heap.allocations("udptx")


def test_the_blackhole_says_so_ten_times_then_counts_what_it_suppressed(kernel, build):
    flood = r"""
#include <linux/module.h>
#include <linux/netdevice.h>

static int __init flood_init(void)
{
	int i;

	for (i = 0; i < 25; i++) {
		struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);

		skb_put(skb, 20);
		skb->dev = blackhole_netdev;
		dev_queue_xmit(skb);
	}
	return 0;
}

module_init(flood_init);
MODULE_LICENSE("GPL");
"""
    kernel.module_load(build(flood, "flood"))
    assert texts(kernel).count("blackhole_netdev_xmit(): Dropping skb.") == 10
    assert not kernel.heap.allocations("flood")
    kernel.sleep(6_000_000_000)  # net_ratelimit's interval is 5 s
    kernel.module_load(build(flood.replace("i < 25", "i < 1"), "flood2"))
    assert texts(kernel)[-2:] == [
        "net_ratelimit: 15 callbacks suppressed",
        "blackhole_netdev_xmit(): Dropping skb.",
    ]
