/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/sched/mm.h>, the part modules use: might_alloc(), which
 * says an allocation with these flags may sleep. lkmsh's heap checks the
 * context of the allocation itself, so it is might_sleep_if() here.
 */
#ifndef _LKMSH_LINUX_SCHED_MM_H
#define _LKMSH_LINUX_SCHED_MM_H

#include <linux/gfp.h>
#include <linux/kernel.h>

static inline void might_alloc(gfp_t gfp_mask)
{
	if (gfpflags_allow_blocking(gfp_mask))
		might_sleep();
}

#endif
