// SPDX-License-Identifier: MIT
/*
 * The page allocator (mm/page_alloc.c's buddy system), run on the emulated
 * CPU: struct pages in a vmemmap, free blocks of each order on their
 * free_area list through page->lru, PageBuddy in page_type and the order in
 * page->private, buddies merged on free and halves put back on allocation,
 * as Linux 6.1 does. Its memory is lkmsh's page pool (lkmsh/kernel/pages.py):
 * 4 MiB chunks (one MAX_ORDER - 1 block each) the kernel maps when this code
 * asks, up to a cap, so host memory stays bounded whatever a module asks.
 *
 * Every block it hands out is zero, as with Debian's
 * CONFIG_INIT_ON_ALLOC_DEFAULT_ON, without a host call per allocation: the
 * free lists hold only zeroed blocks (a fresh chunk is zero), and a freed
 * block waits on the scrub ring (as Linux's per-CPU lists hold freed pages
 * before they reach the buddy lists) until the ring is full or an
 * allocation finds nothing else; then the host zeroes all of them at once
 * (a host memset of contiguous runs is ~20x an emulated one) and they are
 * merged in. Who allocated each block (the module running, from where) is
 * kept in a page_ext array beside the vmemmap, for the unload report.
 *
 * The host's slots (written into the control block at boot): grow the pool
 * (or refuse with Linux's warning), scrub the ring, report a bad free.
 * get_page/put_page are <linux/mm.h>'s inline atomics on page->_refcount.
 */
#include "klib.h"

typedef unsigned int gfp_t;

#define PAGE_SHIFT 12
#define PA_CTL 0xffffffff82e00000UL	  /* layout.KERNEL_DATA_BASE + 0xe00000: pages.py */
#define VMEMMAP_START 0xffffea0000000000UL /* x86-64's, as <linux/mm.h> says */
#define POOL_PFN 0x4000000UL		  /* the pool's first pfn: pages.py */
#define PAGE_EXT_START 0xffffea8000000000UL /* one struct page_ext per pool pfn: pages.py */
#define MAX_ORDER 11
#define GFP_HIGHMEM 0x02u
#define GFP_ZERO 0x100u
#define GFP_COMP 0x40000u
#define PG_head 16
#define PAGE_TYPE_BASE 0xf0000000u
#define PG_buddy 0x00000080u
#define COMPOUND_PAGE_DTOR 1
#define PAGEFLAGS_MASK ((1UL << 22) - 1)

struct page {
	unsigned long flags;
	union {
		struct {
			struct list_head lru;
			void *mapping;
			unsigned long index;
			unsigned long private;
		};
		struct {
			unsigned long compound_head;
			u8 compound_dtor;
			u8 compound_order;
			int compound_mapcount;
			int compound_pincount;
			unsigned int compound_nr;
		};
	};
	union {
		int _mapcount;
		unsigned int page_type;
	};
	int _refcount;
	unsigned long memcg_data;
};

_Static_assert(sizeof(struct page) == 64, "struct page layout");
_Static_assert(__builtin_offsetof(struct page, _refcount) == 52, "struct page layout");

struct free_area {
	struct list_head free_list;
	u64 nr_free;
};

/* what the unload report needs of an allocation (one per head pfn) */
struct page_ext {
	u64 caller;
	u32 owner;
	u16 order;
	u16 live;
};

#define RING 512
#define RUNS 64

struct pa_ctl {
	u64 slow_grow;	/* u64 (gfp, order): 1 when a chunk was added, 0 after the warning */
	u64 slow_scrub; /* void (runs, n): zero the ring's pages, n runs of them */
	u64 slow_bad;	/* void (page, order, caller): a free of a page not allocated */
	u64 end_pfn;	/* the pool's mapped pfns are [POOL_PFN, end_pfn) */
	u32 owner;	/* the module running now (pages.py's ids; 0 the kernel) */
	u32 nring;
	u32 nruns;
	u32 reserved;
	struct free_area area[MAX_ORDER];
	u64 ring[RING];	     /* freed blocks to merge once zeroed: pfn << 4 | order */
	u64 runs[RUNS][2];   /* the same pages as contiguous runs (pfn, count): the host's */
	u64 slow_cache_alloc; /* int (cache, gfp, n, p, caller): kmem_cache objects, see below */
};

_Static_assert(__builtin_offsetof(struct pa_ctl, area) == 48, "ctl layout");
_Static_assert(__builtin_offsetof(struct pa_ctl, ring) == 312, "ctl layout");
_Static_assert(__builtin_offsetof(struct pa_ctl, runs) == 4408, "ctl layout");
_Static_assert(__builtin_offsetof(struct pa_ctl, slow_cache_alloc) == 5432, "ctl layout");
_Static_assert(sizeof(struct free_area) == 24, "ctl layout");
_Static_assert(sizeof(struct page_ext) == 16, "page_ext layout");

