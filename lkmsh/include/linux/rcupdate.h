/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: RCU, as Linux's <linux/rcupdate.h>, in virtual time. A grace period
 * is one tick: synchronize_rcu() sleeps it, call_rcu()/kfree_rcu() callbacks
 * run in softirq context after it. rcu_read_lock() sections are tracked:
 * sleeping inside one is reported.
 */
#ifndef _LKMSH_LINUX_RCUPDATE_H
#define _LKMSH_LINUX_RCUPDATE_H

#include <linux/compiler.h>
#include <linux/types.h>

struct callback_head {
	struct callback_head *next;
	void (*func)(struct callback_head *head);
};
#define rcu_head callback_head
typedef void (*rcu_callback_t)(struct rcu_head *head);

void __rcu_read_lock(void);
void __rcu_read_unlock(void);
#define rcu_read_lock()		__rcu_read_lock()
#define rcu_read_unlock()	__rcu_read_unlock()
#define rcu_read_lock_bh()	__rcu_read_lock()
#define rcu_read_unlock_bh()	__rcu_read_unlock()
#define rcu_read_lock_sched()	__rcu_read_lock()
#define rcu_read_unlock_sched()	__rcu_read_unlock()

void synchronize_rcu(void);
void call_rcu(struct rcu_head *head, rcu_callback_t func);
void rcu_barrier(void);
void kvfree_call_rcu(struct rcu_head *head, void *ptr);
#define synchronize_rcu_expedited()	synchronize_rcu()
#define synchronize_net()		synchronize_rcu()

#define rcu_dereference(p)		READ_ONCE(p)
#define rcu_dereference_bh(p)		READ_ONCE(p)
#define rcu_dereference_sched(p)	READ_ONCE(p)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_dereference_check(p, c)	READ_ONCE(p)
#define rcu_dereference_raw(p)		READ_ONCE(p)
#define rcu_access_pointer(p)		READ_ONCE(p)
#define rcu_assign_pointer(p, v)	do { __sync_synchronize(); WRITE_ONCE((p), (v)); } while (0)
#define RCU_INIT_POINTER(p, v)		WRITE_ONCE((p), (v))
#define rcu_replace_pointer(rcu_ptr, ptr, c)				\
({									\
	typeof(ptr) __tmp = (rcu_ptr);					\
	rcu_assign_pointer((rcu_ptr), (ptr));				\
	__tmp;								\
})

/*
 * kfree_rcu(ptr, rhf) / kvfree_rcu(ptr, rhf): freed after a grace period, through
 * the rcu_head in the object; kvfree_rcu(ptr) alone (no rcu_head: "headless", it may
 * sleep) the same. lkmsh's kvfree_call_rcu() takes the object itself.
 */
#define kvfree_rcu_arg_2(ptr, rhf)					\
do {									\
	typeof(ptr) ___p = (ptr);					\
	if (___p)							\
		kvfree_call_rcu(&((___p)->rhf), (void *)(___p));	\
} while (0)
#define kvfree_rcu_arg_1(ptr)						\
do {									\
	typeof(ptr) ___p = (ptr);					\
	if (___p)							\
		kvfree_call_rcu(NULL, (void *)(___p));			\
} while (0)
#define KVFREE_GET_MACRO(_1, _2, NAME, ...) NAME
#define kvfree_rcu(...) KVFREE_GET_MACRO(__VA_ARGS__,		\
	kvfree_rcu_arg_2, kvfree_rcu_arg_1)(__VA_ARGS__)
#define kfree_rcu(ptr, rhf...) kvfree_rcu(ptr, ## rhf)

#endif
