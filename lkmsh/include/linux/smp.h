/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/smp.h> for a uniprocessor kernel (CONFIG_SMP unset, as
 * lkmsh's one CPU): the running CPU is always 0, a call "on each CPU" runs
 * the function here with interrupts off, inline as in Linux's !SMP build.
 */
#ifndef _LKMSH_LINUX_SMP_H
#define _LKMSH_LINUX_SMP_H

#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>

typedef void (*smp_call_func_t)(void *info);

#define raw_smp_processor_id()	0
#define smp_processor_id()	raw_smp_processor_id()
#define __smp_processor_id()	raw_smp_processor_id()

#define get_cpu()		({ preempt_disable(); __smp_processor_id(); })
#define put_cpu()		preempt_enable()

static inline void on_each_cpu(smp_call_func_t func, void *info, int wait)
{
	unsigned long flags;

	local_irq_save(flags);
	func(info);
	local_irq_restore(flags);
}

static inline int smp_call_function_single(int cpu, smp_call_func_t func, void *info, int wait)
{
	unsigned long flags;

	if (cpu != 0)
		return -ENXIO;
	local_irq_save(flags);
	func(info);
	local_irq_restore(flags);
	return 0;
}

static inline void smp_call_function(smp_call_func_t func, void *info, int wait)
{
}

#define smp_call_function_many(mask, func, info, wait)	do { } while (0)

#endif
