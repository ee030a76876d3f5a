/* SPDX-License-Identifier: MIT */
/* lkmsh: rwlock_t (<linux/rwlock_types.h>): readers count up, a writer holds -1. */
#ifndef _LKMSH_LINUX_RWLOCK_TYPES_H
#define _LKMSH_LINUX_RWLOCK_TYPES_H

#define RWLOCK_MAGIC		0xdeaf1eed

typedef struct {
	int cnts;
	unsigned int magic;
} rwlock_t;

#define __RW_LOCK_UNLOCKED(lockname)	((rwlock_t){ .cnts = 0, .magic = RWLOCK_MAGIC })
#define DEFINE_RWLOCK(x)	rwlock_t x = __RW_LOCK_UNLOCKED(x)

#endif
