/* SPDX-License-Identifier: MIT */
/*
 * WARN_ON() for the kernel library's sources written on the module headers:
 * WARN_ON_ONCE's flag would live in the read-only image, so it warns every
 * time, with Linux's "WARNING: at FILE:LINE FUNC()" line.
 */
#ifndef _LKMSH_KLIB_WARN_H
#define _LKMSH_KLIB_WARN_H

#define KLIB_WARN_ON(c) ({						\
	bool __c = !!(c);						\
	if (unlikely(__c))						\
		__warn_printk("WARNING: at %s:%d %s()\n",		\
			      __FILE__, __LINE__, __func__);		\
	__c;								\
})

#endif
