/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/percpu.h> for a uniprocessor kernel: per-CPU variables
 * (<linux/percpu-defs.h>) and the preemption and CPU helpers they are used
 * with, and dynamic per-CPU areas (mm/percpu.c's alloc_percpu): on one CPU
 * an area is one zeroed heap object, and per_cpu_ptr() of it is itself.
 */
#ifndef _LKMSH_LINUX_PERCPU_H
#define _LKMSH_LINUX_PERCPU_H

#include <linux/cpumask.h>
#include <linux/percpu-defs.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/types.h>

/* the least size of a unit: no one area may be larger */
#define PCPU_MIN_UNIT_SIZE	(32 << 10)

void __percpu *__alloc_percpu(size_t size, size_t align);
void __percpu *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp);
void free_percpu(void __percpu *__pdata);

#define alloc_percpu_gfp(type, gfp)					\
	(typeof(type) __percpu *)__alloc_percpu_gfp(sizeof(type),	\
						__alignof__(type), gfp)
#define alloc_percpu(type)						\
	(typeof(type) __percpu *)__alloc_percpu(sizeof(type),		\
						__alignof__(type))

#endif
