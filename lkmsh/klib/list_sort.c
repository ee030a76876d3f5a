// SPDX-License-Identifier: MIT
/* list_sort(): a stable bottom-up merge sort of a struct list_head list. */
#include "klib.h"

typedef int (*list_cmp_func_t)(void *priv, const struct list_head *a, const struct list_head *b);

/* Merge two NULL-terminated singly linked runs (->next), keeping a before b on ties. */
static struct list_head *merge(void *priv, list_cmp_func_t cmp, struct list_head *a,
			       struct list_head *b)
{
	struct list_head *head = NULL, **tail = &head;

	while (a && b) {
		if (cmp(priv, a, b) <= 0) {
			*tail = a;
			tail = &a->next;
			a = a->next;
		} else {
			*tail = b;
			tail = &b->next;
			b = b->next;
		}
	}
	*tail = a ? a : b;
	return head;
}

#define MAX_LEVELS 64

void list_sort(void *priv, struct list_head *head, list_cmp_func_t cmp)
{
	struct list_head *pending[MAX_LEVELS];
	struct list_head *list = head->next, *prev, *node;
	int i, top = 0;

	if (list == head->prev)
		return; /* zero or one element */
	head->prev->next = NULL;
	for (i = 0; i < MAX_LEVELS; i++)
		pending[i] = NULL;
	/* binary counter of sorted runs: pending[i] holds a run of 2^i (or NULL) */
	while (list) {
		struct list_head *run = list;

		list = list->next;
		run->next = NULL;
		for (i = 0; i < MAX_LEVELS - 1 && pending[i]; i++) {
			run = merge(priv, cmp, pending[i], run);
			pending[i] = NULL;
		}
		pending[i] = run;
		if (i > top)
			top = i;
	}
	list = NULL;
	for (i = 0; i <= top; i++)
		if (pending[i])
			list = list ? merge(priv, cmp, pending[i], list) : pending[i];
	/* rebuild the circular doubly linked list */
	prev = head;
	for (node = list; node; node = node->next) {
		node->prev = prev;
		prev->next = node;
		prev = node;
	}
	prev->next = head;
	head->prev = prev;
}
