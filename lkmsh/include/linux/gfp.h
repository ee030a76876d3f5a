/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: allocation flags with Linux 6.1's values (<linux/gfp_types.h>), so
 * GFP_KERNEL is 0xcc0 as on Linux. The heap honours __GFP_ZERO; the other
 * bits are accepted and recorded.
 */
#ifndef _LKMSH_LINUX_GFP_H
#define _LKMSH_LINUX_GFP_H

#include <linux/types.h>
#include <asm/page.h>	/* PAGE_SIZE, as Linux's gfp.h brings it through <linux/mmzone.h> */
#include <linux/topology.h>	/* numa_node_id(), as Linux's gfp.h includes it */

#define ___GFP_DMA		0x01u
#define ___GFP_HIGHMEM		0x02u
#define ___GFP_DMA32		0x04u
#define ___GFP_MOVABLE		0x08u
#define ___GFP_RECLAIMABLE	0x10u
#define ___GFP_HIGH		0x20u
#define ___GFP_IO		0x40u
#define ___GFP_FS		0x80u
#define ___GFP_ZERO		0x100u
#define ___GFP_ATOMIC		0x200u
#define ___GFP_DIRECT_RECLAIM	0x400u
#define ___GFP_KSWAPD_RECLAIM	0x800u
#define ___GFP_WRITE		0x1000u
#define ___GFP_NOWARN		0x2000u
#define ___GFP_RETRY_MAYFAIL	0x4000u
#define ___GFP_NOFAIL		0x8000u
#define ___GFP_NORETRY		0x10000u
#define ___GFP_MEMALLOC		0x20000u
#define ___GFP_COMP		0x40000u
#define ___GFP_NOMEMALLOC	0x80000u
#define ___GFP_HARDWALL		0x100000u
#define ___GFP_THISNODE		0x200000u
#define ___GFP_ACCOUNT		0x400000u
#define ___GFP_ZEROTAGS		0x800000u
/* the KASAN_HW_TAGS and LOCKDEP bits: 0, as in a kernel without them */
#define ___GFP_SKIP_ZERO	0
#define ___GFP_SKIP_KASAN_UNPOISON 0
#define ___GFP_SKIP_KASAN_POISON 0
#define ___GFP_NOLOCKDEP	0

#define __GFP_DMA		((gfp_t)___GFP_DMA)
#define __GFP_HIGHMEM		((gfp_t)___GFP_HIGHMEM)
#define __GFP_DMA32		((gfp_t)___GFP_DMA32)
#define __GFP_MOVABLE		((gfp_t)___GFP_MOVABLE)
#define __GFP_RECLAIMABLE	((gfp_t)___GFP_RECLAIMABLE)
#define __GFP_HIGH		((gfp_t)___GFP_HIGH)
#define __GFP_IO		((gfp_t)___GFP_IO)
#define __GFP_FS		((gfp_t)___GFP_FS)
#define __GFP_ZERO		((gfp_t)___GFP_ZERO)
#define __GFP_ATOMIC		((gfp_t)___GFP_ATOMIC)
#define __GFP_DIRECT_RECLAIM	((gfp_t)___GFP_DIRECT_RECLAIM)
#define __GFP_KSWAPD_RECLAIM	((gfp_t)___GFP_KSWAPD_RECLAIM)
#define __GFP_RECLAIM		((gfp_t)(___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM))
#define __GFP_WRITE		((gfp_t)___GFP_WRITE)
#define __GFP_NOWARN		((gfp_t)___GFP_NOWARN)
#define __GFP_RETRY_MAYFAIL	((gfp_t)___GFP_RETRY_MAYFAIL)
#define __GFP_NOFAIL		((gfp_t)___GFP_NOFAIL)
#define __GFP_NORETRY		((gfp_t)___GFP_NORETRY)
#define __GFP_MEMALLOC		((gfp_t)___GFP_MEMALLOC)
#define __GFP_COMP		((gfp_t)___GFP_COMP)
#define __GFP_NOMEMALLOC	((gfp_t)___GFP_NOMEMALLOC)
#define __GFP_HARDWALL		((gfp_t)___GFP_HARDWALL)
#define __GFP_THISNODE		((gfp_t)___GFP_THISNODE)
#define __GFP_ACCOUNT		((gfp_t)___GFP_ACCOUNT)
#define __GFP_ZEROTAGS		((gfp_t)___GFP_ZEROTAGS)
#define __GFP_SKIP_ZERO		((gfp_t)___GFP_SKIP_ZERO)
#define __GFP_SKIP_KASAN_UNPOISON ((gfp_t)___GFP_SKIP_KASAN_UNPOISON)
#define __GFP_SKIP_KASAN_POISON	((gfp_t)___GFP_SKIP_KASAN_POISON)
#define __GFP_NOLOCKDEP		((gfp_t)___GFP_NOLOCKDEP)

