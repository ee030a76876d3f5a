/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: reader-writer spinlocks (<linux/rwlock.h>), as Linux's: read_lock()
 * is _raw_read_lock() (kernel/locking/spinlock.c) and so on, in the kernel,
 * where lockdep checks them (recursion, lock order, bad unlock). One CPU:
 * the _irq/_bh forms take the lock the same way; _irqsave returns the flags.
 */
#ifndef _LKMSH_LINUX_RWLOCK_H
#define _LKMSH_LINUX_RWLOCK_H

#include <linux/rwlock_types.h>

static inline void rwlock_init(rwlock_t *lock)
{
	*lock = __RW_LOCK_UNLOCKED(lock);
}

void _raw_read_lock(rwlock_t *lock);
void _raw_read_lock_bh(rwlock_t *lock);
void _raw_read_lock_irq(rwlock_t *lock);
unsigned long _raw_read_lock_irqsave(rwlock_t *lock);
void _raw_read_unlock(rwlock_t *lock);
void _raw_read_unlock_bh(rwlock_t *lock);
void _raw_read_unlock_irq(rwlock_t *lock);
void _raw_read_unlock_irqrestore(rwlock_t *lock, unsigned long flags);
int _raw_read_trylock(rwlock_t *lock);
void _raw_write_lock(rwlock_t *lock);
void _raw_write_lock_bh(rwlock_t *lock);
void _raw_write_lock_irq(rwlock_t *lock);
unsigned long _raw_write_lock_irqsave(rwlock_t *lock);
void _raw_write_unlock(rwlock_t *lock);
void _raw_write_unlock_bh(rwlock_t *lock);
void _raw_write_unlock_irq(rwlock_t *lock);
void _raw_write_unlock_irqrestore(rwlock_t *lock, unsigned long flags);
int _raw_write_trylock(rwlock_t *lock);

#define read_lock(lock)			_raw_read_lock(lock)
#define read_lock_bh(lock)		_raw_read_lock_bh(lock)
#define read_lock_irq(lock)		_raw_read_lock_irq(lock)
#define read_lock_irqsave(lock, flags)	do { (flags) = _raw_read_lock_irqsave(lock); } while (0)
#define read_unlock(lock)		_raw_read_unlock(lock)
#define read_unlock_bh(lock)		_raw_read_unlock_bh(lock)
#define read_unlock_irq(lock)		_raw_read_unlock_irq(lock)
#define read_unlock_irqrestore(lock, flags)	_raw_read_unlock_irqrestore(lock, flags)
#define read_trylock(lock)		_raw_read_trylock(lock)
#define write_lock(lock)		_raw_write_lock(lock)
#define write_lock_bh(lock)		_raw_write_lock_bh(lock)
#define write_lock_irq(lock)		_raw_write_lock_irq(lock)
#define write_lock_irqsave(lock, flags)	do { (flags) = _raw_write_lock_irqsave(lock); } while (0)
#define write_unlock(lock)		_raw_write_unlock(lock)
#define write_unlock_bh(lock)		_raw_write_unlock_bh(lock)
#define write_unlock_irq(lock)		_raw_write_unlock_irq(lock)
#define write_unlock_irqrestore(lock, flags)	_raw_write_unlock_irqrestore(lock, flags)
#define write_trylock(lock)		_raw_write_trylock(lock)

#endif
