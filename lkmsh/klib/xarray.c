// SPDX-License-Identifier: MIT
/*
 * lkmsh's XArray (Linux 6.1's <linux/xarray.h> semantics, lib/xarray.c's
 * node layout and tree shape: the self-test reads node counts and shifts).
 * The kernel calls it makes (the spinlock, kzalloc, RCU frees, warnings) are
 * build.py's IMPORTS. Nodes are kzalloc'd for the module whose call
 * made them and freed after a grace period (kvfree_call_rcu), so a reader
 * that raced with a removal finds XA_RETRY_ENTRY there, as on Linux.
 */
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include "warn.h"

/* -- the array's flags and lock -- */

static inline unsigned int lock_type(const struct xarray *xa)
{
	return (__force unsigned int)xa->xa_flags & 3;
}

static void lock_as(struct xa_state *xas, unsigned int type)
{
	if (type == XA_LOCK_IRQ)
		xas_lock_irq(xas);
	else if (type == XA_LOCK_BH)
		xas_lock_bh(xas);
	else
		xas_lock(xas);
}

static void unlock_as(struct xa_state *xas, unsigned int type)
{
	if (type == XA_LOCK_IRQ)
		xas_unlock_irq(xas);
	else if (type == XA_LOCK_BH)
		xas_unlock_bh(xas);
	else
		xas_unlock(xas);
}

static inline bool track_free(const struct xarray *xa)
{
	return xa->xa_flags & XA_FLAGS_TRACK_FREE;
}

static inline bool zero_busy(const struct xarray *xa)
{
	return xa->xa_flags & XA_FLAGS_ZERO_BUSY;
}

static inline void array_mark_set(struct xarray *xa, xa_mark_t mark)
{
	xa->xa_flags |= XA_FLAGS_MARK(mark);
}

static inline void array_mark_clear(struct xarray *xa, xa_mark_t mark)
{
	xa->xa_flags &= ~XA_FLAGS_MARK(mark);
}

/* -- marks in a node -- */

static inline unsigned long *marks_of(struct xa_node *node, xa_mark_t mark)
{
	return node->marks[(__force unsigned)mark];
}

static inline bool mark_get(struct xa_node *node, unsigned int offset, xa_mark_t mark)
{
	return test_bit(offset, marks_of(node, mark));
}

/* both return whether the mark was set before */
static inline bool mark_set(struct xa_node *node, unsigned int offset, xa_mark_t mark)
{
	return __test_and_set_bit(offset, marks_of(node, mark));
}

static inline bool mark_clear(struct xa_node *node, unsigned int offset, xa_mark_t mark)
{
	return __test_and_clear_bit(offset, marks_of(node, mark));
}

static inline bool mark_any(struct xa_node *node, xa_mark_t mark)
{
	return !bitmap_empty(marks_of(node, mark), XA_CHUNK_SIZE);
}

static inline void mark_all(struct xa_node *node, xa_mark_t mark)
{
	bitmap_fill(marks_of(node, mark), XA_CHUNK_SIZE);
}

#define for_each_mark(m) for ((m) = 0; (m) <= XA_MARK_MAX; (m)++)

/* a multi-slot store keeps a mark of any of its slots, on its first slot */
static void squash_marks(const struct xa_state *xas)
{
	unsigned int limit = xas->xa_offset + xas->xa_sibs + 1;
	xa_mark_t mark;

	if (!xas->xa_sibs)
		return;
	for_each_mark(mark) {
		unsigned long *marks = xas->xa_node->marks[mark];

		if (find_next_bit(marks, limit, xas->xa_offset + 1) == limit)
			continue;
		__set_bit(xas->xa_offset, marks);
		bitmap_clear(marks, xas->xa_offset + 1, xas->xa_sibs);
	}
}

/* -- the cursor -- */

static inline unsigned int offset_in(unsigned long index, struct xa_node *node)
{
	return (index >> node->shift) & XA_CHUNK_MASK;
}

static void set_offset(struct xa_state *xas)
{
	xas->xa_offset = offset_in(xas->xa_index, xas->xa_node);
}

/* the index of slot @offset of the cursor's node */
static void move_index(struct xa_state *xas, unsigned long offset)
{
	unsigned int shift = xas->xa_node->shift;

	xas->xa_index &= ~XA_CHUNK_MASK << shift;
	xas->xa_index += offset << shift;
}

static void next_offset(struct xa_state *xas)
{
	xas->xa_offset++;
	move_index(xas, xas->xa_offset);
}

static void *out_of_bounds(struct xa_state *xas)
{
	xas->xa_node = XAS_BOUNDS;
	return NULL;
}

/* the head, or the cursor's entry when it is on a node already */
static void *walk_start(struct xa_state *xas)
{
	void *entry;

	if (xas_valid(xas))
		return xas_reload(xas);
	if (xas_error(xas))
		return NULL;

	entry = xa_head(xas->xa);
	if (!xa_is_node(entry)) {
		if (xas->xa_index)
			return out_of_bounds(xas);
	} else if ((xas->xa_index >> xa_to_node(entry)->shift) > XA_CHUNK_MASK) {
		return out_of_bounds(xas);
	}
	xas->xa_node = NULL;
	return entry;
}

/* one level down: the slot of the cursor's index in @node (a sibling's canonical slot) */
static void *descend(struct xa_state *xas, struct xa_node *node)
{
	unsigned int offset = offset_in(xas->xa_index, node);
	void *entry = xa_entry(xas->xa, node, offset);

	xas->xa_node = node;
	while (xa_is_sibling(entry)) {
		offset = xa_to_sibling(entry);
		entry = xa_entry(xas->xa, node, offset);
		if (node->shift && xa_is_node(entry))
			entry = XA_RETRY_ENTRY;
	}
	xas->xa_offset = offset;
	return entry;
}

