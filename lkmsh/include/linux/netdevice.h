/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: network devices, as Linux 6.1's <linux/netdevice.h> for drivers:
 * struct net_device (Linux's field names, an lkmsh order; the private area
 * follows it, netdev_priv), net_device_ops, the device's life
 * (alloc_netdev, register_netdev, unregister_netdev, free_netdev), the
 * transmit queue (netif_start/stop/wake_queue), carrier, netif_rx and the
 * netdev_* log calls. The shell's `ip link` brings devices up and down and
 * `ip send` hands a packet to ->ndo_start_xmit.
 */
#ifndef _LKMSH_LINUX_NETDEVICE_H
#define _LKMSH_LINUX_NETDEVICE_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/device.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_arp.h>
#include <linux/list.h>
#include <linux/skbuff.h>
#include <linux/netdev_features.h>
#include <net/net_namespace.h>
#include <linux/bitops.h>
#include <linux/printk.h>
#include <linux/limits.h>
#include <linux/net.h>	/* net_ratelimit(), as Linux's includes reach it */

#define MAX_ADDR_LEN	32
#define NETDEV_ALIGN	32

typedef u64 netdev_features_t;

enum netdev_tx {
	__NETDEV_TX_MIN	 = INT_MIN,
	NETDEV_TX_OK	 = 0x00,
	NETDEV_TX_BUSY	 = 0x10,
};
typedef enum netdev_tx netdev_tx_t;

#define NET_RX_SUCCESS	0
#define NET_RX_DROP	1

/* what dev_queue_xmit() returns besides a -errno */
#define NET_XMIT_SUCCESS	0x00
#define NET_XMIT_DROP		0x01	/* skb dropped			*/
#define NET_XMIT_CN		0x02	/* congestion notification	*/
#define NET_XMIT_MASK		0x0f	/* qdisc flags in net/sch_generic.h */
#define net_xmit_eval(e)	((e) == NET_XMIT_CN ? 0 : (e))
#define net_xmit_errno(e)	((e) != NET_XMIT_CN ? -ENOBUFS : 0)

/* name_assign_type */
#define NET_NAME_UNKNOWN	0
#define NET_NAME_ENUM		1
#define NET_NAME_PREDICTABLE	2
#define NET_NAME_USER		3
#define NET_NAME_RENAMED	4

/* dev->state bits */
enum netdev_state_t {
	__LINK_STATE_START,
	__LINK_STATE_PRESENT,
	__LINK_STATE_NOCARRIER,
	__LINK_STATE_LINKWATCH_PENDING,
	__LINK_STATE_DORMANT,
	__LINK_STATE_TESTING,
};

/* priv_flags */
#define IFF_LIVE_ADDR_CHANGE	(1 << 15)
#define IFF_TX_SKB_SHARING	(1 << 16)
#define IFF_NO_QUEUE		(1 << 21)

struct net_device_stats {
	unsigned long	rx_packets;
	unsigned long	tx_packets;
	unsigned long	rx_bytes;
	unsigned long	tx_bytes;
	unsigned long	rx_errors;
	unsigned long	tx_errors;
	unsigned long	rx_dropped;
	unsigned long	tx_dropped;
	unsigned long	multicast;
	unsigned long	collisions;
	unsigned long	rx_length_errors;
	unsigned long	rx_over_errors;
	unsigned long	rx_crc_errors;
	unsigned long	rx_frame_errors;
	unsigned long	rx_fifo_errors;
	unsigned long	rx_missed_errors;
	unsigned long	tx_aborted_errors;
	unsigned long	tx_carrier_errors;
	unsigned long	tx_fifo_errors;
	unsigned long	tx_heartbeat_errors;
	unsigned long	tx_window_errors;
	unsigned long	rx_compressed;
	unsigned long	tx_compressed;
};

struct rtnl_link_stats64;
struct neigh_parms;
struct ethtool_ops;
struct header_ops;
struct net_device;

