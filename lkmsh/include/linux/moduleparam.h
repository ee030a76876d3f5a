/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: module parameters, with Linux's macros (<linux/moduleparam.h>).
 *
 * module_param(name, type, perm) produces, as Linux:
 *   - a .modinfo record "parmtype=name:type" (e.g. "parmtype=who:charp",
 *     "parmtype=nums:array of int"), and
 *   - a struct kernel_param in section "__param" naming the variable.
 * lkmsh's struct kernel_param carries a type code instead of Linux's ops
 * pointer (layout in docs/abi.md). Supported types: byte, short, ushort, int,
 * uint, long, ulong, bool, invbool, charp, and arrays of them.
 */
#ifndef _LKMSH_LINUX_MODULEPARAM_H
#define _LKMSH_LINUX_MODULEPARAM_H

#include <linux/compiler.h>
#include <linux/stringify.h>
#include <linux/types.h>
#include <linux/stat.h>

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

/* lkmsh type codes of struct kernel_param.type (docs/abi.md). */
enum lkmsh_param_type {
	LKMSH_PARAM_byte	= 1,
	LKMSH_PARAM_short	= 2,
	LKMSH_PARAM_ushort	= 3,
	LKMSH_PARAM_int		= 4,
	LKMSH_PARAM_uint	= 5,
	LKMSH_PARAM_long	= 6,
	LKMSH_PARAM_ulong	= 7,
	LKMSH_PARAM_bool	= 8,
	LKMSH_PARAM_invbool	= 9,
	LKMSH_PARAM_charp	= 10,
};

struct kernel_param {
	const char *name;		/*  0 */
	void *arg;			/*  8: the variable, or the array */
	unsigned int type;		/* 16: enum lkmsh_param_type */
	unsigned short perm;		/* 20: sysfs mode */
	unsigned short elem_size;	/* 22: bytes per element */
	unsigned int max;		/* 24: array capacity, 0 for scalars */
	unsigned int pad;		/* 28 */
	unsigned int *num;		/* 32: where an array's count goes, or NULL */
};

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
#define param_check_bool(name, p)	__param_check(name, p, bool)
#define param_check_invbool(name, p)	__param_check(name, p, bool)
#define param_check_charp(name, p)	__param_check(name, p, char *)

#define __lkmsh_module_param(_name, _var, _type, _perm, _esize, _cap, _nump) \
	static const char __param_str_##_name[] = MODULE_PARAM_PREFIX #_name; \
	static const struct kernel_param __param_##_name		\
		__used __section("__param") __aligned(8) = {		\
		.name = __param_str_##_name,				\
		.arg = (void *)(_var),					\
		.type = LKMSH_PARAM_##_type,				\
		.perm = (_perm),					\
		.elem_size = (_esize),					\
		.max = (_cap),						\
		.pad = 0,						\
		.num = (_nump),						\
	}

/* A parameter called @name for the variable @value. */
#define module_param_named(name, value, type, perm)			\
	param_check_##type(name, &(value));				\
	__lkmsh_module_param(name, &(value), type, perm, sizeof(value), 0, NULL); \
	__MODULE_PARM_TYPE(name, #type)

#define module_param(name, type, perm)					\
	module_param_named(name, name, type, perm)

/*
 * An array parameter: "insmod m.ko nums=1,2,3". @nump (an unsigned int *,
 * or NULL) receives the number of values given.
 */
#define module_param_array_named(name, array, type, nump, perm)	\
	param_check_##type(name, &(array)[0]);				\
	__lkmsh_module_param(name, array, type, perm, sizeof((array)[0]), \
			     ARRAY_SIZE(array), nump);			\
	__MODULE_PARM_TYPE(name, "array of " #type)

#define module_param_array(name, type, nump, perm)			\
	module_param_array_named(name, name, type, nump, perm)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(arr)	(sizeof(arr) / sizeof((arr)[0]))
#endif

#endif /* !__ASSEMBLY__ */

#endif
