// SPDX-License-Identifier: MIT
/*
 * lkmsh's maple tree (Linux 6.1's <linux/maple_tree.h> API over lib/maple_tree.c's
 * node layout): a B-tree of ranges whose leaves (maple_leaf_64, 16 slots) hold the
 * entries and whose internal nodes (maple_range_64, 16 slots, or maple_arange_64,
 * 10 slots with the largest gap below each slot, in MT_FLAGS_ALLOC_RANGE trees)
 * hold encoded child pointers; pivot[i] is the last index of slot i, the last
 * slot ends at the node's implied maximum. Nodes are 256-byte, 256-aligned
 * kzalloc objects, so the node type fits in an encoded pointer's low bits.
 *
 * Writes are done bottom-up on a "big node" (a node's worth of entries or more):
 * the leaf (or, for a store spanning leaves, the two end leaves) is rebuilt with
 * the new range, and each level above is rebuilt from the nodes produced below,
 * with Linux's policy: a node with more than 16 (10) entries splits at the
 * middle (three ways when it cannot fit in two), trying first to push entries
 * into the left, then the right sibling; a non-root node left with fewer than
 * its minimum (6, 4) takes in its right (else left) sibling and splits again if
 * need be; a root with one child gives its place to it, a root that splits gets
 * a new root above it. The tree's height lives in ma_flags, as Linux's.
 * NULL ranges are always merged with their NULL neighbours, so no two NULL
 * ranges are adjacent. Reads follow Linux 6.1's ma_state protocol (MAS_START,
 * MAS_ROOT, MAS_NONE, MAS_PAUSE; index and last set to the found range).
 *
 * Locking is the caller's (mtree_* take the tree's spinlock, as Linux); nodes
 * are freed at once, or after a grace period (kvfree_call_rcu) in RCU mode.
 */
#include <linux/errno.h>
#include <linux/maple_tree.h>
#include <linux/slab.h>
#include "warn.h"

#define MA_ROOT_PARENT		1
#define MAPLE_ROOT_NODE		0x02
#define MAPLE_ENODE_TYPE_SHIFT	0x03
#define MAPLE_ENODE_NULL	0x04
#define MAPLE_PARENT_SLOT_SHIFT	0x03
#define MAPLE_PARENT_SLOT_MASK	0xF8
#define MAPLE_PARENT_RANGE64	0x06

#define MA_STATE_BULK		1
#define MA_STATE_REBALANCE	2
#define MA_STATE_PREALLOC	4

static const unsigned char mt_slots[] = {
	[maple_dense] = MAPLE_NODE_SLOTS,
	[maple_leaf_64] = MAPLE_RANGE64_SLOTS,
	[maple_range_64] = MAPLE_RANGE64_SLOTS,
	[maple_arange_64] = MAPLE_ARANGE64_SLOTS,
};

static const unsigned char mt_pivots[] = {
	[maple_dense] = 0,
	[maple_leaf_64] = MAPLE_RANGE64_SLOTS - 1,
	[maple_range_64] = MAPLE_RANGE64_SLOTS - 1,
	[maple_arange_64] = MAPLE_ARANGE64_SLOTS - 1,
};

static const unsigned char mt_min_slots[] = {
	[maple_dense] = MAPLE_NODE_SLOTS / 2,
	[maple_leaf_64] = (MAPLE_RANGE64_SLOTS / 2) - 2,
	[maple_range_64] = (MAPLE_RANGE64_SLOTS / 2) - 2,
	[maple_arange_64] = (MAPLE_ARANGE64_SLOTS / 2) - 1,
};

_Static_assert(sizeof(struct maple_node) == 256, "maple_node is 256 bytes");

/*
 * CONFIG_DEBUG_MAPLE_TREE's checks inside lib/maple_tree.c (mas_store's range,
 * mt_find's progress, mt_validate's) count in the self-test's totals as
 * MT_BUG_ON does.
 */
static void mt_check(const struct maple_tree *mt, bool bad, const char *func, int line);
#define MT_CHECK(mt, x) mt_check(mt, (x), __func__, __LINE__)

/* -- encoded nodes -- */

static inline struct maple_node *mte_to_node(const struct maple_enode *entry)
{
	return (struct maple_node *)((unsigned long)entry & ~MAPLE_NODE_MASK);
}

static inline enum maple_type mte_node_type(const struct maple_enode *entry)
{
	return ((unsigned long)entry >> MAPLE_NODE_TYPE_SHIFT) & MAPLE_NODE_TYPE_MASK;
}

static inline bool ma_is_leaf(enum maple_type type)
{
	return type < maple_range_64;
}

static inline struct maple_enode *mt_mk_node(const struct maple_node *node, enum maple_type type)
{
	return (struct maple_enode *)((unsigned long)node | (type << MAPLE_ENODE_TYPE_SHIFT) |
				      MAPLE_ENODE_NULL);
}

static inline void *mte_mk_root(const struct maple_enode *node)
{
	return (void *)((unsigned long)node | MAPLE_ROOT_NODE);
}

static inline struct maple_enode *mte_safe_root(const void *root)
{
	return (struct maple_enode *)((unsigned long)root & ~MAPLE_ROOT_NODE);
}

static inline bool mt_is_alloc(const struct maple_tree *mt)
{
	return mt->ma_flags & MT_FLAGS_ALLOC_RANGE;
}

static inline enum maple_type internal_type(const struct maple_tree *mt)
{
	return mt_is_alloc(mt) ? maple_arange_64 : maple_range_64;
}

static inline unsigned long *ma_pivots(struct maple_node *node, enum maple_type type)
{
	return type == maple_arange_64 ? node->ma64.pivot : node->mr64.pivot;
}

static inline void **ma_slots(struct maple_node *node, enum maple_type type)
{
	return type == maple_arange_64 ? (void **)node->ma64.slot : (void **)node->mr64.slot;
}

/* the last used offset of a node whose implied maximum is @max */
static unsigned char ma_data_end(struct maple_node *node, enum maple_type type, unsigned long max)
{
	unsigned long *pivots;
	unsigned char last = mt_pivots[type] - 1;

	if (type == maple_arange_64)
		return node->ma64.meta.end;
	pivots = ma_pivots(node, type);
	if (!pivots[last])
		return node->mr64.meta.end;
	if (pivots[last] == max)
		return last;
	return last + 1;
}

static inline unsigned char mte_data_end(struct maple_enode *enode, unsigned long max)
{
	return ma_data_end(mte_to_node(enode), mte_node_type(enode), max);
}

/* the last index of slot @offset of a node ending at @max whose last offset is @end */
static inline unsigned long ma_pivot_at(struct maple_node *node, enum maple_type type,
					unsigned char offset, unsigned char end, unsigned long max)
{
	return offset < end ? ma_pivots(node, type)[offset] : max;
}

static inline unsigned long ma_min_at(struct maple_node *node, enum maple_type type,
				      unsigned char offset, unsigned long min)
{
	return offset ? ma_pivots(node, type)[offset - 1] + 1 : min;
}

static inline void set_height(struct maple_tree *mt, unsigned int height)
{
	mt->ma_flags = (mt->ma_flags & ~MT_FLAGS_HEIGHT_MASK) | (height << MT_FLAGS_HEIGHT_OFFSET);
}

static inline void set_parent(struct maple_enode *child, struct maple_node *parent,
			      unsigned char slot)
{
	mte_to_node(child)->parent = (struct maple_pnode *)((unsigned long)parent |
		((unsigned long)slot << MAPLE_PARENT_SLOT_SHIFT) | MAPLE_PARENT_RANGE64);
}

/* -- node allocation -- */

static struct maple_node *mas_pop_node(struct ma_state *mas)
{
	struct maple_alloc *head = mas ? mas->alloc : NULL;
	struct maple_node *node;

	if (head && !((unsigned long)head & 1)) {
		mas->alloc = head->slot[0];
		if (mas->alloc)
			mas->alloc->total = head->total - 1;
		node = (struct maple_node *)head;
		memset(node, 0, sizeof(*node));
		return node;
	}
	node = kzalloc(sizeof(*node), GFP_NOWAIT | __GFP_NOWARN);
	if (node && KLIB_WARN_ON((unsigned long)node & MAPLE_NODE_MASK)) {
		kfree(node);
		node = NULL;
	}
	return node;
}

