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

#endif
