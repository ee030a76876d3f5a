/*
 * snull.c - two simulated Ethernet interfaces wired to each other, in the
 * style of LDD3's snull: what one transmits, the other receives.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

struct snull_priv {
	struct net_device *peer;
	int id;
};

static struct net_device *snull_devs[2];

static int snull_open(struct net_device *dev)
{
	u8 addr[ETH_ALEN] = { 0x00, 'S', 'N', 'U', 'L', '0' };
	struct snull_priv *priv = netdev_priv(dev);

	addr[ETH_ALEN - 1] += priv->id;
	eth_hw_addr_set(dev, addr);
	netif_carrier_on(dev);
	netif_start_queue(dev);
	netdev_info(dev, "up\n");
	return 0;
}

static int snull_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	netif_carrier_off(dev);
	netdev_info(dev, "down\n");
	return 0;
}

static netdev_tx_t snull_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct snull_priv *priv = netdev_priv(dev);
	struct net_device *peer = priv->peer;
	struct sk_buff *rx;

	dev->stats.tx_packets++;
	dev->stats.tx_bytes += skb->len;
	if (!netif_running(peer)) {
		peer->stats.rx_dropped++;
		goto out;
	}
	rx = dev_alloc_skb(skb->len + 2);
	if (!rx) {
		peer->stats.rx_dropped++;
		goto out;
	}
	skb_reserve(rx, 2);
	skb_put_data(rx, skb->data, skb->len);
	rx->protocol = eth_type_trans(rx, peer);
	rx->ip_summed = CHECKSUM_UNNECESSARY;
	peer->stats.rx_packets++;
	peer->stats.rx_bytes += skb->len;
	netif_rx(rx);
out:
	dev_kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops snull_netdev_ops = {
	.ndo_open = snull_open,
	.ndo_stop = snull_stop,
	.ndo_start_xmit = snull_xmit,
};

static void snull_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &snull_netdev_ops;
	dev->flags |= IFF_NOARP;
}

static int __init snull_init(void)
{
	int i, ret = -ENOMEM;

	for (i = 0; i < 2; i++) {
		snull_devs[i] = alloc_netdev(sizeof(struct snull_priv), "sn%d",
					     NET_NAME_UNKNOWN, snull_setup);
		if (!snull_devs[i])
			goto out;
		((struct snull_priv *)netdev_priv(snull_devs[i]))->id = i;
	}
	((struct snull_priv *)netdev_priv(snull_devs[0]))->peer = snull_devs[1];
	((struct snull_priv *)netdev_priv(snull_devs[1]))->peer = snull_devs[0];
	for (i = 0; i < 2; i++) {
		ret = register_netdev(snull_devs[i]);
		if (ret) {
			pr_err("snull: error %i registering device \"%s\"\n", ret, snull_devs[i]->name);
			goto out;
		}
	}
	return 0;
out:
	for (i = 0; i < 2; i++) {
		if (snull_devs[i]) {
			unregister_netdev(snull_devs[i]);
			free_netdev(snull_devs[i]);
		}
	}
	return ret;
}

static void __exit snull_exit(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		unregister_netdev(snull_devs[i]);
		free_netdev(snull_devs[i]);
	}
}

module_init(snull_init);
module_exit(snull_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Two simulated Ethernet interfaces wired back to back");
