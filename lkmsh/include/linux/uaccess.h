/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/uaccess.h>, minimal. lkmsh has no user space: the only
 * readers are the shell's /proc reads, which go through seq_file. For code
 * written against Linux's interface, copy_{to,from}_user copy between two
 * kernel buffers and return the number of bytes NOT copied (always 0).
 */
#ifndef _LKMSH_LINUX_UACCESS_H
#define _LKMSH_LINUX_UACCESS_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/string.h>

static inline unsigned long __must_check
copy_to_user(void __user *to, const void *from, unsigned long n)
{
	memcpy((void __force *)to, from, n);
	return 0;
}

static inline unsigned long __must_check
copy_from_user(void *to, const void __user *from, unsigned long n)
{
	memcpy(to, (const void __force *)from, n);
	return 0;
}

#endif