struct net_device_ops {
	int			(*ndo_init)(struct net_device *dev);
	void			(*ndo_uninit)(struct net_device *dev);
	int			(*ndo_open)(struct net_device *dev);
	int			(*ndo_stop)(struct net_device *dev);
	netdev_tx_t		(*ndo_start_xmit)(struct sk_buff *skb, struct net_device *dev);
	netdev_features_t	(*ndo_features_check)(struct sk_buff *skb, struct net_device *dev,
						      netdev_features_t features);
	u16			(*ndo_select_queue)(struct net_device *dev, struct sk_buff *skb,
						    struct net_device *sb_dev);
	void			(*ndo_change_rx_flags)(struct net_device *dev, int flags);
	void			(*ndo_set_rx_mode)(struct net_device *dev);
	int			(*ndo_set_mac_address)(struct net_device *dev, void *addr);
	int			(*ndo_validate_addr)(struct net_device *dev);
	int			(*ndo_do_ioctl)(struct net_device *dev, struct ifreq *ifr, int cmd);
	int			(*ndo_eth_ioctl)(struct net_device *dev, struct ifreq *ifr, int cmd);
	int			(*ndo_siocbond)(struct net_device *dev, struct ifreq *ifr, int cmd);
	int			(*ndo_siocwandev)(struct net_device *dev, void *ifs);
	int			(*ndo_siocdevprivate)(struct net_device *dev, struct ifreq *ifr,
						      void __user *data, int cmd);
	int			(*ndo_set_config)(struct net_device *dev, struct ifmap *map);
	int			(*ndo_change_mtu)(struct net_device *dev, int new_mtu);
	int			(*ndo_neigh_setup)(struct net_device *dev, struct neigh_parms *);
	void			(*ndo_tx_timeout) (struct net_device *dev, unsigned int txqueue);
	void			(*ndo_get_stats64)(struct net_device *dev,
						   struct rtnl_link_stats64 *storage);
	bool			(*ndo_has_offload_stats)(const struct net_device *dev, int attr_id);
	int			(*ndo_get_offload_stats)(int attr_id, const struct net_device *dev,
							 void *attr_data);
	struct net_device_stats* (*ndo_get_stats)(struct net_device *dev);
};

struct net_device {
	char			name[IFNAMSIZ];
	unsigned long		mem_end;
	unsigned long		mem_start;
	unsigned long		base_addr;
	unsigned long		state;
	struct list_head	dev_list;
	netdev_features_t	features;
	netdev_features_t	hw_features;
	int			ifindex;
	unsigned int		flags;
	unsigned int		priv_flags;
	unsigned int		mtu;
	unsigned int		min_mtu;
	unsigned int		max_mtu;
	unsigned short		type;
	unsigned short		hard_header_len;
	unsigned char		min_header_len;
	unsigned char		addr_len;
	unsigned short		needed_headroom;
	unsigned short		needed_tailroom;
	unsigned char		name_assign_type;
	bool			needs_free_netdev;
	int			irq;
	const struct net_device_ops *netdev_ops;
	const struct ethtool_ops *ethtool_ops;
	const struct header_ops *header_ops;
	struct net_device_stats	stats;
	unsigned int		tx_queue_len;
	int			watchdog_timeo;
	const unsigned char	*dev_addr;
	unsigned char		broadcast[MAX_ADDR_LEN];
	unsigned char		perm_addr[MAX_ADDR_LEN];
	void			(*priv_destructor)(struct net_device *dev);
	void			*ml_priv;
	possible_net_t		nd_net;		/* empty without CONFIG_NET_NS */
	struct device		dev;
	unsigned char		__lkmsh_dev_addr[MAX_ADDR_LEN];	/* where dev_addr points */
};

static inline struct net *dev_net(const struct net_device *dev)
{
	return read_pnet(&dev->nd_net);
}

static inline void dev_net_set(struct net_device *dev, struct net *net)
{
	write_pnet(&dev->nd_net, net);
}

#define SET_NETDEV_DEV(net, pdev)	((net)->dev.parent = (pdev))

static inline void *netdev_priv(const struct net_device *dev)
{
	return (char *)dev + ((sizeof(struct net_device) + NETDEV_ALIGN - 1) & ~(NETDEV_ALIGN - 1));
}

struct net_device *alloc_netdev_mqs(int sizeof_priv, const char *name,
				    unsigned char name_assign_type,
				    void (*setup)(struct net_device *),
				    unsigned int txqs, unsigned int rxqs);
#define alloc_netdev(sizeof_priv, name, name_assign_type, setup) \
	alloc_netdev_mqs(sizeof_priv, name, name_assign_type, setup, 1, 1)
