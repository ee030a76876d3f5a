/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/nmi.h> as Linux 6.1 with the soft-lockup and hung-task
 * detectors (lkmsh has both, in virtual time) and no hard-lockup detector:
 * touch_softlockup_watchdog() starts the running code's soft-lockup count
 * again; touch_nmi_watchdog() does the same (there is no NMI watchdog to
 * touch), inline as in Linux.
 */
#ifndef _LKMSH_LINUX_NMI_H
#define _LKMSH_LINUX_NMI_H

#include <linux/sched.h>

extern int watchdog_thresh;

void touch_softlockup_watchdog(void);
void touch_softlockup_watchdog_sched(void);	/* not exported by Linux 6.1 */
void touch_softlockup_watchdog_sync(void);	/* not exported by Linux 6.1 */
void touch_all_softlockup_watchdogs(void);	/* not exported by Linux 6.1 */

void reset_hung_task_detector(void);

static inline void lockup_detector_init(void) { }
static inline void lockup_detector_soft_poweroff(void) { }
static inline void lockup_detector_cleanup(void) { }
static inline void hardlockup_detector_disable(void) { }
static inline void arch_touch_nmi_watchdog(void) { }

static inline void touch_nmi_watchdog(void)
{
	arch_touch_nmi_watchdog();
	touch_softlockup_watchdog();
}

static inline bool trigger_all_cpu_backtrace(void) { return false; }
static inline bool trigger_allbutself_cpu_backtrace(void) { return false; }
static inline bool trigger_cpumask_backtrace(struct cpumask *mask) { return false; }
static inline bool trigger_single_cpu_backtrace(int cpu) { return false; }

#endif
