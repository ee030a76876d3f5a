/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: tasks and scheduling, as Linux's <linux/sched.h>.
 *
 * struct task_struct holds the fields modules read (lkmsh layout, the kernel
 * fills it; docs/time-and-tasks.md). current is the running task. Blocking
 * functions park the task and the scheduler runs another; time is virtual.
 */
#ifndef _LKMSH_LINUX_SCHED_H
#define _LKMSH_LINUX_SCHED_H

#include <linux/compiler.h>
#include <linux/irqflags.h>
#include <linux/types.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/build_bug.h>
#include <linux/mutex.h>	/* as Linux's sched.h */
#include <linux/hrtimer.h>	/* as Linux's sched.h */

#define TASK_RUNNING			0x00000000
#define TASK_INTERRUPTIBLE		0x00000001
#define TASK_UNINTERRUPTIBLE		0x00000002
#define __TASK_STOPPED			0x00000004
#define __TASK_TRACED			0x00000008
#define EXIT_DEAD			0x00000010
#define EXIT_ZOMBIE			0x00000020
#define TASK_PARKED			0x00000040
#define TASK_DEAD			0x00000080
#define TASK_WAKEKILL			0x00000100
#define TASK_WAKING			0x00000200
#define TASK_NOLOAD			0x00000400
#define TASK_KILLABLE			(TASK_WAKEKILL | TASK_UNINTERRUPTIBLE)
#define TASK_IDLE			(TASK_UNINTERRUPTIBLE | TASK_NOLOAD)
#define TASK_NORMAL			(TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)

#define PF_EXITING		0x00000004
#define PF_KTHREAD		0x00200000

#define TASK_COMM_LEN		16
#define TIF_SIGPENDING		2
#define MAX_SCHEDULE_TIMEOUT	LONG_MAX

struct signal_struct;

struct thread_info {
	unsigned long flags;
	unsigned long syscall_work;
	u32 status;
	u32 cpu;
};

struct cpumask;

struct task_struct {
	struct thread_info thread_info;
	unsigned int __state;
	unsigned int flags;
	void *stack;
	int prio;
	pid_t pid;
	pid_t tgid;
	int exit_code;
	char comm[TASK_COMM_LEN];
	struct signal_struct *signal;
	struct mm_struct *mm;		/* a command's address space; NULL in kernel threads */
	unsigned in_iowait:1;
	const struct cpumask *cpus_ptr;	/* the CPUs it may run on: CPU 0 */
	unsigned long __lkmsh_reserved[3];
};

struct task_struct *get_current(void);
#define current get_current()

#define __set_current_state(state_value)			\
	do { WRITE_ONCE(current->__state, (state_value)); } while (0)
#define set_current_state(state_value)				\
	do { WRITE_ONCE(current->__state, (state_value)); __sync_synchronize(); } while (0)
#define set_special_state(state_value) set_current_state(state_value)

#define task_is_running(task)	(READ_ONCE((task)->__state) == TASK_RUNNING)
#define task_pid_nr(tsk)	((tsk)->pid)
#define task_tgid_nr(tsk)	((tsk)->tgid)

asmlinkage void schedule(void);
long schedule_timeout(long timeout);
long schedule_timeout_interruptible(long timeout);
long schedule_timeout_killable(long timeout);
long schedule_timeout_uninterruptible(long timeout);
long schedule_timeout_idle(long timeout);
int cond_resched(void);
void __rcu_read_lock(void);
void __rcu_read_unlock(void);
/* give the CPU up inside an RCU read-side section (without CONFIG_PREEMPT_RCU,
 * as lkmsh's voluntary preemption: the section ends around the yield) */
static inline void cond_resched_rcu(void)
{
	__rcu_read_unlock();
	cond_resched();
	__rcu_read_lock();
}
void __sched_yield(void);
#define yield() __sched_yield()
int wake_up_process(struct task_struct *tsk);

char *__get_task_comm(char *to, size_t len, struct task_struct *tsk);
#define get_task_comm(buf, tsk) ({			\
	BUILD_BUG_ON(sizeof(buf) != TASK_COMM_LEN);	\
	__get_task_comm(buf, sizeof(buf), tsk);		\
})

static inline int signal_pending(struct task_struct *p)
{
	return (READ_ONCE(p->thread_info.flags) >> TIF_SIGPENDING) & 1;
}

static inline int fatal_signal_pending(struct task_struct *p)
{
	return signal_pending(p);
}

static inline int signal_pending_state(unsigned int state, struct task_struct *p)
{
	if (!(state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)))
		return 0;
	return signal_pending(p);
}

#endif
