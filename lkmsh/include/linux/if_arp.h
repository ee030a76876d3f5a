/* SPDX-License-Identifier: MIT */
/* lkmsh: link types (dev->type), as Linux's <uapi/linux/if_arp.h>. */
#ifndef _LKMSH_LINUX_IF_ARP_H
#define _LKMSH_LINUX_IF_ARP_H

#define ARPHRD_NETROM	0
#define ARPHRD_ETHER	1
#define ARPHRD_LOOPBACK	772
#define ARPHRD_NONE	0xFFFE
#define ARPHRD_VOID	0xFFFF

#endif
