/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/swapops.h>: swap, migration and device entries live in page
 * table entries; lkmsh's address spaces have no page tables, so none is ever
 * made and the header offers only what <linux/swap.h> does.
 */
#ifndef _LKMSH_LINUX_SWAPOPS_H
#define _LKMSH_LINUX_SWAPOPS_H

#include <linux/swap.h>

#endif
