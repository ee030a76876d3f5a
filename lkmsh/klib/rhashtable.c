// SPDX-License-Identifier: MIT
/*
 * lkmsh's resizable hash table: the out-of-line half of Linux 6.1's
 * <linux/rhashtable.h> (whose inline half, lookups and the fast insert and
 * remove, runs in the module's own code). Written from the documented
 * semantics, with Linux's structures: a bucket_table of chains whose buckets
 * carry their lock in bit 0; growing (past 75% full), shrinking (under 30%,
 * with automatic_shrinking) and rehashing into a new table (a chain past
 * RHT_ELASTICITY) by the deferred worker on system_wq, objects moved one by
 * one from the tail of each old chain while lookups search both tables;
 * nested tables of pages when an atomic allocation of a flat one fails.
 * Retired tables are freed after an RCU grace period.
 *
 * Kernel calls (build.py's IMPORTS): kvmalloc_node/kvfree, get_random_u32,
 * the mutex and spinlock, queue_work_on and system_wq, cancel_work_sync,
 * cond_resched, RCU's read lock, call_rcu and kvfree_call_rcu.
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <asm/page.h>

#define HASH_DEFAULT_SIZE	64UL
#define HASH_MIN_SIZE		4U
/* a nested table's level holds a page of pointers */
#define NEST_SHIFT		(PAGE_SHIFT - 3)
#define NEST_LEN		(1U << NEST_SHIFT)
/* rcu.func of a table not queued for freeing (rcu_head_init's value) */
#define RCU_NOT_QUEUED		((void *)~0UL)

union nested_table {
	union nested_table __rcu *table;
	struct rhash_lock_head __rcu *bucket;
};

/* system_wq is a data import (build.py) */
static void run_worker_later(struct rhashtable *ht)
{
	schedule_work(&ht->run_work);
}

static u32 head_hash(struct rhashtable *ht, const struct bucket_table *tbl,
		     const struct rhash_head *he)
{
	return rht_head_hashfn(ht, tbl, he, ht->p);
}

/* -- nested tables: levels of pages, the last of buckets -- */

static inline union nested_table *nested_top(const struct bucket_table *tbl)
{
	return (void *)rcu_dereference_protected(tbl->buckets[0], 1);
}

static void nested_free(union nested_table *slot, unsigned int size)
{
	union nested_table *level = rcu_dereference_protected(slot->table, 1);
	unsigned int i;

	if (!level)
		return;
	if (size > NEST_LEN) {
		for (i = 0; i < NEST_LEN; i++)
			nested_free(level + i, size >> NEST_SHIFT);
	}
	kfree(level);
}

static void nested_table_free(const struct bucket_table *tbl)
{
	union nested_table *top = nested_top(tbl);
	unsigned int i;

	for (i = 0; i < (1U << tbl->nest); i++)
		nested_free(top + i, tbl->size >> tbl->nest);
	kfree(top);
}

/* the level @slot points to, allocated (zeroed: empty buckets) when missing */
static union nested_table *nested_level(union nested_table __rcu **slot)
{
	union nested_table *level = rcu_dereference(*slot);

	if (level)
		return level;
	level = kzalloc(PAGE_SIZE, GFP_ATOMIC);
	if (!level)
		return NULL;
	if (__sync_val_compare_and_swap((union nested_table **)slot, NULL, level) == NULL)
		return level;
	kfree(level);	/* another writer's level came first */
	return rcu_dereference(*slot);
}

static struct bucket_table *nested_table_alloc(size_t nbuckets, gfp_t gfp)
{
	struct bucket_table *tbl;

	if (nbuckets < (1UL << (NEST_SHIFT + 1)))
		return NULL;
	tbl = kzalloc(struct_size(tbl, buckets, 1), gfp);
	if (!tbl)
		return NULL;
	if (!nested_level((union nested_table __rcu **)tbl->buckets)) {
		kfree(tbl);
		return NULL;
	}
	/* the top level takes what the full pages below it leave */
	tbl->nest = (ilog2(nbuckets) - 1) % NEST_SHIFT + 1;
	return tbl;
}

