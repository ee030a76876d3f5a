/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/min_heap.h>, as Linux 6.1: a binary min-heap over an array
 * the caller owns, ordered by the caller's less() and moved by its swp().
 */
#ifndef _LKMSH_LINUX_MIN_HEAP_H
#define _LKMSH_LINUX_MIN_HEAP_H

#include <linux/bug.h>
#include <linux/string.h>
#include <linux/types.h>

struct min_heap {
	void *data;
	int nr;
	int size;
};

struct min_heap_callbacks {
	int elem_size;
	bool (*less)(const void *lhs, const void *rhs);
	void (*swp)(void *lhs, void *rhs);
};

/* Sift the element at pos down until neither child is less than it. */
static __always_inline
void min_heapify(struct min_heap *heap, int pos, const struct min_heap_callbacks *func)
{
	char *data = heap->data;

	for (;;) {
		int left = 2 * pos + 1, right = left + 1, smallest = pos;
		void *root;

		if (left >= heap->nr)
			break;
		if (func->less(data + left * func->elem_size, data + smallest * func->elem_size))
			smallest = left;
		if (right < heap->nr &&
		    func->less(data + right * func->elem_size, data + smallest * func->elem_size))
			smallest = right;
		if (smallest == pos)
			break;
		root = data + pos * func->elem_size;
		func->swp(root, data + smallest * func->elem_size);
		pos = smallest;
	}
}

/* Floyd's heap construction. */
static __always_inline
void min_heapify_all(struct min_heap *heap, const struct min_heap_callbacks *func)
{
	int i;

	for (i = heap->nr / 2 - 1; i >= 0; i--)
		min_heapify(heap, i, func);
}

/* Remove the minimum element. */
static __always_inline
void min_heap_pop(struct min_heap *heap, const struct min_heap_callbacks *func)
{
	char *data = heap->data;

	if (WARN_ONCE(heap->nr <= 0, "Popping an empty heap"))
		return;
	heap->nr--;
	memcpy(data, data + (heap->nr * func->elem_size), func->elem_size);
	min_heapify(heap, 0, func);
}

/* Replace the minimum with element and restore the order (cheaper than pop then push). */
static __always_inline
void min_heap_pop_push(struct min_heap *heap, const void *element,
		       const struct min_heap_callbacks *func)
{
	memcpy(heap->data, element, func->elem_size);
	min_heapify(heap, 0, func);
}

/* Add element, sifting it up. */
static __always_inline
void min_heap_push(struct min_heap *heap, const void *element,
		   const struct min_heap_callbacks *func)
{
	char *data = heap->data;
	int pos;

	if (WARN_ONCE(heap->nr >= heap->size, "Pushing on a full heap"))
		return;
	pos = heap->nr;
	memcpy(data + (pos * func->elem_size), element, func->elem_size);
	heap->nr++;
	while (pos > 0) {
		int parent = (pos - 1) / 2;
		void *child = data + pos * func->elem_size;
		void *above = data + parent * func->elem_size;

		if (func->less(above, child))
			break;
		func->swp(above, child);
		pos = parent;
	}
}

#endif
