/* SPDX-License-Identifier: MIT */
/* lkmsh: <asm/pgtable.h>: x86-64's (4-level) areas, lkmsh's map on both architectures. */
#ifndef _LKMSH_ASM_PGTABLE_H
#define _LKMSH_ASM_PGTABLE_H

#include <asm/page.h>

#define VMALLOC_START	0xffffc90000000000UL
#define VMALLOC_SIZE_TB	32UL
#define VMALLOC_END	(VMALLOC_START + (VMALLOC_SIZE_TB << 40) - 1)
#define VMEMMAP_START	0xffffea0000000000UL
#define MODULES_VADDR	0xffffffffa0000000UL
#define MODULES_END	0xffffffffff000000UL

#endif
