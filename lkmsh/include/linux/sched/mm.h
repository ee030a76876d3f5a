/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/sched/mm.h>, the part modules use: might_alloc(), which
 * says an allocation with these flags may sleep (lkmsh's heap checks the
 * context of the allocation itself, so it is might_sleep_if() here), and a
 * task's address space with its two counts, as Linux 6.1: mm_users
 * (get_task_mm/mmget/mmput) and mm_count (mmgrab/mmdrop). A command's task
 * (insmod, cat) has an mm; kernel threads have none.
 */
#ifndef _LKMSH_LINUX_SCHED_MM_H
#define _LKMSH_LINUX_SCHED_MM_H

#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/mm_types.h>

struct task_struct;

static inline void mmgrab(struct mm_struct *mm)
{
	atomic_inc(&mm->mm_count);
}

extern void __mmdrop(struct mm_struct *mm);

static inline void mmdrop(struct mm_struct *mm)
{
	if (unlikely(atomic_dec_and_test(&mm->mm_count)))
		__mmdrop(mm);
}

static inline void mmget(struct mm_struct *mm)
{
	atomic_inc(&mm->mm_users);
}

static inline bool mmget_not_zero(struct mm_struct *mm)
{
	return atomic_inc_not_zero(&mm->mm_users);
}

extern void mmput(struct mm_struct *);
extern struct mm_struct *get_task_mm(struct task_struct *task);

static inline void might_alloc(gfp_t gfp_mask)
{
	if (gfpflags_allow_blocking(gfp_mask))
		might_sleep();
}

#endif