void *xas_load(struct xa_state *xas)
{
	void *entry = walk_start(xas);

	while (xa_is_node(entry)) {
		struct xa_node *node = xa_to_node(entry);

		if (xas->xa_shift > node->shift)
			break;
		entry = descend(xas, node);
		if (node->shift == 0)
			break;
	}
	return entry;
}

/* -- nodes: allocation and freeing -- */

#define XA_RCU_FREE	((struct xarray *)1)

static struct xa_node *node_new(gfp_t gfp)
{
	struct xa_node *node = kzalloc(sizeof(*node), gfp);

	if (node)
		INIT_LIST_HEAD(&node->private_list);
	return node;
}

static void node_free(struct xa_node *node)
{
	node->array = XA_RCU_FREE;
	kvfree_call_rcu(&node->rcu_head, node);
}

void xas_destroy(struct xa_state *xas)
{
	struct xa_node *next, *node = xas->xa_alloc;

	while (node) {
		next = rcu_dereference_raw(node->parent);
		kfree(node);
		xas->xa_alloc = node = next;
	}
}

static bool got_node(struct xa_state *xas)
{
	if (!xas->xa_alloc)
		return false;
	xas->xa_alloc->parent = NULL;
	xas->xa_node = XAS_RESTART;
	return true;
}

bool xas_nomem(struct xa_state *xas, gfp_t gfp)
{
	if (xas->xa_node != XA_ERROR(-ENOMEM)) {
		xas_destroy(xas);
		return false;
	}
	if (xas->xa->xa_flags & XA_FLAGS_ACCOUNT)
		gfp |= __GFP_ACCOUNT;
	xas->xa_alloc = node_new(gfp);
	return got_node(xas);
}

/* xas_nomem() with the lock held: dropped while a sleeping allocation runs */
static bool nomem_locked(struct xa_state *xas, gfp_t gfp)
{
	unsigned int type = lock_type(xas->xa);

	if (xas->xa_node != XA_ERROR(-ENOMEM)) {
		xas_destroy(xas);
		return false;
	}
	if (xas->xa->xa_flags & XA_FLAGS_ACCOUNT)
		gfp |= __GFP_ACCOUNT;
	if (gfpflags_allow_blocking(gfp)) {
		unlock_as(xas, type);
		xas->xa_alloc = node_new(gfp);
		lock_as(xas, type);
	} else {
		xas->xa_alloc = node_new(gfp);
	}
	return got_node(xas);
}

static void node_changed(struct xa_state *xas, struct xa_node *node)
{
	if (xas->xa_update)
		xas->xa_update(node);
}

/* a node for level @shift below the cursor's node (the preallocated one first) */
static struct xa_node *node_for(struct xa_state *xas, unsigned int shift)
{
	struct xa_node *parent = xas->xa_node;
	struct xa_node *node = xas->xa_alloc;

	if (xas_invalid(xas))
		return NULL;
	if (node) {
		xas->xa_alloc = NULL;
	} else {
		gfp_t gfp = GFP_NOWAIT | __GFP_NOWARN;

		if (xas->xa->xa_flags & XA_FLAGS_ACCOUNT)
			gfp |= __GFP_ACCOUNT;
		node = node_new(gfp);
		if (!node) {
			xas_set_err(xas, -ENOMEM);
			return NULL;
		}
	}
	if (parent) {
		node->offset = xas->xa_offset;
		parent->count++;
		node_changed(xas, parent);
	}
	node->shift = shift;
	node->count = 0;
	node->nr_values = 0;
	RCU_INIT_POINTER(node->parent, xas->xa_node);
	node->array = xas->xa;
	return node;
}

#ifdef CONFIG_XARRAY_MULTI
static unsigned long cursor_size(const struct xa_state *xas)
{
	return (xas->xa_sibs + 1UL) << xas->xa_shift;
}
#endif

/* the last index the cursor's store covers (one more when it covers all) */
static unsigned long cursor_max(struct xa_state *xas)
{
	unsigned long max = xas->xa_index;

#ifdef CONFIG_XARRAY_MULTI
	if (xas->xa_shift || xas->xa_sibs) {
		unsigned long mask = cursor_size(xas) - 1;

		max |= mask;
		if (mask == max)
			max++;
	}
#endif
	return max;
}

static unsigned long head_max_index(void *entry)
{
	if (!xa_is_node(entry))
		return 0;
	return (XA_CHUNK_SIZE << xa_to_node(entry)->shift) - 1;
}

/* drop top nodes that only hold slot 0 */
static void shrink(struct xa_state *xas)
{
	struct xarray *xa = xas->xa;
	struct xa_node *node = xas->xa_node;

	for (;;) {
		void *entry;

		if (node->count != 1)
			break;
		entry = xa_entry_locked(xa, node, 0);
		if (!entry)
			break;
		if (!xa_is_node(entry) && node->shift)
			break;
		if (xa_is_zero(entry) && zero_busy(xa))
			entry = NULL;
		xas->xa_node = XAS_BOUNDS;

		RCU_INIT_POINTER(xa->xa_head, entry);
		if (track_free(xa) && !mark_get(node, 0, XA_FREE_MARK))
			array_mark_clear(xa, XA_FREE_MARK);

		node->count = 0;
		node->nr_values = 0;
		if (!xa_is_node(entry))
			RCU_INIT_POINTER(node->slots[0], XA_RETRY_ENTRY);
		node_changed(xas, node);
		node_free(node);
		if (!xa_is_node(entry))
			break;
		node = xa_to_node(entry);
		node->parent = NULL;
	}
}

