/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: mutexes, as Linux's <linux/mutex.h> (lkmsh layout, 16 bytes;
 * docs/abi.md "Locks").
 *
 * locked: 0 free, 1 held. magic: MUTEX_MAGIC (0x4d555458, "MUTX") once
 * initialised by DEFINE_MUTEX or mutex_init(). owner: kernel-owned (0 when free).
 */
#ifndef _LKMSH_LINUX_MUTEX_H
#define _LKMSH_LINUX_MUTEX_H

#include <linux/compiler.h>
#include <linux/types.h>

#define MUTEX_MAGIC	0x4d555458

struct lock_class_key {
	char dummy;
};

struct mutex {
	unsigned int locked;
	unsigned int magic;
	unsigned long owner;
};

#define __MUTEX_INITIALIZER(lockname)	\
	{ .locked = 0, .magic = MUTEX_MAGIC, .owner = 0 }

#define DEFINE_MUTEX(mutexname)	\
	struct mutex mutexname = __MUTEX_INITIALIZER(mutexname)

void __mutex_init(struct mutex *lock, const char *name, struct lock_class_key *key);
void mutex_lock(struct mutex *lock);
void mutex_unlock(struct mutex *lock);
int mutex_trylock(struct mutex *lock);
bool mutex_is_locked(struct mutex *lock);

#define mutex_init(mutex)	__mutex_init((mutex), #mutex, NULL)

/* A mutex held by another task blocks until it is handed over (0), or a signal (-EINTR). */
int mutex_lock_interruptible(struct mutex *lock);
int mutex_lock_killable(struct mutex *lock);
#define mutex_lock_nested(lock, subclass)	mutex_lock(lock)
#define mutex_lock_interruptible_nested(lock, subclass) mutex_lock_interruptible(lock)

#endif
