/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/irq_work.h> as Linux 6.1: work run in hard-IRQ context,
 * queued from any context (NMI included). lkmsh's one CPU takes the self-IPI
 * irq_work_queue() raises before the call returns, so the work has run (in
 * hard-IRQ context, in_irq() true) when irq_work_queue() returns true.
 */
#ifndef _LKMSH_LINUX_IRQ_WORK_H
#define _LKMSH_LINUX_IRQ_WORK_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/llist.h>
#include <linux/atomic.h>

#define IRQ_WORK_PENDING	BIT(0)
#define IRQ_WORK_BUSY		BIT(1)
#define IRQ_WORK_LAZY		BIT(2)	/* No IPI, wait for tick */
#define IRQ_WORK_HARD_IRQ	BIT(3)	/* IRQ context on PREEMPT_RT */
#define IRQ_WORK_CLAIMED	(IRQ_WORK_PENDING | IRQ_WORK_BUSY)

/* <linux/smp_types.h>'s node, shared with call_single_data */
struct __call_single_node {
	struct llist_node llist;
	union {
		unsigned int u_flags;
		atomic_t a_flags;
	};
	u16 src, dst;
};

struct rcuwait {
	struct task_struct *task;
};

struct irq_work {
	struct __call_single_node node;
	void (*func)(struct irq_work *);
	struct rcuwait irqwait;
};

#define __IRQ_WORK_INIT(_func, _flags) (struct irq_work){	\
	.node = { .u_flags = (_flags), },			\
	.func = (_func),					\
	.irqwait = { NULL },					\
}

#define IRQ_WORK_INIT(_func) __IRQ_WORK_INIT(_func, 0)
#define IRQ_WORK_INIT_LAZY(_func) __IRQ_WORK_INIT(_func, IRQ_WORK_LAZY)
#define IRQ_WORK_INIT_HARD(_func) __IRQ_WORK_INIT(_func, IRQ_WORK_HARD_IRQ)

#define DEFINE_IRQ_WORK(name, _f)				\
	struct irq_work name = IRQ_WORK_INIT(_f)

static inline void init_irq_work(struct irq_work *work, void (*func)(struct irq_work *))
{
	*work = IRQ_WORK_INIT(func);
}

static inline bool irq_work_is_pending(struct irq_work *work)
{
	return atomic_read(&work->node.a_flags) & IRQ_WORK_PENDING;
}

static inline bool irq_work_is_busy(struct irq_work *work)
{
	return atomic_read(&work->node.a_flags) & IRQ_WORK_BUSY;
}

static inline bool irq_work_is_hard(struct irq_work *work)
{
	return atomic_read(&work->node.a_flags) & IRQ_WORK_HARD_IRQ;
}

bool irq_work_queue(struct irq_work *work);
bool irq_work_queue_on(struct irq_work *work, int cpu);
void irq_work_tick(void);
void irq_work_sync(struct irq_work *work);
void irq_work_run(void);

#endif /* _LKMSH_LINUX_IRQ_WORK_H */