/* free the cursor's node if it is empty, and its parents that become so */
static void delete_empty(struct xa_state *xas)
{
	struct xa_node *node = xas->xa_node;

	for (;;) {
		struct xa_node *parent;

		if (node->count)
			break;
		parent = xa_parent_locked(xas->xa, node);
		xas->xa_node = parent;
		xas->xa_offset = node->offset;
		node_free(node);
		if (!parent) {
			xas->xa->xa_head = NULL;
			xas->xa_node = XAS_BOUNDS;
			return;
		}
		parent->slots[xas->xa_offset] = NULL;
		parent->count--;
		node = parent;
		node_changed(xas, node);
	}
	if (!node->parent)
		shrink(xas);
}

/* free @top and every node below it (readers see XA_RETRY_ENTRY) */
static void free_subtree(struct xa_state *xas, struct xa_node *top)
{
	unsigned int offset = 0;
	struct xa_node *node = top;

	for (;;) {
		void *entry = xa_entry_locked(xas->xa, node, offset);

		if (node->shift && xa_is_node(entry)) {
			node = xa_to_node(entry);
			offset = 0;
			continue;
		}
		if (entry)
			RCU_INIT_POINTER(node->slots[offset], XA_RETRY_ENTRY);
		offset++;
		while (offset == XA_CHUNK_SIZE) {
			struct xa_node *parent = xa_parent_locked(xas->xa, node);

			offset = node->offset + 1;
			node->count = 0;
			node->nr_values = 0;
			node_changed(xas, node);
			node_free(node);
			if (node == top)
				return;
			node = parent;
		}
	}
}

/*
 * Grow the tree at the top until it covers the cursor's range. Returns the
 * shift of the new top's children plus one level (what create() descends
 * from), 0 for an index the head itself holds, or -ENOMEM.
 */
static int grow(struct xa_state *xas, void *head)
{
	struct xarray *xa = xas->xa;
	struct xa_node *node = NULL;
	unsigned int shift = 0;
	unsigned long max = cursor_max(xas);

	if (!head) {
		if (max == 0)
			return 0;
		while ((max >> shift) >= XA_CHUNK_SIZE)
			shift += XA_CHUNK_SHIFT;
		return shift + XA_CHUNK_SHIFT;
	} else if (xa_is_node(head)) {
		node = xa_to_node(head);
		shift = node->shift + XA_CHUNK_SHIFT;
	}
	xas->xa_node = NULL;

	while (max > head_max_index(head)) {
		xa_mark_t mark;

		node = node_for(xas, shift);
		if (!node)
			return -ENOMEM;
		node->count = 1;
		if (xa_is_value(head))
			node->nr_values = 1;
		RCU_INIT_POINTER(node->slots[0], head);

		/* the old head's marks are the array's: slot 0 takes them */
		for_each_mark(mark) {
			if (track_free(xa) && mark == XA_FREE_MARK) {
				mark_all(node, XA_FREE_MARK);
				if (!xa_marked(xa, XA_FREE_MARK)) {
					mark_clear(node, 0, XA_FREE_MARK);
					array_mark_set(xa, XA_FREE_MARK);
				}
			} else if (xa_marked(xa, mark)) {
				mark_set(node, 0, mark);
			}
		}

		if (xa_is_node(head)) {
			xa_to_node(head)->offset = 0;
			rcu_assign_pointer(xa_to_node(head)->parent, node);
		}
		head = xa_mk_node(node);
		rcu_assign_pointer(xa->xa_head, head);
		node_changed(xas, node);
		shift += XA_CHUNK_SHIFT;
	}

	xas->xa_node = node;
	return shift;
}

/* make the nodes down to the cursor's level; returns the entry found there */
static void *create(struct xa_state *xas, bool allow_root)
{
	struct xarray *xa = xas->xa;
	void *entry;
	void __rcu **slot;
	struct xa_node *node = xas->xa_node;
	int shift;
	unsigned int order = xas->xa_shift;

	if (xas_top(node)) {
		entry = xa_head_locked(xa);
		xas->xa_node = NULL;
		if (!entry && zero_busy(xa))
			entry = XA_ZERO_ENTRY;
		shift = grow(xas, entry);
		if (shift < 0)
			return NULL;
		if (!shift && !allow_root)
			shift = XA_CHUNK_SHIFT;
		entry = xa_head_locked(xa);
		slot = &xa->xa_head;
	} else if (xas_error(xas)) {
		return NULL;
	} else if (node) {
		unsigned int offset = xas->xa_offset;

		shift = node->shift;
		entry = xa_entry_locked(xa, node, offset);
		slot = &node->slots[offset];
	} else {
		shift = 0;
		entry = xa_head_locked(xa);
		slot = &xa->xa_head;
	}

	while (shift > order) {
		shift -= XA_CHUNK_SHIFT;
		if (!entry) {
			node = node_for(xas, shift);
			if (!node)
				break;
			if (track_free(xa))
				mark_all(node, XA_FREE_MARK);
			rcu_assign_pointer(*slot, xa_mk_node(node));
		} else if (xa_is_node(entry)) {
			node = xa_to_node(entry);
		} else {
			break;
		}
		entry = descend(xas, node);
		slot = &node->slots[xas->xa_offset];
	}
	return entry;
}

