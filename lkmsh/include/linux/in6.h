/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/in6.h>: IPv6 addresses (struct in6_addr, struct sockaddr_in6), as Linux 6.1's uapi. */
#ifndef _LKMSH_LINUX_IN6_H
#define _LKMSH_LINUX_IN6_H

#include <linux/types.h>

struct in6_addr {
	union {
		__u8 u6_addr8[16];
		__be16 u6_addr16[8];
		__be32 u6_addr32[4];
	} in6_u;
#define s6_addr		in6_u.u6_addr8
#define s6_addr16	in6_u.u6_addr16
#define s6_addr32	in6_u.u6_addr32
};

struct sockaddr_in6 {
	unsigned short int sin6_family;
	__be16 sin6_port;
	__be32 sin6_flowinfo;
	struct in6_addr sin6_addr;
	__u32 sin6_scope_id;
};

/* the IPv6 extension headers' protocol numbers (uapi in6.h) */
#define IPPROTO_HOPOPTS		0
#define IPPROTO_ROUTING		43
#define IPPROTO_FRAGMENT	44
#define IPPROTO_ICMPV6		58
#define IPPROTO_NONE		59
#define IPPROTO_DSTOPTS		60
#define IPPROTO_MH		135

#define IN6ADDR_ANY_INIT { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } } }
#define IN6ADDR_LOOPBACK_INIT { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } } }

#ifdef __KERNEL__
/* net/ipv6/addrconf_core.c's constants (EXPORT_SYMBOL) */
extern const struct in6_addr in6addr_any;
extern const struct in6_addr in6addr_loopback;
#endif

#endif /* _LKMSH_LINUX_IN6_H */
