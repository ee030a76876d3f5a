/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/threads.h>: lkmsh's kernel has one CPU (a uniprocessor
 * build, CONFIG_SMP unset), so NR_CPUS is 1.
 */
#ifndef _LKMSH_LINUX_THREADS_H
#define _LKMSH_LINUX_THREADS_H

#define CONFIG_NR_CPUS	1
#define NR_CPUS		CONFIG_NR_CPUS

#define PID_MAX_DEFAULT	0x8000
#define PID_MAX_LIMIT	(4 * 1024 * 1024)

#endif