void xas_create_range(struct xa_state *xas)
{
	unsigned long index = xas->xa_index;
	unsigned char shift = xas->xa_shift;
	unsigned char sibs = xas->xa_sibs;

	xas->xa_index |= ((sibs + 1UL) << shift) - 1;
	if (xas_is_node(xas) && xas->xa_node->shift == xas->xa_shift)
		xas->xa_offset |= sibs;
	xas->xa_shift = 0;
	xas->xa_sibs = 0;

	/* from the last index down, one leaf node at a time */
	for (;;) {
		create(xas, true);
		if (xas_error(xas))
			goto restore;
		if (xas->xa_index <= (index | XA_CHUNK_MASK))
			goto success;
		xas->xa_index -= XA_CHUNK_SIZE;

		for (;;) {
			struct xa_node *node = xas->xa_node;

			if (node->shift >= shift)
				break;
			xas->xa_node = xa_parent_locked(xas->xa, node);
			xas->xa_offset = node->offset - 1;
			if (node->offset != 0)
				break;
		}
	}

restore:
	xas->xa_shift = shift;
	xas->xa_sibs = sibs;
	xas->xa_index = index;
	return;
success:
	xas->xa_index = index;
	if (xas->xa_node)
		set_offset(xas);
}

static void account(struct xa_state *xas, struct xa_node *node, int count, int values)
{
	if (!node || (!count && !values))
		return;
	node->count += count;
	node->nr_values += values;
	node_changed(xas, node);
	if (count < 0)
		delete_empty(xas);
}

void *xas_store(struct xa_state *xas, void *entry)
{
	struct xa_node *node;
	void __rcu **slot = &xas->xa->xa_head;
	unsigned int offset, max;
	int count = 0;
	int values = 0;
	void *first, *next;
	bool value = xa_is_value(entry);

	if (entry)
		first = create(xas, !xa_is_node(entry) && !xa_is_zero(entry));
	else
		first = xas_load(xas);

	if (xas_invalid(xas))
		return first;
	node = xas->xa_node;
	if (node && (xas->xa_shift < node->shift))
		xas->xa_sibs = 0;
	if ((first == entry) && !xas->xa_sibs)
		return first;

	next = first;
	offset = xas->xa_offset;
	max = xas->xa_offset + xas->xa_sibs;
	if (node) {
		slot = &node->slots[offset];
		if (xas->xa_sibs)
			squash_marks(xas);
	}
	if (!entry)
		xas_init_marks(xas);

	for (;;) {
		/*
		 * The first slot gets @entry, the others of a multi-slot store
		 * a sibling pointing at it; erasing also clears the siblings
		 * of what was there.
		 */
		rcu_assign_pointer(*slot, entry);
		if (xa_is_node(next) && (!node || node->shift))
			free_subtree(xas, xa_to_node(next));
		if (!node)
			break;
		count += !next - !entry;
		values += !xa_is_value(first) - !value;
		if (entry) {
			if (offset == max)
				break;
			if (!xa_is_sibling(entry))
				entry = xa_mk_sibling(xas->xa_offset);
		} else {
			if (offset == XA_CHUNK_MASK)
				break;
		}
		next = xa_entry_locked(xas->xa, node, ++offset);
		if (!xa_is_sibling(next)) {
			if (!entry && (offset > max))
				break;
			first = next;
		}
		slot++;
	}

	account(xas, node, count, values);
	return first;
}

/* -- marks through the cursor -- */

bool xas_get_mark(const struct xa_state *xas, xa_mark_t mark)
{
	if (xas_invalid(xas))
		return false;
	if (!xas->xa_node)
		return xa_marked(xas->xa, mark);
	return mark_get(xas->xa_node, xas->xa_offset, mark);
}

void xas_set_mark(const struct xa_state *xas, xa_mark_t mark)
{
	struct xa_node *node = xas->xa_node;
	unsigned int offset = xas->xa_offset;

	if (xas_invalid(xas))
		return;
	while (node) {
		if (mark_set(node, offset, mark))
			return;
		offset = node->offset;
		node = xa_parent_locked(xas->xa, node);
	}
	if (!xa_marked(xas->xa, mark))
		array_mark_set(xas->xa, mark);
}

void xas_clear_mark(const struct xa_state *xas, xa_mark_t mark)
{
	struct xa_node *node = xas->xa_node;
	unsigned int offset = xas->xa_offset;

	if (xas_invalid(xas))
		return;
	while (node) {
		if (!mark_clear(node, offset, mark))
			return;
		if (mark_any(node, mark))
			return;
		offset = node->offset;
		node = xa_parent_locked(xas->xa, node);
	}
	if (xa_marked(xas->xa, mark))
		array_mark_clear(xas->xa, mark);
}

void xas_init_marks(const struct xa_state *xas)
{
	xa_mark_t mark;

	for_each_mark(mark) {
		if (track_free(xas->xa) && mark == XA_FREE_MARK)
			xas_set_mark(xas, mark);
		else
			xas_clear_mark(xas, mark);
	}
}

#ifdef CONFIG_XARRAY_MULTI
static unsigned int marks_at(struct xa_node *node, unsigned int offset)
{
	unsigned int marks = 0;
	xa_mark_t mark;

	for_each_mark(mark)
		if (mark_get(node, offset, mark))
			marks |= 1 << (__force unsigned int)mark;
	return marks;
}

static void marks_put(struct xa_node *node, unsigned int offset,
		      struct xa_node *child, unsigned int marks)
{
	xa_mark_t mark;

	for_each_mark(mark) {
		if (marks & (1 << (__force unsigned int)mark)) {
			mark_set(node, offset, mark);
			if (child)
				mark_all(child, mark);
		}
	}
}

