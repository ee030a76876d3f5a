/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/reciprocal_div.h>'s types, for struct kmem_cache's layout
 * (<linux/slub_def.h>) and modules dividing by a run-time constant.
 */
#ifndef _LKMSH_LINUX_RECIPROCAL_DIV_H
#define _LKMSH_LINUX_RECIPROCAL_DIV_H

#include <linux/types.h>

struct reciprocal_value {
	u32 m;
	u8 sh1, sh2;
};

static inline u32 reciprocal_divide(u32 a, struct reciprocal_value R)
{
	u32 t = (u32)(((u64)a * R.m) >> 32);

	return (t + ((a - t) >> R.sh1)) >> R.sh2;
}

#endif
