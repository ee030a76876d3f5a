/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/net.h>: struct socket as far as a module names it. lkmsh has no socket
 * layer (no sock_create, no protocol families), so no module ever holds a socket;
 * sock_release of anything is reported as a WARNING.
 */
#ifndef _LKMSH_LINUX_NET_H
#define _LKMSH_LINUX_NET_H

#include <linux/types.h>
#include <linux/socket.h>

struct sock;
struct file;
struct proto_ops;

typedef enum {
	SS_FREE = 0,
	SS_UNCONNECTED,
	SS_CONNECTING,
	SS_CONNECTED,
	SS_DISCONNECTING
} socket_state;

struct socket {
	socket_state		state;
	short			type;
	unsigned long		flags;
	struct file		*file;
	struct sock		*sk;
	const struct proto_ops	*ops;
};

void sock_release(struct socket *sock);

#endif /* _LKMSH_LINUX_NET_H */
