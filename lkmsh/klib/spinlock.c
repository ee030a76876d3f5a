// SPDX-License-Identifier: MIT
/*
 * spin_lock()/spin_unlock()'s fast path (and the irqsave forms), run on the
 * emulated CPU: xa_lock() around every XArray store made two Python round
 * trips. A lock taken when lockdep holds nothing, for any task, and no
 * read-side level is pending (rcu.c) can add no lock-order dependency and
 * report nothing: it is taken here and remembered in the control block
 * (lockfast.h). Its unlock before the next kernel call is the fast path's
 * too; any kernel call or return to the kernel first hands the lock to
 * lockdep's list (rcufast.py), as if it had been taken through Python, so
 * sleeping under it, a task leaving with it held, an order inversion
 * against it are reported as before, and its unlock then goes to the
 * kernel. Everything else (a bad magic, a held lock, another lock already
 * taken here, the function tracer on) jumps to the kernel's own slot, which
 * words the report.
 *
 * Built with sibling calls on (build.py): the slow path must be a tail jump.
 */
#include <linux/spinlock_types.h>
#include "klib.h"
#include "lockfast.h"

#define IRQ_FLAGS 0x246UL /* what the kernel's irqsave returns (kapi/sync.py) */

static inline __attribute__((always_inline)) bool fast_lock(spinlock_t *lock, u64 ip)
{
	struct lock_fast_ctl *ctl = LOCK_CTL;

	if (!ctl->enabled || ctl->busy || ctl->spin || ctl->depth ||
	    lock->magic != SPINLOCK_MAGIC || lock->locked)
		return false;
	lock->locked = 1;
	ctl->spin = (unsigned long)lock;
	ctl->spin_ip = ip;
	return true;
}

static inline __attribute__((always_inline)) bool fast_unlock(spinlock_t *lock)
{
	struct lock_fast_ctl *ctl = LOCK_CTL;

	if (ctl->spin != (unsigned long)lock || lock->magic != SPINLOCK_MAGIC || !lock->locked)
		return false;
	lock->locked = 0;
	ctl->spin = 0;
	return true;
}

void spin_lock(spinlock_t *lock)
{
	if (fast_lock(lock, (u64)__builtin_return_address(0)))
		return;
	((void (*)(spinlock_t *))LOCK_CTL->slow_spin_lock)(lock);
}

void spin_unlock(spinlock_t *lock)
{
	if (fast_unlock(lock))
		return;
	((void (*)(spinlock_t *))LOCK_CTL->slow_spin_unlock)(lock);
}

unsigned long _raw_spin_lock_irqsave(raw_spinlock_t *lock)
{
	if (fast_lock(lock, (u64)__builtin_return_address(0)))
		return IRQ_FLAGS;
	return ((unsigned long (*)(raw_spinlock_t *))LOCK_CTL->slow_irqsave)(lock);
}

void _raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long flags)
{
	if (fast_unlock(lock))
		return;
	((void (*)(raw_spinlock_t *, unsigned long))LOCK_CTL->slow_irqrestore)(lock, flags);
}
