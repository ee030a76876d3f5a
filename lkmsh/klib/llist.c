// SPDX-License-Identifier: MIT
/* lib/llist.c: the lock-less list operations that need a compare-and-swap loop. */
#include "klib.h"

struct llist_node {
	struct llist_node *next;
};

struct llist_head {
	struct llist_node *first;
};

bool llist_add_batch(struct llist_node *new_first, struct llist_node *new_last,
		     struct llist_head *head)
{
	struct llist_node *first = __atomic_load_n(&head->first, __ATOMIC_RELAXED);

	do {
		new_last->next = first;
	} while (!__atomic_compare_exchange_n(&head->first, &first, new_first, 0,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return !first;
}

struct llist_node *llist_del_first(struct llist_head *head)
{
	struct llist_node *entry = __atomic_load_n(&head->first, __ATOMIC_RELAXED), *next;

	do {
		if (!entry)
			return NULL;
		next = entry->next;
	} while (!__atomic_compare_exchange_n(&head->first, &entry, next, 0,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return entry;
}

struct llist_node *llist_reverse_order(struct llist_node *head)
{
	struct llist_node *new_head = NULL;

	while (head) {
		struct llist_node *tmp = head;

		head = head->next;
		tmp->next = new_head;
		new_head = tmp;
	}
	return new_head;
}
