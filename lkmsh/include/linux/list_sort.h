/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/list_sort.h>: a stable merge sort of a list (lkmsh/klib). */
#ifndef _LKMSH_LINUX_LIST_SORT_H
#define _LKMSH_LINUX_LIST_SORT_H

#include <linux/types.h>

struct list_head;

typedef int __attribute__((nonnull(2, 3))) (*list_cmp_func_t)(void *,
		const struct list_head *, const struct list_head *);

__attribute__((nonnull(2, 3)))
void list_sort(void *priv, struct list_head *head, list_cmp_func_t cmp);

#endif