#define CTL ((struct pa_ctl *)PA_CTL)
#define vmemmap ((struct page *)VMEMMAP_START)
#define page_exts ((struct page_ext *)PAGE_EXT_START)
#define RET_ADDR ((u64)__builtin_return_address(0))

static inline bool in_pool(const struct page *page)
{
	unsigned long off = (unsigned long)page - VMEMMAP_START;
	unsigned long pfn = off / sizeof(struct page);

	return !(off % sizeof(struct page)) && pfn >= POOL_PFN && pfn < CTL->end_pfn;
}

static inline bool page_buddy(const struct page *page)
{
	return (page->page_type & (PAGE_TYPE_BASE | PG_buddy)) == PAGE_TYPE_BASE;
}

static inline unsigned long page_pfn(const struct page *page)
{
	return page - vmemmap;
}

static inline void *page_virt(const struct page *page)
{
	return (void *)(0xffff888000000000UL + (page_pfn(page) << PAGE_SHIFT));
}

static void add_free(struct page *page, unsigned int order)
{
	struct list_head *head = &CTL->area[order].free_list;

	page->page_type &= ~PG_buddy;
	page->private = order;
	page->lru.next = head->next;
	page->lru.prev = head;
	head->next->prev = &page->lru;
	head->next = &page->lru;
	CTL->area[order].nr_free++;
}

static void del_free(struct page *page, unsigned int order)
{
	page->lru.prev->next = page->lru.next;
	page->lru.next->prev = page->lru.prev;
	page->lru.next = NULL;
	page->lru.prev = NULL;
	page->page_type |= PG_buddy;
	page->private = 0;
	CTL->area[order].nr_free--;
}

/* __free_one_page: merge with free buddies, onto the free list */
static void merge(unsigned long pfn, unsigned int order)
{
	while (order < MAX_ORDER - 1) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct page *buddy = vmemmap + buddy_pfn;

		if (!page_buddy(buddy) || buddy->private != order)
			break;
		del_free(buddy, order);
		pfn &= buddy_pfn;
		order++;
	}
	add_free(vmemmap + pfn, order);
}

/* the host zeroes the ring's blocks; they join the free lists */
static void scrub(void)
{
	u32 i, n = CTL->nring;

	if (!n)
		return;
	((void (*)(u64 *, u32))CTL->slow_scrub)(&CTL->runs[0][0], CTL->nruns);
	CTL->nring = 0;
	CTL->nruns = 0;
	for (i = 0; i < n; i++)
		merge(CTL->ring[i] >> 4, CTL->ring[i] & 15);
}

/* free_pages_prepare's resets; the block waits on the ring to be zeroed */
static void free_one(struct page *page, unsigned int order)
{
	unsigned long pfn = page_pfn(page), n = 1UL << order, i;

	for (i = 0; i < n; i++) {
		struct page *p = page + i;

		p->flags &= ~PAGEFLAGS_MASK;
		p->lru.next = NULL;
		p->lru.prev = NULL;
		p->mapping = NULL;
		p->index = 0;
		p->private = 0;
		p->_mapcount = -1;
		p->memcg_data = 0;
		page_exts[pfn - POOL_PFN + i].live = 0;
	}
	if (CTL->nring == RING || CTL->nruns == RUNS)
		scrub();
	CTL->ring[CTL->nring++] = pfn << 4 | order;
	if (CTL->nruns) { /* a block freed next to the last run's pages extends it */
		u64 *run = CTL->runs[CTL->nruns - 1];

		if (run[0] + run[1] == pfn) {
			run[1] += n;
			return;
		}
		if (pfn + n == run[0]) {
			run[0] = pfn;
			run[1] += n;
			if (CTL->nruns > 1 && run[-2] + run[-1] == pfn) { /* it meets the one before */
				run[-1] += run[1];
				CTL->nruns--;
			}
			return;
		}
	}
	CTL->runs[CTL->nruns][0] = pfn;
	CTL->runs[CTL->nruns++][1] = n;
}

static struct page *take(unsigned int order)
{
	unsigned int o;

	for (o = order; o < MAX_ORDER; o++) {
		struct free_area *area = &CTL->area[o];
		struct page *page;

		if (!area->nr_free)
			continue;
		page = (struct page *)((char *)area->free_list.next - __builtin_offsetof(struct page, lru));
		del_free(page, o);
		while (o > order) { /* expand(): the upper halves go back */
			o--;
			add_free(page + (1UL << o), o);
		}
		return page;
	}
	return NULL;
}

