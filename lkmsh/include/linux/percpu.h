/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/percpu.h> for a uniprocessor kernel: per-CPU variables
 * (<linux/percpu-defs.h>) and the preemption and CPU helpers they are used
 * with. Dynamic per-CPU allocation (alloc_percpu) is not provided yet.
 */
#ifndef _LKMSH_LINUX_PERCPU_H
#define _LKMSH_LINUX_PERCPU_H

#include <linux/cpumask.h>
#include <linux/percpu-defs.h>
#include <linux/preempt.h>
#include <linux/smp.h>

#endif
