/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/sched/clock.h> as Linux 6.1 without
 * CONFIG_HAVE_UNSTABLE_SCHED_CLOCK: sched_clock() is the virtual clock in
 * nanoseconds since boot (what ktime_get_ns() reads), and local_clock() and
 * cpu_clock() are it, inline as in Linux.
 */
#ifndef _LKMSH_LINUX_SCHED_CLOCK_H
#define _LKMSH_LINUX_SCHED_CLOCK_H

#include <linux/smp.h>
#include <linux/types.h>

extern unsigned long long sched_clock(void);
extern u64 running_clock(void);		/* not exported by Linux 6.1 */
extern u64 sched_clock_cpu(int cpu);

static inline void sched_clock_tick(void) { }
static inline void clear_sched_clock_stable(void) { }
static inline void sched_clock_idle_sleep_event(void) { }
static inline void sched_clock_idle_wakeup_event(void) { }

static inline u64 cpu_clock(int cpu)
{
	return sched_clock();
}

static inline u64 local_clock(void)
{
	return sched_clock();
}

static inline void enable_sched_clock_irqtime(void) { }
static inline void disable_sched_clock_irqtime(void) { }

#endif
