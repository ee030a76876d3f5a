/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/migrate.h>: moving pages between system and device memory, as
 * Linux 6.1 (CONFIG_MIGRATION, CONFIG_DEVICE_MIGRATION). migrate_vma_setup()
 * checks its arguments as Linux does; it needs a VMA, and lkmsh's address
 * spaces hold none (find_vma() finds none), so a caller can only get -EINVAL
 * from it. migrate_device_range() collects the device pages of a pfn range
 * that are in use; migrate_*_pages() and migrate_*_finalize() complete what
 * was collected.
 */
#ifndef _LKMSH_LINUX_MIGRATE_H
#define _LKMSH_LINUX_MIGRATE_H

#include <linux/mm.h>

#define MIGRATE_PFN_VALID	(1UL << 0)
#define MIGRATE_PFN_MIGRATE	(1UL << 1)
#define MIGRATE_PFN_WRITE	(1UL << 3)
#define MIGRATE_PFN_SHIFT	6

static inline struct page *migrate_pfn_to_page(unsigned long mpfn)
{
	if (!(mpfn & MIGRATE_PFN_VALID))
		return NULL;
	return pfn_to_page(mpfn >> MIGRATE_PFN_SHIFT);
}

static inline unsigned long migrate_pfn(unsigned long pfn)
{
	return (pfn << MIGRATE_PFN_SHIFT) | MIGRATE_PFN_VALID;
}

enum migrate_vma_direction {
	MIGRATE_VMA_SELECT_SYSTEM = 1 << 0,
	MIGRATE_VMA_SELECT_DEVICE_PRIVATE = 1 << 1,
	MIGRATE_VMA_SELECT_DEVICE_COHERENT = 1 << 2,
};

struct migrate_vma {
	struct vm_area_struct	*vma;
	unsigned long		*dst;
	unsigned long		*src;
	unsigned long		cpages;
	unsigned long		npages;
	unsigned long		start;
	unsigned long		end;
	void			*pgmap_owner;
	unsigned long		flags;
	struct page		*fault_page;
};

int migrate_vma_setup(struct migrate_vma *args);
void migrate_vma_pages(struct migrate_vma *migrate);
void migrate_vma_finalize(struct migrate_vma *migrate);
int migrate_device_range(unsigned long *src_pfns, unsigned long start,
			unsigned long npages);
void migrate_device_pages(unsigned long *src_pfns, unsigned long *dst_pfns,
			unsigned long npages);
void migrate_device_finalize(unsigned long *src_pfns,
			unsigned long *dst_pfns, unsigned long npages);

#endif /* _LKMSH_LINUX_MIGRATE_H */
