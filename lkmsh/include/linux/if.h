/* SPDX-License-Identifier: MIT */
/* lkmsh: interface flags and names, as Linux's <uapi/linux/if.h>. */
#ifndef _LKMSH_LINUX_IF_H
#define _LKMSH_LINUX_IF_H

#define	IFNAMSIZ	16
#define	IFALIASZ	256

#define IFF_UP		(1 << 0)
#define IFF_BROADCAST	(1 << 1)
#define IFF_DEBUG	(1 << 2)
#define IFF_LOOPBACK	(1 << 3)
#define IFF_POINTOPOINT	(1 << 4)
#define IFF_NOTRAILERS	(1 << 5)
#define IFF_RUNNING	(1 << 6)
#define IFF_NOARP	(1 << 7)
#define IFF_PROMISC	(1 << 8)
#define IFF_ALLMULTI	(1 << 9)
#define IFF_MASTER	(1 << 10)
#define IFF_SLAVE	(1 << 11)
#define IFF_MULTICAST	(1 << 12)
#define IFF_PORTSEL	(1 << 13)
#define IFF_AUTOMEDIA	(1 << 14)
#define IFF_DYNAMIC	(1 << 15)
#define IFF_LOWER_UP	(1 << 16)
#define IFF_DORMANT	(1 << 17)
#define IFF_ECHO	(1 << 18)

struct ifmap {
	unsigned long mem_start;
	unsigned long mem_end;
	unsigned short base_addr;
	unsigned char irq;
	unsigned char dma;
	unsigned char port;
};

struct ifreq;

#endif
