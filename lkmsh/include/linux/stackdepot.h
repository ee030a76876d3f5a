/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/stackdepot.h>, what its users include it for: the handle type and
 * stack_depot_init(). lkmsh keeps no global depot; ref_tracker keeps its stacks with
 * each tracker (lkmsh/klib/ref_tracker.c).
 */
#ifndef _LKMSH_LINUX_STACKDEPOT_H
#define _LKMSH_LINUX_STACKDEPOT_H

#include <linux/types.h>

typedef u32 depot_stack_handle_t;

/* nothing to set up (Linux's returns 0 when the depot is ready) */
static inline int stack_depot_init(void)
{
	return 0;
}

#endif
