/* SPDX-License-Identifier: MIT */
/*
 * The control block of the lock fast paths (rcu.c, spinlock.c), in kernel
 * memory the kernel reads at every kernel call and return to the kernel
 * (lkmsh/kernel/rcufast.py): what was taken here and not yet handed to
 * lockdep, and the kernel's slots for everything else.
 */
#ifndef _LKMSH_KLIB_LOCKFAST_H
#define _LKMSH_KLIB_LOCKFAST_H

#define LOCK_FAST_CTL 0xffffffff82c40000UL /* layout.KERNEL_DATA_BASE + 0xc40000: rcufast.py */

struct lock_fast_ctl {
	/* rcu.c */
	unsigned long depth;	/* read-side levels taken here, not yet in lockdep's list */
	unsigned long ip;	/* the caller of the first of them */
	unsigned long enabled;	/* 0: every call goes to the kernel (the function tracer is on) */
	unsigned long slow_lock, slow_unlock; /* the kernel's slots */
	/* spinlock.c */
	unsigned long spin;	/* the spinlock taken here, not yet in lockdep's list (0: none) */
	unsigned long spin_ip;	/* its taker */
	unsigned long busy;	/* lockdep holds a lock for some task: every lock goes to the kernel */
	unsigned long slow_spin_lock, slow_spin_unlock, slow_irqsave, slow_irqrestore;
};

#define LOCK_CTL ((struct lock_fast_ctl *)LOCK_FAST_CTL)

#endif
