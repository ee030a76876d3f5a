/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/range.h>: an inclusive [start, end] range, as Linux 6.1's. */
#ifndef _LKMSH_LINUX_RANGE_H
#define _LKMSH_LINUX_RANGE_H

#include <linux/types.h>

struct range {
	u64 start;
	u64 end;
};

static inline u64 range_len(const struct range *range)
{
	return range->end - range->start + 1;
}

#endif
