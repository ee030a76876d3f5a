/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: the part of <linux/mm.h> block drivers use. lkmsh has no struct
 * page array: a struct page pointer is the page-aligned kernel virtual
 * address of the page itself (as <linux/scatterlist.h> keeps it), so
 * page_address() is that pointer, and virt_to_page() rounds down to it.
 */
#ifndef _LKMSH_LINUX_MM_H
#define _LKMSH_LINUX_MM_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <asm/page.h>

struct page;

static inline void *page_address(const struct page *page)
{
	return (void *)page;
}

static inline struct page *virt_to_page(const void *addr)
{
	return (struct page *)((unsigned long)addr & PAGE_MASK);
}

#define offset_in_page(p)	((unsigned long)(p) & ~PAGE_MASK)

#endif