void xas_split_alloc(struct xa_state *xas, void *entry, unsigned int order, gfp_t gfp)
{
	unsigned int sibs = (1 << (order % XA_CHUNK_SHIFT)) - 1;
	unsigned int mask = xas->xa_sibs;

	if (KLIB_WARN_ON(xas->xa_shift + 2 * XA_CHUNK_SHIFT < order))
		goto nomem;
	if (xas->xa_shift + XA_CHUNK_SHIFT > order)
		return;
	if (xas->xa->xa_flags & XA_FLAGS_ACCOUNT)
		gfp |= __GFP_ACCOUNT;

	do {
		unsigned int i;
		void *sibling = NULL;
		struct xa_node *node = node_new(gfp);

		if (!node)
			goto nomem;
		node->array = xas->xa;
		for (i = 0; i < XA_CHUNK_SIZE; i++) {
			if ((i & mask) == 0) {
				RCU_INIT_POINTER(node->slots[i], entry);
				sibling = xa_mk_sibling(i);
			} else {
				RCU_INIT_POINTER(node->slots[i], sibling);
			}
		}
		RCU_INIT_POINTER(node->parent, xas->xa_alloc);
		xas->xa_alloc = node;
	} while (sibs-- > 0);
	return;
nomem:
	xas_destroy(xas);
	xas_set_err(xas, -ENOMEM);
}

void xas_split(struct xa_state *xas, void *entry, unsigned int order)
{
	unsigned int sibs = (1 << (order % XA_CHUNK_SHIFT)) - 1;
	unsigned int offset, marks;
	struct xa_node *node;
	void *curr = xas_load(xas);
	int values = 0;

	node = xas->xa_node;
	if (xas_top(node))
		return;

	marks = marks_at(node, xas->xa_offset);
	offset = xas->xa_offset + sibs;
	do {
		if (xas->xa_shift < node->shift) {
			/* a whole child node from xas_split_alloc()'s list */
			struct xa_node *child = xas->xa_alloc;

			xas->xa_alloc = rcu_dereference_raw(child->parent);
			child->shift = node->shift - XA_CHUNK_SHIFT;
			child->offset = offset;
			child->count = XA_CHUNK_SIZE;
			child->nr_values = xa_is_value(entry) ? XA_CHUNK_SIZE : 0;
			RCU_INIT_POINTER(child->parent, node);
			marks_put(node, offset, child, marks);
			rcu_assign_pointer(node->slots[offset], xa_mk_node(child));
			if (xa_is_value(curr))
				values--;
			node_changed(xas, child);
		} else {
			unsigned int canon = offset - xas->xa_sibs;

			marks_put(node, canon, NULL, marks);
			rcu_assign_pointer(node->slots[canon], entry);
			while (offset > canon)
				rcu_assign_pointer(node->slots[offset--], xa_mk_sibling(canon));
			values += (xa_is_value(entry) - xa_is_value(curr)) * (xas->xa_sibs + 1);
		}
	} while (offset-- > xas->xa_offset);

	node->nr_values += values;
	node_changed(xas, node);
}
#endif

/* -- walking -- */

void xas_pause(struct xa_state *xas)
{
	struct xa_node *node = xas->xa_node;

	if (xas_invalid(xas))
		return;

	xas->xa_node = XAS_RESTART;
	if (node) {
		unsigned long offset = xas->xa_offset;

		while (++offset < XA_CHUNK_SIZE) {
			if (!xa_is_sibling(xa_entry(xas->xa, node, offset)))
				break;
		}
		xas->xa_index += (offset - xas->xa_offset) << node->shift;
		if (xas->xa_index == 0)
			xas->xa_node = XAS_BOUNDS;
	} else {
		xas->xa_index++;
	}
}

/* down to the leaf of the cursor's slot, from xas_next()/xas_prev() */
static void *step_down(struct xa_state *xas)
{
	for (;;) {
		void *entry = xa_entry(xas->xa, xas->xa_node, xas->xa_offset);

		if (!xa_is_node(entry))
			return entry;
		xas->xa_node = xa_to_node(entry);
		set_offset(xas);
	}
}

void *__xas_prev(struct xa_state *xas)
{
	if (!xas_frozen(xas->xa_node))
		xas->xa_index--;
	if (!xas->xa_node)
		return out_of_bounds(xas);
	if (xas_not_node(xas->xa_node))
		return xas_load(xas);

	if (xas->xa_offset != offset_in(xas->xa_index, xas->xa_node))
		xas->xa_offset--;

	while (xas->xa_offset == 255) {
		xas->xa_offset = xas->xa_node->offset - 1;
		xas->xa_node = xa_parent(xas->xa, xas->xa_node);
		if (!xas->xa_node)
			return out_of_bounds(xas);
	}
	return step_down(xas);
}

void *__xas_next(struct xa_state *xas)
{
	if (!xas_frozen(xas->xa_node))
		xas->xa_index++;
	if (!xas->xa_node)
		return out_of_bounds(xas);
	if (xas_not_node(xas->xa_node))
		return xas_load(xas);

	if (xas->xa_offset != offset_in(xas->xa_index, xas->xa_node))
		xas->xa_offset++;

	while (xas->xa_offset == XA_CHUNK_SIZE) {
		xas->xa_offset = xas->xa_node->offset + 1;
		xas->xa_node = xa_parent(xas->xa, xas->xa_node);
		if (!xas->xa_node)
			return out_of_bounds(xas);
	}
	return step_down(xas);
}

