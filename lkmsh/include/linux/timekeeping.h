/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: reading the clocks (<linux/timekeeping.h>). ktime_get*() is the
 * monotonic clock since boot, ktime_get_real_ns() the wall clock.
 */
#ifndef _LKMSH_LINUX_TIMEKEEPING_H
#define _LKMSH_LINUX_TIMEKEEPING_H

#include <linux/time64.h>
#include <linux/types.h>

typedef s64 ktime_t;	/* also in <linux/ktime.h>; C11 allows the repeat */

ktime_t ktime_get(void);
u64 ktime_get_ns(void);
u64 ktime_get_real_ns(void);
void ktime_get_ts64(struct timespec64 *ts);
void ktime_get_real_ts64(struct timespec64 *tv);

#define ktime_get_mono_fast_ns()	ktime_get_ns()
#define ktime_get_boottime_ns()		ktime_get_ns()
#define ktime_get_seconds()		((time64_t)(ktime_get_ns() / 1000000000ULL))
#define ktime_get_real_seconds()	((time64_t)(ktime_get_real_ns() / 1000000000ULL))

/* the coarse clock (the last tick's time, on Linux) and the NMI-safe boot clock:
 * lkmsh's monotonic clock is both, and it never suspends (boot == mono) */
static inline u64 ktime_get_coarse_ns(void)
{
	return ktime_get_ns();
}

static inline u64 ktime_get_boot_fast_ns(void)
{
	return ktime_get_ns();
}

#define ktime_get_boottime_ts64(ts)	ktime_get_ts64(ts)
#define ktime_get_raw_ts64(ts)		ktime_get_ts64(ts)
#define ktime_to_timespec64(kt)		ns_to_timespec64(kt)
#define timespec64_to_ktime(ts)		((ktime_t)timespec64_to_ns(&(ts)))

#endif
