/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/mm.h>: pages as Linux 6.1 has them for modules. The page
 * allocator (alloc_pages, __get_free_pages, free_pages, split_page...) is
 * lkmsh's buddy allocator over its page pool (lkmsh/kernel/pages.py): its
 * pages have struct pages in a vmemmap at VMEMMAP_START, so page_to_pfn,
 * pfn_to_page, page_address and virt_to_page are Linux's arithmetic, and
 * get_page/put_page/page_ref_count are atomics on page->_refcount in module
 * code. A page outside the pool (a kmalloc buffer's, in a scatterlist) has
 * no struct page in lkmsh: virt_to_page() names it by its own page-aligned
 * address, and page_address() gives such a name back unchanged.
 */
#ifndef _LKMSH_LINUX_MM_H
#define _LKMSH_LINUX_MM_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <linux/mm_types.h>
#include <linux/mmap_lock.h>
#include <linux/spinlock_types.h>
#include <linux/xarray.h>
#include <linux/mmzone.h>
#include <linux/pfn.h>
#include <linux/sizes.h>
#include <asm/page.h>
#include <asm/pgtable.h>
#include <asm-generic/getorder.h>
#include <linux/page-flags.h>

#define vmemmap			((struct page *)VMEMMAP_START)
/* the page pool's pfns (pages.py: POOL_PFN, CHUNKS_MAX x 1024 pages) */
#define __LKMSH_POOL_PFN	0x4000000UL
#define __LKMSH_POOL_PAGES	(16UL << (MAX_ORDER - 1))

#define page_to_pfn(page)	((unsigned long)((page) - vmemmap))
#define pfn_to_page(pfn)	(vmemmap + (pfn))
#define PAGE_ALIGN(addr)	(((addr) + PAGE_SIZE - 1) & PAGE_MASK)
#define PAGE_ALIGNED(addr)	(!((unsigned long)(addr) & (PAGE_SIZE - 1)))
#define offset_in_page(p)	((unsigned long)(p) & ~PAGE_MASK)

static inline bool __lkmsh_in_vmemmap(const struct page *page)
{
	return (unsigned long)page - VMEMMAP_START < (1UL << 40);
}

static inline void *page_address(const struct page *page)
{
	if (__lkmsh_in_vmemmap(page))
		return __va(PFN_PHYS(page_to_pfn(page)));
	return (void *)page;
}
#define lowmem_page_address(page)	page_address(page)
#define page_to_virt(page)		page_address(page)
#define page_to_phys(page)		PFN_PHYS(page_to_pfn(page))

static inline struct page *virt_to_page(const void *addr)
{
	unsigned long pfn = __pa(addr) >> PAGE_SHIFT;

	if (pfn - __LKMSH_POOL_PFN < __LKMSH_POOL_PAGES)
		return pfn_to_page(pfn);
	return (struct page *)((unsigned long)addr & PAGE_MASK);
}
#define virt_to_head_page(addr)	compound_head(virt_to_page(addr))
#define virt_addr_valid(kaddr)	((unsigned long)(kaddr) >= PAGE_OFFSET && \
				 (unsigned long)(kaddr) < PAGE_OFFSET + (1UL << 40))

/* compound pages (<linux/page-flags.h> in Linux) */
static inline struct page *compound_head(const struct page *page)
{
	unsigned long head = READ_ONCE(page->compound_head);

	if (head & 1)
		return (struct page *)(head - 1);
	return (struct page *)page;
}

static inline int PageTail(const struct page *page)
{
	return READ_ONCE(page->compound_head) & 1;
}

static inline int PageHead(const struct page *page)
{
	return !!(page->flags & (1UL << PG_head));
}

static inline int PageCompound(const struct page *page)
{
	return PageHead(page) || PageTail(page);
}

static inline unsigned int compound_order(const struct page *page)
{
	if (!PageHead(page))
		return 0;
	return page[1].compound_order;
}

static inline unsigned long compound_nr(const struct page *page)
{
	if (!PageHead(page))
		return 1;
	return page[1].compound_nr;
}

static inline unsigned long page_size(const struct page *page)
{
	return PAGE_SIZE << compound_order(page);
}

static inline unsigned int page_shift(const struct page *page)
{
	return PAGE_SHIFT + compound_order(page);
}

/* the zone in page->flags (<linux/page-flags-layout.h>) */
static inline enum zone_type page_zonenum(const struct page *page)
{
	return (page->flags >> ZONES_PGSHIFT) & ZONES_MASK;
}

static inline bool is_zone_device_page(const struct page *page)
{
	return page_zonenum(page) == ZONE_DEVICE;
}

static inline bool folio_is_zone_device(const struct folio *folio)
{
	return is_zone_device_page(&folio->page);
}

#define page_private(page)		((page)->private)
#define set_page_private(page, v)	((page)->private = (v))