static void mt_free_node(struct maple_tree *mt, struct maple_node *node)
{
	if (mt_in_rcu(mt))
		kvfree_call_rcu(&node->rcu, node);
	else
		kfree(node);
}

static void mte_destroy_walk(struct maple_tree *mt, struct maple_enode *enode, unsigned long max)
{
	struct maple_node *node = mte_to_node(enode);
	enum maple_type type = mte_node_type(enode);

	if (!ma_is_leaf(type)) {
		unsigned char end = ma_data_end(node, type, max), i;
		void **slots = ma_slots(node, type);

		for (i = 0; i <= end; i++)
			mte_destroy_walk(mt, slots[i], ma_pivot_at(node, type, i, end, max));
	}
	mt_free_node(mt, node);
}

/* -- the big node: a level's entries while a write rebuilds it -- */

#define MAPLE_BIG 48

struct mbig {
	unsigned long pivot[MAPLE_BIG];
	void *slot[MAPLE_BIG];
	int end;		/* the last used offset, -1 when empty */
};

static inline void mb_push(struct mbig *b, void *slot, unsigned long pivot)
{
	if (KLIB_WARN_ON(b->end + 1 >= MAPLE_BIG))
		return;
	b->end++;
	b->slot[b->end] = slot;
	b->pivot[b->end] = pivot;
}

/* append a node's slots [from, to] (to may be past its end: clamped) */
static void mb_copy(struct mbig *b, struct maple_enode *enode, unsigned long max, int from, int to)
{
	struct maple_node *node = mte_to_node(enode);
	enum maple_type type = mte_node_type(enode);
	unsigned char end = ma_data_end(node, type, max);
	void **slots = ma_slots(node, type);
	int i;

	if (to > end)
		to = end;
	for (i = from; i <= to; i++)
		mb_push(b, slots[i], ma_pivot_at(node, type, i, end, max));
}

/* merge neighbouring NULL ranges */
static void mb_merge_nulls(struct mbig *b)
{
	int i, j = 0;

	for (i = 1; i <= b->end; i++) {
		if (!b->slot[i] && !b->slot[j]) {
			b->pivot[j] = b->pivot[i];
			continue;
		}
		j++;
		b->slot[j] = b->slot[i];
		b->pivot[j] = b->pivot[i];
	}
	if (b->end >= 0)
		b->end = j;
}

/*
 * Rebuild @src (entries from @min on) with [index, last] holding @entry into @dst.
 * @src may be two leaves' entries back to back (a spanning store): what lies
 * between them is inside [index, last].
 */
static void mb_store(struct mbig *dst, const struct mbig *src, unsigned long min,
		     unsigned long index, unsigned long last, void *entry)
{
	unsigned long start = min;
	bool stored = false;
	int i;

	dst->end = -1;
	for (i = 0; i <= src->end; i++) {
		unsigned long piv = src->pivot[i];

		if (!stored) {
			if (piv < index) {
				mb_push(dst, src->slot[i], piv);
				start = piv + 1;
				continue;
			}
			if (start < index)
				mb_push(dst, src->slot[i], index - 1);
			mb_push(dst, entry, last);
			stored = true;
		}
		if (piv > last)
			mb_push(dst, src->slot[i], piv);
		start = piv + 1;
	}
	mb_merge_nulls(dst);
}

/* the largest gap of a node's subtree */
static unsigned long mte_max_gap(struct maple_enode *enode, unsigned long min, unsigned long max)
{
	struct maple_node *node = mte_to_node(enode);
	enum maple_type type = mte_node_type(enode);
	unsigned char end = ma_data_end(node, type, max), i;
	unsigned long gap = 0, start = min;
	void **slots;

	if (type == maple_arange_64) {
		for (i = 0; i <= end; i++)
			if (node->ma64.gap[i] > gap)
				gap = node->ma64.gap[i];
		return gap;
	}
	if (!ma_is_leaf(type))
		return 0;
	slots = ma_slots(node, type);
	for (i = 0; i <= end; i++) {
		unsigned long piv = ma_pivot_at(node, type, i, end, max);

		if (!slots[i] && piv - start + 1 > gap)
			gap = piv - start + 1;
		start = piv + 1;
	}
	return gap;
}

/* fill @node (type @type, covering [min, max]) with b's offsets [lo, hi] */
static void mab_write_node(struct maple_node *node, enum maple_type type, const struct mbig *b,
			   int lo, int hi, unsigned long min, unsigned long max)
{
	struct maple_pnode *parent = node->parent;
	unsigned long *pivots, start = min;
	unsigned char end = hi - lo, i, npiv = mt_pivots[type];
	void **slots;

	memset(node, 0, sizeof(*node));
	node->parent = parent;
	pivots = ma_pivots(node, type);
	slots = ma_slots(node, type);
	for (i = 0; i <= end; i++) {
		slots[i] = b->slot[lo + i];
		if (i < npiv)
			pivots[i] = i == end ? max : b->pivot[lo + i];
	}
	if (type == maple_arange_64) {
		unsigned char gap_off = 0;

		for (i = 0; i <= end; i++) {
			unsigned long piv = i == end ? max : b->pivot[lo + i];

			node->ma64.gap[i] = mte_max_gap(slots[i], start, piv);
			if (node->ma64.gap[i] > node->ma64.gap[gap_off])
				gap_off = i;
			start = piv + 1;
		}
		node->ma64.meta.end = end;
		node->ma64.meta.gap = gap_off;
	} else if (end < npiv) {
		node->mr64.meta.end = end;
		node->mr64.meta.gap = 0;
	}
	if (!ma_is_leaf(type))
		for (i = 0; i <= end; i++)
			set_parent(slots[i], node, i);
}

/* -- splitting (Linux's mab_no_null_split, mab_middle_node, mab_calc_split) -- */

static int mb_no_null_split(const struct mbig *b, int split, enum maple_type type)
{
	if (!b->slot[split]) {
		if (split < mt_slots[type] - 1 && b->end - split > mt_min_slots[type])
			split++;
		else
			split--;
	}
	return split;
}

static int mb_calc_split(struct ma_state *mas, const struct mbig *b, enum maple_type type,
			 int *mid_split)
{
	int split = b->end / 2, slot_count = mt_slots[type];

	*mid_split = 0;
	if (mas && (mas->mas_flags & MA_STATE_BULK)) {
		split = b->end - mt_min_slots[type];
		if (!ma_is_leaf(type))
			return split;
		mas->mas_flags |= MA_STATE_REBALANCE;
		if (!b->slot[split])
			split--;
		return split;
	}
	if (b->end >= 2 * slot_count ||
	    (!b->slot[split] && b->end >= 2 * slot_count - 1)) {
		split = b->end / 3;
		*mid_split = split * 2;
	}
	split = mb_no_null_split(b, split, type);
	if (*mid_split)
		*mid_split = mb_no_null_split(b, *mid_split, type);
	return split;
}

/* -- writing -- */

struct mpath {
	struct maple_enode *node;
	unsigned long min, max;
	unsigned char offset, end;
};

/* walk from the root node to the leaf holding @index; returns the height */
static int mt_walk_path(struct maple_tree *mt, unsigned long index, struct mpath *path)
{
	struct maple_enode *enode = mte_safe_root(mt->ma_root);
	unsigned long min = 0, max = ULONG_MAX;
	int level = 0;

	for (;;) {
		struct maple_node *node = mte_to_node(enode);
		enum maple_type type = mte_node_type(enode);
		unsigned long *pivots = ma_pivots(node, type);
		unsigned char end = ma_data_end(node, type, max), offset = 0;
		unsigned long next_min, next_max;

		while (offset < end && pivots[offset] < index)
			offset++;
		path[level].node = enode;
		path[level].min = min;
		path[level].max = max;
		path[level].offset = offset;
		path[level].end = end;
		level++;
		if (ma_is_leaf(type) || level > MAPLE_HEIGHT_MAX)
			return level;
		next_min = ma_min_at(node, type, offset, min);
		next_max = ma_pivot_at(node, type, offset, end, max);
		enode = ma_slots(node, type)[offset];
		min = next_min;
		max = next_max;
	}
}

