/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/fwnode.h>: struct fwnode_handle, as Linux 6.1 lays it out. */
#ifndef _LKMSH_LINUX_FWNODE_H
#define _LKMSH_LINUX_FWNODE_H

#include <linux/types.h>

struct fwnode_operations;
struct device;

struct fwnode_handle {
	struct fwnode_handle *secondary;
	const struct fwnode_operations *ops;
	struct device *dev;
	struct list_head suppliers;
	struct list_head consumers;
	u8 flags;
};

#endif /* _LKMSH_LINUX_FWNODE_H */
