/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: reading the clocks (<linux/timekeeping.h>). ktime_get*() is the
 * monotonic clock since boot, ktime_get_real_ns() the wall clock.
 */
#ifndef _LKMSH_LINUX_TIMEKEEPING_H
#define _LKMSH_LINUX_TIMEKEEPING_H

#include <linux/types.h>

typedef s64 ktime_t;	/* also in <linux/ktime.h>; C11 allows the repeat */

ktime_t ktime_get(void);
u64 ktime_get_ns(void);
u64 ktime_get_real_ns(void);

#define ktime_get_mono_fast_ns()	ktime_get_ns()
#define ktime_get_boottime_ns()		ktime_get_ns()
#define ktime_get_seconds()		((time64_t)(ktime_get_ns() / 1000000000ULL))
#define ktime_get_real_seconds()	((time64_t)(ktime_get_real_ns() / 1000000000ULL))

#endif