void *xas_find(struct xa_state *xas, unsigned long max)
{
	void *entry;

	if (xas_error(xas) || xas->xa_node == XAS_BOUNDS)
		return NULL;
	if (xas->xa_index > max)
		return out_of_bounds(xas);

	if (!xas->xa_node) {
		xas->xa_index = 1;
		return out_of_bounds(xas);
	} else if (xas->xa_node == XAS_RESTART) {
		entry = xas_load(xas);
		if (entry || xas_not_node(xas->xa_node))
			return entry;
	} else if (!xas->xa_node->shift &&
		   xas->xa_offset != (xas->xa_index & XA_CHUNK_MASK)) {
		xas->xa_offset = ((xas->xa_index - 1) & XA_CHUNK_MASK) + 1;
	}

	next_offset(xas);

	while (xas->xa_node && (xas->xa_index <= max)) {
		if (unlikely(xas->xa_offset == XA_CHUNK_SIZE)) {
			xas->xa_offset = xas->xa_node->offset + 1;
			xas->xa_node = xa_parent(xas->xa, xas->xa_node);
			continue;
		}

		entry = xa_entry(xas->xa, xas->xa_node, xas->xa_offset);
		if (xa_is_node(entry)) {
			xas->xa_node = xa_to_node(entry);
			xas->xa_offset = 0;
			continue;
		}
		if (entry && !xa_is_sibling(entry))
			return entry;

		next_offset(xas);
	}

	if (!xas->xa_node)
		xas->xa_node = XAS_BOUNDS;
	return NULL;
}

void *xas_find_marked(struct xa_state *xas, unsigned long max, xa_mark_t mark)
{
	bool advance = true;
	unsigned int offset;
	void *entry;

	if (xas_error(xas))
		return NULL;
	if (xas->xa_index > max)
		goto max;

	if (!xas->xa_node) {
		xas->xa_index = 1;
		goto out;
	} else if (xas_top(xas->xa_node)) {
		advance = false;
		entry = xa_head(xas->xa);
		xas->xa_node = NULL;
		if (xas->xa_index > head_max_index(entry))
			goto out;
		if (!xa_is_node(entry)) {
			if (xa_marked(xas->xa, mark))
				return entry;
			xas->xa_index = 1;
			goto out;
		}
		xas->xa_node = xa_to_node(entry);
		xas->xa_offset = xas->xa_index >> xas->xa_node->shift;
	}

	while (xas->xa_index <= max) {
		if (unlikely(xas->xa_offset == XA_CHUNK_SIZE)) {
			xas->xa_offset = xas->xa_node->offset + 1;
			xas->xa_node = xa_parent(xas->xa, xas->xa_node);
			if (!xas->xa_node)
				break;
			advance = false;
			continue;
		}

		if (!advance) {
			entry = xa_entry(xas->xa, xas->xa_node, xas->xa_offset);
			if (xa_is_sibling(entry)) {
				xas->xa_offset = xa_to_sibling(entry);
				move_index(xas, xas->xa_offset);
			}
		}

		offset = xas_find_chunk(xas, advance, mark);
		if (offset > xas->xa_offset) {
			advance = false;
			move_index(xas, offset);
			/* mind the wrap at the top of the index space */
			if ((xas->xa_index - 1) >= max)
				goto max;
			xas->xa_offset = offset;
			if (offset == XA_CHUNK_SIZE)
				continue;
		}

		entry = xa_entry(xas->xa, xas->xa_node, xas->xa_offset);
		if (!entry && !(track_free(xas->xa) && mark == XA_FREE_MARK))
			continue;
		if (!xa_is_node(entry))
			return entry;
		xas->xa_node = xa_to_node(entry);
		set_offset(xas);
	}

out:
	if (xas->xa_index > max)
		goto max;
	return out_of_bounds(xas);
max:
	xas->xa_node = XAS_RESTART;
	return NULL;
}

void *xas_find_conflict(struct xa_state *xas)
{
	void *curr;

	if (xas_error(xas))
		return NULL;
	if (!xas->xa_node)
		return NULL;

	if (xas_top(xas->xa_node)) {
		curr = walk_start(xas);
		if (!curr)
			return NULL;
		while (xa_is_node(curr))
			curr = descend(xas, xa_to_node(curr));
		if (curr)
			return curr;
	}

	if (xas->xa_node->shift > xas->xa_shift)
		return NULL;

	for (;;) {
		if (xas->xa_node->shift == xas->xa_shift) {
			if ((xas->xa_offset & xas->xa_sibs) == xas->xa_sibs)
				break;
		} else if (xas->xa_offset == XA_CHUNK_MASK) {
			xas->xa_offset = xas->xa_node->offset;
			xas->xa_node = xa_parent_locked(xas->xa, xas->xa_node);
			if (!xas->xa_node)
				break;
			continue;
		}
		curr = xa_entry_locked(xas->xa, xas->xa_node, ++xas->xa_offset);
		if (xa_is_sibling(curr))
			continue;
		while (xa_is_node(curr)) {
			xas->xa_node = xa_to_node(curr);
			xas->xa_offset = 0;
			curr = xa_entry_locked(xas->xa, xas->xa_node, 0);
		}
		if (curr)
			return curr;
	}
	xas->xa_offset -= xas->xa_sibs;
	return NULL;
}

/* -- the normal API -- */

/*
 * Readers take no rcu_read_lock() here: nothing in between can sleep, and
 * nodes outlive a grace period anyway. Saves two kernel calls per lookup.
 */
void *xa_load(struct xarray *xa, unsigned long index)
{
	XA_STATE(xas, xa, index);
	void *entry;

	do {
		entry = xas_load(&xas);
		if (xa_is_zero(entry))
			entry = NULL;
	} while (xas_retry(&xas, entry));
	return entry;
}

static void *result(struct xa_state *xas, void *curr)
{
	if (xa_is_zero(curr))
		return NULL;
	if (xas_error(xas))
		curr = xas->xa_node;
	return curr;
}

