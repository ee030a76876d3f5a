/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: timers, as Linux's <linux/timer.h>. A timer fires in softirq
 * context when jiffies reaches its expires; callbacks must not sleep.
 * The kernel keeps the armed timers (saved in the state file) and marks an
 * armed timer's entry.pprev, so timer_pending() is Linux's inline test.
 */
#ifndef _LKMSH_LINUX_TIMER_H
#define _LKMSH_LINUX_TIMER_H

#include <linux/compiler.h>
#include <linux/container_of.h>
#include <linux/jiffies.h>
#include <linux/types.h>

struct lock_class_key;

struct timer_list {
	struct hlist_node entry;
	unsigned long expires;
	void (*function)(struct timer_list *);
	u32 flags;
};

#define TIMER_DEFERRABLE	0x00080000
#define TIMER_PINNED		0x00100000
#define TIMER_IRQSAFE		0x00200000

void init_timer_key(struct timer_list *timer, void (*func)(struct timer_list *),
		    unsigned int flags, const char *name, struct lock_class_key *key);

#define __init_timer(_timer, _fn, _flags) init_timer_key((_timer), (_fn), (_flags), #_timer, NULL)
#define timer_setup(timer, callback, flags) __init_timer((timer), (callback), (flags))
#define timer_setup_on_stack(timer, callback, flags) timer_setup(timer, callback, flags)
#define destroy_timer_on_stack(timer) do { } while (0)

#define __TIMER_INITIALIZER(_function, _flags) {			\
		.entry = { .next = NULL, .pprev = NULL },		\
		.function = (_function),				\
		.flags = (_flags),					\
	}
#define DEFINE_TIMER(_name, _function)					\
	struct timer_list _name = __TIMER_INITIALIZER(_function, 0)

#define from_timer(var, callback_timer, timer_fieldname) \
	container_of(callback_timer, typeof(*var), timer_fieldname)

static inline int timer_pending(const struct timer_list *timer)
{
	return READ_ONCE(timer->entry.pprev) != NULL;
}

void add_timer(struct timer_list *timer);
int mod_timer(struct timer_list *timer, unsigned long expires);
int mod_timer_pending(struct timer_list *timer, unsigned long expires);
int timer_reduce(struct timer_list *timer, unsigned long expires);
int del_timer(struct timer_list *timer);
int del_timer_sync(struct timer_list *timer);
int try_to_del_timer_sync(struct timer_list *timer);
#define timer_delete(t)		del_timer(t)
#define timer_delete_sync(t)	del_timer_sync(t)

unsigned long round_jiffies(unsigned long j);
unsigned long round_jiffies_relative(unsigned long j);

#endif
