/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: reader-writer spinlocks (<linux/rwlock.h>). lkmsh runs one CPU and
 * nothing preempts module code holding a spinlock, so a lock is never
 * contended: these only keep the count (the _irq/_bh/_irqsave forms are the
 * same operations).
 */
#ifndef _LKMSH_LINUX_RWLOCK_H
#define _LKMSH_LINUX_RWLOCK_H

#include <linux/rwlock_types.h>

static inline void rwlock_init(rwlock_t *lock)
{
	*lock = __RW_LOCK_UNLOCKED(lock);
}

static inline void read_lock(rwlock_t *lock) { lock->cnts++; }
static inline void read_unlock(rwlock_t *lock) { lock->cnts--; }
static inline void write_lock(rwlock_t *lock) { lock->cnts = -1; }
static inline void write_unlock(rwlock_t *lock) { lock->cnts = 0; }
static inline int read_trylock(rwlock_t *lock) { if (lock->cnts < 0) return 0; lock->cnts++; return 1; }
static inline int write_trylock(rwlock_t *lock) { if (lock->cnts) return 0; lock->cnts = -1; return 1; }

#define read_lock_irq(lock)		read_lock(lock)
#define read_unlock_irq(lock)		read_unlock(lock)
#define write_lock_irq(lock)		write_lock(lock)
#define write_unlock_irq(lock)		write_unlock(lock)
#define read_lock_bh(lock)		read_lock(lock)
#define read_unlock_bh(lock)		read_unlock(lock)
#define write_lock_bh(lock)		write_lock(lock)
#define write_unlock_bh(lock)		write_unlock(lock)
#define read_lock_irqsave(lock, flags)	do { (flags) = 0; read_lock(lock); } while (0)
#define read_unlock_irqrestore(lock, flags)	do { (void)(flags); read_unlock(lock); } while (0)
#define write_lock_irqsave(lock, flags)	do { (flags) = 0; write_lock(lock); } while (0)
#define write_unlock_irqrestore(lock, flags)	do { (void)(flags); write_unlock(lock); } while (0)

#endif
