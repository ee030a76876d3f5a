/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <net/dst.h>: a packet's cached route, as far as a module reads it. lkmsh has
 * no routing: no sk_buff it makes carries a dst, so skb_dst() of one is NULL, as on
 * Linux for a buffer nobody routed.
 */
#ifndef _LKMSH_NET_DST_H
#define _LKMSH_NET_DST_H

#include <linux/types.h>
#include <linux/skbuff.h>
#include <linux/netdevice.h>

#define SKB_DST_NOREF	1UL
#define SKB_DST_PTRMASK	~(SKB_DST_NOREF)

struct dst_ops;
struct xfrm_state;
struct net;
struct sock;

/* Linux 6.1's leading fields, in its order (CONFIG_XFRM as Debian) */
struct dst_entry {
	struct net_device	*dev;
	struct dst_ops		*ops;
	unsigned long		_metrics;
	unsigned long		expires;
	struct xfrm_state	*xfrm;
	int			(*input)(struct sk_buff *);
	int			(*output)(struct net *net, struct sock *sk, struct sk_buff *skb);
	unsigned short		flags;
	short			obsolete;
	unsigned short		header_len;
	unsigned short		trailer_len;
};

static inline struct dst_entry *skb_dst(const struct sk_buff *skb)
{
	return (struct dst_entry *)(skb->_skb_refdst & SKB_DST_PTRMASK);
}

#endif /* _LKMSH_NET_DST_H */
