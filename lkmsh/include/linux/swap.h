/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/swap.h>: lkmsh's kernel has no swap (as a kernel without CONFIG_SWAP). */
#ifndef _LKMSH_LINUX_SWAP_H
#define _LKMSH_LINUX_SWAP_H

#include <linux/mm.h>
#include <linux/pagemap.h>

typedef struct {
	unsigned long val;
} swp_entry_t;

static inline long get_nr_swap_pages(void)
{
	return 0;
}

#endif