/* the entry at @index and its range, in a tree whose root is a node */
static void *mt_lookup_range(struct maple_tree *mt, unsigned long index, unsigned long *start,
			     unsigned long *last)
{
	struct mpath path[MAPLE_HEIGHT_MAX + 1];
	int h = mt_walk_path(mt, index, path);
	struct mpath *leaf = &path[h - 1];
	struct maple_node *node = mte_to_node(leaf->node);
	enum maple_type type = mte_node_type(leaf->node);

	*start = ma_min_at(node, type, leaf->offset, leaf->min);
	*last = ma_pivot_at(node, type, leaf->offset, leaf->end, leaf->max);
	return ma_slots(node, type)[leaf->offset];
}

static unsigned int mt_count_height(struct maple_tree *mt)
{
	struct maple_enode *enode;
	unsigned long max = ULONG_MAX;
	unsigned int height = 0;

	if (!xa_is_node(mt->ma_root))
		return 0;
	enode = mte_safe_root(mt->ma_root);
	for (;;) {
		enum maple_type type = mte_node_type(enode);
		struct maple_node *node = mte_to_node(enode);

		height++;
		if (ma_is_leaf(type) || height > MAPLE_HEIGHT_MAX)
			return height;
		/* the leftmost child: its max is pivot 0, or the node's max if it has one slot */
		max = ma_pivot_at(node, type, 0, ma_data_end(node, type, max), max);
		enode = ma_slots(node, type)[0];
	}
}

struct mrep {
	struct maple_enode *node[3];
	unsigned long pivot[3];
	int count;
	/* the nodes being replaced, which the new ones may recycle outside RCU mode */
	struct maple_node *old[3];
	int nold, used;
};

static inline void mrep_init(struct mrep *rep)
{
	rep->nold = rep->used = 0;
}

static inline void mrep_old(struct mrep *rep, struct maple_node *node)
{
	rep->old[rep->nold++] = node;
}

/* free the replaced nodes the new ones did not recycle */
static void mrep_free_old(struct maple_tree *mt, struct mrep *rep)
{
	int i;

	for (i = rep->used; i < rep->nold; i++)
		mt_free_node(mt, rep->old[i]);
	rep->nold = rep->used = 0;
}

/*
 * Make the nodes of one level from b (covering [min, max]): one node if it fits,
 * else a split; outside RCU mode the nodes replaced (rep->old) are rewritten in
 * place first.
 */
static int mab_to_nodes(struct ma_state *mas, struct maple_tree *mt, struct mbig *b,
			enum maple_type type, unsigned long min, unsigned long max,
			int split, struct mrep *rep)
{
	int bounds[3], parts, i, mid = 0, lo = 0;
	unsigned long start = min;

	if (b->end < mt_slots[type]) {
		bounds[0] = b->end;
		parts = 1;
	} else {
		if (split < 0)
			split = mb_calc_split(mas, b, type, &mid);
		bounds[0] = split;
		if (mid) {
			bounds[1] = mid;
			bounds[2] = b->end;
			parts = 3;
		} else {
			bounds[1] = b->end;
			parts = 2;
		}
	}
	for (i = 0; i < parts; i++) {
		struct maple_node *node = NULL;
		unsigned long last = i == parts - 1 ? max : b->pivot[bounds[i]];

		if (rep->used < rep->nold && !mt_in_rcu(mt))
			node = rep->old[rep->used++];
		if (!node) {
			node = mas_pop_node(mas);
			if (!node)
				return -ENOMEM;
		}
		mab_write_node(node, type, b, lo, bounds[i], start, last);
		rep->node[i] = mt_mk_node(node, type);
		rep->pivot[i] = last;
		lo = bounds[i] + 1;
		start = last + 1;
	}
	rep->count = parts;
	return 0;
}

/*
 * Linux's mas_push_data(): instead of splitting, share b with the left (or
 * right) sibling when the two hold the data with room to spare. b covers
 * [*min, *max] and becomes the combined entries; returns the split offset, or
 * -1 when the sibling cannot take it.
 */
static int mb_push_data(struct mbig *b, enum maple_type type, struct mpath *parent, int *a,
			int *z, unsigned long *min, unsigned long *max, bool left,
			struct maple_enode **sibling)
{
	struct maple_node *pnode = mte_to_node(parent->node);
	enum maple_type ptype = mte_node_type(parent->node);
	int slot_total, space, split, off = left ? *a - 1 : *z + 1, send, i;
	struct maple_enode *sib;
	unsigned long smin, smax;
	struct mbig tmp;

	if (off < 0 || off > parent->end)
		return -1;
	sib = ma_slots(pnode, ptype)[off];
	smin = ma_min_at(pnode, ptype, off, parent->min);
	smax = ma_pivot_at(pnode, ptype, off, parent->end, parent->max);
	send = mte_data_end(sib, smax);
	slot_total = b->end + send;
	space = 2 * mt_slots[type] - 2;
	if (ma_is_leaf(type))
		space--;
	if (*max == ULONG_MAX)
		space--;
	if (slot_total >= space)
		return -1;
	split = mt_slots[type] - 2;
	if (left) {
		tmp = *b;
		b->end = -1;
		mb_copy(b, sib, smax, 0, send);
		for (i = 0; i <= tmp.end; i++)
			mb_push(b, tmp.slot[i], tmp.pivot[i]);
		*min = smin;
		*a = off;
	} else {
		mb_copy(b, sib, smax, 0, send);
		*max = smax;
		*z = off;
		split = slot_total - split;
	}
	*sibling = sib;
	return mb_no_null_split(b, split, type);
}

/* b is the root's new content (type @type); @old the root node it replaces, if any */
static int mt_finish_root(struct ma_state *mas, struct maple_tree *mt, struct mbig *b,
			  enum maple_type type, struct maple_node *old)
{
	struct maple_enode *root;
	struct mrep rep;
	int i, ret;

	mrep_init(&rep);
	if (old)
		mrep_old(&rep, old);
	for (;;) {
		if (b->end >= mt_slots[type]) {
			ret = mab_to_nodes(mas, mt, b, type, 0, ULONG_MAX, -1, &rep);
			if (ret)
				return ret;
			mrep_free_old(mt, &rep);
			b->end = -1;
			for (i = 0; i < rep.count; i++)
				mb_push(b, rep.node[i], rep.pivot[i]);
			type = internal_type(mt);
			continue;
		}
		if (!ma_is_leaf(type) && b->end == 0) {
			unsigned long max = ULONG_MAX;

			mrep_free_old(mt, &rep);
			root = b->slot[0];
			/* a root with one child gives its place to the child */
			while (!ma_is_leaf(mte_node_type(root)) && !mte_data_end(root, max)) {
				struct maple_enode *child;

				child = ma_slots(mte_to_node(root), mte_node_type(root))[0];
				mt_free_node(mt, mte_to_node(root));
				root = child;
			}
			break;
		}
		if (ma_is_leaf(type) && b->end == 0 && !b->slot[0]) {
			mrep_free_old(mt, &rep);
			rcu_assign_pointer(mt->ma_root, NULL);
			set_height(mt, 0);
			return 0;
		}
		ret = mab_to_nodes(mas, mt, b, type, 0, ULONG_MAX, -1, &rep);
		if (ret)
			return ret;
		mrep_free_old(mt, &rep);
		root = rep.node[0];
		break;
	}
	mte_to_node(root)->parent = (struct maple_pnode *)((unsigned long)mt | MA_ROOT_PARENT);
	rcu_assign_pointer(mt->ma_root, mte_mk_root(root));
	set_height(mt, mt_count_height(mt));
	return 0;
}

