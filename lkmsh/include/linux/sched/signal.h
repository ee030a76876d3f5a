/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: struct signal_struct (current->signal), as Linux's <linux/sched/signal.h>
 * for the field modules read: tty, the controlling terminal (NULL for kernel
 * threads). signal_pending() and friends live in <linux/sched.h>.
 */
#ifndef _LKMSH_LINUX_SCHED_SIGNAL_H
#define _LKMSH_LINUX_SCHED_SIGNAL_H
#include <linux/sched.h>
#include <linux/refcount.h>

struct tty_struct;

struct signal_struct {
	refcount_t sigcnt;
	atomic_t live;
	int nr_threads;
	int group_exit_code;
	struct tty_struct *tty;		/* NULL if no tty */
};
#endif
