/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: spinlocks, as Linux's <linux/spinlock.h>. The lock operations are
 * kernel functions, so the kernel sees every acquire and release (and can
 * report recursion, unlocking a free lock, or a lock still held on return).
 *
 * lkmsh runs one CPU without interrupts: the _irq/_bh variants are the plain
 * operations, and spin_lock_irqsave's flags are what the kernel returns.
 */
#ifndef _LKMSH_LINUX_SPINLOCK_H
#define _LKMSH_LINUX_SPINLOCK_H

#include <linux/compiler.h>
#include <linux/irqflags.h>
#include <linux/types.h>
#include <linux/spinlock_types.h>
#include <linux/rwlock.h>
#include <linux/bottom_half.h>	/* as Linux's spinlock.h */

void spin_lock_init(spinlock_t *lock);
void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
int spin_trylock(spinlock_t *lock);
unsigned long _raw_spin_lock_irqsave(raw_spinlock_t *lock);
void _raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long flags);

/* Linux's lockdep-aware initialiser; here the same as spin_lock_init. */
#define __spin_lock_init(lock, name, key)	spin_lock_init(lock)
#define raw_spin_lock_init(lock)		spin_lock_init(lock)

#define spin_lock_irqsave(lock, flags)					\
	do { (flags) = _raw_spin_lock_irqsave(lock); } while (0)
#define spin_unlock_irqrestore(lock, flags)				\
	_raw_spin_unlock_irqrestore(lock, flags)

#define spin_lock_irq(lock)		spin_lock(lock)
#define spin_unlock_irq(lock)		spin_unlock(lock)
#define spin_lock_bh(lock)		spin_lock(lock)
#define spin_unlock_bh(lock)		spin_unlock(lock)
#define spin_trylock_irq(lock)		spin_trylock(lock)

#define raw_spin_lock(lock)		spin_lock(lock)
#define raw_spin_unlock(lock)		spin_unlock(lock)
#define raw_spin_lock_irqsave(lock, flags)	spin_lock_irqsave(lock, flags)
#define raw_spin_unlock_irqrestore(lock, flags)	spin_unlock_irqrestore(lock, flags)

static inline int spin_is_locked(spinlock_t *lock)
{
	return READ_ONCE(lock->locked) != 0;
}

#endif
