/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: the kernel's basic types, as Linux's <linux/types.h>. Freestanding:
 * no libc header is used; sizes are those of x86-64 (LP64).
 */
#ifndef _LKMSH_LINUX_TYPES_H
#define _LKMSH_LINUX_TYPES_H

#include <linux/compiler.h>
#include <linux/stddef.h>

#ifndef __ASSEMBLY__

#ifndef DECLARE_BITMAP	/* BITS_TO_LONGS is <linux/bitops.h>'s, as in Linux */
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]
#endif

typedef signed char		__s8;
typedef unsigned char		__u8;
typedef signed short		__s16;
typedef unsigned short		__u16;
typedef signed int		__s32;
typedef unsigned int		__u32;
typedef signed long long	__s64;
typedef unsigned long long	__u64;

typedef __s8	s8;
typedef __u8	u8;
typedef __s16	s16;
typedef __u16	u16;
typedef __s32	s32;
typedef __u32	u32;
typedef __s64	s64;
typedef __u64	u64;

typedef __u16	__le16;
typedef __u16	__be16;
typedef __u32	__le32;
typedef __u32	__be32;
typedef __u64	__le64;
typedef __u64	__be64;
typedef __u16	__sum16;
typedef __u32	__wsum;

typedef __SIZE_TYPE__		size_t;
typedef long			ssize_t;
/* <uapi/asm-generic/posix_types.h>: what the string functions' prototypes are written with */
typedef unsigned long		__kernel_ulong_t;
typedef long			__kernel_long_t;
typedef __kernel_ulong_t	__kernel_size_t;
typedef __kernel_long_t		__kernel_ssize_t;
typedef __PTRDIFF_TYPE__	ptrdiff_t;
typedef unsigned long		uintptr_t;
typedef long			intptr_t;

typedef _Bool			bool;

typedef unsigned char		u_char;
typedef unsigned short		u_short;
typedef unsigned int		u_int;
typedef unsigned long		u_long;
typedef unsigned char		unchar;
typedef unsigned short		ushort;
typedef unsigned int		uint;
typedef unsigned long		ulong;

typedef u8			uint8_t;
typedef u16			uint16_t;
typedef u32			uint32_t;
typedef u64			uint64_t;
typedef s8			int8_t;
typedef s16			int16_t;
typedef s32			int32_t;
typedef s64			int64_t;

typedef long long		loff_t;
typedef unsigned short		umode_t;
typedef u32			__kernel_dev_t;
typedef __kernel_dev_t		dev_t;
typedef unsigned int		fmode_t;
typedef unsigned int		__poll_t;
typedef int			pid_t;
typedef unsigned int		uid_t;
typedef unsigned int		gid_t;
typedef long			time64_t;
typedef u64			sector_t;
typedef unsigned long		pgoff_t;
typedef u64			phys_addr_t;
typedef phys_addr_t		resource_size_t;
typedef u64			dma_addr_t;

/* Allocation flags (values in <linux/gfp.h>). */
typedef unsigned int		gfp_t;

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	s64 counter;
} atomic64_t;

typedef atomic64_t atomic_long_t;

struct list_head {
	struct list_head *next, *prev;
};

struct hlist_head {
	struct hlist_node *first;
};

struct hlist_node {
	struct hlist_node *next, **pprev;
};

typedef int (*initcall_t)(void);
typedef void (*exitcall_t)(void);

#endif /* !__ASSEMBLY__ */

#endif
