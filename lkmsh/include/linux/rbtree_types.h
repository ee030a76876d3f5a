/* SPDX-License-Identifier: MIT */
/* lkmsh: <linux/rbtree_types.h>: the node and root layouts of Linux 6.1. */
#ifndef _LKMSH_LINUX_RBTREE_TYPES_H
#define _LKMSH_LINUX_RBTREE_TYPES_H

struct rb_node {
	unsigned long  __rb_parent_color;
	struct rb_node *rb_right;
	struct rb_node *rb_left;
} __attribute__((aligned(sizeof(long))));

struct rb_root {
	struct rb_node *rb_node;
};

/* A tree that also remembers its leftmost node (rb_first_cached in O(1)). */
struct rb_root_cached {
	struct rb_root rb_root;
	struct rb_node *rb_leftmost;
};

#define RB_ROOT (struct rb_root) { NULL, }
#define RB_ROOT_CACHED (struct rb_root_cached) { {NULL, }, NULL }

#endif
