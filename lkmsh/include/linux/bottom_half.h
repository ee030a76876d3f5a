/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/bottom_half.h>. lkmsh runs softirqs (timers, tasklets) only
 * between tasks, never inside running code, so disabling them around a
 * critical section is a compiler barrier, as preempt_disable() is.
 */
#ifndef _LKMSH_LINUX_BOTTOM_HALF_H
#define _LKMSH_LINUX_BOTTOM_HALF_H

#include <linux/preempt.h>

#define local_bh_disable()	barrier()
#define local_bh_enable()	barrier()
#define local_bh_enable_ip(ip)	barrier()

#endif
