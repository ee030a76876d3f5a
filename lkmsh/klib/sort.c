// SPDX-License-Identifier: MIT
/* sort(), sort_r(): in-place bottom-up heapsort (not stable), as Linux's lib/sort.c promises. */
#include "klib.h"

typedef int (*cmp_r_func_t)(const void *a, const void *b, const void *priv);
typedef int (*cmp_func_t)(const void *a, const void *b);
typedef void (*swap_r_func_t)(void *a, void *b, int size, const void *priv);
typedef void (*swap_func_t)(void *a, void *b, int size);

/* What one sort call was given: sort()'s two-argument or sort_r()'s three-argument callbacks. */
struct sorter {
	cmp_r_func_t cmp_r;
	cmp_func_t cmp;
	swap_r_func_t swap_r;
	swap_func_t swap;
	const void *priv;
	size_t size;
};

static void swap_bytes(void *a, void *b, size_t n)
{
	if (!(((unsigned long)a | (unsigned long)b | n) & 7)) {
		u64 *x = a, *y = b;
		for (; n; n -= 8, x++, y++) {
			u64 t = *x;
			*x = *y;
			*y = t;
		}
	} else if (!(((unsigned long)a | (unsigned long)b | n) & 3)) {
		u32 *x = a, *y = b;
		for (; n; n -= 4, x++, y++) {
			u32 t = *x;
			*x = *y;
			*y = t;
		}
	} else {
		u8 *x = a, *y = b;
		for (; n; n--, x++, y++) {
			u8 t = *x;
			*x = *y;
			*y = t;
		}
	}
}

static inline int do_cmp(const struct sorter *s, const void *a, const void *b)
{
	return s->cmp ? s->cmp(a, b) : s->cmp_r(a, b, s->priv);
}

static inline void do_swap(const struct sorter *s, void *a, void *b)
{
	if (s->swap)
		s->swap(a, b, (int)s->size);
	else if (s->swap_r)
		s->swap_r(a, b, (int)s->size, s->priv);
	else
		swap_bytes(a, b, s->size);
}

/*
 * Bottom-up sift-down (about n log n compares in all, half the classic one's):
 * descend to a leaf along the larger children, climb back to where the
 * root's element belongs, then rotate that path up by one.
 */
static void sift_down(const struct sorter *s, char *base, size_t root, size_t n)
{
	size_t size = s->size, j = root, c;

	while ((c = 2 * j + 2) < n)
		j = do_cmp(s, base + (c - 1) * size, base + c * size) >= 0 ? c - 1 : c;
	if (2 * j + 1 < n)
		j = 2 * j + 1;
	while (j != root && do_cmp(s, base + root * size, base + j * size) >= 0)
		j = (j - 1) / 2;
	c = j;
	while (j != root) {
		j = (j - 1) / 2;
		do_swap(s, base + j * size, base + c * size);
	}
}

static void heapsort(const struct sorter *s, void *base, size_t num)
{
	char *b = base;
	size_t i;

	if (num < 2 || !s->size)
		return;
	for (i = num / 2; i-- > 0;)
		sift_down(s, b, i, num);
	for (i = num - 1; i > 0; i--) {
		do_swap(s, b, b + i * s->size);
		sift_down(s, b, 0, i);
	}
}

void sort_r(void *base, size_t num, size_t size, cmp_r_func_t cmp_func,
	    swap_r_func_t swap_func, const void *priv)
{
	struct sorter s = { .cmp_r = cmp_func, .swap_r = swap_func, .priv = priv, .size = size };

	heapsort(&s, base, num);
}

void sort(void *base, size_t num, size_t size, cmp_func_t cmp_func, swap_func_t swap_func)
{
	struct sorter s = { .cmp = cmp_func, .swap = swap_func, .size = size };

	heapsort(&s, base, num);
}

void *bsearch(const void *key, const void *base, size_t num, size_t size, cmp_func_t cmp)
{
	const char *pivot;
	int result;

	while (num > 0) {
		pivot = (const char *)base + (num >> 1) * size;
		result = cmp(key, pivot);
		if (result == 0)
			return (void *)pivot;
		if (result > 0) {
			base = pivot + size;
			num--;
		}
		num >>= 1;
	}
	return NULL;
}
