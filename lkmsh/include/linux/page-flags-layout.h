/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/page-flags-layout.h>: where page->flags keeps its fields, for
 * the kernel lkmsh models (one node, no NUMA balancing, no KASAN tags;
 * SPARSEMEM_VMEMMAP, so no section field): only the zone, in the top
 * ZONES_WIDTH bits, as Linux 6.1 lays it out for that configuration. %pGp
 * decodes the same layout.
 */
#ifndef _LKMSH_LINUX_PAGE_FLAGS_LAYOUT_H
#define _LKMSH_LINUX_PAGE_FLAGS_LAYOUT_H

#include <linux/bits.h>

/* ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, ZONE_DEVICE (CONFIG_ZONE_DEVICE:
 * five zones take three bits, as Debian's 6.1) */
#define MAX_NR_ZONES		5
#define ZONES_SHIFT		3
#define NODES_SHIFT		0
#define SECTIONS_SHIFT		0

#define SECTIONS_WIDTH		0
#define ZONES_WIDTH		ZONES_SHIFT
#define NODES_WIDTH		NODES_SHIFT
#define LAST_CPUPID_SHIFT	0
#define LAST_CPUPID_WIDTH	0
#define KASAN_TAG_WIDTH		0

#define SECTIONS_PGOFF		((sizeof(unsigned long) * 8) - SECTIONS_WIDTH)
#define NODES_PGOFF		(SECTIONS_PGOFF - NODES_WIDTH)
#define ZONES_PGOFF		(NODES_PGOFF - ZONES_WIDTH)
#define LAST_CPUPID_PGOFF	(ZONES_PGOFF - LAST_CPUPID_WIDTH)
#define KASAN_TAG_PGOFF		(LAST_CPUPID_PGOFF - KASAN_TAG_WIDTH)

/* a field of width 0 shifts by 0 (its mask is 0 too) */
#define SECTIONS_PGSHIFT	(SECTIONS_PGOFF * (SECTIONS_WIDTH != 0))
#define NODES_PGSHIFT		(NODES_PGOFF * (NODES_WIDTH != 0))
#define ZONES_PGSHIFT		(ZONES_PGOFF * (ZONES_WIDTH != 0))
#define LAST_CPUPID_PGSHIFT	(LAST_CPUPID_PGOFF * (LAST_CPUPID_WIDTH != 0))
#define KASAN_TAG_PGSHIFT	(KASAN_TAG_PGOFF * (KASAN_TAG_WIDTH != 0))

#define ZONES_MASK		((1UL << ZONES_WIDTH) - 1)
#define NODES_MASK		((1UL << NODES_WIDTH) - 1)
#define SECTIONS_MASK		((1UL << SECTIONS_WIDTH) - 1)
#define LAST_CPUPID_MASK	((1UL << LAST_CPUPID_SHIFT) - 1)
#define KASAN_TAG_MASK		((1UL << KASAN_TAG_WIDTH) - 1)

#endif /* _LKMSH_LINUX_PAGE_FLAGS_LAYOUT_H */