void *__xa_erase(struct xarray *xa, unsigned long index)
{
	XA_STATE(xas, xa, index);

	return result(&xas, xas_store(&xas, NULL));
}

void *xa_erase(struct xarray *xa, unsigned long index)
{
	void *entry;

	xa_lock(xa);
	entry = __xa_erase(xa, index);
	xa_unlock(xa);
	return entry;
}

void *__xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	XA_STATE(xas, xa, index);
	void *curr;

	if (KLIB_WARN_ON(xa_is_advanced(entry)))
		return XA_ERROR(-EINVAL);
	if (track_free(xa) && !entry)
		entry = XA_ZERO_ENTRY;

	do {
		curr = xas_store(&xas, entry);
		if (track_free(xa))
			xas_clear_mark(&xas, XA_FREE_MARK);
	} while (nomem_locked(&xas, gfp));

	return result(&xas, curr);
}

void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	void *curr;

	xa_lock(xa);
	curr = __xa_store(xa, index, entry, gfp);
	xa_unlock(xa);
	return curr;
}

void *__xa_cmpxchg(struct xarray *xa, unsigned long index, void *old, void *entry, gfp_t gfp)
{
	XA_STATE(xas, xa, index);
	void *curr;

	if (KLIB_WARN_ON(xa_is_advanced(entry)))
		return XA_ERROR(-EINVAL);

	do {
		curr = xas_load(&xas);
		if (curr == old) {
			xas_store(&xas, entry);
			if (track_free(xa) && entry && !curr)
				xas_clear_mark(&xas, XA_FREE_MARK);
		}
	} while (nomem_locked(&xas, gfp));

	return result(&xas, curr);
}

int __xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	XA_STATE(xas, xa, index);
	void *curr;

	if (KLIB_WARN_ON(xa_is_advanced(entry)))
		return -EINVAL;
	if (!entry)
		entry = XA_ZERO_ENTRY;

	do {
		curr = xas_load(&xas);
		if (!curr) {
			xas_store(&xas, entry);
			if (track_free(xa))
				xas_clear_mark(&xas, XA_FREE_MARK);
		} else {
			xas_set_err(&xas, -EBUSY);
		}
	} while (nomem_locked(&xas, gfp));

	return xas_error(&xas);
}

#ifdef CONFIG_XARRAY_MULTI
/* the biggest aligned block starting at @first that ends at or before @last */
static void set_range(struct xa_state *xas, unsigned long first, unsigned long last)
{
	unsigned int shift = 0;
	unsigned long sibs = last - first;
	unsigned int offset = XA_CHUNK_MASK;

	xas_set(xas, first);

	while ((first & XA_CHUNK_MASK) == 0) {
		if (sibs < XA_CHUNK_MASK)
			break;
		if ((sibs == XA_CHUNK_MASK) && (offset < XA_CHUNK_MASK))
			break;
		shift += XA_CHUNK_SHIFT;
		if (offset == XA_CHUNK_MASK)
			offset = sibs & XA_CHUNK_MASK;
		sibs >>= XA_CHUNK_SHIFT;
		first >>= XA_CHUNK_SHIFT;
	}

	offset = first & XA_CHUNK_MASK;
	if (offset + sibs > XA_CHUNK_MASK)
		sibs = XA_CHUNK_MASK - offset;
	if ((((first + sibs + 1) << shift) - 1) > last)
		sibs -= 1;

	xas->xa_shift = shift;
	xas->xa_sibs = sibs;
}

void *xa_store_range(struct xarray *xa, unsigned long first, unsigned long last,
		     void *entry, gfp_t gfp)
{
	XA_STATE(xas, xa, 0);

	if (KLIB_WARN_ON(xa_is_internal(entry)))
		return XA_ERROR(-EINVAL);
	if (last < first)
		return XA_ERROR(-EINVAL);

	do {
		xas_lock(&xas);
		if (entry) {
			unsigned int order = BITS_PER_LONG;

			if (last + 1)
				order = __ffs(last + 1);
			xas_set_order(&xas, last, order);
			create(&xas, true);
			if (xas_error(&xas))
				goto unlock;
		}
		do {
			set_range(&xas, first, last);
			xas_store(&xas, entry);
			if (xas_error(&xas))
				goto unlock;
			first += cursor_size(&xas);
		} while (first <= last);
unlock:
		xas_unlock(&xas);
	} while (xas_nomem(&xas, gfp));

	return result(&xas, NULL);
}

int xas_get_order(struct xa_state *xas)
{
	int order = 0;

	if (!xas->xa_node)
		return 0;
	for (;;) {
		unsigned int slot = xas->xa_offset + (1 << order);

		if (slot >= XA_CHUNK_SIZE)
			break;
		if (!xa_is_sibling(xa_entry(xas->xa, xas->xa_node, slot)))
			break;
		order++;
	}
	return order + xas->xa_node->shift;
}

int xa_get_order(struct xarray *xa, unsigned long index)
{
	XA_STATE(xas, xa, index);

	if (!xas_load(&xas))
		return 0;
	return xas_get_order(&xas);
}
#endif

int __xa_alloc(struct xarray *xa, u32 *id, void *entry, struct xa_limit limit, gfp_t gfp)
{
	XA_STATE(xas, xa, 0);

	if (KLIB_WARN_ON(xa_is_advanced(entry)))
		return -EINVAL;
	if (KLIB_WARN_ON(!track_free(xa)))
		return -EINVAL;
	if (!entry)
		entry = XA_ZERO_ENTRY;

	do {
		xas.xa_index = limit.min;
		xas_find_marked(&xas, limit.max, XA_FREE_MARK);
		if (xas.xa_node == XAS_RESTART)
			xas_set_err(&xas, -EBUSY);
		else
			*id = xas.xa_index;
		xas_store(&xas, entry);
		xas_clear_mark(&xas, XA_FREE_MARK);
	} while (nomem_locked(&xas, gfp));

	return xas_error(&xas);
}