void free_netdev(struct net_device *dev);
int register_netdev(struct net_device *dev);
void unregister_netdev(struct net_device *dev);
int register_netdevice(struct net_device *dev);
void unregister_netdevice_queue(struct net_device *dev, struct list_head *head);
static inline void unregister_netdevice(struct net_device *dev)
{
	unregister_netdevice_queue(dev, NULL);
}
void rtnl_lock(void);
void rtnl_unlock(void);
int dev_alloc_name(struct net_device *dev, const char *name);

void netif_start_queue(struct net_device *dev);
void netif_stop_queue(struct net_device *dev);
void netif_wake_queue(struct net_device *dev);
bool netif_queue_stopped(const struct net_device *dev);
#define netif_tx_start_all_queues(dev)	netif_start_queue(dev)
#define netif_tx_stop_all_queues(dev)	netif_stop_queue(dev)
#define netif_tx_wake_all_queues(dev)	netif_wake_queue(dev)

void netif_carrier_on(struct net_device *dev);
void netif_carrier_off(struct net_device *dev);

static inline bool netif_running(const struct net_device *dev)
{
	return dev->state & (1UL << __LINK_STATE_START);
}

static inline bool netif_carrier_ok(const struct net_device *dev)
{
	return !(dev->state & (1UL << __LINK_STATE_NOCARRIER));
}

static inline bool netif_device_present(const struct net_device *dev)
{
	return dev->state & (1UL << __LINK_STATE_PRESENT);
}

int netif_rx(struct sk_buff *skb);

/*
 * dev_queue_xmit: the packet to skb->dev's queue (its qdisc, then ->ndo_start_xmit);
 * the buffer is the stack's from here whatever the result.
 */
int __dev_queue_xmit(struct sk_buff *skb, struct net_device *sb_dev);
static inline int dev_queue_xmit(struct sk_buff *skb)
{
	return __dev_queue_xmit(skb, NULL);
}

/* net/core/loopback.c's device that drops every packet it is given (not registered) */
extern struct net_device *blackhole_netdev;
static inline int netif_receive_skb(struct sk_buff *skb)
{
	return netif_rx(skb);
}

void __dev_kfree_skb_irq(struct sk_buff *skb, int reason);
void __dev_kfree_skb_any(struct sk_buff *skb, int reason);
#define SKB_REASON_CONSUMED	0
#define SKB_REASON_DROPPED	1
static inline void dev_kfree_skb_irq(struct sk_buff *skb)
{
	__dev_kfree_skb_irq(skb, SKB_REASON_DROPPED);
}
static inline void dev_consume_skb_irq(struct sk_buff *skb)
{
	__dev_kfree_skb_irq(skb, SKB_REASON_CONSUMED);
}
static inline void dev_kfree_skb_any(struct sk_buff *skb)
{
	__dev_kfree_skb_any(skb, SKB_REASON_DROPPED);
}
static inline void dev_consume_skb_any(struct sk_buff *skb)
{
	__dev_kfree_skb_any(skb, SKB_REASON_CONSUMED);
}
#define dev_kfree_skb(a)	consume_skb(a)

static inline void dev_addr_set(struct net_device *dev, const u8 *addr)
{
	memcpy((unsigned char *)dev->dev_addr, addr, dev->addr_len);
}

static inline void dev_addr_mod(struct net_device *dev, unsigned int offset,
				const void *addr, size_t len)
{
	memcpy((unsigned char *)dev->dev_addr + offset, addr, len);
}

static inline const char *netdev_name(const struct net_device *dev)
{
	return dev->name;
}

void netdev_printk(const char *level, const struct net_device *dev, const char *format, ...);
void netdev_emerg(const struct net_device *dev, const char *format, ...);
void netdev_alert(const struct net_device *dev, const char *format, ...);
void netdev_crit(const struct net_device *dev, const char *format, ...);
void netdev_err(const struct net_device *dev, const char *format, ...);
void netdev_warn(const struct net_device *dev, const char *format, ...);
void netdev_notice(const struct net_device *dev, const char *format, ...);
void netdev_info(const struct net_device *dev, const char *format, ...);
#define netdev_dbg(__dev, format, args...)			\
do {								\
	if (0)							\
		netdev_printk(KERN_DEBUG, __dev, format, ##args);	\
} while (0)

#endif