struct rhash_lock_head __rcu **__rht_bucket_nested(
	const struct bucket_table *tbl, unsigned int hash)
{
	union nested_table *level = nested_top(tbl);
	unsigned int size = tbl->size >> tbl->nest;
	unsigned int sub = hash >> tbl->nest;

	level = rcu_dereference(level[hash & ((1U << tbl->nest) - 1)].table);
	for (; level && size > NEST_LEN; size >>= NEST_SHIFT, sub >>= NEST_SHIFT)
		level = rcu_dereference(level[sub & (NEST_LEN - 1)].table);
	return level ? &level[sub].bucket : NULL;
}

struct rhash_lock_head __rcu **rht_bucket_nested(
	const struct bucket_table *tbl, unsigned int hash)
{
	/* a missing page reads as an empty bucket (NULL: the nulls marker) */
	static struct rhash_lock_head __rcu *empty_bucket;
	struct rhash_lock_head __rcu **bkt = __rht_bucket_nested(tbl, hash);

	return bkt ?: &empty_bucket;
}

struct rhash_lock_head __rcu **rht_bucket_nested_insert(
	struct rhashtable *ht, struct bucket_table *tbl, unsigned int hash)
{
	union nested_table *level = nested_top(tbl);
	unsigned int size = tbl->size >> tbl->nest;
	unsigned int sub = hash >> tbl->nest;

	level = nested_level(&level[hash & ((1U << tbl->nest) - 1)].table);
	for (; level && size > NEST_LEN; size >>= NEST_SHIFT, sub >>= NEST_SHIFT)
		level = nested_level(&level[sub & (NEST_LEN - 1)].table);
	return level ? &level[sub].bucket : NULL;
}

/* -- bucket tables -- */

static void bucket_table_free(const struct bucket_table *tbl)
{
	if (tbl->nest)
		nested_table_free(tbl);
	kvfree(tbl);
}

static void bucket_table_free_rcu(struct rcu_head *head)
{
	bucket_table_free(container_of(head, struct bucket_table, rcu));
}

/* free @tbl after a grace period; walkers see rcu.func set (walk_stop) */
static void bucket_table_retire(struct bucket_table *tbl)
{
	tbl->rcu.func = bucket_table_free_rcu;
	if (tbl->nest)
		call_rcu(&tbl->rcu, bucket_table_free_rcu);
	else
		kvfree_call_rcu(&tbl->rcu, tbl);
}

static struct bucket_table *bucket_table_alloc(size_t nbuckets, gfp_t gfp)
{
	struct bucket_table *tbl;

	tbl = kvmalloc_node(struct_size(tbl, buckets, nbuckets), gfp | __GFP_ZERO,
			    NUMA_NO_NODE);
	/* GFP_KERNEL may fail for good; an atomic caller falls back to pages */
	if (!tbl && (gfp & ~__GFP_NOFAIL) != GFP_KERNEL)
		tbl = nested_table_alloc(nbuckets, gfp);
	if (!tbl)
		return NULL;
	tbl->size = nbuckets;
	tbl->rcu.func = RCU_NOT_QUEUED;
	INIT_LIST_HEAD(&tbl->walkers);
	tbl->hash_rnd = get_random_u32();
	/* buckets are zeroed: NULL is an empty (unlocked) bucket */
	return tbl;
}

static struct bucket_table *last_table(struct rhashtable *ht, struct bucket_table *tbl)
{
	struct bucket_table *next;

	while ((next = rht_dereference_rcu(tbl->future_tbl, ht)))
		tbl = next;
	return tbl;
}

/* -- rehashing: the deferred worker -- */

/*
 * Move the last object of the locked chain @bkt (bucket @old_hash) to the
 * head of its chain in the newest table. 0: moved one, -ENOENT: the chain is
 * empty, -EAGAIN: the newest table is nested and must be rehashed first.
 */
