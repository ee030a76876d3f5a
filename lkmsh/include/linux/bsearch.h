/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/bsearch.h>. */
#ifndef _LKMSH_LINUX_BSEARCH_H
#define _LKMSH_LINUX_BSEARCH_H

#include <linux/types.h>

void *bsearch(const void *key, const void *base, size_t num, size_t size,
	      int (*cmp)(const void *key, const void *elt));

#endif
