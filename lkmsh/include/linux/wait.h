/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: wait queues, as Linux's <linux/wait.h>. The wait_event*() macros are
 * Linux's loop: prepare_to_wait_event() (the task is on the queue, in the
 * sleeping state), test the condition, schedule(); wake_up() makes the
 * waiters runnable. The kernel keeps who waits on which queue.
 */
#ifndef _LKMSH_LINUX_WAIT_H
#define _LKMSH_LINUX_WAIT_H

#include <linux/list.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/errno.h>

struct lock_class_key;
struct wait_queue_entry;
typedef int (*wait_queue_func_t)(struct wait_queue_entry *wq_entry, unsigned mode,
				 int flags, void *key);

#define WQ_FLAG_EXCLUSIVE	0x01

struct wait_queue_entry {
	unsigned int flags;
	void *private;
	wait_queue_func_t func;
	struct list_head entry;
};
typedef struct wait_queue_entry wait_queue_entry_t;

struct wait_queue_head {
	spinlock_t lock;
	struct list_head head;
};
typedef struct wait_queue_head wait_queue_head_t;

#define __WAIT_QUEUE_HEAD_INITIALIZER(name) {				\
	.lock = __SPIN_LOCK_UNLOCKED(name.lock),			\
	.head = LIST_HEAD_INIT(name.head) }

#define DECLARE_WAIT_QUEUE_HEAD(name) \
	struct wait_queue_head name = __WAIT_QUEUE_HEAD_INITIALIZER(name)

void __init_waitqueue_head(struct wait_queue_head *wq_head, const char *name,
			   struct lock_class_key *key);
#define init_waitqueue_head(wq_head) __init_waitqueue_head((wq_head), #wq_head, NULL)

int autoremove_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int sync,
			     void *key);
int default_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int flags,
			  void *key);

#define DEFINE_WAIT_FUNC(name, function)				\
	struct wait_queue_entry name = {				\
		.private	= current,				\
		.func		= function,				\
		.entry		= LIST_HEAD_INIT((name).entry),		\
	}
#define DEFINE_WAIT(name) DEFINE_WAIT_FUNC(name, autoremove_wake_function)
#define DECLARE_WAITQUEUE(name, tsk)					\
	struct wait_queue_entry name = {				\
		.private	= tsk,					\
		.func		= default_wake_function,		\
		.entry		= { NULL, NULL } }

static inline void init_wait_entry(struct wait_queue_entry *wq_entry, int flags)
{
	wq_entry->flags = flags;
	wq_entry->private = current;
	wq_entry->func = autoremove_wake_function;
	INIT_LIST_HEAD(&wq_entry->entry);
}
#define init_wait(wait) init_wait_entry(wait, 0)

void add_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
void add_wait_queue_exclusive(struct wait_queue_head *wq_head,
			      struct wait_queue_entry *wq_entry);
void remove_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
void prepare_to_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry,
		     int state);
bool prepare_to_wait_exclusive(struct wait_queue_head *wq_head,
			       struct wait_queue_entry *wq_entry, int state);
long prepare_to_wait_event(struct wait_queue_head *wq_head,
			   struct wait_queue_entry *wq_entry, int state);
void finish_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry);
int waitqueue_active(struct wait_queue_head *wq_head);
#define wq_has_sleeper(wq_head) waitqueue_active(wq_head)

void __wake_up(struct wait_queue_head *wq_head, unsigned int mode, int nr, void *key);
#define wake_up(x)			__wake_up(x, TASK_NORMAL, 1, NULL)
#define wake_up_nr(x, nr)		__wake_up(x, TASK_NORMAL, nr, NULL)
#define wake_up_all(x)			__wake_up(x, TASK_NORMAL, 0, NULL)
#define wake_up_interruptible(x)	__wake_up(x, TASK_INTERRUPTIBLE, 1, NULL)
#define wake_up_interruptible_nr(x, nr)	__wake_up(x, TASK_INTERRUPTIBLE, nr, NULL)
#define wake_up_interruptible_all(x)	__wake_up(x, TASK_INTERRUPTIBLE, 0, NULL)

