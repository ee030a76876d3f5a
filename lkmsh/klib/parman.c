// SPDX-License-Identifier: MIT
/*
 * lib/parman.c: the priority-based array manager, with Linux 6.1's one
 * algorithm, "lsort". Chunks of one priority sit in ascending priority with
 * no gaps; adding an item to a chunk makes room by moving the first item of
 * each later chunk to just past that chunk's end (one ops->move per later
 * chunk), removing fills the hole with the chunk's last item and pulls each
 * later chunk's last item down before its first. The array grows by
 * ops->resize_step when full and shrinks by a step once that many entries are
 * free, never below ops->base_count. The callbacks are module code and run
 * here, on the emulated CPU, without a Python round trip.
 */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <linux/parman.h>
#include <linux/slab.h>

struct parman {
	const struct parman_ops *ops;
	void *priv;
	unsigned long count;		/* items held */
	unsigned long limit_count;	/* entries the caller's array has */
	struct list_head prio_list;	/* chunks, by ascending priority */
};

static int set_limit(struct parman *parman, unsigned long count)
{
	int err = parman->ops->resize(parman->priv, count);

	if (!err)
		parman->limit_count = count;
	return err;
}

static bool prio_used(const struct parman_prio *prio)
{
	return !list_empty(&prio->item_list);
}

static struct parman_item *first_item(struct parman_prio *prio)
{
	return list_first_entry(&prio->item_list, struct parman_item, list);
}

static struct parman_item *last_item(struct parman_prio *prio)
{
	return list_last_entry(&prio->item_list, struct parman_item, list);
}

static void move_item(struct parman *parman, struct parman_item *item, unsigned long to)
{
	parman->ops->move(parman->priv, item->index, to, 1);
	item->index = to;
}

/* The index just past the last used chunk at or before @prio (0 if none is used). */
static unsigned long insert_index(struct parman *parman, struct parman_prio *prio)
{
	for (; &prio->list != &parman->prio_list;
	     prio = list_prev_entry(prio, list))
		if (prio_used(prio))
			return last_item(prio)->index + 1;
	return 0;
}

/* Open a slot after a later chunk's end: its first item moves there. */
static void shift_down(struct parman *parman, struct parman_prio *prio)
{
	struct parman_item *item;

	if (!prio_used(prio))
		return;
	item = first_item(prio);
	move_item(parman, item, last_item(prio)->index + 1);
	list_move_tail(&item->list, &prio->item_list);
}

/* Close the slot before a later chunk's start: its last item moves there. */
static void shift_up(struct parman *parman, struct parman_prio *prio)
{
	struct parman_item *item;

	if (!prio_used(prio))
		return;
	item = last_item(prio);
	move_item(parman, item, first_item(prio)->index - 1);
	list_move(&item->list, &prio->item_list);
}

static int lsort_add(struct parman *parman, struct parman_prio *prio, struct parman_item *item)
{
	struct parman_prio *later;
	unsigned long index;
	int err;

	if (parman->count + 1 > parman->limit_count) {
		err = set_limit(parman, parman->limit_count + parman->ops->resize_step);
		if (err)
			return err;
	}
	index = insert_index(parman, prio);
	list_for_each_entry_reverse(later, &parman->prio_list, list) {
		if (later == prio)
			break;
		shift_down(parman, later);
	}
	item->index = index;
	list_add_tail(&item->list, &prio->item_list);
	parman->count++;
	return 0;
}

static void lsort_remove(struct parman *parman, struct parman_prio *prio,
			 struct parman_item *item)
{
	struct parman_item *last = last_item(prio);
	unsigned long step = parman->ops->resize_step;

	if (last == item) {
		list_del(&item->list);
	} else {
		move_item(parman, last, item->index);
		list_del(&last->list);
		list_replace(&item->list, &last->list);
	}
	list_for_each_entry_continue(prio, &parman->prio_list, list)
		shift_up(parman, prio);
	parman->count--;
	if (parman->limit_count - parman->count >= step &&
	    parman->limit_count - step >= parman->ops->base_count)
		set_limit(parman, parman->limit_count - step);
}

struct parman *parman_create(const struct parman_ops *ops, void *priv)
{
	struct parman *parman;

	if (ops->algo != PARMAN_ALGO_TYPE_LSORT)
		return NULL;
	parman = kzalloc(sizeof(*parman), GFP_KERNEL);
	if (!parman)
		return NULL;
	INIT_LIST_HEAD(&parman->prio_list);
	parman->ops = ops;
	parman->priv = priv;
	parman->limit_count = ops->base_count;
	return parman;
}

void parman_destroy(struct parman *parman)
{
	WARN_ON(!list_empty(&parman->prio_list));
	kfree(parman);
}

void parman_prio_init(struct parman *parman, struct parman_prio *prio, unsigned long priority)
{
	struct list_head *pos;

	INIT_LIST_HEAD(&prio->item_list);
	prio->priority = priority;
	/* after every chunk of the same or a lower priority */
	for (pos = parman->prio_list.next; pos != &parman->prio_list; pos = pos->next)
		if (list_entry(pos, struct parman_prio, list)->priority > priority)
			break;
	list_add_tail(&prio->list, pos);
}

void parman_prio_fini(struct parman_prio *prio)
{
	WARN_ON(prio_used(prio));
	list_del(&prio->list);
}

int parman_item_add(struct parman *parman, struct parman_prio *prio, struct parman_item *item)
{
	return lsort_add(parman, prio, item);
}

void parman_item_remove(struct parman *parman, struct parman_prio *prio,
			struct parman_item *item)
{
	lsort_remove(parman, prio, item);
}
