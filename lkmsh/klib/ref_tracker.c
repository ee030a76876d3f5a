// SPDX-License-Identifier: MIT
/*
 * lib/ref_tracker.c of Linux 6.1: a tracker per reference, on the directory's
 * list while held; a release moves it to the quarantine (the oldest one there
 * is freed once quarantine_count are kept) so that a second release of it is
 * caught. Reports say Linux's words, each stack as stack_depot_print() prints
 * it (one " %pS" line per frame, from the caller of ref_tracker_alloc/free
 * on). lkmsh has no global stack depot: a tracker keeps its two stacks itself
 * (struct ref_tracker is opaque to its users).
 */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/printk.h>
#include <linux/ref_tracker.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>

#include "warn.h"

#define STACK_ENTRIES 16 /* REF_TRACKER_STACK_ENTRIES */

struct stack {
	unsigned int nr;
	unsigned long entries[STACK_ENTRIES];
};

struct ref_tracker {
	struct list_head head; /* on dir->list or dir->quarantine */
	bool dead;
	struct stack alloc, free;
};

/* the trace from @fn's caller on: stack_trace_save's skipnr 1 leaves out @fn */
static noinline void save(struct stack *s)
{
	s->nr = stack_trace_save(s->entries, STACK_ENTRIES, 2);
}

static void print_stack(const struct stack *s)
{
	stack_trace_print(s->entries, s->nr, 0);
}

static void print_leak(const struct ref_tracker *t)
{
	printk(KERN_ERR "leaked reference.\n");
	if (t->alloc.nr)
		print_stack(&t->alloc);
}

void ref_tracker_dir_exit(struct ref_tracker_dir *dir)
{
	struct ref_tracker *t, *n;
	unsigned long flags;
	bool leak = false;

	dir->dead = true;
	spin_lock_irqsave(&dir->lock, flags);
	list_for_each_entry_safe(t, n, &dir->quarantine, head) {
		list_del(&t->head);
		kfree(t);
		dir->quarantine_avail++;
	}
	list_for_each_entry_safe(t, n, &dir->list, head) {
		print_leak(t);
		leak = true;
		list_del(&t->head);
		kfree(t);
	}
	spin_unlock_irqrestore(&dir->lock, flags);
	KLIB_WARN_ON(leak);
	KLIB_WARN_ON(atomic_read(&dir->untracked.refs) != 1);
	KLIB_WARN_ON(atomic_read(&dir->no_tracker.refs) != 1);
}

void ref_tracker_dir_print(struct ref_tracker_dir *dir, unsigned int display_limit)
{
	struct ref_tracker *t;
	unsigned long flags;
	unsigned int shown = 0;

	spin_lock_irqsave(&dir->lock, flags);
	list_for_each_entry(t, &dir->list, head) {
		if (shown++ == display_limit)
			break;
		print_leak(t);
	}
	spin_unlock_irqrestore(&dir->lock, flags);
}

int ref_tracker_alloc(struct ref_tracker_dir *dir, struct ref_tracker **trackerp, gfp_t gfp)
{
	struct ref_tracker *t;
	unsigned long flags;

	KLIB_WARN_ON(dir->dead);
	if (!trackerp) {
		atomic_inc(&dir->no_tracker.refs);
		return 0;
	}
	t = kzalloc(sizeof(*t), gfp & __GFP_DIRECT_RECLAIM ? gfp | __GFP_NOFAIL : gfp);
	*trackerp = t;
	if (unlikely(!t)) {
		printk(KERN_ERR "memory allocation failure, unreliable refcount tracker.\n");
		atomic_inc(&dir->untracked.refs);
		return -ENOMEM;
	}
	save(&t->alloc);
	spin_lock_irqsave(&dir->lock, flags);
	list_add(&t->head, &dir->list);
	spin_unlock_irqrestore(&dir->lock, flags);
	return 0;
}

int ref_tracker_free(struct ref_tracker_dir *dir, struct ref_tracker **trackerp)
{
	struct ref_tracker *t, *evicted = NULL;
	struct stack freed;
	unsigned long flags;

	KLIB_WARN_ON(dir->dead);
	if (!trackerp) {
		atomic_dec(&dir->no_tracker.refs);
		return 0;
	}
	t = *trackerp;
	if (!t) {
		atomic_dec(&dir->untracked.refs);
		return -EEXIST;
	}
	save(&freed);
	spin_lock_irqsave(&dir->lock, flags);
	if (t->dead) {
		printk(KERN_ERR "reference already released.\n");
		if (t->alloc.nr) {
			printk(KERN_ERR "allocated in:\n");
			print_stack(&t->alloc);
		}
		if (t->free.nr) {
			printk(KERN_ERR "freed in:\n");
			print_stack(&t->free);
		}
		spin_unlock_irqrestore(&dir->lock, flags);
		KLIB_WARN_ON(1);
		return -EINVAL;
	}
	t->dead = true;
	t->free = freed;
	list_move_tail(&t->head, &dir->quarantine);
	if (dir->quarantine_avail) {
		dir->quarantine_avail--;
	} else {
		evicted = list_first_entry(&dir->quarantine, struct ref_tracker, head);
		list_del(&evicted->head);
	}
	spin_unlock_irqrestore(&dir->lock, flags);
	kfree(evicted);
	return 0;
}
