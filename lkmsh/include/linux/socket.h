/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/socket.h>: the address families and struct sockaddr with
 * Linux 6.1's values and layout (what %pIS and friends read). lkmsh has no
 * socket layer: no sock_create, no protocol families to register.
 */
#ifndef _LKMSH_LINUX_SOCKET_H
#define _LKMSH_LINUX_SOCKET_H

#include <linux/types.h>

typedef unsigned short __kernel_sa_family_t;
typedef __kernel_sa_family_t sa_family_t;

struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};

#define _K_SS_MAXSIZE	128

struct __kernel_sockaddr_storage {
	union {
		struct {
			__kernel_sa_family_t ss_family;
			char __data[_K_SS_MAXSIZE - sizeof(unsigned short)];
		};
		void *__align;
	};
};
#define sockaddr_storage __kernel_sockaddr_storage

#define AF_UNSPEC	0
#define AF_UNIX		1
#define AF_LOCAL	1
#define AF_INET		2
#define AF_AX25		3
#define AF_IPX		4
#define AF_APPLETALK	5
#define AF_NETROM	6
#define AF_BRIDGE	7
#define AF_ATMPVC	8
#define AF_X25		9
#define AF_INET6	10
#define AF_NETLINK	16
#define AF_ROUTE	AF_NETLINK
#define AF_PACKET	17
#define AF_CAN		29
#define AF_BLUETOOTH	31
#define AF_VSOCK	40
#define AF_XDP		44
#define AF_MCTP		45
#define AF_MAX		46

#define PF_UNSPEC	AF_UNSPEC
#define PF_UNIX		AF_UNIX
#define PF_LOCAL	AF_LOCAL
#define PF_INET		AF_INET
#define PF_INET6	AF_INET6
#define PF_NETLINK	AF_NETLINK
#define PF_PACKET	AF_PACKET
#define PF_MAX		AF_MAX

#endif /* _LKMSH_LINUX_SOCKET_H */
