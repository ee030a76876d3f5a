/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <net/sock.h>: struct sock's first fields a module reads. lkmsh has no socket
 * layer, so no struct sock exists for a module to be handed (see <linux/net.h>).
 */
#ifndef _LKMSH_NET_SOCK_H
#define _LKMSH_NET_SOCK_H

#include <linux/types.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/netlink.h>

struct sock {
	unsigned short		sk_family;
	unsigned short		sk_type;
	unsigned short		sk_protocol;
	struct socket		*sk_socket;
	void			*sk_user_data;
};

#endif /* _LKMSH_NET_SOCK_H */