/* lp[level]'s subtree changed in place: carry its largest gap up (Linux's mas_update_gap) */
static void mt_update_gaps(struct mpath *lp, int level)
{
	for (; level > 0; level--) {
		struct mpath *p = &lp[level - 1];
		struct maple_node *node = mte_to_node(p->node);
		unsigned long gap;
		unsigned char i, off = 0;

		if (mte_node_type(p->node) != maple_arange_64)
			return;
		gap = mte_max_gap(lp[level].node, lp[level].min, lp[level].max);
		if (node->ma64.gap[p->offset] == gap)
			return;
		node->ma64.gap[p->offset] = gap;
		for (i = 1; i <= p->end; i++)
			if (node->ma64.gap[i] > node->ma64.gap[off])
				off = i;
		node->ma64.meta.gap = off;
	}
}

/* store @entry at [index, last] in a tree whose root is a node */
/*
 * Returns 1 when the leaf was rewritten in place and @mas left on the entry, 0 when
 * the caller must walk to it; @content (when given) gets the entry at @index before.
 */
static int mt_store_nodes(struct ma_state *mas, struct maple_tree *mt, unsigned long index,
			  unsigned long last, void *entry, void **content)
{
	struct mpath lp[MAPLE_HEIGHT_MAX + 1], rp[MAPLE_HEIGHT_MAX + 1];
	struct mbig src, b;
	struct mrep rep;
	int h, level, ret;
	bool plain;
	enum maple_type type;

	h = mt_walk_path(mt, index, lp);
	if (content) {
		struct maple_enode *leaf = lp[h - 1].node;

		*content = ma_slots(mte_to_node(leaf), mte_node_type(leaf))[lp[h - 1].offset];
	}
	if (last <= lp[h - 1].max)
		memcpy(rp, lp, sizeof(*rp) * h);
	else
		mt_walk_path(mt, last, rp);

	/* the leaf level: the left leaf's entries, then the right leaf's */
	src.end = -1;
	mb_copy(&src, lp[h - 1].node, lp[h - 1].max, 0, MAPLE_BIG);
	if (rp[h - 1].node != lp[h - 1].node)
		mb_copy(&src, rp[h - 1].node, rp[h - 1].max, 0, MAPLE_BIG);
	mb_store(&b, &src, lp[h - 1].min, index, last, entry);
	plain = lp[h - 1].node == rp[h - 1].node;

	for (level = h - 1; level > 0; level--) {
		struct mpath *pl = &lp[level - 1], *pr = &rp[level - 1];
		struct maple_enode *lnode = lp[level].node, *rnode = rp[level].node;
		struct maple_enode *sibling = NULL;
		unsigned long min = lp[level].min, max = rp[level].max;
		int a = pl->offset, z = pr->offset, a0 = a, z0 = z, split = -1, i;
		struct mbig up;

		type = mte_node_type(lnode);
		if (b.end < mt_min_slots[type]) {
			/* not enough data: take in the right sibling, else the left one */
			struct maple_node *pn;
			enum maple_type pt;

			if (z < pr->end) {
				pn = mte_to_node(pr->node);
				pt = mte_node_type(pr->node);
				sibling = ma_slots(pn, pt)[z + 1];
				max = ma_pivot_at(pn, pt, z + 1, pr->end, pr->max);
				mb_copy(&b, sibling, max, 0, MAPLE_BIG);
				mb_merge_nulls(&b);
				z++;
			} else if (a > 0) {
				struct mbig tmp = b;

				pn = mte_to_node(pl->node);
				pt = mte_node_type(pl->node);
				sibling = ma_slots(pn, pt)[a - 1];
				min = ma_min_at(pn, pt, a - 1, pl->min);
				b.end = -1;
				mb_copy(&b, sibling, ma_pivot_at(pn, pt, a - 1, pl->end, pl->max), 0,
					MAPLE_BIG);
				for (i = 0; i <= tmp.end; i++)
					mb_push(&b, tmp.slot[i], tmp.pivot[i]);
				mb_merge_nulls(&b);
				a--;
			}
			plain = false;
		} else if (b.end >= mt_slots[type] && plain) {
			split = mb_push_data(&b, type, pl, &a, &z, &min, &max, true, &sibling);
			if (split < 0)
				split = mb_push_data(&b, type, pr, &a, &z, &min, &max, false,
						     &sibling);
		}
		mrep_init(&rep);
		mrep_old(&rep, mte_to_node(lnode));
		if (rnode != lnode)
			mrep_old(&rep, mte_to_node(rnode));
		if (sibling)
			mrep_old(&rep, mte_to_node(sibling));
		ret = mab_to_nodes(mas, mt, &b, type, min, max, split, &rep);
		if (ret)
			return ret;
		if (rep.count == 1 && rep.used == 1 && rep.nold == 1) {
			/* rewritten in place: above it only the gaps may change */
			mt_update_gaps(lp, level);
			if (level != h - 1)
				return 0;
			mas->node = lnode;
			mas->min = min;
			mas->max = max;
			mas->depth = h;
			for (i = 0; i < b.end && b.pivot[i] < mas->index; i++)
				;
			mas->offset = i;
			return 1;
		}
		mrep_free_old(mt, &rep);

		/* the level above: the parents' entries around the new nodes */
		up.end = -1;
		mb_copy(&up, pl->node, pl->max, 0, a - 1);
		for (i = 0; i < rep.count; i++)
			mb_push(&up, rep.node[i], rep.pivot[i]);
		{
			struct maple_node *pn = mte_to_node(pr->node);
			enum maple_type pt = mte_node_type(pr->node);
			void **slots;

			/* what the store covered entirely goes */
			if (pl->node == pr->node) {
				slots = ma_slots(pn, pt);
				for (i = a0 + 1; i < z0; i++)
					mte_destroy_walk(mt, slots[i],
							 ma_pivot_at(pn, pt, i, pr->end, pr->max));
			} else {
				struct maple_node *ln = mte_to_node(pl->node);
				enum maple_type lt = mte_node_type(pl->node);

				slots = ma_slots(ln, lt);
				for (i = a0 + 1; i <= pl->end; i++)
					mte_destroy_walk(mt, slots[i],
							 ma_pivot_at(ln, lt, i, pl->end, pl->max));
				slots = ma_slots(pn, pt);
				for (i = 0; i < z0; i++)
					mte_destroy_walk(mt, slots[i],
							 ma_pivot_at(pn, pt, i, pr->end, pr->max));
			}
		}
		mb_copy(&up, pr->node, pr->max, z + 1, MAPLE_BIG);
		if (pl->node != pr->node)
			plain = false;
		b = up;
	}
	return mt_finish_root(mas, mt, &b, mte_node_type(lp[0].node), mte_to_node(lp[0].node));
}

/* -- the write entry point -- */

/* leave @mas on the stored range, as Linux's write leaves it */
static void mas_wr_done(struct ma_state *mas)
{
	struct mpath path[MAPLE_HEIGHT_MAX + 1];
	int h;

	if (!xa_is_node(mas->tree->ma_root)) {
		mas->node = MAS_START;
		return;
	}
	h = mt_walk_path(mas->tree, mas->index, path);
	mas->node = path[h - 1].node;
	mas->min = path[h - 1].min;
	mas->max = path[h - 1].max;
	mas->offset = path[h - 1].offset;
	mas->depth = h;
}

