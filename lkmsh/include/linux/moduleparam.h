/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: module parameters, as Linux 6.1's <linux/moduleparam.h>.
 *
 * module_param(name, type, perm) produces, as Linux:
 *   - a .modinfo record "parmtype=name:type" (e.g. "parmtype=who:charp",
 *     "parmtype=nums:array of int"), and
 *   - a struct kernel_param in section "__param" whose ops are the
 *     kernel's param_ops_<type> (module_param_cb: your own ops).
 * Layouts are Linux's: struct kernel_param (40 bytes), struct
 * kernel_param_ops (32), struct kparam_string (16), struct kparam_array (32).
 * With a non-zero perm the parameter is /sys/module/NAME/parameters/NAME,
 * read through ops->get and (if writable) written through ops->set.
 */
#ifndef _LKMSH_LINUX_MODULEPARAM_H
#define _LKMSH_LINUX_MODULEPARAM_H

#include <linux/compiler.h>
#include <linux/stringify.h>
#include <linux/types.h>
#include <linux/stat.h>
#include <linux/kernel.h>

#ifndef __ASSEMBLY__

/* Modules' parameters have no prefix ("name", not "module.name"). */
#define MODULE_PARAM_PREFIX	""

#define __MODULE_INFO_PREFIX	""

/* One .modinfo record "tag=info", in its own uniquely named array. */
#define __MODULE_INFO(tag, name, info)					\
	static const char __UNIQUE_ID(name)[]				\
		__used __section(".modinfo") __aligned(1)		\
		= __MODULE_INFO_PREFIX __stringify(tag) "=" info

