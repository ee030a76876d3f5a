/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/cpu.h> for a uniprocessor kernel without CPU hotplug
 * (CONFIG_HOTPLUG_CPU unset, as every !SMP Linux): the hotplug lock and its
 * disabling are no-ops, inline as in Linux.
 */
#ifndef _LKMSH_LINUX_CPU_H
#define _LKMSH_LINUX_CPU_H

#include <linux/cpumask.h>
#include <linux/smp.h>

static inline void cpus_write_lock(void) { }
static inline void cpus_write_unlock(void) { }
static inline void cpus_read_lock(void) { }
static inline void cpus_read_unlock(void) { }
static inline int  cpus_read_trylock(void) { return true; }
static inline void lockdep_assert_cpus_held(void) { }
static inline void cpu_hotplug_disable(void) { }
static inline void cpu_hotplug_enable(void) { }

#endif