/* Room for N __GFP_FOO bits */
#define __GFP_BITS_SHIFT	(27 + IS_ENABLED(CONFIG_LOCKDEP))
#define __GFP_BITS_MASK		((gfp_t)((1 << __GFP_BITS_SHIFT) - 1))

#define GFP_ATOMIC	(__GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM)	/* 0xa20 */
#define GFP_KERNEL	(__GFP_RECLAIM | __GFP_IO | __GFP_FS)			/* 0xcc0 */
#define GFP_KERNEL_ACCOUNT (GFP_KERNEL | __GFP_ACCOUNT)
#define GFP_NOWAIT	(__GFP_KSWAPD_RECLAIM)
#define GFP_NOIO	(__GFP_RECLAIM)
#define GFP_NOFS	(__GFP_RECLAIM | __GFP_IO)
#define GFP_USER	(__GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL)
#define GFP_DMA		__GFP_DMA
#define GFP_DMA32	__GFP_DMA32
#define GFP_HIGHUSER	(GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE	(GFP_HIGHUSER | __GFP_MOVABLE | \
			 __GFP_SKIP_KASAN_POISON | __GFP_SKIP_KASAN_UNPOISON)
#define GFP_TRANSHUGE_LIGHT	((GFP_HIGHUSER_MOVABLE | __GFP_COMP | \
			 __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE	(GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

/*
 * The page allocator (lkmsh/klib/page_alloc.c: Linux's buddy allocator on
 * lkmsh's page pool). Every block comes zeroed, as with Debian's
 * CONFIG_INIT_ON_ALLOC_DEFAULT_ON; orders from 0 to MAX_ORDER - 1 (10).
 */
struct page;
typedef struct { unsigned long bits[1]; } nodemask_t;
#define NUMA_NO_NODE	(-1)

struct page *__alloc_pages(gfp_t gfp, unsigned int order, int preferred_nid,
			   nodemask_t *nodemask);
unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order);
unsigned long get_zeroed_page(gfp_t gfp_mask);
void __free_pages(struct page *page, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);

static inline struct page *alloc_pages(gfp_t gfp_mask, unsigned int order)
{
	return __alloc_pages(gfp_mask, order, 0, (nodemask_t *)0);
}

static inline struct page *alloc_pages_node(int nid, gfp_t gfp_mask, unsigned int order)
{
	return __alloc_pages(gfp_mask, order, nid < 0 ? 0 : nid, (nodemask_t *)0);
}

#define alloc_page(gfp_mask)		alloc_pages(gfp_mask, 0)
#define __get_free_page(gfp_mask)	__get_free_pages((gfp_mask), 0)
#define __get_dma_pages(gfp_mask, order) __get_free_pages((gfp_mask) | GFP_DMA, (order))
#define __free_page(page)		__free_pages((page), 0)
#define free_page(addr)			free_pages((addr), 0)

/* may an allocation with @gfp_flags sleep (reclaim directly)? */
static inline bool gfpflags_allow_blocking(const gfp_t gfp_flags)
{
	return !!(gfp_flags & __GFP_DIRECT_RECLAIM);
}

#endif
