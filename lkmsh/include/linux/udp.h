/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/udp.h>: the UDP header (uapi's struct udphdr) and udp_hdr(), as Linux 6.1. */
#ifndef _LKMSH_LINUX_UDP_H
#define _LKMSH_LINUX_UDP_H

#include <linux/types.h>
#include <linux/in.h>	/* IPPROTO_*, as Linux's includes reach it */
#include <linux/skbuff.h>

struct udphdr {
	__be16	source;
	__be16	dest;
	__be16	len;
	__sum16	check;
};

static inline struct udphdr *udp_hdr(const struct sk_buff *skb)
{
	return (struct udphdr *)skb_transport_header(skb);
}

#endif /* _LKMSH_LINUX_UDP_H */
