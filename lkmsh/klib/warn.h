/* SPDX-License-Identifier: MIT */
/*
 * WARN_ON() for the kernel library's sources written on the module headers:
 * WARN_ON_ONCE's flag would live in the read-only image, so it warns every
 * time, through warn_slowpath_fmt() (Linux's WARN where no trap reports it):
 * "WARNING: CPU: 0 PID: 1 at FILE:LINE func+0x../0x..".
 */
#ifndef _LKMSH_KLIB_WARN_H
#define _LKMSH_KLIB_WARN_H

#include <linux/panic.h>	/* TAINT_WARN */

__printf(4, 5) void warn_slowpath_fmt(const char *file, const int line, unsigned taint,
				      const char *fmt, ...);

#define KLIB_WARN_ON(c) ({						\
	bool __c = !!(c);						\
	if (unlikely(__c))						\
		warn_slowpath_fmt(__FILE__, __LINE__, TAINT_WARN, NULL); \
	__c;								\
})

#endif
