/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/netlink.h>: the netlink message header and its macros (uapi), and the
 * parameters a netlink skb carries in skb->cb (NETLINK_CB), as Linux 6.1. lkmsh has
 * no netlink sockets: these are what the connector's callbacks are handed.
 */
#ifndef _LKMSH_LINUX_NETLINK_H
#define _LKMSH_LINUX_NETLINK_H

#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/skbuff.h>

#define NETLINK_ROUTE		0
#define NETLINK_USERSOCK	2
#define NETLINK_CONNECTOR	11
#define NETLINK_GENERIC		16

struct nlmsghdr {
	__u32		nlmsg_len;
	__u16		nlmsg_type;
	__u16		nlmsg_flags;
	__u32		nlmsg_seq;
	__u32		nlmsg_pid;
};

#define NLM_F_REQUEST		0x01
#define NLM_F_MULTI		0x02
#define NLM_F_ACK		0x04
#define NLM_F_ECHO		0x08

#define NLMSG_ALIGNTO	4U
#define NLMSG_ALIGN(len) (((len) + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1))
#define NLMSG_HDRLEN	 ((int) NLMSG_ALIGN(sizeof(struct nlmsghdr)))
#define NLMSG_LENGTH(len) ((len) + NLMSG_HDRLEN)
#define NLMSG_SPACE(len) NLMSG_ALIGN(NLMSG_LENGTH(len))
#define NLMSG_DATA(nlh)  ((void *)(((char *)nlh) + NLMSG_HDRLEN))

#define NLMSG_NOOP		0x1
#define NLMSG_ERROR		0x2
#define NLMSG_DONE		0x3
#define NLMSG_OVERRUN		0x4

struct scm_creds {
	u32	pid;
	kuid_t	uid;
	kgid_t	gid;
};

struct netlink_skb_parms {
	struct scm_creds	creds;		/* Skb credentials	*/
	__u32			portid;
	__u32			dst_group;
	__u32			flags;
	struct sock		*sk;
	bool			nsid_is_set;
	int			nsid;
};

#define NETLINK_CB(skb)		(*(struct netlink_skb_parms *)&((skb)->cb))
#define NETLINK_CREDS(skb)	(&NETLINK_CB((skb)).creds)

static inline struct nlmsghdr *nlmsg_hdr(const struct sk_buff *skb)
{
	return (struct nlmsghdr *)skb->data;
}

static inline void *nlmsg_data(const struct nlmsghdr *nlh)
{
	return (unsigned char *)nlh + NLMSG_HDRLEN;
}

#endif /* _LKMSH_LINUX_NETLINK_H */