static int rehash_one(struct rhashtable *ht, struct rhash_lock_head __rcu **bkt,
		      unsigned int old_hash)
{
	struct bucket_table *old_tbl = rht_dereference(ht->tbl, ht);
	struct bucket_table *new_tbl = last_table(ht, old_tbl);
	struct rhash_head __rcu **pprev = NULL;
	struct rhash_lock_head __rcu **dest;
	struct rhash_head *entry, *next;
	unsigned int new_hash;

	if (new_tbl->nest)
		return -EAGAIN;

	entry = rht_ptr(bkt, old_tbl, old_hash);
	if (rht_is_a_nulls(entry))
		return -ENOENT;
	/* the tail: readers walking the old chain still reach everything before it */
	for (;;) {
		next = rht_dereference_bucket(entry->next, old_tbl, old_hash);
		if (rht_is_a_nulls(next))
			break;
		pprev = &entry->next;
		entry = next;
	}

	new_hash = head_hash(ht, new_tbl, entry);
	dest = &new_tbl->buckets[new_hash];
	rht_lock_nested(new_tbl, dest, SINGLE_DEPTH_NESTING);
	RCU_INIT_POINTER(entry->next, rht_ptr(dest, new_tbl, new_hash));
	rht_assign_unlock(new_tbl, dest, entry);

	/* unlink it from the old chain (its end, now: the old bucket's marker) */
	if (pprev)
		rcu_assign_pointer(*pprev, next);
	else
		rht_assign_locked(bkt, next);	/* the bucket keeps its lock */
	return 0;
}

static int rehash_chain(struct rhashtable *ht, unsigned int old_hash)
{
	struct bucket_table *old_tbl = rht_dereference(ht->tbl, ht);
	struct rhash_lock_head __rcu **bkt = rht_bucket_var(old_tbl, old_hash);
	int err;

	if (!bkt)
		return 0;
	rht_lock(old_tbl, bkt);
	while (!(err = rehash_one(ht, bkt, old_hash)))
		;
	rht_unlock(old_tbl, bkt);
	return err == -ENOENT ? 0 : err;
}

/* another table to move into, unless one is attached already (-EEXIST) */
static int rehash_attach(struct bucket_table *old_tbl, struct bucket_table *new_tbl)
{
	if (__sync_val_compare_and_swap((struct bucket_table **)&old_tbl->future_tbl, NULL,
					new_tbl) != NULL)
		return -EEXIST;
	return 0;
}

/* move everything from the current table to its future one and publish it */
static int rehash_table(struct rhashtable *ht)
{
	struct bucket_table *old_tbl = rht_dereference(ht->tbl, ht);
	struct bucket_table *new_tbl = rht_dereference(old_tbl->future_tbl, ht);
	struct rhashtable_walker *walker;
	unsigned int hash;
	int err;

	if (!new_tbl)
		return 0;
	for (hash = 0; hash < old_tbl->size; hash++) {
		err = rehash_chain(ht, hash);
		if (err)
			return err;
		cond_resched();
	}

	rcu_assign_pointer(ht->tbl, new_tbl);

	/* walks stopped in the old table start over in the new one */
	spin_lock(&ht->lock);
	list_for_each_entry(walker, &old_tbl->walkers, list)
		walker->tbl = NULL;
	bucket_table_retire(old_tbl);
	spin_unlock(&ht->lock);

	return rht_dereference(new_tbl->future_tbl, ht) ? -EAGAIN : 0;
}

static int rehash_alloc(struct rhashtable *ht, struct bucket_table *old_tbl,
			unsigned int size)
{
	struct bucket_table *new_tbl = bucket_table_alloc(size, GFP_KERNEL);
	int err;

	if (!new_tbl)
		return -ENOMEM;
	err = rehash_attach(old_tbl, new_tbl);
	if (err)
		bucket_table_free(new_tbl);
	return err;
}

/* the smallest table the objects fit in without growing again at once */
static int shrink(struct rhashtable *ht)
{
	struct bucket_table *old_tbl = rht_dereference(ht->tbl, ht);
	unsigned int nelems = atomic_read(&ht->nelems);
	unsigned int size = nelems ? roundup_pow_of_two(nelems * 3 / 2) : 0;

	if (size < ht->p.min_size)
		size = ht->p.min_size;
	if (old_tbl->size <= size)
		return 0;
	if (rht_dereference(old_tbl->future_tbl, ht))
		return -EEXIST;
	return rehash_alloc(ht, old_tbl, size);
}

