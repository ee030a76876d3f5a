/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: jiffies, the kernel's tick counter (<linux/jiffies.h>). lkmsh's
 * kernel ticks at HZ = 250 (Debian's CONFIG_HZ; docs/abi.md); jiffies is a
 * kernel data symbol the kernel advances with its clock.
 */
#ifndef _LKMSH_LINUX_JIFFIES_H
#define _LKMSH_LINUX_JIFFIES_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/limits.h>
#include <asm/timex.h>	/* get_cycles(), as Linux's jiffies.h brings it through <linux/timex.h> */

#define HZ		250
#define USER_HZ		100
#define MAX_JIFFY_OFFSET ((LONG_MAX >> 1) - 1)

extern volatile unsigned long jiffies;

u64 get_jiffies_64(void);
unsigned long msecs_to_jiffies(const unsigned int m);
unsigned long nsecs_to_jiffies(u64 n);
unsigned int jiffies_to_msecs(const unsigned long j);

#define usecs_to_jiffies(u)	msecs_to_jiffies(((u) + 999) / 1000)
#define secs_to_jiffies(s)	((unsigned long)(s) * HZ)

/* Wrap-safe comparisons, as Linux. */
#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)
#define time_after_eq(a, b)	((long)((a) - (b)) >= 0)
#define time_before_eq(a, b)	time_after_eq(b, a)
#define time_in_range(a, b, c)	(time_after_eq(a, b) && time_before_eq(a, c))
#define time_is_before_jiffies(a)	time_after(jiffies, a)
#define time_is_after_jiffies(a)	time_before(jiffies, a)

#endif
