/* SPDX-License-Identifier: MIT */
/* lkmsh: <asm-generic/getorder.h>: the order of the smallest block holding @size bytes. */
#ifndef _LKMSH_ASM_GENERIC_GETORDER_H
#define _LKMSH_ASM_GENERIC_GETORDER_H

#include <asm/page.h>

static inline __attribute__((__const__)) int get_order(unsigned long size)
{
	size--;
	size >>= PAGE_SHIFT;
	return size ? 64 - __builtin_clzl(size) : 0;
}

#endif
