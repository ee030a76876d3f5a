// SPDX-License-Identifier: MIT
/*
 * lib/interval_tree.c: the kernel's interval tree of unsigned long ranges,
 * written by the template of <linux/interval_tree_generic.h> (lkmsh's own
 * headers, compiled for the kernel library as for a module).
 */
#include <linux/interval_tree.h>
#include <linux/interval_tree_generic.h>

#define START(node) ((node)->start)
#define LAST(node) ((node)->last)

INTERVAL_TREE_DEFINE(struct interval_tree_node, rb, unsigned long, __subtree_last, START, LAST,
		     , interval_tree)
