// SPDX-License-Identifier: MIT
/*
 * rcu_read_lock()/rcu_read_unlock()'s fast path, run on the emulated CPU.
 * Without CONFIG_PREEMPT_RCU a read-side section is a nesting count for
 * lockdep (lkmsh/kernel/lockdep.py holds one rcu entry per level): a module
 * walking an XArray under rcu_read_lock() made two Python round trips per
 * walk. Here the levels taken since the kernel last looked are counted in
 * kernel memory (with where the first was taken); every kernel call and every
 * return to the kernel first moves them to lockdep's list (rcufast.py), so
 * what lockdep reports (sleeping in a read-side section, its depth, a task
 * leaving with it held) is as before. An unlock with no level counted here,
 * or the function tracer on, jumps to the kernel's own slot.
 *
 * Built with sibling calls on (build.py): the slow path must be a tail jump.
 */
#include "klib.h"

#define RCU_FAST_CTL 0xffffffff82c40000UL /* layout.KERNEL_DATA_BASE + 0xc40000: rcufast.py */

struct rcu_fast_ctl {
	u64 depth;	/* levels taken here, not yet in lockdep's list */
	u64 ip;		/* the caller of the first of them */
	u64 enabled;	/* 0: every call goes to the kernel (the function tracer is on) */
	u64 slow_lock, slow_unlock; /* the kernel's slots */
};

#define CTL ((struct rcu_fast_ctl *)RCU_FAST_CTL)

void __rcu_read_lock(void)
{
	struct rcu_fast_ctl *ctl = CTL;

	if (ctl->enabled) {
		if (!ctl->depth++)
			ctl->ip = (u64)__builtin_return_address(0);
		return;
	}
	((void (*)(void))ctl->slow_lock)();
}

void __rcu_read_unlock(void)
{
	struct rcu_fast_ctl *ctl = CTL;

	if (ctl->depth) {
		ctl->depth--;
		return;
	}
	((void (*)(void))ctl->slow_unlock)();
}
