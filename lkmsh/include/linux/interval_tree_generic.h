/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/interval_tree_generic.h> as Linux 6.1's: INTERVAL_TREE_DEFINE
 * writes an interval tree for any node type. Each node keeps the largest
 * ITLAST of its subtree (ITSUBTREE), kept right by the augmented red-black
 * tree callbacks; a search skips every subtree whose largest end is below
 * the query's start. Like Linux's, this template has no include guard.
 *
 * ITSTRUCT: the node type; ITRB: its struct rb_node; ITTYPE: the endpoint
 * type; ITSUBTREE: the ITTYPE field holding the subtree's largest end;
 * ITSTART(n)/ITLAST(n): a node's endpoints (inclusive); ITSTATIC: static or
 * empty; ITPREFIX: the prefix of the functions it defines (_insert, _remove,
 * _iter_first, _iter_next).
 */
#include <linux/rbtree_augmented.h>

#define INTERVAL_TREE_DEFINE(ITSTRUCT, ITRB, ITTYPE, ITSUBTREE,			\
			     ITSTART, ITLAST, ITSTATIC, ITPREFIX)		\
										\
RB_DECLARE_CALLBACKS_MAX(static, ITPREFIX ## _augment, ITSTRUCT, ITRB,		\
			 ITTYPE, ITSUBTREE, ITLAST)				\
										\
ITSTATIC void ITPREFIX ## _insert(ITSTRUCT *node, struct rb_root_cached *root)	\
{										\
	struct rb_node **link = &root->rb_root.rb_node, *rb_parent = NULL;	\
	ITTYPE start = ITSTART(node), last = ITLAST(node);			\
	bool leftmost = true;							\
										\
	while (*link) {								\
		ITSTRUCT *parent = rb_entry(*link, ITSTRUCT, ITRB);		\
										\
		rb_parent = *link;						\
		/* the new node will be in this subtree */			\
		if (parent->ITSUBTREE < last)					\
			parent->ITSUBTREE = last;				\
		if (start < ITSTART(parent)) {					\
			link = &parent->ITRB.rb_left;				\
		} else {							\
			link = &parent->ITRB.rb_right;				\
			leftmost = false;					\
		}								\
	}									\
	node->ITSUBTREE = last;							\
	rb_link_node(&node->ITRB, rb_parent, link);				\
	rb_insert_augmented_cached(&node->ITRB, root, leftmost,		\
				   &ITPREFIX ## _augment);			\
}										\
										\
ITSTATIC void ITPREFIX ## _remove(ITSTRUCT *node, struct rb_root_cached *root)	\
{										\
	rb_erase_augmented_cached(&node->ITRB, root, &ITPREFIX ## _augment);	\
}										\
										\
/* The leftmost node of @node's subtree meeting [start, last], given that	\
 * some node of it ends at or after @start. */					\
static ITSTRUCT *								\
ITPREFIX ## _subtree_search(ITSTRUCT *node, ITTYPE start, ITTYPE last)		\
{										\
	for (;;) {								\
		struct rb_node *l = node->ITRB.rb_left;				\
										\
		if (l && start <= rb_entry(l, ITSTRUCT, ITRB)->ITSUBTREE) {	\
			/* the leftmost match, if any, is on the left */	\
			node = rb_entry(l, ITSTRUCT, ITRB);			\
			continue;						\
		}								\
		if (ITSTART(node) > last)					\
			return NULL; /* so does every node to its right */	\
		if (start <= ITLAST(node))					\
			return node;						\
		if (!node->ITRB.rb_right)					\
			return NULL;						\
		node = rb_entry(node->ITRB.rb_right, ITSTRUCT, ITRB);		\
		if (node->ITSUBTREE < start)					\
			return NULL;						\
	}									\
}										\
										\
ITSTATIC ITSTRUCT *								\
ITPREFIX ## _iter_first(struct rb_root_cached *root, ITTYPE start, ITTYPE last)	\
{										\
	ITSTRUCT *node, *leftmost;						\
										\
	if (!root->rb_root.rb_node)						\
		return NULL;							\
	/* the root holds the largest end, the leftmost the smallest start */	\
	node = rb_entry(root->rb_root.rb_node, ITSTRUCT, ITRB);			\
	if (node->ITSUBTREE < start)						\
		return NULL;							\
	leftmost = rb_entry(root->rb_leftmost, ITSTRUCT, ITRB);			\
	if (ITSTART(leftmost) > last)						\
		return NULL;							\
	return ITPREFIX ## _subtree_search(node, start, last);			\
}										\
										\
ITSTATIC ITSTRUCT *								\
ITPREFIX ## _iter_next(ITSTRUCT *node, ITTYPE start, ITTYPE last)		\
{										\
	struct rb_node *rb = node->ITRB.rb_right, *prev;			\
										\
	for (;;) {								\
		/* nodes after @node: its right subtree first */		\
		if (rb && start <= rb_entry(rb, ITSTRUCT, ITRB)->ITSUBTREE)	\
			return ITPREFIX ## _subtree_search(			\
				rb_entry(rb, ITSTRUCT, ITRB), start, last);	\
		/* then the first ancestor reached from its left child */	\
		do {								\
			rb = rb_parent(&node->ITRB);				\
			if (!rb)						\
				return NULL;					\
			prev = &node->ITRB;					\
			node = rb_entry(rb, ITSTRUCT, ITRB);			\
			rb = node->ITRB.rb_right;				\
		} while (prev == rb);						\
		if (last < ITSTART(node))					\
			return NULL;						\
		if (start <= ITLAST(node))					\
			return node;						\
	}									\
}
