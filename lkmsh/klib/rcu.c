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
#include "lockfast.h"

void __rcu_read_lock(void)
{
	struct lock_fast_ctl *ctl = LOCK_CTL;

	if (ctl->enabled) {
		if (!ctl->depth++)
			ctl->ip = (u64)__builtin_return_address(0);
		return;
	}
	((void (*)(void))ctl->slow_lock)();
}

void __rcu_read_unlock(void)
{
	struct lock_fast_ctl *ctl = LOCK_CTL;

	if (ctl->depth) {
		ctl->depth--;
		return;
	}
	((void (*)(void))ctl->slow_unlock)();
}
