/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: struct kobject (<linux/kobject.h>), in Linux 6.1's layout, as the
 * structures that embed one (struct cdev, struct device) need it.
 */
#ifndef _LKMSH_LINUX_KOBJECT_H
#define _LKMSH_LINUX_KOBJECT_H

#include <linux/types.h>

struct kset;
struct kobj_type;
struct kernfs_node;

#ifndef _LKMSH_KREF_DEFINED
#define _LKMSH_KREF_DEFINED
struct kref {
	struct {
		atomic_t refs;
	} refcount;
};
#endif

struct kobject {
	const char		*name;
	struct list_head	entry;
	struct kobject		*parent;
	struct kset		*kset;
	const struct kobj_type	*ktype;
	struct kernfs_node	*sd;
	struct kref		kref;
	unsigned int state_initialized:1;
	unsigned int state_in_sysfs:1;
	unsigned int state_add_uevent_sent:1;
	unsigned int state_remove_uevent_sent:1;
	unsigned int uevent_suppress:1;
};

static inline const char *kobject_name(const struct kobject *kobj)
{
	return kobj->name;
}

#endif
