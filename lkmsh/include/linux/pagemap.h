/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/pagemap.h>, the page lock (Linux 6.1): PG_locked in page->flags.
 * lock_page() takes it or sleeps in __folio_lock() until unlock_page() hands it
 * over (folio_unlock() wakes the first waiter with the lock held for it, where
 * Linux wakes every waiter to race for it: with one CPU, the first wins).
 * lkmsh has no page cache: no address_space operations, no readahead.
 */
#ifndef _LKMSH_LINUX_PAGEMAP_H
#define _LKMSH_LINUX_PAGEMAP_H

#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/bitops.h>
#include <linux/kernel.h>

void __folio_lock(struct folio *folio);
void folio_unlock(struct folio *folio);

static inline bool folio_test_locked(struct folio *folio)
{
	return test_bit(PG_locked, &folio->flags);
}

static inline bool folio_trylock(struct folio *folio)
{
	return likely(!test_and_set_bit_lock(PG_locked, &folio->flags));
}

static inline bool trylock_page(struct page *page)
{
	return folio_trylock(page_folio(page));
}

static inline void folio_lock(struct folio *folio)
{
	might_sleep();
	if (!folio_trylock(folio))
		__folio_lock(folio);
}

static inline void lock_page(struct page *page)
{
	folio_lock(page_folio(page));
}

static inline void unlock_page(struct page *page)
{
	folio_unlock(page_folio(page));
}

static inline int PageLocked(struct page *page)
{
	return test_bit(PG_locked, &compound_head(page)->flags);
}

#endif
