/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/ipv6.h>: the IPv6 header (uapi's struct ipv6hdr, the version and
 * priority nibbles in the bit-field order of the byte order) and ipv6_hdr(), as Linux 6.1.
 */
#ifndef _LKMSH_LINUX_IPV6_H
#define _LKMSH_LINUX_IPV6_H

#include <linux/types.h>
#include <linux/in.h>	/* IPPROTO_*, as Linux's includes reach it */
#include <linux/in6.h>
#include <linux/skbuff.h>
#include <asm/byteorder.h>

#define IPV6_MIN_MTU	1280

struct ipv6hdr {
#if defined(__LITTLE_ENDIAN_BITFIELD)
	__u8			priority:4,
				version:4;
#else
	__u8			version:4,
				priority:4;
#endif
	__u8			flow_lbl[3];

	__be16			payload_len;
	__u8			nexthdr;
	__u8			hop_limit;

	struct in6_addr		saddr;
	struct in6_addr		daddr;
};

static inline struct ipv6hdr *ipv6_hdr(const struct sk_buff *skb)
{
	return (struct ipv6hdr *)skb_network_header(skb);
}

#endif /* _LKMSH_LINUX_IPV6_H */
