/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/rbtree_augmented.h> as Linux 6.1's: red-black trees whose
 * nodes keep a value computed from their subtree (an interval tree's largest
 * end, a subtree size), updated through three callbacks as the tree changes.
 * The rebalancing is the kernel library's (__rb_insert_augmented,
 * __rb_erase_color in lkmsh/klib/rbtree.c); the splice of an erase, the
 * callback generators and the colour helpers are inline, as in Linux.
 */
#ifndef _LKMSH_LINUX_RBTREE_AUGMENTED_H
#define _LKMSH_LINUX_RBTREE_AUGMENTED_H

#include <linux/compiler.h>
#include <linux/rbtree.h>

struct rb_augment_callbacks {
	/* recompute the values from @node up to (not including) @stop */
	void (*propagate)(struct rb_node *node, struct rb_node *stop);
	/* @new replaces @old (erase): it takes @old's value */
	void (*copy)(struct rb_node *old, struct rb_node *new);
	/* a rotation: @new took @old's place, @old is its child now */
	void (*rotate)(struct rb_node *old, struct rb_node *new);
};

void __rb_insert_augmented(struct rb_node *node, struct rb_root *root,
			   void (*augment_rotate)(struct rb_node *old, struct rb_node *new));

/*
 * The caller linked @node (rb_link_node) and set the values on its path (the
 * new node's own included); this rebalances, keeping them right.
 */
static inline void rb_insert_augmented(struct rb_node *node, struct rb_root *root,
				       const struct rb_augment_callbacks *augment)
{
	__rb_insert_augmented(node, root, augment->rotate);
}

static inline void rb_insert_augmented_cached(struct rb_node *node,
					      struct rb_root_cached *root, bool newleft,
					      const struct rb_augment_callbacks *augment)
{
	if (newleft)
		root->rb_leftmost = node;
	rb_insert_augmented(node, &root->rb_root, augment);
}

/*
 * The three callbacks for RBSTRUCT nodes (an rb_node RBFIELD, a value
 * RBAUGMENTED) given RBCOMPUTE(node, exit), which stores a node's value from
 * its children and, with @exit, returns true when it did not change.
 */
#define RB_DECLARE_CALLBACKS(RBSTATIC, RBNAME, RBSTRUCT, RBFIELD, RBAUGMENTED, RBCOMPUTE) \
static inline void RBNAME ## _propagate(struct rb_node *rb, struct rb_node *stop)	\
{										\
	while (rb != stop) {							\
		RBSTRUCT *node = rb_entry(rb, RBSTRUCT, RBFIELD);		\
		if (RBCOMPUTE(node, true))					\
			break;							\
		rb = rb_parent(&node->RBFIELD);					\
	}									\
}										\
static inline void RBNAME ## _copy(struct rb_node *rb_old, struct rb_node *rb_new)	\
{										\
	RBSTRUCT *old = rb_entry(rb_old, RBSTRUCT, RBFIELD);			\
	RBSTRUCT *new = rb_entry(rb_new, RBSTRUCT, RBFIELD);			\
	new->RBAUGMENTED = old->RBAUGMENTED;					\
}										\
static void RBNAME ## _rotate(struct rb_node *rb_old, struct rb_node *rb_new)	\
{										\
	RBSTRUCT *old = rb_entry(rb_old, RBSTRUCT, RBFIELD);			\
	RBSTRUCT *new = rb_entry(rb_new, RBSTRUCT, RBFIELD);			\
	new->RBAUGMENTED = old->RBAUGMENTED;					\
	RBCOMPUTE(old, false);							\
}										\
RBSTATIC const struct rb_augment_callbacks RBNAME = {				\
	.propagate = RBNAME ## _propagate,					\
	.copy = RBNAME ## _copy,						\
	.rotate = RBNAME ## _rotate						\
};

/* The same for a value that is the maximum of RBCOMPUTE(node) over the subtree. */
#define RB_DECLARE_CALLBACKS_MAX(RBSTATIC, RBNAME, RBSTRUCT, RBFIELD,		\
				 RBTYPE, RBAUGMENTED, RBCOMPUTE)		\
