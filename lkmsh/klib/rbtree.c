// SPDX-License-Identifier: MIT
/*
 * Red-black trees with the node layout of Linux's <linux/rbtree_types.h>:
 * the parent pointer and the colour share one word (bit 0: 1 = black). The
 * balancing is the textbook one (insert: recolour or rotate at the uncle;
 * erase: splice out, then fix a "double black" at the sibling).
 */
#include "klib.h"

struct rb_node {
	unsigned long __rb_parent_color;
	struct rb_node *rb_right;
	struct rb_node *rb_left;
};

struct rb_root {
	struct rb_node *rb_node;
};

#define RED 0UL
#define BLACK 1UL

/*
 * An augmented tree's rotation callback (<linux/rbtree_augmented.h>): @new
 * took @old's place over the same subtree, @old is now its child. NULL for
 * plain trees.
 */
typedef void (*rotate_fn)(struct rb_node *old, struct rb_node *new);

static inline struct rb_node *parent_of(const struct rb_node *n)
{
	return (struct rb_node *)(n->__rb_parent_color & ~3UL);
}

static inline unsigned long colour(const struct rb_node *n)
{
	return n->__rb_parent_color & 1;
}

static inline bool is_black(const struct rb_node *n)
{
	return !n || colour(n) == BLACK;
}

static inline void set_parent(struct rb_node *n, struct rb_node *p)
{
	n->__rb_parent_color = (unsigned long)p | colour(n);
}

static inline void set_colour(struct rb_node *n, unsigned long c)
{
	n->__rb_parent_color = (n->__rb_parent_color & ~1UL) | c;
}

static inline void replace_child(struct rb_node *old, struct rb_node *new, struct rb_node *parent,
				 struct rb_root *root)
{
	if (!parent)
		root->rb_node = new;
	else if (parent->rb_left == old)
		parent->rb_left = new;
	else
		parent->rb_right = new;
}

static void rotate_left(struct rb_node *x, struct rb_root *root, rotate_fn augment)
{
	struct rb_node *y = x->rb_right, *p = parent_of(x);

	x->rb_right = y->rb_left;
	if (y->rb_left)
		set_parent(y->rb_left, x);
	set_parent(y, p);
	replace_child(x, y, p, root);
	y->rb_left = x;
	set_parent(x, y);
	if (augment)
		augment(x, y);
}

static void rotate_right(struct rb_node *x, struct rb_root *root, rotate_fn augment)
{
	struct rb_node *y = x->rb_left, *p = parent_of(x);

	x->rb_left = y->rb_right;
	if (y->rb_right)
		set_parent(y->rb_right, x);
	set_parent(y, p);
	replace_child(x, y, p, root);
	y->rb_right = x;
	set_parent(x, y);
	if (augment)
		augment(x, y);
}

/* node was linked (rb_link_node: red, under its parent); restore the invariants. */
static void insert_fixup(struct rb_node *node, struct rb_root *root, rotate_fn augment)
{
	struct rb_node *p, *g, *u;

	while ((p = parent_of(node)) && colour(p) == RED) {
		g = parent_of(p);
		if (p == g->rb_left) {
			u = g->rb_right;
			if (u && colour(u) == RED) {
				set_colour(p, BLACK);
				set_colour(u, BLACK);
				set_colour(g, RED);
				node = g;
				continue;
			}
			if (node == p->rb_right) {
				rotate_left(p, root, augment);
				node = p;
				p = parent_of(node);
			}
			set_colour(p, BLACK);
			set_colour(g, RED);
			rotate_right(g, root, augment);
		} else {
			u = g->rb_left;
			if (u && colour(u) == RED) {
				set_colour(p, BLACK);
				set_colour(u, BLACK);
				set_colour(g, RED);
				node = g;
				continue;
			}
			if (node == p->rb_left) {
				rotate_right(p, root, augment);
				node = p;
				p = parent_of(node);
			}
			set_colour(p, BLACK);
			set_colour(g, RED);
			rotate_left(g, root, augment);
		}
	}
	set_colour(root->rb_node, BLACK);
}

void rb_insert_color(struct rb_node *node, struct rb_root *root)
{
	insert_fixup(node, root, NULL);
}

/* rb_insert_augmented(): the same balancing, telling the tree of each rotation. */
void __rb_insert_augmented(struct rb_node *node, struct rb_root *root, rotate_fn augment_rotate)
{
	insert_fixup(node, root, augment_rotate);
}