int __xa_alloc_cyclic(struct xarray *xa, u32 *id, void *entry, struct xa_limit limit,
		      u32 *next, gfp_t gfp)
{
	u32 min = limit.min;
	int ret;

	limit.min = max(min, *next);
	ret = __xa_alloc(xa, id, entry, limit, gfp);
	if ((xa->xa_flags & XA_FLAGS_ALLOC_WRAPPED) && ret == 0) {
		xa->xa_flags &= ~XA_FLAGS_ALLOC_WRAPPED;
		ret = 1;
	}
	if (ret < 0 && limit.min > min) {
		limit.min = min;
		ret = __xa_alloc(xa, id, entry, limit, gfp);
		if (ret == 0)
			ret = 1;
	}
	if (ret >= 0) {
		*next = *id + 1;
		if (*next == 0)
			xa->xa_flags |= XA_FLAGS_ALLOC_WRAPPED;
	}
	return ret;
}

void __xa_set_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	XA_STATE(xas, xa, index);

	if (xas_load(&xas))
		xas_set_mark(&xas, mark);
}

void __xa_clear_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	XA_STATE(xas, xa, index);

	if (xas_load(&xas))
		xas_clear_mark(&xas, mark);
}

bool xa_get_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	XA_STATE(xas, xa, index);
	void *entry = walk_start(&xas);

	/* set at every level down to the entry */
	while (xas_get_mark(&xas, mark)) {
		if (!xa_is_node(entry))
			return true;
		entry = descend(&xas, xa_to_node(entry));
	}
	return false;
}

void xa_set_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	xa_lock(xa);
	__xa_set_mark(xa, index, mark);
	xa_unlock(xa);
}

void xa_clear_mark(struct xarray *xa, unsigned long index, xa_mark_t mark)
{
	xa_lock(xa);
	__xa_clear_mark(xa, index, mark);
	xa_unlock(xa);
}

static void *find_one(struct xa_state *xas, unsigned long max, xa_mark_t filter)
{
	if ((__force unsigned int)filter < XA_MAX_MARKS)
		return xas_find_marked(xas, max, filter);
	return xas_find(xas, max);
}

void *xa_find(struct xarray *xa, unsigned long *indexp, unsigned long max, xa_mark_t filter)
{
	XA_STATE(xas, xa, *indexp);
	void *entry;

	do {
		entry = find_one(&xas, max, filter);
	} while (xas_retry(&xas, entry));

	if (entry)
		*indexp = xas.xa_index;
	return entry;
}

/* is the cursor inside a multi-index entry it already reported? */
static bool inside_sibling(struct xa_state *xas)
{
	struct xa_node *node = xas->xa_node;
	unsigned long mask;

	if (!IS_ENABLED(CONFIG_XARRAY_MULTI) || !node)
		return false;
	mask = (XA_CHUNK_SIZE << node->shift) - 1;
	return (xas->xa_index & mask) > ((unsigned long)xas->xa_offset << node->shift);
}

void *xa_find_after(struct xarray *xa, unsigned long *indexp, unsigned long max,
		    xa_mark_t filter)
{
	XA_STATE(xas, xa, *indexp + 1);
	void *entry;

	if (xas.xa_index == 0)
		return NULL;

	for (;;) {
		entry = find_one(&xas, max, filter);
		if (xas_invalid(&xas))
			break;
		if (inside_sibling(&xas))
			continue;
		if (!xas_retry(&xas, entry))
			break;
	}

	if (entry)
		*indexp = xas.xa_index;
	return entry;
}

unsigned int xa_extract(struct xarray *xa, void **dst, unsigned long start,
			unsigned long max, unsigned int n, xa_mark_t filter)
{
	XA_STATE(xas, xa, start);
	unsigned int i = 0;
	void *entry;

	if (!n)
		return 0;
	if ((__force unsigned int)filter < XA_MAX_MARKS) {
		xas_for_each_marked(&xas, entry, max, filter) {
			if (xas_retry(&xas, entry))
				continue;
			dst[i++] = entry;
			if (i == n)
				break;
		}
	} else {
		xas_for_each(&xas, entry, max) {
			if (xas_retry(&xas, entry))
				continue;
			dst[i++] = entry;
			if (i == n)
				break;
		}
	}
	return i;
}

void xa_delete_node(struct xa_node *node, xa_update_node_t update)
{
	struct xa_state xas = {
		.xa = node->array,
		.xa_index = (unsigned long)node->offset << (node->shift + XA_CHUNK_SHIFT),
		.xa_shift = node->shift + XA_CHUNK_SHIFT,
		.xa_offset = node->offset,
		.xa_node = xa_parent_locked(node->array, node),
		.xa_update = update,
	};

	xas_store(&xas, NULL);
}

void xa_destroy(struct xarray *xa)
{
	XA_STATE(xas, xa, 0);
	unsigned long flags;
	void *entry;

	xas.xa_node = NULL;
	xas_lock_irqsave(&xas, flags);
	entry = xa_head_locked(xa);
	RCU_INIT_POINTER(xa->xa_head, NULL);
	xas_init_marks(&xas);
	if (zero_busy(xa))
		array_mark_clear(xa, XA_FREE_MARK);
	if (xa_is_node(entry))
		free_subtree(&xas, xa_to_node(entry));
	xas_unlock_irqrestore(&xas, flags);
}