/* store @entry over [mas->index, mas->last]; a NULL store grows over its NULL neighbours */
static int mas_wr_store(struct ma_state *mas, void *entry, void **content)
{
	struct maple_tree *mt = mas->tree;
	void *root = rcu_dereference_protected(mt->ma_root, 1);
	unsigned long index = mas->index, last = mas->last, s, e;
	struct mbig src, b;
	void *old;
	int ret;

	if (!content)
		content = &old;
	*content = NULL;
	if (!xa_is_node(root)) {
		*content = index ? NULL : root;
		if (!index && !last && ((unsigned long)entry & 3) != 2) {
			rcu_assign_pointer(mt->ma_root, entry);
			mas->node = MAS_START;
			return 0;
		}
		if (!root && !entry) {
			mas->node = MAS_START;
			return 0;
		}
		src.end = -1;
		if (root)
			mb_push(&src, root, 0);
		mb_push(&src, NULL, ULONG_MAX);
		mb_store(&b, &src, 0, index, last, entry);
		ret = mt_finish_root(mas, mt, &b, maple_leaf_64, NULL);
		goto done;
	}
	if (!entry) {
		*content = mt_lookup_range(mt, index, &s, &e);
		if (!*content)
			index = s;
		else if (index == s && index && !mt_lookup_range(mt, index - 1, &s, &e))
			index = s;
		if (!mt_lookup_range(mt, last, &s, &e))
			last = e;
		else if (last == e && last != ULONG_MAX && !mt_lookup_range(mt, last + 1, &s, &e))
			last = e;
		mas->index = index;
		mas->last = last;
	}
	if (!index && last == ULONG_MAX) {
		/* a new root for one entry */
		if (entry)
			*content = mt_lookup_range(mt, 0, &s, &e);
		mte_destroy_walk(mt, mte_safe_root(root), ULONG_MAX);
		rcu_assign_pointer(mt->ma_root, NULL);
		set_height(mt, 0);
		if (!entry) {
			mas->node = MAS_START;
			return 0;
		}
		b.end = -1;
		mb_push(&b, entry, ULONG_MAX);
		ret = mt_finish_root(mas, mt, &b, maple_leaf_64, NULL);
		goto done;
	}
	ret = mt_store_nodes(mas, mt, index, last, entry, entry ? content : NULL);
	if (ret > 0)
		return 0;
done:
	if (ret) {
		mas->node = MA_ERROR(ret);
		return ret;
	}
	mas_wr_done(mas);
	return 0;
}

static void mas_free_alloc(struct ma_state *mas)
{
	struct maple_alloc *node = mas->alloc;

	if ((unsigned long)node & 1)
		node = NULL;
	while (node) {
		struct maple_alloc *next = node->slot[0];

		kfree(node);
		node = next;
	}
	mas->alloc = NULL;
}

void *mas_store(struct ma_state *mas, void *entry)
{
	void *content;

	if (mas->index > mas->last)
		pr_err("Error %lu > %lu %p\n", mas->index, mas->last, entry);
	MT_CHECK(mas->tree, mas->index > mas->last);
	if (mas->index > mas->last) {
		mas->node = MA_ERROR(-EINVAL);
		return NULL;
	}
	mas_wr_store(mas, entry, &content);
	return content;
}

int mas_store_gfp(struct ma_state *mas, void *entry, gfp_t gfp)
{
	if (mas->index > mas->last)
		return -EINVAL;
	return mas_wr_store(mas, entry, NULL);
}

void mas_store_prealloc(struct ma_state *mas, void *entry)
{
	mas_wr_store(mas, entry, NULL);
	mas_destroy(mas);
}

void mas_destroy(struct ma_state *mas)
{
	/* a bulk load may leave its last leaf short: rewriting its entry rebalances it */
	if ((mas->mas_flags & MA_STATE_REBALANCE) && xa_is_node(mas->tree->ma_root)) {
		unsigned long s, e;
		void *entry;

		mas->mas_flags &= ~(MA_STATE_BULK | MA_STATE_REBALANCE);
		entry = mt_lookup_range(mas->tree, mas->index, &s, &e);
		if (entry) {
			mas->index = s;
			mas->last = e;
			mas_wr_store(mas, entry, NULL);
		}
	}
	mas->mas_flags &= ~(MA_STATE_BULK | MA_STATE_PREALLOC | MA_STATE_REBALANCE);
	mas_free_alloc(mas);
}

/*
 * Linux preallocates the nodes of a bulk load here; lkmsh's writes allocate as they
 * go (a kzalloc of one node is cheap), so only the bulk mode is set: leaves split
 * leaving the minimum on the right, and mas_destroy() rebalances the last one.
 */
int mas_expected_entries(struct ma_state *mas, unsigned long nr_entries)
{
	mas->mas_flags |= MA_STATE_BULK | MA_STATE_PREALLOC;
	return 0;
}

/* -- reading -- */

static inline bool mas_is_start(struct ma_state *mas)
{
	return mas->node == MAS_START;
}

static inline bool mas_is_ptr(struct ma_state *mas)
{
	return mas->node == MAS_ROOT;
}

static inline bool mas_searchable(struct ma_state *mas)
{
	return !mas_is_none(mas) && !mas_is_ptr(mas);
}

static void *mas_start(struct ma_state *mas)
{
	void *root;

	if (!mas_is_start(mas))
		return NULL;
	mas->min = 0;
	mas->max = ULONG_MAX;
	mas->depth = 0;
	root = rcu_dereference_check(mas->tree->ma_root, 1);
	if (xa_is_node(root)) {
		mas->depth = 1;
		mas->node = mte_safe_root(root);
		mas->offset = 0;
		return NULL;
	}
	mas->offset = MAPLE_NODE_SLOTS;
	if (!root) {
		mas->node = MAS_NONE;
		return NULL;
	}
	mas->node = MAS_ROOT;
	return mas->index ? NULL : root;
}

/* walk from mas->node down to the leaf holding mas->index; index and last get its range */
static void *mtree_range_walk(struct ma_state *mas)
{
	struct maple_enode *enode = mas->node;
	unsigned long min = mas->min, max = mas->max;

	for (;;) {
		struct maple_node *node = mte_to_node(enode);
		enum maple_type type = mte_node_type(enode);
		unsigned long *pivots = ma_pivots(node, type);
		unsigned char end = ma_data_end(node, type, max), offset = 0;
		unsigned long next_min, next_max;

		while (offset < end && pivots[offset] < mas->index)
			offset++;
		next_min = ma_min_at(node, type, offset, min);
		next_max = ma_pivot_at(node, type, offset, end, max);
		if (ma_is_leaf(type)) {
			mas->node = enode;
			mas->min = min;
			mas->max = max;
			mas->offset = offset;
			mas->index = next_min;
			mas->last = next_max;
			return ma_slots(node, type)[offset];
		}
		enode = ma_slots(node, type)[offset];
		min = next_min;
		max = next_max;
		mas->depth++;
	}
}

static void *mas_state_walk(struct ma_state *mas)
{
	void *entry = mas_start(mas);

	if (mas_is_none(mas))
		return NULL;
	if (mas_is_ptr(mas))
		return entry;
	return mtree_range_walk(mas);
}

void *mas_walk(struct ma_state *mas)
{
	void *entry = mas_state_walk(mas);

	if (mas_is_ptr(mas)) {
		if (!mas->index) {
			mas->last = 0;
		} else {
			mas->index = 1;
			mas->last = ULONG_MAX;
		}
		return entry;
	}
	if (mas_is_none(mas)) {
		mas->index = 0;
		mas->last = ULONG_MAX;
	}
	return entry;
}

/* the leaf after (before) mas->node's, or MAS_NONE past @limit */
static void mas_next_node(struct ma_state *mas, unsigned long limit)
{
	struct mpath path[MAPLE_HEIGHT_MAX + 1];
	int h;

	if (mas->max >= limit) {
		mas->node = MAS_NONE;
		return;
	}
	h = mt_walk_path(mas->tree, mas->max + 1, path);
	mas->node = path[h - 1].node;
	mas->min = path[h - 1].min;
	mas->max = path[h - 1].max;
}

static void mas_prev_node(struct ma_state *mas, unsigned long limit)
{
	struct mpath path[MAPLE_HEIGHT_MAX + 1];
	int h;

	if (mas_is_none(mas))
		return;
	if (!mas->min || mas->min - 1 < limit) {
		mas->node = MAS_NONE;
		return;
	}
	h = mt_walk_path(mas->tree, mas->min - 1, path);
	mas->node = path[h - 1].node;
	mas->min = path[h - 1].min;
	mas->max = path[h - 1].max;
	mas->offset = path[h - 1].end;
}

