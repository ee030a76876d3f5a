/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: misc devices (<linux/miscdevice.h>): character devices of major 10
 * with one minor each. misc_register() gives MISC_DYNAMIC_MINOR a free minor
 * (from 127 down, as Linux) and makes /dev/NAME; open() sets
 * file->private_data to the struct miscdevice before calling fops->open.
 */
#ifndef _LKMSH_LINUX_MISCDEVICE_H
#define _LKMSH_LINUX_MISCDEVICE_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/device.h>

#define MISC_MAJOR		10
#define MISC_DYNAMIC_MINOR	255

struct file_operations;
struct attribute_group;

struct miscdevice  {
	int minor;
	const char *name;
	const struct file_operations *fops;
	struct list_head list;
	struct device *parent;
	struct device *this_device;
	const struct attribute_group **groups;
	const char *nodename;
	umode_t mode;
};

extern int misc_register(struct miscdevice *misc);
extern void misc_deregister(struct miscdevice *misc);

#define module_misc_device(__misc_device)				\
	static int __init __misc_device##_init(void)			\
	{ return misc_register(&(__misc_device)); }			\
	module_init(__misc_device##_init);				\
	static void __exit __misc_device##_exit(void)			\
	{ misc_deregister(&(__misc_device)); }				\
	module_exit(__misc_device##_exit);

#endif