static inline bool RBNAME ## _compute_max(RBSTRUCT *node, bool exit)		\
{										\
	RBSTRUCT *child;							\
	RBTYPE max = RBCOMPUTE(node);						\
	if (node->RBFIELD.rb_left) {						\
		child = rb_entry(node->RBFIELD.rb_left, RBSTRUCT, RBFIELD);	\
		if (child->RBAUGMENTED > max)					\
			max = child->RBAUGMENTED;				\
	}									\
	if (node->RBFIELD.rb_right) {						\
		child = rb_entry(node->RBFIELD.rb_right, RBSTRUCT, RBFIELD);	\
		if (child->RBAUGMENTED > max)					\
			max = child->RBAUGMENTED;				\
	}									\
	if (exit && node->RBAUGMENTED == max)					\
		return true;							\
	node->RBAUGMENTED = max;						\
	return false;								\
}										\
RB_DECLARE_CALLBACKS(RBSTATIC, RBNAME, RBSTRUCT, RBFIELD, RBAUGMENTED, RBNAME ## _compute_max)

#define RB_RED		0
#define RB_BLACK	1

#define __rb_parent(pc)		((struct rb_node *)((pc) & ~3))
#define __rb_color(pc)		((pc) & 1)
#define __rb_is_black(pc)	__rb_color(pc)
#define __rb_is_red(pc)		(!__rb_color(pc))
#define rb_color(rb)		__rb_color((rb)->__rb_parent_color)
#define rb_is_red(rb)		__rb_is_red((rb)->__rb_parent_color)
#define rb_is_black(rb)		__rb_is_black((rb)->__rb_parent_color)

static inline void rb_set_parent(struct rb_node *rb, struct rb_node *p)
{
	rb->__rb_parent_color = rb_color(rb) + (unsigned long)p;
}

static inline void rb_set_parent_color(struct rb_node *rb, struct rb_node *p, int color)
{
	rb->__rb_parent_color = (unsigned long)p + color;
}

/* Point @parent's link to @old (or the root's, for no parent) at @new. */
static inline void __rb_change_child(struct rb_node *old, struct rb_node *new,
				     struct rb_node *parent, struct rb_root *root)
{
	if (!parent)
		WRITE_ONCE(root->rb_node, new);
	else if (parent->rb_left == old)
		WRITE_ONCE(parent->rb_left, new);
	else
		WRITE_ONCE(parent->rb_right, new);
}

void __rb_erase_color(struct rb_node *parent, struct rb_root *root,
		      void (*augment_rotate)(struct rb_node *old, struct rb_node *new));

/*
 * Unlink @node, keeping the values right; returns the node under which a
 * black leaf went missing (for __rb_erase_color), or NULL.
 */
static __always_inline struct rb_node *
__rb_erase_augmented(struct rb_node *node, struct rb_root *root,
		     const struct rb_augment_callbacks *augment)
{
	struct rb_node *left = node->rb_left, *right = node->rb_right;
	struct rb_node *parent, *rebalance = NULL, *succ, *child2, *start;
	unsigned long pc = node->__rb_parent_color;

	if (!left || !right) {
		/* at most one child: a red one, which takes node's place and colour */
		struct rb_node *child = left ? left : right;

		parent = __rb_parent(pc);
		__rb_change_child(node, child, parent, root);
		if (child)
			child->__rb_parent_color = pc;
		else if (__rb_is_black(pc))
			rebalance = parent;
		start = parent;
	} else {
		/* two children: the successor (leftmost on the right) takes node's place */
		succ = right;
		while (succ->rb_left)
			succ = succ->rb_left;
		child2 = succ->rb_right;
		if (succ == right) {
			parent = succ;
			augment->copy(node, succ);
		} else {
			parent = rb_parent(succ);
			WRITE_ONCE(parent->rb_left, child2);
			WRITE_ONCE(succ->rb_right, right);
			rb_set_parent(right, succ);
			augment->copy(node, succ);
			augment->propagate(parent, succ);
		}
		WRITE_ONCE(succ->rb_left, left);
		rb_set_parent(left, succ);
		__rb_change_child(node, succ, __rb_parent(pc), root);
		if (child2)
			rb_set_parent_color(child2, parent, RB_BLACK);
		else if (rb_is_black(succ))
			rebalance = parent;
		succ->__rb_parent_color = pc;
		start = succ;
	}
	augment->propagate(start, NULL);
	return rebalance;
}

static __always_inline void rb_erase_augmented(struct rb_node *node, struct rb_root *root,
					       const struct rb_augment_callbacks *augment)
{
	struct rb_node *rebalance = __rb_erase_augmented(node, root, augment);

	if (rebalance)
		__rb_erase_color(rebalance, root, augment->rotate);
}

static __always_inline void rb_erase_augmented_cached(struct rb_node *node,
						      struct rb_root_cached *root,
						      const struct rb_augment_callbacks *augment)
{
	if (root->rb_leftmost == node)
		root->rb_leftmost = rb_next(node);
	rb_erase_augmented(node, &root->rb_root, augment);
}

#endif /* _LKMSH_LINUX_RBTREE_AUGMENTED_H */