#define ___wait_is_interruptible(state)					\
	(!__builtin_constant_p(state) ||				\
	 (state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)))

/* Linux's wait loop; @cmd sleeps (schedule(), or schedule_timeout()). */
#define ___wait_event(wq_head, condition, state, exclusive, ret, cmd)	\
({									\
	__label__ __out;						\
	struct wait_queue_entry __wq_entry;				\
	long __ret = ret;						\
									\
	init_wait_entry(&__wq_entry, exclusive ? WQ_FLAG_EXCLUSIVE : 0);\
	for (;;) {							\
		long __int = prepare_to_wait_event(&wq_head, &__wq_entry, state);\
									\
		if (condition)						\
			break;						\
		if (___wait_is_interruptible(state) && __int) {		\
			__ret = __int;					\
			goto __out;					\
		}							\
		cmd;							\
	}								\
	finish_wait(&wq_head, &__wq_entry);				\
__out:	__ret;								\
})

#define ___wait_cond_timeout(condition)					\
({									\
	bool __cond = (condition);					\
	if (__cond && !__ret)						\
		__ret = 1;						\
	__cond || !__ret;						\
})

#define wait_event(wq_head, condition)					\
do {									\
	if (condition)							\
		break;							\
	(void)___wait_event(wq_head, condition, TASK_UNINTERRUPTIBLE, 0, 0, schedule()); \
} while (0)

#define wait_event_idle(wq_head, condition)				\
do {									\
	if (condition)							\
		break;							\
	(void)___wait_event(wq_head, condition, TASK_IDLE, 0, 0, schedule()); \
} while (0)

#define wait_event_interruptible(wq_head, condition)			\
({									\
	int __r = 0;							\
	if (!(condition))						\
		__r = ___wait_event(wq_head, condition, TASK_INTERRUPTIBLE, 0, 0, schedule()); \
	__r;								\
})

#define wait_event_killable(wq_head, condition)				\
({									\
	int __r = 0;							\
	if (!(condition))						\
		__r = ___wait_event(wq_head, condition, TASK_KILLABLE, 0, 0, schedule()); \
	__r;								\
})

#define wait_event_interruptible_exclusive(wq_head, condition)		\
({									\
	int __r = 0;							\
	if (!(condition))						\
		__r = ___wait_event(wq_head, condition, TASK_INTERRUPTIBLE, 1, 0, schedule()); \
	__r;								\
})

#define wait_event_timeout(wq_head, condition, timeout)			\
({									\
	long __r = timeout;						\
	if (!___wait_cond_timeout_outer(condition, __r))		\
		__r = ___wait_event(wq_head, ___wait_cond_timeout(condition), \
				    TASK_UNINTERRUPTIBLE, 0, timeout,	\
				    __ret = schedule_timeout(__ret));	\
	__r;								\
})

#define wait_event_interruptible_timeout(wq_head, condition, timeout)	\
({									\
	long __r = timeout;						\
	if (!___wait_cond_timeout_outer(condition, __r))		\
		__r = ___wait_event(wq_head, ___wait_cond_timeout(condition), \
				    TASK_INTERRUPTIBLE, 0, timeout,	\
				    __ret = schedule_timeout(__ret));	\
	__r;								\
})

/* The quick test before the loop: true (and at least 1 left) when @condition holds. */
#define ___wait_cond_timeout_outer(condition, r)			\
({									\
	bool __c = (condition);						\
	if (__c && !(r))						\
		(r) = 1;						\
	__c || !(r);							\
})

#define wait_event_lock_irq(wq_head, condition, lock)			\
do {									\
	if (condition)							\
		break;							\
	(void)___wait_event(wq_head, condition, TASK_UNINTERRUPTIBLE, 0, 0, \
			    spin_unlock_irq(&lock); schedule(); spin_lock_irq(&lock)); \
} while (0)

#endif
