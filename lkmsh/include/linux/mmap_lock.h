/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/mmap_lock.h>, Linux 6.1: an address space's mmap_lock, an
 * rw_semaphore taken through these helpers (reached through <linux/mm.h>).
 * A command's task (insmod, cat) has an mm (current->mm); kernel threads
 * and workers have none, as in Linux.
 */
#ifndef _LKMSH_LINUX_MMAP_LOCK_H
#define _LKMSH_LINUX_MMAP_LOCK_H

#include <linux/bug.h>
#include <linux/rwsem.h>
#include <linux/mm_types.h>

static inline void mmap_write_lock(struct mm_struct *mm) { down_write(&mm->mmap_lock); }
static inline void mmap_write_unlock(struct mm_struct *mm) { up_write(&mm->mmap_lock); }
static inline void mmap_read_lock(struct mm_struct *mm) { down_read(&mm->mmap_lock); }
static inline void mmap_read_unlock(struct mm_struct *mm) { up_read(&mm->mmap_lock); }
static inline int mmap_read_trylock(struct mm_struct *mm) { return down_read_trylock(&mm->mmap_lock); }
static inline int mmap_write_trylock(struct mm_struct *mm) { return down_write_trylock(&mm->mmap_lock); }

static inline int mmap_write_lock_killable(struct mm_struct *mm)
{
	return down_write_killable(&mm->mmap_lock);
}
static inline int mmap_read_lock_killable(struct mm_struct *mm)
{
	return down_read_killable(&mm->mmap_lock);
}
static inline void mmap_write_downgrade(struct mm_struct *mm)
{
	downgrade_write(&mm->mmap_lock);
}
static inline void mmap_assert_locked(struct mm_struct *mm)
{
	WARN_ON_ONCE(!rwsem_is_locked(&mm->mmap_lock));
}
static inline void mmap_assert_write_locked(struct mm_struct *mm)
{
	WARN_ON_ONCE(atomic_long_read(&mm->mmap_lock.count) >= 0);
}

#endif /* _LKMSH_LINUX_MMAP_LOCK_H */