/* x (maybe NULL) under xp carries one black too few on its side. */
static void erase_fixup(struct rb_node *x, struct rb_node *xp, struct rb_root *root,
			rotate_fn augment)
{
	struct rb_node *w;

	while (x != root->rb_node && is_black(x)) {
		if (x == xp->rb_left) {
			w = xp->rb_right;
			if (colour(w) == RED) {
				set_colour(w, BLACK);
				set_colour(xp, RED);
				rotate_left(xp, root, augment);
				w = xp->rb_right;
			}
			if (is_black(w->rb_left) && is_black(w->rb_right)) {
				set_colour(w, RED);
				x = xp;
				xp = parent_of(x);
				continue;
			}
			if (is_black(w->rb_right)) {
				set_colour(w->rb_left, BLACK);
				set_colour(w, RED);
				rotate_right(w, root, augment);
				w = xp->rb_right;
			}
			set_colour(w, colour(xp));
			set_colour(xp, BLACK);
			set_colour(w->rb_right, BLACK);
			rotate_left(xp, root, augment);
		} else {
			w = xp->rb_left;
			if (colour(w) == RED) {
				set_colour(w, BLACK);
				set_colour(xp, RED);
				rotate_right(xp, root, augment);
				w = xp->rb_left;
			}
			if (is_black(w->rb_left) && is_black(w->rb_right)) {
				set_colour(w, RED);
				x = xp;
				xp = parent_of(x);
				continue;
			}
			if (is_black(w->rb_left)) {
				set_colour(w->rb_right, BLACK);
				set_colour(w, RED);
				rotate_left(w, root, augment);
				w = xp->rb_left;
			}
			set_colour(w, colour(xp));
			set_colour(xp, BLACK);
			set_colour(w->rb_left, BLACK);
			rotate_right(xp, root, augment);
		}
		x = root->rb_node;
		break;
	}
	if (x)
		set_colour(x, BLACK);
}

void rb_erase(struct rb_node *z, struct rb_root *root)
{
	struct rb_node *x, *xp;
	unsigned long removed;

	if (!z->rb_left || !z->rb_right) {
		x = z->rb_left ? z->rb_left : z->rb_right;
		xp = parent_of(z);
		removed = colour(z);
		if (x)
			set_parent(x, xp);
		replace_child(z, x, xp, root);
	} else {
		struct rb_node *y = z->rb_right, *p = parent_of(z);

		while (y->rb_left)
			y = y->rb_left;
		removed = colour(y);
		x = y->rb_right;
		if (parent_of(y) == z) {
			xp = y;
		} else {
			xp = parent_of(y);
			xp->rb_left = x;
			if (x)
				set_parent(x, xp);
			y->rb_right = z->rb_right;
			set_parent(z->rb_right, y);
		}
		replace_child(z, y, p, root);
		y->rb_left = z->rb_left;
		set_parent(z->rb_left, y);
		y->__rb_parent_color = (unsigned long)p | colour(z);
	}
	if (removed == BLACK)
		erase_fixup(x, xp, root, NULL);
}

/*
 * rb_erase_augmented()'s rebalancing, after the header's inline part spliced
 * a black leaf out from under @parent (its empty side is the short one).
 */
void __rb_erase_color(struct rb_node *parent, struct rb_root *root, rotate_fn augment_rotate)
{
	erase_fixup(NULL, parent, root, augment_rotate);
}

static inline bool empty_node(const struct rb_node *n)
{
	return n->__rb_parent_color == (unsigned long)n;
}

struct rb_node *rb_first(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_left)
		n = n->rb_left;
	return n;
}

struct rb_node *rb_last(const struct rb_root *root)
{
	struct rb_node *n = root->rb_node;

	if (!n)
		return NULL;
	while (n->rb_right)
		n = n->rb_right;
	return n;
}

struct rb_node *rb_next(const struct rb_node *node)
{
	struct rb_node *p;

	if (empty_node(node))
		return NULL;
	if (node->rb_right) {
		node = node->rb_right;
		while (node->rb_left)
			node = node->rb_left;
		return (struct rb_node *)node;
	}
	while ((p = parent_of(node)) && node == p->rb_right)
		node = p;
	return p;
}

struct rb_node *rb_prev(const struct rb_node *node)
{
	struct rb_node *p;

	if (empty_node(node))
		return NULL;
	if (node->rb_left) {
		node = node->rb_left;
		while (node->rb_right)
			node = node->rb_right;
		return (struct rb_node *)node;
	}
	while ((p = parent_of(node)) && node == p->rb_left)
		node = p;
	return p;
}

void rb_replace_node(struct rb_node *victim, struct rb_node *new, struct rb_root *root)
{
	struct rb_node *p = parent_of(victim);

	*new = *victim;
	if (victim->rb_left)
		set_parent(victim->rb_left, new);
	if (victim->rb_right)
		set_parent(victim->rb_right, new);
	replace_child(victim, new, p, root);
}

static struct rb_node *leftmost_deepest(const struct rb_node *node)
{
	for (;;) {
		if (node->rb_left)
			node = node->rb_left;
		else if (node->rb_right)
			node = node->rb_right;
		else
			return (struct rb_node *)node;
	}
}

struct rb_node *rb_next_postorder(const struct rb_node *node)
{
	const struct rb_node *p;

	if (!node)
		return NULL;
	p = parent_of(node);
	if (p && node == p->rb_left && p->rb_right)
		return leftmost_deepest(p->rb_right);
	return (struct rb_node *)p;
}

struct rb_node *rb_first_postorder(const struct rb_root *root)
{
	if (!root->rb_node)
		return NULL;
	return leftmost_deepest(root->rb_node);
}