/* the next non-NULL entry of this leaf from mas->offset, not starting past @limit */
static void *mas_next_nentry(struct ma_state *mas, unsigned long limit)
{
	struct maple_node *node = mte_to_node(mas->node);
	enum maple_type type = mte_node_type(mas->node);
	unsigned long *pivots = ma_pivots(node, type), pivot;
	void **slots = ma_slots(node, type);
	unsigned char count;
	void *entry;

	if (mas->last == mas->max) {
		mas->index = mas->max;
		return NULL;
	}
	count = ma_data_end(node, type, mas->max);
	mas->index = ma_min_at(node, type, mas->offset, mas->min);
	if (mas->index > limit || mas->offset > count)
		return NULL;
	while (mas->offset < count) {
		pivot = pivots[mas->offset];
		entry = slots[mas->offset];
		if (entry)
			goto found;
		if (pivot >= limit)
			return NULL;
		mas->index = pivot + 1;
		mas->offset++;
	}
	if (mas->index > mas->max) {
		mas->index = mas->last;
		return NULL;
	}
	pivot = mas->offset < mt_pivots[type] ? pivots[mas->offset] : mas->max;
	entry = slots[mas->offset];
	if (!pivot || !entry)
		return NULL;
found:
	mas->last = pivot;
	return entry;
}

static void *mas_next_entry(struct ma_state *mas, unsigned long limit)
{
	struct maple_enode *prev_node;
	unsigned char offset;
	bool skip = false;
	void *entry;

	if (mas->index > limit) {
		mas->index = mas->last = limit;
		mas_pause(mas);
		return NULL;
	}
	offset = mas->offset;
	prev_node = mas->node;
	mas->offset++;
	if (mas->offset >= mt_slots[mte_node_type(mas->node)]) {
		mas->offset = mt_slots[mte_node_type(mas->node)] - 1;
		skip = true;
	}
	while (!mas_is_none(mas)) {
		if (!skip) {
			entry = mas_next_nentry(mas, limit);
			if (entry)
				return entry;
			if (mas->index > limit)
				break;
		}
		skip = false;
		prev_node = mas->node;
		offset = mas->offset;
		mas_next_node(mas, limit);
		mas->offset = 0;
	}
	/*
	 * Off the end of the tree, the state holds the last (NULL) range, as
	 * lib/test_maple_tree.c's next_prev_test expects; else the limit.
	 */
	if (limit == ULONG_MAX && mas_is_none(mas) && mas->index <= limit) {
		mas->last = ULONG_MAX;
	} else {
		mas->index = mas->last = limit;
	}
	mas->offset = offset;
	mas->node = prev_node;
	return NULL;
}

static void *mas_prev_nentry(struct ma_state *mas, unsigned long limit)
{
	struct maple_node *node;
	enum maple_type type;
	unsigned long *pivots, pivot, min;
	unsigned char offset;
	void **slots;
	void *entry;

	if (!mas->offset)
		return NULL;
	node = mte_to_node(mas->node);
	type = mte_node_type(mas->node);
	pivots = ma_pivots(node, type);
	slots = ma_slots(node, type);
	offset = mas->offset - 1;
	if (offset >= mt_slots[type])
		offset = mt_slots[type] - 1;
	pivot = offset == mt_pivots[type] ? mas->max : pivots[offset];
	while (offset && ((!slots[offset] && pivot >= limit) || !pivot))
		pivot = pivots[--offset];
	min = ma_min_at(node, type, offset, mas->min);
	entry = slots[offset];
	if (entry) {
		mas->offset = offset;
		mas->last = pivot;
		mas->index = min;
	}
	return entry;
}

static void *mas_prev_entry(struct ma_state *mas, unsigned long min)
{
	void *entry;

	if (mas->index < min) {
		mas->index = mas->last = min;
		mas->node = MAS_NONE;
		return NULL;
	}
	while (!mas_is_none(mas)) {
		entry = mas_prev_nentry(mas, min);
		if (mas->last < min)
			goto not_found;
		if (entry)
			return entry;
		mas_prev_node(mas, min);
		mas->offset++;
	}
	mas->offset--;
not_found:
	mas->index = mas->last = min;
	return NULL;
}

void *mas_next(struct ma_state *mas, unsigned long max)
{
	if (mas_is_none(mas) || mas_is_paused(mas))
		mas->node = MAS_START;
	if (mas_is_start(mas))
		mas_walk(mas);
	if (mas_is_ptr(mas)) {
		if (!mas->index) {
			mas->index = 1;
			mas->last = ULONG_MAX;
		}
		return NULL;
	}
	if (mas->last == ULONG_MAX)
		return NULL;
	return mas_next_entry(mas, max);
}

void *mt_next(struct maple_tree *mt, unsigned long index, unsigned long max)
{
	MA_STATE(mas, mt, index, index);
	void *entry;

	rcu_read_lock();
	entry = mas_next(&mas, max);
	rcu_read_unlock();
	return entry;
}

void *mas_prev(struct ma_state *mas, unsigned long min)
{
	if (!mas->index) {
		/* Nothing comes before 0 */
		mas->last = 0;
		mas->node = MAS_NONE;
		return NULL;
	}
	if (mas_is_ptr(mas))
		return NULL;
	if (mas_is_none(mas) || mas_is_paused(mas))
		mas->node = MAS_START;
	if (mas_is_start(mas)) {
		mas_walk(mas);
		if (!mas->index)
			return NULL;
	}
	if (mas_is_ptr(mas)) {
		if (!mas->index) {
			mas->last = 0;
			return NULL;
		}
		mas->index = mas->last = 0;
		return rcu_dereference_check(mas->tree->ma_root, 1);
	}
	return mas_prev_entry(mas, min);
}

void *mt_prev(struct maple_tree *mt, unsigned long index, unsigned long min)
{
	MA_STATE(mas, mt, index, index);
	void *entry;

	rcu_read_lock();
	entry = mas_prev(&mas, min);
	rcu_read_unlock();
	return entry;
}

void mas_pause(struct ma_state *mas)
{
	mas->node = MAS_PAUSE;
}

void *mas_find(struct ma_state *mas, unsigned long max)
{
	if (mas_is_paused(mas)) {
		if (mas->last == ULONG_MAX) {
			mas->node = MAS_NONE;
			return NULL;
		}
		mas->node = MAS_START;
		mas->index = ++mas->last;
	}
	if (mas_is_none(mas))
		mas->node = MAS_START;
	if (mas_is_start(mas)) {
		void *entry;

		if (mas->index > max)
			return NULL;
		entry = mas_walk(mas);
		if (entry)
			return entry;
	}
	if (!mas_searchable(mas))
		return NULL;
	return mas_next_entry(mas, max);
}

void *mas_find_rev(struct ma_state *mas, unsigned long min)
{
	if (mas_is_paused(mas)) {
		if (mas->last == ULONG_MAX) {
			mas->node = MAS_NONE;
			return NULL;
		}
		mas->node = MAS_START;
		mas->last = --mas->index;
	}
	if (mas_is_start(mas)) {
		void *entry;

		if (mas->index < min)
			return NULL;
		entry = mas_walk(mas);
		if (entry)
			return entry;
	}
	if (!mas_searchable(mas))
		return NULL;
	if (mas->index < min)
		return NULL;
	return mas_prev_entry(mas, min);
}

void *mas_erase(struct ma_state *mas)
{
	void *entry;

	if (mas_is_none(mas) || mas_is_paused(mas))
		mas->node = MAS_START;
	entry = mas_state_walk(mas);
	if (!entry)
		return NULL;
	mas_reset(mas);
	mas_wr_store(mas, NULL, NULL);
	return entry;
}

/* -- gaps -- */

