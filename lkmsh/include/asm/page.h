/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <asm/page.h>: 4 KiB pages on both architectures, and the direct
 * map's arithmetic (x86-64's address map, which lkmsh uses on both):
 * __pa(x) = x - PAGE_OFFSET in the direct map, x - __START_KERNEL_map in
 * kernel text and data, as x86-64's __phys_addr() without
 * CONFIG_DEBUG_VIRTUAL (Debian's).
 */
#ifndef _LKMSH_ASM_PAGE_H
#define _LKMSH_ASM_PAGE_H

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

/* The end of user space (x86-64's page_64_types.h, arm64's 48-bit VA processor.h). */
#ifdef __aarch64__
#define TASK_SIZE_MAX		(1UL << 48)
#else
#define TASK_SIZE_MAX		((1UL << 47) - PAGE_SIZE)
#endif
#define TASK_SIZE		TASK_SIZE_MAX

/*
 * Kernel stacks: 16 KiB on both (x86-64's page_64_types.h and arm64's memory.h
 * without KASAN); arm64's VMAP_STACK aligns them to twice their size, x86-64's
 * <linux/thread_info.h> to their size.
 */
#define THREAD_SIZE_ORDER	2
#define THREAD_SIZE		(PAGE_SIZE << THREAD_SIZE_ORDER)
#ifdef __aarch64__
#define THREAD_ALIGN		(2 * THREAD_SIZE)
#else
#define THREAD_ALIGN		THREAD_SIZE
#endif

#ifndef __ASSEMBLY__
#define PAGE_OFFSET		((unsigned long)0xffff888000000000UL)
#define __START_KERNEL_map	((unsigned long)0xffffffff80000000UL)

static inline unsigned long __phys_addr(unsigned long x)
{
	return x >= __START_KERNEL_map ? x - __START_KERNEL_map : x - PAGE_OFFSET;
}
#define __phys_addr_symbol(x)	((unsigned long)(x) - __START_KERNEL_map)
#define __pa(x)			__phys_addr((unsigned long)(x))
#define __pa_symbol(x)		__phys_addr_symbol(x)
#define __va(x)			((void *)((unsigned long)(x) + PAGE_OFFSET))
#define pfn_to_kaddr(pfn)	__va((unsigned long)(pfn) << PAGE_SHIFT)
#define virt_to_pfn(kaddr)	(__pa(kaddr) >> PAGE_SHIFT)

static inline unsigned long long virt_to_phys(volatile void *address)
{
	return __pa(address);
}

static inline void *phys_to_virt(unsigned long long address)
{
	return __va(address);
}
#endif

#endif
