/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: reader-writer semaphores, as Linux's <linux/rwsem.h>. count is the
 * number of readers holding it, or -1 for a writer; a waiter is handed the
 * semaphore when it is released (writers and readers in arrival order).
 */
#ifndef _LKMSH_LINUX_RWSEM_H
#define _LKMSH_LINUX_RWSEM_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/spinlock.h>

struct rw_semaphore {
	atomic_long_t count;
	atomic_long_t owner;
	raw_spinlock_t wait_lock;
	struct list_head wait_list;
};

#define __RWSEM_INITIALIZER(name)					\
	{ .count = ATOMIC_LONG_INIT(0),					\
	  .owner = ATOMIC_LONG_INIT(0),					\
	  .wait_lock = __RAW_SPIN_LOCK_UNLOCKED(name.wait_lock),	\
	  .wait_list = LIST_HEAD_INIT((name).wait_list) }

#define DECLARE_RWSEM(name) \
	struct rw_semaphore name = __RWSEM_INITIALIZER(name)

#define init_rwsem(sem)							\
	do { *(sem) = (struct rw_semaphore) __RWSEM_INITIALIZER(*(sem)); } while (0)

static inline int rwsem_is_locked(struct rw_semaphore *sem)
{
	return atomic_long_read(&sem->count) != 0;
}

void down_read(struct rw_semaphore *sem);
int down_read_interruptible(struct rw_semaphore *sem);
int down_read_killable(struct rw_semaphore *sem);
int down_read_trylock(struct rw_semaphore *sem);
void down_write(struct rw_semaphore *sem);
int down_write_killable(struct rw_semaphore *sem);
int down_write_trylock(struct rw_semaphore *sem);
void up_read(struct rw_semaphore *sem);
void up_write(struct rw_semaphore *sem);
void downgrade_write(struct rw_semaphore *sem);

#endif
