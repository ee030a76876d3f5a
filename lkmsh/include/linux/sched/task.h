/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/sched/task.h>'s process creation, as Linux 6.1 declares it.
 * kernel_clone() is not exported; it is named here (and in kallsyms) because
 * kprobes probe it: it runs for each kthread and each command that runs
 * module code (kprobes.py).
 */
#ifndef _LKMSH_LINUX_SCHED_TASK_H
#define _LKMSH_LINUX_SCHED_TASK_H

#include <linux/types.h>

struct kernel_clone_args;

extern pid_t kernel_clone(struct kernel_clone_args *kargs);

#endif
