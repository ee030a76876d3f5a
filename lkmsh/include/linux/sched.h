/* SPDX-License-Identifier: MIT */
/* lkmsh: yielding the CPU (<linux/sched.h>); lkmsh has one task, so these return at once. */
#ifndef _LKMSH_LINUX_SCHED_H
#define _LKMSH_LINUX_SCHED_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/jiffies.h>

#define TASK_RUNNING		0x0000
#define TASK_INTERRUPTIBLE	0x0001
#define TASK_UNINTERRUPTIBLE	0x0002

asmlinkage void schedule(void);
int cond_resched(void);

#endif