static void rht_deferred_worker(struct work_struct *work)
{
	struct rhashtable *ht = container_of(work, struct rhashtable, run_work);
	struct bucket_table *tbl;
	int err = 0;

	mutex_lock(&ht->mutex);
	tbl = last_table(ht, rht_dereference(ht->tbl, ht));
	if (rht_grow_above_75(ht, tbl))
		err = rehash_alloc(ht, tbl, tbl->size * 2);
	else if (ht->p.automatic_shrinking && rht_shrink_below_30(ht, tbl))
		err = shrink(ht);
	else if (tbl->nest)
		err = rehash_alloc(ht, tbl, tbl->size);	/* back to a flat table */

	if (!err || err == -EEXIST) {
		int moved = rehash_table(ht);

		err = err ?: moved;
	}
	mutex_unlock(&ht->mutex);

	if (err)
		run_worker_later(ht);
}

/* -- the slow insert: a table being rehashed, a long chain, a full table -- */

/* an insert found the chain too long or the table over full: attach a table */
static int insert_rehash(struct rhashtable *ht, struct bucket_table *tbl)
{
	struct bucket_table *old_tbl = rht_dereference_rcu(ht->tbl, ht);
	struct bucket_table *new_tbl;
	unsigned int size = tbl->size;
	int err;

	if (rht_grow_above_75(ht, tbl)) {
		size *= 2;
	} else if (old_tbl != tbl) {
		err = -EBUSY;	/* one rehash at a time */
		goto fail;
	}

	new_tbl = bucket_table_alloc(size, GFP_ATOMIC | __GFP_NOWARN);
	if (!new_tbl) {
		err = -ENOMEM;
		goto fail;
	}
	err = rehash_attach(tbl, new_tbl);
	if (err) {
		bucket_table_free(new_tbl);
		return err == -EEXIST ? 0 : err;
	}
	run_worker_later(ht);
	return 0;

fail:
	/* someone else's rehash will make room: retry */
	if (likely(rcu_access_pointer(tbl->future_tbl)))
		return 0;
	/* let the worker retry the allocation where it may sleep */
	if (err == -ENOMEM)
		run_worker_later(ht);
	return err;
}

/*
 * With the bucket locked: the object of @key in the chain (plain table), or
 * NULL once @obj joined an rhltable's list of that key; ERR_PTR(-ENOENT)
 * when the key is not there, ERR_PTR(-EAGAIN) when not there and the chain
 * is too long.
 */
static void *lookup_one(struct rhashtable *ht, struct rhash_lock_head __rcu **bkt,
			struct bucket_table *tbl, unsigned int hash, const void *key,
			struct rhash_head *obj)
{
	struct rhashtable_compare_arg arg = { .ht = ht, .key = key };
	struct rhash_head __rcu **pprev = NULL;
	struct rhash_head *head;
	unsigned int chain = 0;

	rht_for_each_from(head, rht_ptr(bkt, tbl, hash), tbl, hash) {
		struct rhlist_head *list, *plist;

		chain++;
		if (!key || __rht_key_differs(&arg, ht->p, head)) {
			pprev = &head->next;
			continue;
		}
		if (!ht->rhlist)
			return rht_obj(ht, head);

		list = container_of(obj, struct rhlist_head, rhead);
		plist = container_of(head, struct rhlist_head, rhead);
		RCU_INIT_POINTER(list->next, plist);
		RCU_INIT_POINTER(list->rhead.next,
				 rht_dereference_bucket(head->next, tbl, hash));
		if (pprev)
			rcu_assign_pointer(*pprev, obj);
		else
			rht_assign_locked(bkt, obj);
		return NULL;
	}
	return ERR_PTR(chain >= RHT_ELASTICITY ? -EAGAIN : -ENOENT);
}

/*
 * With the bucket locked and @data what lookup_one() found: insert @obj if
 * the key is new and the table takes it. NULL: done (or @data was a join);
 * a table: try again there (a rehash is filling it); an ERR_PTR: -EEXIST,
 * -E2BIG, or -EAGAIN (a rehash is needed first).
 */
static struct bucket_table *insert_one(struct rhashtable *ht, struct rhash_lock_head __rcu **bkt,
				       struct bucket_table *tbl, unsigned int hash,
				       struct rhash_head *obj, void *data)
{
	struct bucket_table *new_tbl;