#define __MODULE_PARM_TYPE(name, _type)					\
	__MODULE_INFO(parmtype, name##type, #name ":" _type)

/* One-line description of a parameter: "parm=name:desc". */
#define MODULE_PARM_DESC(_parm, desc)					\
	__MODULE_INFO(parm, _parm, #_parm ":" desc)

struct kernel_param;
struct module;

/*
 * Flags available for kernel_param_ops
 *
 * NOARG - the parameter allows for no argument (foo instead of foo=1)
 */
enum {
	KERNEL_PARAM_OPS_FL_NOARG = (1 << 0)
};

struct kernel_param_ops {
	/* How the ops should behave */
	unsigned int flags;						/*  0 */
	/* Returns 0, or -errno.  arg is in kp->arg. */
	int (*set)(const char *val, const struct kernel_param *kp);	/*  8 */
	/* Returns length written or -errno.  Buffer is 4k (ie. be short!) */
	int (*get)(char *buffer, const struct kernel_param *kp);	/* 16 */
	/* Optional function to free kp->arg when module unloaded. */
	void (*free)(void *arg);					/* 24 */
};

/*
 * Flags available for kernel_param
 *
 * UNSAFE - the parameter is dangerous and setting it will taint the kernel
 * HWPARAM - Hardware param not permitted in lockdown mode
 */
enum {
	KERNEL_PARAM_FL_UNSAFE	= (1 << 0),
	KERNEL_PARAM_FL_HWPARAM	= (1 << 1),
};

struct kernel_param {
	const char *name;				/*  0 */
	struct module *mod;				/*  8 */
	const struct kernel_param_ops *ops;		/* 16 */
	const u16 perm;					/* 24 */
	s8 level;					/* 26 */
	u8 flags;					/* 27 */
	union {						/* 32 */
		void *arg;
		const struct kparam_string *str;
		const struct kparam_array *arr;
	};
};

/* Special one for strings we want to copy into */
struct kparam_string {
	unsigned int maxlen;				/*  0 */
	char *string;					/*  8 */
};

/* Special one for arrays */
struct kparam_array {
	unsigned int max;				/*  0 */
	unsigned int elemsize;				/*  4 */
	unsigned int *num;				/*  8 */
	const struct kernel_param_ops *ops;		/* 16 */
	void *elem;					/* 24 */
};


extern struct module __this_module;

/* This is the fundamental function for registering boot/module parameters. */
#define __module_param_call(prefix, name, ops, arg, perm, level, flags)	\
	/* Default value instead of permissions? */			\
	static const char __param_str_##name[] = prefix #name;		\
	static const struct kernel_param __param_##name			\
	__used __section("__param")					\
	__aligned(__alignof__(struct kernel_param))			\
	= { __param_str_##name, &__this_module, ops,			\
	    VERIFY_OCTAL_PERMISSIONS(perm), level, flags, { arg } }

/* A parameter whose set and get are @ops (struct kernel_param_ops). */
#define module_param_cb(name, ops, arg, perm)				\
	__module_param_call(MODULE_PARAM_PREFIX, name, ops, arg, perm, -1, 0)

#define module_param_cb_unsafe(name, ops, arg, perm)			\
	__module_param_call(MODULE_PARAM_PREFIX, name, ops, arg, perm, -1, \
			    KERNEL_PARAM_FL_UNSAFE)

/* As Linux: a parameter's variable must have the type its name says. */
#define __param_check(name, p, type)					\
	static inline type __always_unused *__check_##name(void) { return (p); }

#define param_check_byte(name, p)	__param_check(name, p, unsigned char)
#define param_check_short(name, p)	__param_check(name, p, short)
#define param_check_ushort(name, p)	__param_check(name, p, unsigned short)
#define param_check_int(name, p)	__param_check(name, p, int)
#define param_check_uint(name, p)	__param_check(name, p, unsigned int)
#define param_check_long(name, p)	__param_check(name, p, long)
#define param_check_ulong(name, p)	__param_check(name, p, unsigned long)
#define param_check_ullong(name, p)	__param_check(name, p, unsigned long long)
#define param_check_hexint(name, p)	param_check_uint(name, p)
#define param_check_charp(name, p)	__param_check(name, p, char *)
#define param_check_bool(name, p)	__param_check(name, p, bool)
#define param_check_bool_enable_only	param_check_bool
#define param_check_invbool(name, p)	__param_check(name, p, bool)

/* A parameter called @name for the variable @value. */
#define module_param_named(name, value, type, perm)			\
	param_check_##type(name, &(value));				\
	module_param_cb(name, &param_ops_##type, &value, perm);		\
	__MODULE_PARM_TYPE(name, #type)

#define module_param_named_unsafe(name, value, type, perm)		\
	param_check_##type(name, &(value));				\
	module_param_cb_unsafe(name, &param_ops_##type, &value, perm);	\
	__MODULE_PARM_TYPE(name, #type)

#define module_param(name, type, perm)					\
	module_param_named(name, name, type, perm)

#define module_param_unsafe(name, type, perm)				\
	module_param_named_unsafe(name, name, type, perm)

/* A char array parameter: copied into @string (at most @len bytes with its NUL). */
#define module_param_string(name, string, len, perm)			\
	static const struct kparam_string __param_string_##name		\
		= { len, string };					\
	__module_param_call(MODULE_PARAM_PREFIX, name,			\
			    &param_ops_string,				\
			    .str = &__param_string_##name, perm, -1, 0);\
	__MODULE_PARM_TYPE(name, "string")

#define __param_ops(type)						\
	extern const struct kernel_param_ops param_ops_##type;		\
	extern int param_set_##type(const char *val, const struct kernel_param *kp); \
	extern int param_get_##type(char *buffer, const struct kernel_param *kp)

__param_ops(byte);
__param_ops(short);
__param_ops(ushort);
__param_ops(int);
__param_ops(uint);
__param_ops(long);
__param_ops(ulong);
__param_ops(ullong);
__param_ops(hexint);
__param_ops(charp);
__param_ops(bool);
__param_ops(invbool);
extern void param_free_charp(void *arg);
extern const struct kernel_param_ops param_ops_bool_enable_only;
extern int param_set_bool_enable_only(const char *val, const struct kernel_param *kp);
#define param_get_bool_enable_only param_get_bool

/* An int, which can only be set like a bool (though it shows as an int). */
extern const struct kernel_param_ops param_ops_bint;
extern int param_set_bint(const char *val, const struct kernel_param *kp);
#define param_get_bint param_get_int
#define param_check_bint param_check_int

extern const struct kernel_param_ops param_array_ops;

extern const struct kernel_param_ops param_ops_string;
extern int param_set_copystring(const char *val, const struct kernel_param *kp);
extern int param_get_string(char *buffer, const struct kernel_param *kp);

/*
 * An array parameter: "insmod m.ko nums=1,2,3". @nump (an unsigned int *,
 * or NULL) receives the number of values given.
 */
#define module_param_array_named(name, array, type, nump, perm)	\
	param_check_##type(name, &(array)[0]);				\
	static const struct kparam_array __param_arr_##name		\
	= { .max = ARRAY_SIZE(array), .num = nump,			\
	    .ops = &param_ops_##type,					\
	    .elemsize = sizeof(array[0]), .elem = array };		\
	__module_param_call(MODULE_PARAM_PREFIX, name,			\
			    &param_array_ops,				\
			    .arr = &__param_arr_##name,			\
			    perm, -1, 0);				\
	__MODULE_PARM_TYPE(name, "array of " #type)

#define module_param_array(name, type, nump, perm)			\
	module_param_array_named(name, name, type, nump, perm)

/*
 * Hardware parameters (an I/O port, an IRQ, ...): flagged KERNEL_PARAM_FL_HWPARAM,
 * which only a locked-down kernel acts on; @hwtype must be one of Linux's.
 */
enum hwparam_type {
	hwparam_ioport,		/* Module parameter configures an I/O port */
	hwparam_iomem,		/* Module parameter configures an I/O mem address */
	hwparam_ioport_or_iomem, /* Module parameter could be either, depending on other option */
	hwparam_irq,		/* Module parameter configures an IRQ */
	hwparam_dma,		/* Module parameter configures a DMA channel */
	hwparam_dma_addr,	/* Module parameter configures a DMA buffer address */
	hwparam_other,		/* Module parameter configures some other value */
};

#define module_param_hw_named(name, value, type, hwtype, perm)		\
	param_check_##type(name, &(value));				\
	__module_param_call(MODULE_PARAM_PREFIX, name,			\
			    &param_ops_##type, &value,			\
			    perm, -1,					\
			    KERNEL_PARAM_FL_HWPARAM | (hwparam_##hwtype & 0));	\
	__MODULE_PARM_TYPE(name, #type)

#define module_param_hw(name, type, hwtype, perm)		\
	module_param_hw_named(name, name, type, hwtype, perm)

#define module_param_hw_array(name, type, hwtype, nump, perm)		\
	param_check_##type(name, &(name)[0]);				\
	static const struct kparam_array __param_arr_##name		\
	= { .max = ARRAY_SIZE(name), .num = nump,			\
	    .ops = &param_ops_##type,					\
	    .elemsize = sizeof(name[0]), .elem = name };		\
	__module_param_call(MODULE_PARAM_PREFIX, name,			\
			    &param_array_ops,				\
			    .arr = &__param_arr_##name,			\
			    perm, -1,					\
			    KERNEL_PARAM_FL_HWPARAM | (hwparam_##hwtype & 0));	\
	__MODULE_PARM_TYPE(name, "array of " #type)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))
#endif

#endif /* !__ASSEMBLY__ */

#endif
