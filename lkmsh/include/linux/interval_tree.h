/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/interval_tree.h> as Linux 6.1's: the kernel's own interval
 * tree of [start, last] ranges of unsigned long, an augmented red-black tree
 * (lib/interval_tree.c: INTERVAL_TREE_DEFINE over this struct, built into
 * lkmsh's kernel library, lkmsh/klib/interval_tree.c).
 */
#ifndef _LKMSH_LINUX_INTERVAL_TREE_H
#define _LKMSH_LINUX_INTERVAL_TREE_H

#include <linux/rbtree.h>

struct interval_tree_node {
	struct rb_node rb;
	unsigned long start;	/* Start of interval */
	unsigned long last;	/* Last location _in_ interval */
	unsigned long __subtree_last;
};

extern void
interval_tree_insert(struct interval_tree_node *node,
		     struct rb_root_cached *root);

extern void
interval_tree_remove(struct interval_tree_node *node,
		     struct rb_root_cached *root);

extern struct interval_tree_node *
interval_tree_iter_first(struct rb_root_cached *root,
			 unsigned long start, unsigned long last);

extern struct interval_tree_node *
interval_tree_iter_next(struct interval_tree_node *node,
			unsigned long start, unsigned long last);

#endif