	if (!IS_ERR_OR_NULL(data))
		return ERR_PTR(-EEXIST);
	if (PTR_ERR(data) != -EAGAIN && PTR_ERR(data) != -ENOENT)
		return ERR_CAST(data);	/* NULL: joined a list */

	new_tbl = rht_dereference_rcu(tbl->future_tbl, ht);
	if (new_tbl)
		return new_tbl;
	if (PTR_ERR(data) != -ENOENT)
		return ERR_CAST(data);
	if (unlikely(rht_grow_above_max(ht, tbl)))
		return ERR_PTR(-E2BIG);
	if (unlikely(rht_grow_above_100(ht, tbl)))
		return ERR_PTR(-EAGAIN);

	RCU_INIT_POINTER(obj->next, rht_ptr(bkt, tbl, hash));
	if (ht->rhlist)
		RCU_INIT_POINTER(container_of(obj, struct rhlist_head, rhead)->next, NULL);
	rht_assign_locked(bkt, obj);	/* the head of the chain: keeps the lock */

	atomic_inc(&ht->nelems);
	if (rht_grow_above_75(ht, tbl))
		run_worker_later(ht);
	return NULL;
}

static void *try_insert(struct rhashtable *ht, const void *key, struct rhash_head *obj)
{
	struct bucket_table *new_tbl = rcu_dereference(ht->tbl);
	struct bucket_table *tbl;
	struct rhash_lock_head __rcu **bkt;
	unsigned int hash;
	void *data;

	/* down the chain of tables to the one that takes it */
	do {
		tbl = new_tbl;
		hash = rht_head_hashfn(ht, tbl, obj, ht->p);
		if (rcu_access_pointer(tbl->future_tbl))
			bkt = rht_bucket_var(tbl, hash);	/* only looked up here */
		else
			bkt = rht_bucket_insert(ht, tbl, hash);
		if (!bkt) {
			new_tbl = rht_dereference_rcu(tbl->future_tbl, ht);
			data = ERR_PTR(-EAGAIN);
			continue;
		}
		rht_lock(tbl, bkt);
		data = lookup_one(ht, bkt, tbl, hash, key, obj);
		new_tbl = insert_one(ht, bkt, tbl, hash, obj, data);
		if (PTR_ERR(new_tbl) != -EEXIST)
			data = ERR_CAST(new_tbl);
		rht_unlock(tbl, bkt);
	} while (!IS_ERR_OR_NULL(new_tbl));

	if (PTR_ERR(data) == -EAGAIN)
		data = ERR_PTR(insert_rehash(ht, tbl) ?: -EAGAIN);
	return data;
}

void *rhashtable_insert_slow(struct rhashtable *ht, const void *key, struct rhash_head *obj)
{
	void *data;

	do {
		rcu_read_lock();
		data = try_insert(ht, key, obj);
		rcu_read_unlock();
	} while (PTR_ERR(data) == -EAGAIN);
	return data;
}

/* -- walks -- */

void rhashtable_walk_enter(struct rhashtable *ht, struct rhashtable_iter *iter)
{
	iter->ht = ht;
	iter->p = NULL;
	iter->slot = 0;
	iter->skip = 0;
	iter->end_of_table = false;

	spin_lock(&ht->lock);
	iter->walker.tbl = rcu_dereference_protected(ht->tbl, 1);
	list_add(&iter->walker.list, &iter->walker.tbl->walkers);
	spin_unlock(&ht->lock);
}

void rhashtable_walk_exit(struct rhashtable_iter *iter)
{
	spin_lock(&iter->ht->lock);
	if (iter->walker.tbl)
		list_del(&iter->walker.list);
	spin_unlock(&iter->ht->lock);
}

