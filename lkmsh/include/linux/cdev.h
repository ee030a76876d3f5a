/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: struct cdev (<linux/cdev.h>): a character device's file operations
 * for a range of device numbers. cdev_add makes it live: opening a node with
 * one of its numbers calls its ->open. cdev_del takes it away again.
 * cdev_device_add() adds the cdev and its device together (the device's node
 * /dev/NAME and /sys/devices/NAME as device_add() makes them); cdev_device_del()
 * removes both.
 */
#ifndef _LKMSH_LINUX_CDEV_H
#define _LKMSH_LINUX_CDEV_H

#include <linux/kobject.h>
#include <linux/kdev_t.h>
#include <linux/list.h>

struct file_operations;
struct inode;
struct module;
struct device;

struct cdev {
	struct kobject kobj;
	struct module *owner;
	const struct file_operations *ops;
	struct list_head list;
	dev_t dev;
	unsigned int count;
};

void cdev_init(struct cdev *cdev, const struct file_operations *fops);
struct cdev *cdev_alloc(void);
int cdev_add(struct cdev *p, dev_t dev, unsigned count);
void cdev_set_parent(struct cdev *p, struct kobject *kobj);
void cdev_del(struct cdev *p);
int cdev_device_add(struct cdev *cdev, struct device *dev);
void cdev_device_del(struct cdev *cdev, struct device *dev);

#endif
