/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/connector.h>: the netlink connector (drivers/connector) as Linux 6.1:
 * callbacks keyed by struct cb_id, messages (struct cn_msg) from user space handed to
 * them, cn_netlink_send to a group's listeners. /proc/net/connector lists the callbacks;
 * the shell's `cn send IDX.VAL TEXT` is user space sending one (samples/connector/ucon.c).
 */
#ifndef _LKMSH_LINUX_CONNECTOR_H
#define _LKMSH_LINUX_CONNECTOR_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/workqueue.h>
#include <net/sock.h>

/* uapi: the ids in use; CN_NETLINK_USERS and up are free for modules */
#define CN_IDX_PROC			0x1
#define CN_VAL_PROC			0x1
#define CN_IDX_CIFS			0x2
#define CN_VAL_CIFS			0x1
#define CN_W1_IDX			0x3
#define CN_W1_VAL			0x1
#define CN_IDX_V86D			0x4
#define CN_VAL_V86D_UVESAFB		0x1
#define CN_IDX_BB			0x5
#define CN_DST_IDX			0x6
#define CN_DST_VAL			0x1
#define CN_IDX_DM			0x7
#define CN_VAL_DM_USERSPACE_LOG		0x1
#define CN_IDX_DRBD			0x8
#define CN_VAL_DRBD			0x1
#define CN_KVP_IDX			0x9
#define CN_KVP_VAL			0x1
#define CN_VSS_IDX			0xA
#define CN_VSS_VAL			0x1

#define CN_NETLINK_USERS		11
#define CONNECTOR_MAX_MSG_SIZE		16384

struct cb_id {
	__u32 idx;
	__u32 val;
};

struct cn_msg {
	struct cb_id id;
	__u32 seq;
	__u32 ack;
	__u16 len;		/* Length of the following data */
	__u16 flags;
	__u8 data[];
};

#define CN_CBQ_NAMELEN		32

int cn_add_callback(const struct cb_id *id, const char *name,
		    void (*callback)(struct cn_msg *, struct netlink_skb_parms *));
void cn_del_callback(const struct cb_id *id);
int cn_netlink_send_mult(struct cn_msg *msg, u16 len, u32 portid, u32 group, gfp_t gfp_mask);
int cn_netlink_send(struct cn_msg *msg, u32 portid, u32 group, gfp_t gfp_mask);

#endif /* _LKMSH_LINUX_CONNECTOR_H */
