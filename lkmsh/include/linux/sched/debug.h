/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/sched/debug.h>: where Linux declares the task and stack dumps;
 * the one lkmsh has, dump_stack(), is <linux/printk.h>'s, included here.
 */
#ifndef _LKMSH_LINUX_SCHED_DEBUG_H
#define _LKMSH_LINUX_SCHED_DEBUG_H

#include <linux/printk.h>

#endif
