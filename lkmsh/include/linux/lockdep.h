/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/lockdep.h> without CONFIG_LOCKDEP (as Debian's 6.1): the
 * annotations compile to nothing and struct lockdep_map is empty. lkmsh's
 * own lock checker watches the kernel's lock functions instead (see
 * docs/time-and-tasks.md).
 */
#ifndef _LKMSH_LINUX_LOCKDEP_H
#define _LKMSH_LINUX_LOCKDEP_H

struct lock_class_key;

struct lockdep_map { };

#define SINGLE_DEPTH_NESTING			1

#define lockdep_init_map(lock, name, key, sub)	do { (void)(name); (void)(key); } while (0)
#define lock_acquire_exclusive(l, s, t, n, i)	do { } while (0)
#define lock_acquire_shared(l, s, t, n, i)	do { } while (0)
#define lock_release(l, i)			do { } while (0)
#define lock_map_acquire(l)			do { } while (0)
#define lock_map_acquire_read(l)		do { } while (0)
#define lock_map_release(l)			do { } while (0)
#define lockdep_is_held(lock)			1
#define lockdep_assert_held(lock)		do { (void)(lock); } while (0)
#define lockdep_assert_held_once(lock)		do { (void)(lock); } while (0)

#endif
