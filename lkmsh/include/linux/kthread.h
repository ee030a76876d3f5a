/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: kernel threads, as Linux's <linux/kthread.h>. A kthread is a task
 * with its own stack that runs threadfn(data) until it returns or calls
 * kthread_complete_and_exit(); it is saved in the state file while it
 * sleeps, so it runs on in later commands.
 */
#ifndef _LKMSH_LINUX_KTHREAD_H
#define _LKMSH_LINUX_KTHREAD_H

#include <linux/err.h>
#include <linux/sched.h>

#define NUMA_NO_NODE	(-1)

struct completion;

__printf(4, 5)
struct task_struct *kthread_create_on_node(int (*threadfn)(void *data), void *data,
					   int node, const char namefmt[], ...);

#define kthread_create(threadfn, data, namefmt, arg...) \
	kthread_create_on_node(threadfn, data, NUMA_NO_NODE, namefmt, ##arg)

#define kthread_run(threadfn, data, namefmt, ...)			   \
({									   \
	struct task_struct *__k						   \
		= kthread_create(threadfn, data, namefmt, ## __VA_ARGS__); \
	if (!IS_ERR(__k))						   \
		wake_up_process(__k);					   \
	__k;								   \
})

int kthread_stop(struct task_struct *k);
bool kthread_should_stop(void);
bool kthread_should_park(void);
int kthread_park(struct task_struct *k);
void kthread_unpark(struct task_struct *k);
void kthread_parkme(void);
void kthread_bind(struct task_struct *k, unsigned int cpu);
__noreturn void kthread_complete_and_exit(struct completion *comp, long code);
/* declared as in Linux 6.1, which does not export it (module_put_and_kthread_exit is) */
__noreturn void kthread_exit(long result);

#endif
