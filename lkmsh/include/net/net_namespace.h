/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <net/net_namespace.h> as Linux 6.1 without CONFIG_NET_NS: one
 * network namespace, init_net, which every device belongs to. possible_net_t
 * is then empty, write_pnet() does nothing and read_pnet() is &init_net.
 * struct net holds a few of Linux's first members; modules use only its
 * address.
 */
#ifndef _LKMSH_NET_NET_NAMESPACE_H
#define _LKMSH_NET_NET_NAMESPACE_H

#include <linux/types.h>
#include <linux/refcount.h>

struct net {
	refcount_t		passive;
	unsigned int		dev_base_seq;
	int			ifindex;
};

extern struct net init_net;

typedef struct {
} possible_net_t;

static inline void write_pnet(possible_net_t *pnet, struct net *net)
{
}

static inline struct net *read_pnet(const possible_net_t *pnet)
{
	return &init_net;
}

static inline bool net_eq(const struct net *net1, const struct net *net2)
{
	return 1;
}

static inline struct net *get_net(struct net *net)
{
	return net;
}

static inline void put_net(struct net *net)
{
}

#endif