/* the lowest (highest) NULL range meeting [wmin, wmax] in at least @size indices */
static bool mas_gap_walk(struct ma_state *mas, struct maple_enode *enode, unsigned long min,
			 unsigned long max, unsigned long wmin, unsigned long wmax,
			 unsigned long size, bool rev)
{
	struct maple_node *node = mte_to_node(enode);
	enum maple_type type = mte_node_type(enode);
	unsigned char end = ma_data_end(node, type, max);
	void **slots = ma_slots(node, type);
	int i;

	for (i = rev ? end : 0; rev ? i >= 0 : i <= end; i += rev ? -1 : 1) {
		unsigned long start = ma_min_at(node, type, i, min);
		unsigned long piv = ma_pivot_at(node, type, i, end, max);
		unsigned long lo, hi;

		if (piv < wmin || start > wmax)
			continue;
		if (!ma_is_leaf(type)) {
			if (type == maple_arange_64 && node->ma64.gap[i] < size)
				continue;
			if (mas_gap_walk(mas, slots[i], start, piv, wmin, wmax, size, rev))
				return true;
			continue;
		}
		if (slots[i])
			continue;
		lo = start > wmin ? start : wmin;
		hi = piv < wmax ? piv : wmax;
		if (hi - lo < size - 1)
			continue;
		mas->node = enode;
		mas->min = min;
		mas->max = max;
		mas->offset = i;
		if (rev) {
			mas->last = hi;
			mas->index = hi - size + 1;
		} else {
			mas->index = lo;
			mas->last = lo + size - 1;
		}
		return true;
	}
	return false;
}

static int mas_sparse_area(struct ma_state *mas, unsigned long min, unsigned long max,
			   unsigned long size, bool fwd)
{
	if (!mas_is_none(mas) && !min) {
		min++;
		if (min > max || max - min + 1 < size)
			return -EBUSY;
	}
	if (fwd) {
		mas->index = min;
		mas->last = min + size - 1;
	} else {
		mas->last = max;
		mas->index = max - size + 1;
	}
	return 0;
}

static int mas_empty(struct ma_state *mas, unsigned long min, unsigned long max,
		     unsigned long size, bool rev)
{
	void *root;

	if (min >= max)
		return -EINVAL;
	mas->node = MAS_START;
	mas_start(mas);
	if (mas_is_none(mas) || mas_is_ptr(mas))
		return mas_sparse_area(mas, min, max, size, !rev);
	if (!size)
		return -EINVAL;
	root = rcu_dereference_check(mas->tree->ma_root, 1);
	if (!mas_gap_walk(mas, mte_safe_root(root), 0, ULONG_MAX, min, max, size, rev))
		return -EBUSY;
	return 0;
}

int mas_empty_area(struct ma_state *mas, unsigned long min, unsigned long max,
		   unsigned long size)
{
	return mas_empty(mas, min, max, size, false);
}

int mas_empty_area_rev(struct ma_state *mas, unsigned long min, unsigned long max,
		       unsigned long size)
{
	return mas_empty(mas, min, max, size, true);
}

/* -- the normal API -- */

static inline bool mt_is_reserved(const void *entry)
{
	return ((unsigned long)entry < MAPLE_RESERVED_RANGE) && xa_is_internal(entry);
}

void *mtree_load(struct maple_tree *mt, unsigned long index)
{
	void *root, *entry;
	unsigned long s, e;

	rcu_read_lock();
	root = rcu_dereference(mt->ma_root);
	if (xa_is_node(root))
		entry = mt_lookup_range(mt, index, &s, &e);
	else
		entry = index ? NULL : root;
	rcu_read_unlock();
	if (xa_is_zero(entry))
		return NULL;
	return entry;
}

int mtree_store_range(struct maple_tree *mt, unsigned long index, unsigned long last,
		      void *entry, gfp_t gfp)
{
	MA_STATE(mas, mt, index, last);
	int ret;

	if (KLIB_WARN_ON(xa_is_advanced(entry)))
		return -EINVAL;
	if (index > last)
		return -EINVAL;
	mtree_lock(mt);
	ret = mas_wr_store(&mas, entry, NULL);
	mtree_unlock(mt);
	return ret;
}

int mtree_store(struct maple_tree *mt, unsigned long index, void *entry, gfp_t gfp)
{
	return mtree_store_range(mt, index, index, entry, gfp);
}

/* whether [index, last] holds no entry */
static bool mt_range_empty(struct maple_tree *mt, unsigned long index, unsigned long last)
{
	void *root = rcu_dereference_protected(mt->ma_root, 1);
	unsigned long s, e;

	if (!xa_is_node(root))
		return !root || index;
	if (mt_lookup_range(mt, index, &s, &e))
		return false;
	return e >= last;
}

int mtree_insert_range(struct maple_tree *mt, unsigned long first, unsigned long last,
		       void *entry, gfp_t gfp)
{
	MA_STATE(mas, mt, first, last);
	int ret = -EEXIST;

	if (KLIB_WARN_ON(xa_is_advanced(entry)))
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	mtree_lock(mt);
	if (mt_range_empty(mt, first, last))
		ret = mas_wr_store(&mas, entry, NULL);
	mtree_unlock(mt);
	return ret;
}

int mtree_insert(struct maple_tree *mt, unsigned long index, void *entry, gfp_t gfp)
{
	return mtree_insert_range(mt, index, index, entry, gfp);
}

static int mt_alloc(struct maple_tree *mt, unsigned long *startp, void *entry,
		    unsigned long size, unsigned long min, unsigned long max, bool rev)
{
	MA_STATE(mas, mt, min, max);
	int ret;

	mtree_lock(mt);
	mas_start(&mas);
	if (mas_is_none(&mas) || mas_is_ptr(&mas)) {
		unsigned long lo = min;

		if (mas_is_ptr(&mas) && !lo)
			lo = 1;
		ret = -EBUSY;
		if (lo > max || max - lo < size - 1)
			goto unlock;
		mas.index = rev ? max - size + 1 : lo;
	} else {
		void *root = rcu_dereference_protected(mt->ma_root, 1);

		/* forward, the window is where the range may start (Linux's last = max - size) */
		ret = -EBUSY;
		if (!mas_gap_walk(&mas, mte_safe_root(root), 0, ULONG_MAX, min,
				  rev ? max : max - size, size, rev))
			goto unlock;
	}
	mas.last = mas.index + size - 1;
	*startp = mas.index;
	ret = mas_wr_store(&mas, entry, NULL);
unlock:
	mtree_unlock(mt);
	return ret;
}

int mtree_alloc_range(struct maple_tree *mt, unsigned long *startp, void *entry,
		      unsigned long size, unsigned long min, unsigned long max, gfp_t gfp)
{
	if (!mt_is_alloc(mt))
		return -EINVAL;
	if (KLIB_WARN_ON(mt_is_reserved(entry)))
		return -EINVAL;
	if (min > max || max < size || !size)
		return -EINVAL;
	return mt_alloc(mt, startp, entry, size, min, max, false);
}

int mtree_alloc_rrange(struct maple_tree *mt, unsigned long *startp, void *entry,
		       unsigned long size, unsigned long min, unsigned long max, gfp_t gfp)
{
	if (!mt_is_alloc(mt))
		return -EINVAL;
	if (KLIB_WARN_ON(mt_is_reserved(entry)))
		return -EINVAL;
	if (min >= max || max < size - 1 || !size)
		return -EINVAL;
	return mt_alloc(mt, startp, entry, size, min, max, true);
}

void *mtree_erase(struct maple_tree *mt, unsigned long index)
{
	MA_STATE(mas, mt, index, index);
	void *entry;

	mtree_lock(mt);
	entry = mas_erase(&mas);
	mtree_unlock(mt);
	return entry;
}

void __mt_destroy(struct maple_tree *mt)
{
	void *root = rcu_dereference_protected(mt->ma_root, 1);

	rcu_assign_pointer(mt->ma_root, NULL);
	if (xa_is_node(root))
		mte_destroy_walk(mt, mte_safe_root(root), ULONG_MAX);
	mt->ma_flags = 0;
}

void mtree_destroy(struct maple_tree *mt)
{
	mtree_lock(mt);
	__mt_destroy(mt);
	mtree_unlock(mt);
}

void *mt_find(struct maple_tree *mt, unsigned long *index, unsigned long max)
{
	MA_STATE(mas, mt, *index, *index);
	void *entry;

	if (*index > max)
		return NULL;
	rcu_read_lock();
	entry = mas_state_walk(&mas);
	if (xa_is_zero(entry))
		entry = NULL;
	if (entry)
		goto unlock;
	while (mas_searchable(&mas) && mas.index < max) {
		entry = mas_next_entry(&mas, max);
		if (entry && !xa_is_zero(entry))
			break;
	}
	if (xa_is_zero(entry))
		entry = NULL;
unlock:
	rcu_read_unlock();
	if (entry) {
		unsigned long copy = *index;

		*index = mas.last + 1;
		if (*index && *index <= copy)
			pr_err("index not increased! %lx <= %lx\n", *index, copy);
		MT_CHECK(mt, *index && *index <= copy);
	}
	return entry;
}

