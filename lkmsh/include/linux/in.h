/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/in.h>: IPv4 addresses (struct in_addr, struct sockaddr_in),
 * the IPPROTO_ numbers and the INADDR_ constants, as Linux 6.1's uapi.
 */
#ifndef _LKMSH_LINUX_IN_H
#define _LKMSH_LINUX_IN_H

#include <linux/types.h>
#include <linux/socket.h>
#include <linux/in6.h>
#include <asm/byteorder.h>

enum {
	IPPROTO_IP = 0,
	IPPROTO_ICMP = 1,
	IPPROTO_IGMP = 2,
	IPPROTO_IPIP = 4,
	IPPROTO_TCP = 6,
	IPPROTO_EGP = 8,
	IPPROTO_PUP = 12,
	IPPROTO_UDP = 17,
	IPPROTO_IDP = 22,
	IPPROTO_TP = 29,
	IPPROTO_DCCP = 33,
	IPPROTO_IPV6 = 41,
	IPPROTO_RSVP = 46,
	IPPROTO_GRE = 47,
	IPPROTO_ESP = 50,
	IPPROTO_AH = 51,
	IPPROTO_MTP = 92,
	IPPROTO_BEETPH = 94,
	IPPROTO_ENCAP = 98,
	IPPROTO_PIM = 103,
	IPPROTO_COMP = 108,
	IPPROTO_L2TP = 115,
	IPPROTO_SCTP = 132,
	IPPROTO_UDPLITE = 136,
	IPPROTO_MPLS = 137,
	IPPROTO_ETHERNET = 143,
	IPPROTO_RAW = 255,
	IPPROTO_MPTCP = 262,
	IPPROTO_MAX
};

struct in_addr {
	__be32 s_addr;
};

#define __SOCK_SIZE__	16
struct sockaddr_in {
	__kernel_sa_family_t sin_family;
	__be16 sin_port;
	struct in_addr sin_addr;
	unsigned char __pad[__SOCK_SIZE__ - sizeof(short int) -
			    sizeof(unsigned short int) - sizeof(struct in_addr)];
};
#define sin_zero __pad

#define INADDR_ANY		((unsigned long int)0x00000000)
#define INADDR_BROADCAST	((unsigned long int)0xffffffff)
#define INADDR_NONE		((unsigned long int)0xffffffff)
#define INADDR_DUMMY		((unsigned long int)0xc0000008)
#define IN_LOOPBACKNET		127
#define INADDR_LOOPBACK		0x7f000001	/* 127.0.0.1 */

static inline bool ipv4_is_loopback(__be32 addr)
{
	return (addr & htonl(0xff000000)) == htonl(0x7f000000);
}

static inline bool ipv4_is_multicast(__be32 addr)
{
	return (addr & htonl(0xf0000000)) == htonl(0xe0000000);
}

static inline bool ipv4_is_zeronet(__be32 addr)
{
	return (addr == 0);
}

#endif /* _LKMSH_LINUX_IN_H */