static void prep_new_page(struct page *page, unsigned int order, gfp_t gfp, u64 caller)
{
	unsigned long i, n = 1UL << order;
	struct page_ext *ext = &page_exts[page_pfn(page) - POOL_PFN];

	page->_refcount = 1;
	ext->caller = caller;
	ext->owner = CTL->owner;
	ext->order = order;
	ext->live = 1;
	if (!(gfp & GFP_COMP) || !order)
		return;
	page->flags |= 1UL << PG_head;
	for (i = 1; i < n; i++)
		page[i].compound_head = (unsigned long)page + 1;
	page[1].compound_dtor = COMPOUND_PAGE_DTOR;
	page[1].compound_order = order;
	page[1].compound_mapcount = -1;
	page[1].compound_pincount = 0;
	page[1].compound_nr = n;
}

static struct page *alloc(gfp_t gfp, unsigned int order, u64 caller)
{
	struct page *page;

	while (order >= MAX_ORDER || !(page = take(order))) {
		if (order < MAX_ORDER && CTL->nring) {
			scrub();
			continue;
		}
		if (!((u64(*)(gfp_t, unsigned int))CTL->slow_grow)(gfp, order))
			return NULL;
	}
	prep_new_page(page, order, gfp, caller);
	return page;
}

static void free_pages_at(struct page *page, unsigned int order, u64 caller)
{
	if (order >= MAX_ORDER || !in_pool(page) || page->_refcount <= 0) {
		((void (*)(struct page *, unsigned int, u64))CTL->slow_bad)(page, order, caller);
		return;
	}
	if (!--page->_refcount)
		free_one(page, order);
	else if (!(page->flags & (1UL << PG_head)))
		while (order-- > 0) /* someone holds the first page: free the rest */
			free_one(page + (1UL << order), order);
}

struct page *__alloc_pages(gfp_t gfp, unsigned int order, int preferred_nid, void *nodemask)
{
	return alloc(gfp, order, RET_ADDR);
}

unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order)
{
	struct page *page = alloc(gfp_mask & ~GFP_HIGHMEM, order, RET_ADDR);

	return page ? (unsigned long)page_virt(page) : 0;
}

unsigned long get_zeroed_page(gfp_t gfp_mask)
{
	struct page *page = alloc((gfp_mask | GFP_ZERO) & ~GFP_HIGHMEM, 0, RET_ADDR);

	return page ? (unsigned long)page_virt(page) : 0;
}

void __free_pages(struct page *page, unsigned int order)
{
	free_pages_at(page, order, RET_ADDR);
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		free_pages_at(vmemmap + ((addr - 0xffff888000000000UL) >> PAGE_SHIFT), order,
			      RET_ADDR);
}

/* put_page()'s last reference (a folio is its head page) */
void __folio_put(struct page *folio)
{
	unsigned int order = (folio->flags & (1UL << PG_head)) ? folio[1].compound_order : 0;

	if (!in_pool(folio) || folio->_refcount) {
		((void (*)(struct page *, unsigned int, u64))CTL->slow_bad)(folio, order, RET_ADDR);
		return;
	}
	free_one(folio, order);
}

/* a non-compound block becomes 1 << order pages, each with its own reference */
void split_page(struct page *page, unsigned int order)
{
	unsigned long i;

	for (i = 1; i < (1UL << order); i++)
		page[i]._refcount = 1;
}

/*
 * kmem_cache_alloc and kmem_cache_alloc_bulk: the host allocates the objects
 * (lkmsh/kernel/kapi/slabcache.py), and a cache's constructor then runs here,
 * in the caller's own emulated call, as SLUB runs it from the allocation
 * path, not as a second call into module code from the host.
 */
#define CACHE_CTOR 72 /* struct kmem_cache.ctor (<linux/slub_def.h>), slabcache.py fills it */

struct kmem_cache;
typedef void (*ctor_t)(void *);

static int cache_alloc(struct kmem_cache *s, gfp_t flags, size_t n, void **p, u64 caller)
{
	int got = ((int (*)(struct kmem_cache *, gfp_t, size_t, void **, u64))CTL->slow_cache_alloc)(
		s, flags, n, p, caller);
	ctor_t ctor = got ? *(ctor_t *)((char *)s + CACHE_CTOR) : NULL;
	int i;

	if (ctor)
		for (i = 0; i < got; i++)
			ctor(p[i]);
	return got;
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags)
{
	void *obj = NULL;

	cache_alloc(s, flags, 1, &obj, RET_ADDR);
	return obj;
}

int kmem_cache_alloc_bulk(struct kmem_cache *s, gfp_t flags, size_t size, void **p)
{
	return cache_alloc(s, flags, size, p, RET_ADDR);
}