void *mt_find_after(struct maple_tree *mt, unsigned long *index, unsigned long max)
{
	if (!(*index))
		return NULL;
	return mt_find(mt, index, max);
}

/* -- CONFIG_DEBUG_MAPLE_TREE -- */

void mt_cache_shrink(void)
{
}

static void mt_dump_range(unsigned long min, unsigned long max, unsigned int depth)
{
	static const char spaces[] = "                                ";

	if (min == max)
		pr_info("%.*s%lu: ", depth * 2, spaces, min);
	else
		pr_info("%.*s%lu-%lu: ", depth * 2, spaces, min, max);
}

static void mt_dump_entry(void *entry, unsigned long min, unsigned long max, unsigned int depth)
{
	mt_dump_range(min, max, depth);
	if (xa_is_value(entry))
		pr_cont("value %ld (0x%lx) [%p]\n", xa_to_value(entry), xa_to_value(entry), entry);
	else if (xa_is_zero(entry))
		pr_cont("zero (%ld)\n", xa_to_internal(entry));
	else if (mt_is_reserved(entry))
		pr_cont("UNKNOWN ENTRY (%p)\n", entry);
	else
		pr_cont("%p\n", entry);
}

static void mt_dump_node(void *entry, unsigned long min, unsigned long max, unsigned int depth)
{
	struct maple_node *node = mte_to_node(entry);
	enum maple_type type = mte_node_type(entry);
	unsigned char end = ma_data_end(node, type, max), i;
	unsigned long *pivots = ma_pivots(node, type), first = min;
	void **slots = ma_slots(node, type);

	mt_dump_range(min, max, depth);
	pr_cont("node %p depth %d type %d parent %p", node, depth, type, node->parent);
	pr_cont(" contents: ");
	if (type == maple_arange_64) {
		for (i = 0; i < MAPLE_ARANGE64_SLOTS; i++)
			pr_cont("%lu ", node->ma64.gap[i]);
		pr_cont("| %02X %02X| ", node->ma64.meta.end, node->ma64.meta.gap);
	}
	for (i = 0; i < mt_pivots[type]; i++)
		pr_cont("%p %lu ", i <= end ? slots[i] : NULL, pivots[i]);
	pr_cont("%p\n", end == mt_pivots[type] ? slots[end] : NULL);
	for (i = 0; i <= end; i++) {
		unsigned long last = ma_pivot_at(node, type, i, end, max);

		if (ma_is_leaf(type))
			mt_dump_entry(slots[i], first, last, depth + 1);
		else if (slots[i])
			mt_dump_node(slots[i], first, last, depth + 1);
		if (last > max) {
			pr_err("node %p last (%lu) > max (%lu) at pivot %d!\n", node, last, max, i);
			break;
		}
		first = last + 1;
	}
}

void mt_dump(const struct maple_tree *mt)
{
	void *entry = rcu_dereference_check(mt->ma_root, 1);

	pr_info("maple_tree(%p) flags %X, height %u root %p\n", mt, mt->ma_flags, mt_height(mt),
		entry);
	if (!xa_is_node(entry))
		mt_dump_entry(entry, 0, 0, 0);
	else
		mt_dump_node(mte_safe_root(entry), 0, ULONG_MAX, 0);
}

static void mt_check(const struct maple_tree *mt, bool bad, const char *func, int line)
{
	atomic_inc(&maple_tree_tests_run);
	if (bad) {
		pr_info("BUG at %s:%d (%u)\n", func, line, bad);
		mt_dump(mt);
		pr_info("Pass: %u Run:%u\n", atomic_read(&maple_tree_tests_passed),
			atomic_read(&maple_tree_tests_run));
	} else {
		atomic_inc(&maple_tree_tests_passed);
	}
}

/*
 * Check one subtree: pivots in order and in range, parents, gaps, sizes, no two
 * NULLs side by side; returns its largest gap. The checks that pass count as
 * lib/maple_tree.c's mt_validate() counts them: per node its dead-node check,
 * below the root two of the parent slot and, in an allocation tree, two of the
 * gaps, in an internal node below the root one per slot; one per leaf slot
 * (mt_validate_nulls).
 */
static unsigned long mt_validate_node(struct maple_tree *mt, struct maple_enode *enode,
				      unsigned long min, unsigned long max, unsigned int depth,
				      unsigned int height)
{
	struct maple_node *node = mte_to_node(enode);
	enum maple_type type = mte_node_type(enode);
	unsigned char end = ma_data_end(node, type, max), i;
	void **slots = ma_slots(node, type);
	unsigned long first = min, gap = 0;

	MT_CHECK(mt, false);	/* not a dead node */
	if (ma_is_leaf(type) != (depth == height - 1)) {
		pr_err("node %p at depth %u of a tree of height %u is %s\n", node, depth, height,
		       ma_is_leaf(type) ? "a leaf" : "not a leaf");
		MT_CHECK(mt, true);
		return 0;
	}
	if (depth) {
		if (end < mt_min_slots[type] && max != ULONG_MAX) {
			pr_err("Invalid size %u of %p\n", end, node);
			MT_CHECK(mt, true);
		}
		MT_CHECK(mt, false);	/* the parent is not the node */
		MT_CHECK(mt, false);	/* the parent's slot holds the node */
	}
	for (i = 0; i <= end; i++) {
		unsigned long last = ma_pivot_at(node, type, i, end, max);

		if (last < first || last > max) {
			pr_err("node %p: pivot %u (%lu) out of range %lu-%lu\n", node, i, last,
			       first, max);
			MT_CHECK(mt, true);
			return gap;
		}
		if (ma_is_leaf(type)) {
			if (!slots[i]) {
				if (last - first + 1 > gap)
					gap = last - first + 1;
				if (i && !slots[i - 1])
					pr_err("NULL at %u follows a NULL in %p\n", i, node);
			}
			MT_CHECK(mt, i && !slots[i] && !slots[i - 1]);
		} else {
			struct maple_enode *child = slots[i];
			unsigned long expect = (unsigned long)node | ((unsigned long)i <<
				MAPLE_PARENT_SLOT_SHIFT) | MAPLE_PARENT_RANGE64;
			unsigned long g;

			if (depth)
				MT_CHECK(mt, !child);
			if (!child || (unsigned long)mte_to_node(child)->parent != expect) {
				pr_err("node %p slot %u: child %p has a wrong parent\n", node, i,
				       child);
				MT_CHECK(mt, true);
				return gap;
			}
			g = mt_validate_node(mt, child, first, last, depth + 1, height);
			if (type == maple_arange_64 && node->ma64.gap[i] != g) {
				pr_err("gap %p[%u] is %lu, its subtree's largest is %lu\n", node, i,
				       node->ma64.gap[i], g);
				MT_CHECK(mt, true);
			}
			if (g > gap)
				gap = g;
		}
		first = last + 1;
	}
	if (depth && mt_is_alloc(mt)) {
		MT_CHECK(mt, gap > max);
		MT_CHECK(mt, false);	/* the parent's gap (compared above) */
	}
	return gap;
}

void mt_validate(struct maple_tree *mt)
{
	unsigned int level;
	void *root;

	rcu_read_lock();
	root = rcu_dereference(mt->ma_root);
	if (xa_is_node(root)) {
		struct maple_enode *enode = mte_safe_root(root);

		if ((unsigned long)mte_to_node(enode)->parent != ((unsigned long)mt | MA_ROOT_PARENT))
			pr_err("root %p does not point back to the tree\n", mte_to_node(enode));
		/* mas_first_entry()'s walk down: one check per level */
		for (level = 0; level < mt_height(mt); level++)
			MT_CHECK(mt, false);
		mt_validate_node(mt, enode, 0, ULONG_MAX, 0, mt_height(mt));
	}
	rcu_read_unlock();
}