/* where the walk stopped: its object's place in the bucket, if still there */
static void walk_find_place(struct rhashtable_iter *iter)
{
	bool rhlist = iter->ht->rhlist;
	struct rhash_head *p;
	unsigned int skip = 0;

	rht_for_each_rcu(p, iter->walker.tbl, iter->slot) {
		struct rhlist_head *list = container_of(p, struct rhlist_head, rhead);

		if (!rhlist) {
			skip++;
			if (p == iter->p) {
				iter->skip = skip;
				return;
			}
			continue;
		}
		for (; list; list = rcu_dereference(list->next)) {
			skip++;
			if (list == iter->list) {
				iter->p = p;
				iter->skip = skip;
				return;
			}
		}
	}
	iter->p = NULL;	/* gone: the bucket is walked again from skip */
}

int rhashtable_walk_start_check(struct rhashtable_iter *iter)
{
	struct rhashtable *ht = iter->ht;

	rcu_read_lock();

	spin_lock(&ht->lock);
	if (iter->walker.tbl)
		list_del(&iter->walker.list);
	spin_unlock(&ht->lock);

	if (iter->end_of_table)
		return 0;
	if (!iter->walker.tbl) {
		/* its table was replaced: start over in the current one */
		iter->walker.tbl = rht_dereference_rcu(ht->tbl, ht);
		iter->slot = 0;
		iter->skip = 0;
		iter->p = NULL;
		return -EAGAIN;
	}
	if (iter->p)
		walk_find_place(iter);
	return 0;
}

static void *walk_found(struct rhashtable_iter *iter, struct rhash_head *p,
			struct rhlist_head *list)
{
	iter->skip++;
	iter->p = p;
	iter->list = list;
	return rht_obj(iter->ht, iter->ht->rhlist ? &list->rhead : p);
}

/* the object after the first @skip ones from @slot on; at the end of the
 * table, -EAGAIN if a newer one must be walked too */
static void *walk_find_next(struct rhashtable_iter *iter)
{
	struct bucket_table *tbl = iter->walker.tbl;
	bool rhlist = iter->ht->rhlist;
	struct rhash_head *p;

	if (!tbl)
		return NULL;
	for (; iter->slot < tbl->size; iter->slot++) {
		unsigned int skip = iter->skip;

		rht_for_each_rcu(p, tbl, iter->slot) {
			struct rhlist_head *list = container_of(p, struct rhlist_head, rhead);

			if (!rhlist) {
				if (!skip)
					return walk_found(iter, p, list);
				skip--;
				continue;
			}
			for (; list; list = rcu_dereference(list->next)) {
				if (!skip)
					return walk_found(iter, p, list);
				skip--;
			}
		}
		iter->skip = 0;
	}
	iter->p = NULL;

	smp_rmb();	/* see the future table a rehash published */
	iter->walker.tbl = rht_dereference_rcu(tbl->future_tbl, iter->ht);
	if (iter->walker.tbl) {
		iter->slot = 0;
		iter->skip = 0;
		return ERR_PTR(-EAGAIN);
	}
	iter->end_of_table = true;
	return NULL;
}

void *rhashtable_walk_next(struct rhashtable_iter *iter)
{
	struct rhlist_head *list = iter->list;
	struct rhash_head *p = iter->p;

	if (p) {
		if (!iter->ht->rhlist || !(list = rcu_dereference(list->next))) {
			p = rcu_dereference(p->next);
			list = container_of(p, struct rhlist_head, rhead);
		}
		if (!rht_is_a_nulls(p))
			return walk_found(iter, p, list);
		/* the end of this bucket: on to the next */
		iter->skip = 0;
		iter->slot++;
	}
	return walk_find_next(iter);
}

void *rhashtable_walk_peek(struct rhashtable_iter *iter)
{
	if (iter->p)
		return rht_obj(iter->ht, iter->ht->rhlist ? &iter->list->rhead : iter->p);
	/* skip counts the object last returned: find it again */
	if (iter->skip)
		iter->skip--;
	return walk_find_next(iter);
}

void rhashtable_walk_stop(struct rhashtable_iter *iter)
{
	struct bucket_table *tbl = iter->walker.tbl;

	if (tbl) {
		struct rhashtable *ht = iter->ht;

		spin_lock(&ht->lock);
		if (tbl->rcu.func == bucket_table_free_rcu)
			iter->walker.tbl = NULL;	/* retired: not linked again */
		else
			list_add(&iter->walker.list, &tbl->walkers);
		spin_unlock(&ht->lock);
	}
	rcu_read_unlock();
}

