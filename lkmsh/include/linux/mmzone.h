/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/mmzone.h>: the buddy allocator's orders (MAX_ORDER 11, as 6.1's default). */
#ifndef _LKMSH_LINUX_MMZONE_H
#define _LKMSH_LINUX_MMZONE_H

#define MAX_ORDER		11
#define MAX_ORDER_NR_PAGES	(1 << (MAX_ORDER - 1))
#define PAGE_ALLOC_COSTLY_ORDER	3

#endif
