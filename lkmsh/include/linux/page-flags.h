/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/page-flags.h>: the page flag bits of Linux 6.1's enum
 * pageflags (for CONFIG_MMU without MEMORY_FAILURE, PAGE_IDLE_FLAG or
 * ARCH_USES_PG_UNCACHED), their aliases and PAGEFLAGS_MASK. lkmsh keeps no
 * struct page array; these are the values %pGp decodes and modules test.
 */
#ifndef _LKMSH_LINUX_PAGE_FLAGS_H
#define _LKMSH_LINUX_PAGE_FLAGS_H

#include <linux/page-flags-layout.h>

enum pageflags {
	PG_locked,
	PG_referenced,
	PG_uptodate,
	PG_dirty,
	PG_lru,
	PG_active,
	PG_workingset,
	PG_waiters,
	PG_error,
	PG_slab,
	PG_owner_priv_1,
	PG_arch_1,
	PG_reserved,
	PG_private,
	PG_private_2,
	PG_writeback,
	PG_head,
	PG_mappedtodisk,
	PG_reclaim,
	PG_swapbacked,
	PG_unevictable,
	PG_mlocked,
	__NR_PAGEFLAGS,

	PG_readahead = PG_reclaim,
	PG_checked = PG_owner_priv_1,
	PG_swapcache = PG_owner_priv_1,
	PG_fscache = PG_private_2,
	PG_pinned = PG_owner_priv_1,
	PG_savepinned = PG_dirty,
	PG_foreign = PG_owner_priv_1,
	PG_xen_remapped = PG_owner_priv_1,
	PG_slob_free = PG_private,
	PG_double_map = PG_workingset,
	PG_isolated = PG_reclaim,
	PG_reported = PG_uptodate,
};

/* kbuild generates it (bounds.h) from the enum */
#define NR_PAGEFLAGS		__NR_PAGEFLAGS
#define PAGEFLAGS_MASK		((1UL << NR_PAGEFLAGS) - 1)

#endif /* _LKMSH_LINUX_PAGE_FLAGS_H */