/* -- setting up and tearing down -- */

static u32 rhashtable_jhash2(const void *key, u32 length, u32 seed)
{
	return jhash2(key, length, seed);
}

int rhashtable_init(struct rhashtable *ht, const struct rhashtable_params *params)
{
	struct bucket_table *tbl;
	size_t size;

	if ((!params->key_len && !params->obj_hashfn) ||
	    (params->obj_hashfn && !params->obj_cmpfn))
		return -EINVAL;

	memset(ht, 0, sizeof(*ht));
	mutex_init(&ht->mutex);
	spin_lock_init(&ht->lock);
	ht->p = *params;

	if (params->min_size)
		ht->p.min_size = roundup_pow_of_two(params->min_size);
	/* at most 2^31 objects, or twice the largest table */
	ht->max_elems = 1u << 31;
	if (params->max_size) {
		ht->p.max_size = rounddown_pow_of_two(params->max_size);
		if (ht->p.max_size < ht->max_elems / 2)
			ht->max_elems = ht->p.max_size * 2;
	}
	ht->p.min_size = max_t(u16, ht->p.min_size, HASH_MIN_SIZE);

	if (ht->p.nelem_hint)
		size = max(roundup_pow_of_two(ht->p.nelem_hint * 4 / 3),
			   (unsigned long)ht->p.min_size);
	else
		size = max(HASH_DEFAULT_SIZE, (unsigned long)ht->p.min_size);

	ht->key_len = ht->p.key_len;
	if (!params->hashfn) {
		ht->p.hashfn = jhash;
		if (!(ht->key_len & (sizeof(u32) - 1))) {
			ht->key_len /= sizeof(u32);
			ht->p.hashfn = rhashtable_jhash2;
		}
	}

	/* the first table must exist: the smallest one, without failing */
	tbl = bucket_table_alloc(size, GFP_KERNEL);
	if (unlikely(!tbl))
		tbl = bucket_table_alloc(max_t(u16, ht->p.min_size, HASH_MIN_SIZE),
					 GFP_KERNEL | __GFP_NOFAIL);

	atomic_set(&ht->nelems, 0);
	RCU_INIT_POINTER(ht->tbl, tbl);
	INIT_WORK(&ht->run_work, rht_deferred_worker);
	return 0;
}

int rhltable_init(struct rhltable *hlt, const struct rhashtable_params *params)
{
	int err = rhashtable_init(&hlt->ht, params);

	hlt->ht.rhlist = true;
	return err;
}

static void free_chain(struct rhashtable *ht, struct rhash_head *pos,
		       void (*free_fn)(void *ptr, void *arg), void *arg)
{
	while (!rht_is_a_nulls(pos)) {
		struct rhash_head *next = rht_dereference(pos->next, ht);
		struct rhlist_head *list = container_of(pos, struct rhlist_head, rhead);

		if (!ht->rhlist) {
			free_fn(rht_obj(ht, pos), arg);
		} else {
			/* every object of the key (each may be freed by free_fn) */
			while (list) {
				struct rhlist_head *lnext = rht_dereference(list->next, ht);

				free_fn(rht_obj(ht, &list->rhead), arg);
				list = lnext;
			}
		}
		pos = next;
	}
}

void rhashtable_free_and_destroy(struct rhashtable *ht,
				 void (*free_fn)(void *ptr, void *arg), void *arg)
{
	struct bucket_table *tbl, *next_tbl;
	unsigned int i;

	cancel_work_sync(&ht->run_work);

	mutex_lock(&ht->mutex);
	for (tbl = rht_dereference(ht->tbl, ht); tbl; tbl = next_tbl) {
		if (free_fn) {
			for (i = 0; i < tbl->size; i++) {
				cond_resched();
				free_chain(ht, rht_ptr_exclusive(rht_bucket(tbl, i)), free_fn, arg);
			}
		}
		next_tbl = rht_dereference(tbl->future_tbl, ht);
		bucket_table_free(tbl);
	}
	mutex_unlock(&ht->mutex);
}

void rhashtable_destroy(struct rhashtable *ht)
{
	rhashtable_free_and_destroy(ht, NULL, NULL);
}
