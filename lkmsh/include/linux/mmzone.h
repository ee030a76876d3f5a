/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/mmzone.h>: the buddy allocator's orders (MAX_ORDER 11, as 6.1's
 * default) and the zones, as a 6.1 x86-64 or arm64 kernel with CONFIG_ZONE_DEVICE
 * has them; a page's zone is in the top bits of page->flags
 * (<linux/page-flags-layout.h>). One node: numa_node_id() is 0.
 */
#ifndef _LKMSH_LINUX_MMZONE_H
#define _LKMSH_LINUX_MMZONE_H

#define MAX_ORDER		11
#define MAX_ORDER_NR_PAGES	(1 << (MAX_ORDER - 1))
#define PAGE_ALLOC_COSTLY_ORDER	3

#include <linux/page-flags-layout.h>
#include <linux/topology.h>	/* numa_node_id() */

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	ZONE_MOVABLE,
	ZONE_DEVICE,
	__MAX_NR_ZONES
};

#endif
