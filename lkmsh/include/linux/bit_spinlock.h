/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/bit_spinlock.h> as Linux 6.1's: a spinlock in one bit of a
 * word (the rhashtable's bucket pointers use bit 0). All inline, no kernel
 * call: on lkmsh's one CPU without preemption a bit held by a task that
 * slept is never released while another spins on it, so that spin ends in
 * the soft-lockup watchdog's report, as it would on Linux's CPU.
 */
#ifndef _LKMSH_LINUX_BIT_SPINLOCK_H
#define _LKMSH_LINUX_BIT_SPINLOCK_H

#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/atomic.h>
#include <linux/bug.h>

static inline void bit_spin_lock(int bitnum, unsigned long *addr)
{
	preempt_disable();
	while (unlikely(test_and_set_bit_lock(bitnum, addr))) {
		preempt_enable();
		do {
			cpu_relax();
		} while (test_bit(bitnum, addr));
		preempt_disable();
	}
	__acquire(bitlock);
}

static inline int bit_spin_trylock(int bitnum, unsigned long *addr)
{
	preempt_disable();
	if (unlikely(test_and_set_bit_lock(bitnum, addr))) {
		preempt_enable();
		return 0;
	}
	__acquire(bitlock);
	return 1;
}

static inline void bit_spin_unlock(int bitnum, unsigned long *addr)
{
	BUG_ON(!test_bit(bitnum, addr));
	clear_bit_unlock(bitnum, addr);
	preempt_enable();
	__release(bitlock);
}

static inline void __bit_spin_unlock(int bitnum, unsigned long *addr)
{
	BUG_ON(!test_bit(bitnum, addr));
	clear_bit_unlock(bitnum, addr);
	preempt_enable();
	__release(bitlock);
}

static inline int bit_spin_is_locked(int bitnum, unsigned long *addr)
{
	return test_bit(bitnum, addr);
}

#endif
