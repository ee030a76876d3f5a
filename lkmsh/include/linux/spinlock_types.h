/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: spinlock_t (lkmsh layout, 8 bytes; docs/abi.md "Locks").
 *
 * locked: 0 free, 1 held. magic: SPINLOCK_MAGIC (0xdead4ead, Linux's
 * CONFIG_DEBUG_SPINLOCK value) once initialised by DEFINE_SPINLOCK,
 * __SPIN_LOCK_UNLOCKED or spin_lock_init(); the kernel reports a lock with any
 * other magic as "BUG: spinlock bad magic", as Linux's lock debugging does.
 */
#ifndef _LKMSH_LINUX_SPINLOCK_TYPES_H
#define _LKMSH_LINUX_SPINLOCK_TYPES_H

#define SPINLOCK_MAGIC		0xdead4ead

#ifndef __ASSEMBLY__

typedef struct spinlock {
	unsigned int locked;
	unsigned int magic;
} spinlock_t;

typedef spinlock_t raw_spinlock_t;

#define __SPIN_LOCK_UNLOCKED(lockname)	\
	((spinlock_t){ .locked = 0, .magic = SPINLOCK_MAGIC })
#define __RAW_SPIN_LOCK_UNLOCKED(lockname)	__SPIN_LOCK_UNLOCKED(lockname)

#define DEFINE_SPINLOCK(x)	spinlock_t x = { .locked = 0, .magic = SPINLOCK_MAGIC }
#define DEFINE_RAW_SPINLOCK(x)	DEFINE_SPINLOCK(x)

#endif

#endif
