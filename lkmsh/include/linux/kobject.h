/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: kernel objects, ksets and ktypes, as Linux 6.1's <linux/kobject.h>.
 *
 * struct kobject (64 bytes), struct kobj_type (48), struct kset (96) and
 * struct kobj_attribute (32) have Linux's layout. Each kobject added is a
 * directory of /sys (under its parent, its kset, or /sys itself); the last
 * kobject_put() removes it and calls its ktype's release(). Objects made by
 * kobject_create_and_add() and kset_create_and_add() are the kernel's and
 * freed by it.
 */
#ifndef _LKMSH_LINUX_KOBJECT_H
#define _LKMSH_LINUX_KOBJECT_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/list.h>
#include <linux/sysfs.h>
#include <linux/kref.h>
#include <linux/spinlock_types.h>

#ifndef __ASSEMBLY__

#define UEVENT_HELPER_PATH_LEN		256
#define UEVENT_NUM_ENVP			64	/* number of env pointers */
#define UEVENT_BUFFER_SIZE		2048	/* buffer for the variables */

enum kobject_action {
	KOBJ_ADD,
	KOBJ_REMOVE,
	KOBJ_CHANGE,
	KOBJ_MOVE,
	KOBJ_ONLINE,
	KOBJ_OFFLINE,
	KOBJ_BIND,
	KOBJ_UNBIND,
};

struct kernfs_node;
struct kset;
struct kobj_type;

struct kobject {
	const char		*name;		/*  0 */
	struct list_head	entry;		/*  8 */
	struct kobject		*parent;	/* 24 */
	struct kset		*kset;		/* 32 */
	const struct kobj_type	*ktype;		/* 40 */
	struct kernfs_node	*sd;		/* 48: sysfs directory entry */
	struct kref		kref;		/* 56 */
	unsigned int state_initialized:1;	/* 60 */
	unsigned int state_in_sysfs:1;
	unsigned int state_add_uevent_sent:1;
	unsigned int state_remove_uevent_sent:1;
	unsigned int uevent_suppress:1;
};

extern __printf(2, 3)
int kobject_set_name(struct kobject *kobj, const char *name, ...);

static inline const char *kobject_name(const struct kobject *kobj)
{
	return kobj->name;
}

extern void kobject_init(struct kobject *kobj, const struct kobj_type *ktype);
extern __printf(3, 4) __must_check
int kobject_add(struct kobject *kobj, struct kobject *parent,
		const char *fmt, ...);
extern __printf(4, 5) __must_check
int kobject_init_and_add(struct kobject *kobj,
			 const struct kobj_type *ktype,
			 struct kobject *parent,
			 const char *fmt, ...);

extern void kobject_del(struct kobject *kobj);

extern struct kobject * __must_check kobject_create_and_add(const char *name,
						struct kobject *parent);

extern struct kobject *kobject_get(struct kobject *kobj);
extern struct kobject * __must_check kobject_get_unless_zero(struct kobject *kobj);
extern void kobject_put(struct kobject *kobj);

extern char *kobject_get_path(const struct kobject *kobj, gfp_t flag);

struct kobj_type {
	void (*release)(struct kobject *kobj);			/*  0 */
	const struct sysfs_ops *sysfs_ops;			/*  8 */
	const struct attribute_group **default_groups;		/* 16 */
	const struct kobj_ns_type_operations *(*child_ns_type)(struct kobject *kobj); /* 24 */
	const void *(*namespace)(struct kobject *kobj);	/* 32 */
	void (*get_ownership)(struct kobject *kobj, void *uid, void *gid); /* 40 */
};

struct kobj_uevent_env {
	char *argv[3];
	char *envp[UEVENT_NUM_ENVP];
	int envp_idx;
	char buf[UEVENT_BUFFER_SIZE];
	int buflen;
};

struct kset_uevent_ops {
	int (* const filter)(struct kobject *kobj);
	const char *(* const name)(struct kobject *kobj);
	int (* const uevent)(struct kobject *kobj, struct kobj_uevent_env *env);
};

struct kobj_attribute {
	struct attribute attr;					/*  0 */
	ssize_t (*show)(struct kobject *kobj, struct kobj_attribute *attr,
			char *buf);				/* 16 */
	ssize_t (*store)(struct kobject *kobj, struct kobj_attribute *attr,
			 const char *buf, size_t count);	/* 24 */
};

extern const struct sysfs_ops kobj_sysfs_ops;

struct kset {
	struct list_head list;					/*  0 */
	spinlock_t list_lock;					/* 16 */
	struct kobject kobj;					/* 24 */
	const struct kset_uevent_ops *uevent_ops;		/* 88 */
};

extern void kset_init(struct kset *kset);
extern int __must_check kset_register(struct kset *kset);
extern void kset_unregister(struct kset *kset);
extern struct kset * __must_check kset_create_and_add(const char *name,
						const struct kset_uevent_ops *u,
						struct kobject *parent_kobj);

static inline struct kset *to_kset(struct kobject *kobj)
{
	return kobj ? container_of(kobj, struct kset, kobj) : NULL;
}

static inline struct kset *kset_get(struct kset *k)
{
	return k ? to_kset(kobject_get(&k->kobj)) : NULL;
}

static inline void kset_put(struct kset *k)
{
	kobject_put(&k->kobj);
}

static inline const struct kobj_type *get_ktype(struct kobject *kobj)
{
	return kobj->ktype;
}

extern struct kobject *kset_find_obj(struct kset *, const char *);

/* The kobject for /sys/kernel/ */
extern struct kobject *kernel_kobj;
/* The kobject for /sys/kernel/mm/ */
extern struct kobject *mm_kobj;
/* The kobject for /sys/hypervisor/ */
extern struct kobject *hypervisor_kobj;
/* The kobject for /sys/power/ */
extern struct kobject *power_kobj;
/* The kobject for /sys/firmware/ */
extern struct kobject *firmware_kobj;
/* The kobject for /sys/fs/ (Linux declares it in <linux/fs.h>) */
extern struct kobject *fs_kobj;

int kobject_uevent(struct kobject *kobj, enum kobject_action action);
int kobject_uevent_env(struct kobject *kobj, enum kobject_action action,
			char *envp[]);
__printf(2, 3)
int add_uevent_var(struct kobj_uevent_env *env, const char *format, ...);

#endif /* !__ASSEMBLY__ */

#endif
