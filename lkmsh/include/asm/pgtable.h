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

/* 4-level page tables (x86-64's; arm64's 4 KiB granule has the same shifts) */
#define PMD_SHIFT	21
#define PUD_SHIFT	30
#define PGDIR_SHIFT	39
#define PMD_SIZE	(1UL << PMD_SHIFT)
#define PMD_MASK	(~(PMD_SIZE - 1))
#define PUD_SIZE	(1UL << PUD_SHIFT)
#define PUD_MASK	(~(PUD_SIZE - 1))

#ifndef __ASSEMBLY__
typedef struct { unsigned long pte; } pte_t;
typedef struct { unsigned long pmd; } pmd_t;
typedef struct { unsigned long pud; } pud_t;
typedef struct page *pgtable_t;

/* the shared zero page's pfn (mm/memory.c) */
extern unsigned long zero_pfn;

static inline int is_zero_pfn(unsigned long pfn)
{
	return pfn == zero_pfn;
}
#endif

#endif
