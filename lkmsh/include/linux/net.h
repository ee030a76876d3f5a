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
#include <linux/printk.h>

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

/* net/core/utils.c: one limit every networking message shares (10 each 5 s) */
int net_ratelimit(void);

#define net_ratelimited_function(function, ...)			\
do {								\
	if (net_ratelimit())					\
		function(__VA_ARGS__);				\
} while (0)

#define net_emerg_ratelimited(fmt, ...)				\
	net_ratelimited_function(pr_emerg, fmt, ##__VA_ARGS__)
#define net_alert_ratelimited(fmt, ...)				\
	net_ratelimited_function(pr_alert, fmt, ##__VA_ARGS__)
#define net_crit_ratelimited(fmt, ...)				\
	net_ratelimited_function(pr_crit, fmt, ##__VA_ARGS__)
#define net_err_ratelimited(fmt, ...)				\
	net_ratelimited_function(pr_err, fmt, ##__VA_ARGS__)
#define net_notice_ratelimited(fmt, ...)			\
	net_ratelimited_function(pr_notice, fmt, ##__VA_ARGS__)
#define net_warn_ratelimited(fmt, ...)				\
	net_ratelimited_function(pr_warn, fmt, ##__VA_ARGS__)
#define net_info_ratelimited(fmt, ...)				\
	net_ratelimited_function(pr_info, fmt, ##__VA_ARGS__)

#endif /* _LKMSH_LINUX_NET_H */
