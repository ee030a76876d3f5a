/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/ref_tracker.h>, Linux 6.1's reference tracker (CONFIG_REF_TRACKER,
 * lib/ref_tracker.c): each reference a subsystem hands out gets a tracker that
 * remembers where it was taken; releasing one twice, or a directory dying with
 * references still held, is reported with the stacks. The functions are the
 * kernel library's C (lkmsh/klib/ref_tracker.c).
 */
#ifndef _LKMSH_LINUX_REF_TRACKER_H
#define _LKMSH_LINUX_REF_TRACKER_H

#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>

#ifndef CONFIG_REF_TRACKER
#define CONFIG_REF_TRACKER 1
#endif

struct ref_tracker;

struct ref_tracker_dir {
	spinlock_t		lock;
	unsigned int		quarantine_avail;	/* released trackers kept to catch a second release */
	refcount_t		untracked;		/* references whose tracker could not be allocated */
	refcount_t		no_tracker;		/* references taken with a NULL trackerp */
	bool			dead;
	struct list_head	list;			/* live trackers, newest first */
	struct list_head	quarantine;		/* released ones, oldest first */
};

static inline void ref_tracker_dir_init(struct ref_tracker_dir *dir,
					unsigned int quarantine_count)
{
	INIT_LIST_HEAD(&dir->list);
	INIT_LIST_HEAD(&dir->quarantine);
	spin_lock_init(&dir->lock);
	dir->quarantine_avail = quarantine_count;
	dir->dead = false;
	refcount_set(&dir->untracked, 1);
	refcount_set(&dir->no_tracker, 1);
	stack_depot_init();
}

void ref_tracker_dir_exit(struct ref_tracker_dir *dir);
void ref_tracker_dir_print(struct ref_tracker_dir *dir, unsigned int display_limit);
int ref_tracker_alloc(struct ref_tracker_dir *dir, struct ref_tracker **trackerp, gfp_t gfp);
int ref_tracker_free(struct ref_tracker_dir *dir, struct ref_tracker **trackerp);

#endif
