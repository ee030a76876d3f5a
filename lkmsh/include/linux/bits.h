/* SPDX-License-Identifier: MIT */
/* lkmsh: bit masks, as Linux's <linux/bits.h>. */
#ifndef _LKMSH_LINUX_BITS_H
#define _LKMSH_LINUX_BITS_H

#include <linux/kernel.h>

#ifndef BITS_PER_LONG
#define BITS_PER_LONG		64
#endif
#define BITS_PER_LONG_LONG	64
#define BITS_PER_BYTE		8
#define BIT_ULL(nr)		(1ULL << (nr))
#define BIT_MASK(nr)		(1UL << ((nr) % BITS_PER_LONG))
#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)
#define BIT_ULL_MASK(nr)	(1ULL << ((nr) % BITS_PER_LONG_LONG))
#define BIT_ULL_WORD(nr)	((nr) / BITS_PER_LONG_LONG)
#ifndef GENMASK
#define GENMASK(h, l) \
	(((~0UL) - (1UL << (l)) + 1) & (~0UL >> (BITS_PER_LONG - 1 - (h))))
#endif
#ifndef GENMASK_ULL
#define GENMASK_ULL(h, l) \
	(((~0ULL) - (1ULL << (l)) + 1) & (~0ULL >> (BITS_PER_LONG_LONG - 1 - (h))))
#endif

#endif /* _LKMSH_LINUX_BITS_H */