/* reference counts (<linux/page_ref.h>) */
static inline int page_ref_count(const struct page *page)
{
	return atomic_read(&page->_refcount);
}

static inline int page_count(const struct page *page)
{
	return page_ref_count(compound_head(page));
}

static inline void set_page_count(struct page *page, int v)
{
	atomic_set(&page->_refcount, v);
}
#define init_page_count(page)	set_page_count((page), 1)
#define page_ref_inc(page)	atomic_inc(&(page)->_refcount)
#define page_ref_dec(page)	atomic_dec(&(page)->_refcount)
#define page_ref_add(page, nr)	atomic_add((nr), &(page)->_refcount)
#define page_ref_sub(page, nr)	atomic_sub((nr), &(page)->_refcount)
#define page_ref_dec_and_test(page)	atomic_dec_and_test(&(page)->_refcount)

static inline int folio_ref_count(const struct folio *folio)
{
	return page_ref_count(&folio->page);
}

static inline int put_page_testzero(struct page *page)
{
	return page_ref_dec_and_test(page);
}

static inline bool get_page_unless_zero(struct page *page)
{
	return atomic_add_unless(&page->_refcount, 1, 0);
}

/* the last reference of a folio is gone: back to the page allocator */
void __folio_put(struct folio *folio);

static inline void folio_get(struct folio *folio)
{
	atomic_inc(&folio->_refcount);
}

static inline void folio_put(struct folio *folio)
{
	if (atomic_dec_and_test(&folio->_refcount))
		__folio_put(folio);
}

static inline void get_page(struct page *page)
{
	folio_get(page_folio(page));
}

static inline void put_page(struct page *page)
{
	folio_put(page_folio(page));
}

void split_page(struct page *page, unsigned int order);

/* lkmsh's own: the page allocator's calls into the host kernel (unexported) */
unsigned long __lkmsh_pages_grow(gfp_t gfp, unsigned int order);
void __lkmsh_pages_scrub(u64 *ring, u32 n);
void __lkmsh_bad_page(struct page *page, unsigned int order, unsigned long caller);

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

/*
 * VMAs (mm/mmap.c, mm/memory.c). lkmsh's address spaces hold no VMAs: a
 * command's user memory (its ioctl buffers, vm_mmap()'s pages) is mapped
 * without one, so find_vma() finds none, as Linux's for an address nothing
 * is mapped at, and vm_insert_page() has no VMA to insert into.
 */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);

static inline struct vm_area_struct *vma_lookup(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (vma && addr < vma->vm_start)
		vma = NULL;
	return vma;
}

int vm_insert_page(struct vm_area_struct *vma, unsigned long addr, struct page *page);

static inline bool is_vm_hugetlb_page(struct vm_area_struct *vma)
{
	return false;
}

#define VM_SPECIAL (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)

/* One node, no NUMA policy: a page "for the VMA" is any page (as !CONFIG_NUMA). */
#define alloc_pages_vma(gfp_mask, order, vma, addr, hugepage) alloc_pages(gfp_mask, order)
#define alloc_page_vma(gfp_mask, vma, addr) alloc_pages_vma(gfp_mask, 0, vma, addr, false)

/* The fault a ->migrate_to_ram() (or a vm_operations ->fault) is asked to handle */
enum fault_flag {
	FAULT_FLAG_WRITE =		1 << 0,
	FAULT_FLAG_MKWRITE =		1 << 1,
	FAULT_FLAG_ALLOW_RETRY =	1 << 2,
	FAULT_FLAG_RETRY_NOWAIT =	1 << 3,
	FAULT_FLAG_KILLABLE =		1 << 4,
	FAULT_FLAG_TRIED =		1 << 5,
	FAULT_FLAG_USER =		1 << 6,
	FAULT_FLAG_REMOTE =		1 << 7,
	FAULT_FLAG_INSTRUCTION =	1 << 8,
	FAULT_FLAG_INTERRUPTIBLE =	1 << 9,
	FAULT_FLAG_UNSHARE =		1 << 10,
	FAULT_FLAG_ORIG_PTE_VALID =	1 << 11,
};

struct vm_fault {
	const struct {
		struct vm_area_struct *vma;
		gfp_t gfp_mask;
		pgoff_t pgoff;
		unsigned long address;
		unsigned long real_address;
	};
	enum fault_flag flags;
	pmd_t *pmd;
	pud_t *pud;
	union {
		pte_t orig_pte;
		pmd_t orig_pmd;
	};
	struct page *cow_page;
	struct page *page;
	pte_t *pte;
	spinlock_t *ptl;
	pgtable_t prealloc_pte;
};

/* Anonymous user memory in the calling command's task (mm/util.c; see <linux/mman.h>). */
struct file;
unsigned long vm_mmap(struct file *file, unsigned long addr, unsigned long len,
		      unsigned long prot, unsigned long flag, unsigned long offset);
int vm_munmap(unsigned long start, size_t len);

#endif
