/* SPDX-License-Identifier: MIT */
/* lkmsh: virtually contiguous allocations (<linux/vmalloc.h>), on the same heap as kmalloc. */
#ifndef _LKMSH_LINUX_VMALLOC_H
#define _LKMSH_LINUX_VMALLOC_H

#include <linux/types.h>
#include <linux/overflow.h>

void *vmalloc(unsigned long size);
void *vzalloc(unsigned long size);
void *__vmalloc(unsigned long size, gfp_t gfp_mask);
void vfree(const void *addr);
/* The area at a multiple of @align (a power of two); lkmsh has one memory node. */
void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp_mask, int node,
		     const void *caller);
void *vmalloc_node(unsigned long size, int node);
void *vzalloc_node(unsigned long size, int node);

#endif
