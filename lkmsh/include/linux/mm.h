/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: the part of <linux/mm.h> drivers use (pages, the vm_flags values,
 * the page flags through <linux/page-flags.h>). lkmsh has no struct
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
#include <linux/page-flags.h>

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

/* vm_area_struct flags (vm_flags), Linux 6.1's values; %pGv names them */
#define VM_NONE		0x00000000
#define VM_READ		0x00000001
#define VM_WRITE	0x00000002
#define VM_EXEC		0x00000004
#define VM_SHARED	0x00000008
#define VM_MAYREAD	0x00000010
#define VM_MAYWRITE	0x00000020
#define VM_MAYEXEC	0x00000040
#define VM_MAYSHARE	0x00000080
#define VM_GROWSDOWN	0x00000100
#define VM_UFFD_MISSING	0x00000200
#define VM_PFNMAP	0x00000400
#define VM_UFFD_WP	0x00001000
#define VM_LOCKED	0x00002000
#define VM_IO		0x00004000
#define VM_SEQ_READ	0x00008000
#define VM_RAND_READ	0x00010000
#define VM_DONTCOPY	0x00020000
#define VM_DONTEXPAND	0x00040000
#define VM_LOCKONFAULT	0x00080000
#define VM_ACCOUNT	0x00100000
#define VM_NORESERVE	0x00200000
#define VM_HUGETLB	0x00400000
#define VM_SYNC		0x00800000
#define VM_ARCH_1	0x01000000
#define VM_WIPEONFORK	0x02000000
#define VM_DONTDUMP	0x04000000
#define VM_SOFTDIRTY	0
#define VM_MIXEDMAP	0x10000000
#define VM_HUGEPAGE	0x20000000
#define VM_NOHUGEPAGE	0x40000000
#define VM_MERGEABLE	0x80000000
#ifdef CONFIG_X86
#define VM_PAT		VM_ARCH_1
#endif

#endif
