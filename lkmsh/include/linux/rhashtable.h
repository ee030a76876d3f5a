/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/rhashtable.h> as Linux 6.1's: the resizable, RCU-readable
 * hash table. As in Linux the fast paths are inline here (lookup, insert,
 * remove, replace: a module's lookups run in its own code, no kernel call but
 * the RCU read lock); lkmsh/klib/rhashtable.c (the kernel library) has the
 * rest: rhashtable_init, the slow insert that meets a resize, the deferred
 * worker on system_wq that grows, shrinks and rehashes, walks, destroy and
 * the nested tables an atomic allocation falls back to.
 *
 * A bucket holds the first object of its chain with bit 0 as its lock, NULL
 * when empty; a chain ends in the odd value RHT_NULLS_MARKER(bucket).
 */
#ifndef _LKMSH_LINUX_RHASHTABLE_H
#define _LKMSH_LINUX_RHASHTABLE_H

#include <linux/cache.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/jhash.h>
#include <linux/list_nulls.h>
#include <linux/workqueue.h>
#include <linux/rcupdate.h>
#include <linux/bit_spinlock.h>
#include <linux/bottom_half.h>
#include <linux/lockdep.h>
#include <linux/string.h>

#include <linux/rhashtable-types.h>

/* what a bucket points to: opaque, since bit 0 is its lock */
struct rhash_lock_head {};

/* a chain longer than this sends an insert to the slow path (a rehash) */
#define RHT_ELASTICITY	16u

/*
 * struct bucket_table - one generation of buckets
 * @size: number of buckets (a power of two)
 * @nest: bits of the first level when the buckets are nested pages (0: flat)
 * @hash_rnd: this table's seed
 * @walkers: the walks that stopped in this table
 * @rcu: frees the table after readers are done
 * @future_tbl: the table being filled while this one is rehashed
 */
struct bucket_table {
	unsigned int		size;
	unsigned int		nest;
	u32			hash_rnd;
	struct list_head	walkers;
	struct rcu_head		rcu;

	struct bucket_table __rcu *future_tbl;

	struct lockdep_map	dep_map;

	struct rhash_lock_head __rcu *buckets[] ____cacheline_aligned_in_smp;
};

/* the end of a chain: the bucket's own address, shifted, with bit 0 set */
#define RHT_NULLS_MARKER(ptr)	\
	((void *)NULLS_MARKER(((unsigned long) (ptr)) >> 1))
#define INIT_RHT_NULLS_HEAD(ptr)	\
	((ptr) = NULL)

static inline bool rht_is_a_nulls(const struct rhash_head *ptr)
{
	return ((unsigned long) ptr & 1);
}

static inline void *rht_obj(const struct rhashtable *ht,
			    const struct rhash_head *he)
{
	return (char *)he - ht->p.head_offset;
}

static inline unsigned int rht_bucket_index(const struct bucket_table *tbl,
					    unsigned int hash)
{
	return hash & (tbl->size - 1);
}

/* The key's hash: a constant params (the usual static const) lets the
 * compiler pick the function; otherwise it is the table's own. */
static inline unsigned int rht_key_get_hash(struct rhashtable *ht,
	const void *key, const struct rhashtable_params params,
	unsigned int hash_rnd)
{
	if (!__builtin_constant_p(params.key_len))
		return ht->p.hashfn(key, ht->key_len, hash_rnd);
	if (params.key_len) {
		if (params.hashfn)
			return params.hashfn(key, params.key_len, hash_rnd);
		if (params.key_len & (sizeof(u32) - 1))
			return jhash(key, params.key_len, hash_rnd);
		return jhash2(key, params.key_len / sizeof(u32), hash_rnd);
	}
	if (params.hashfn)
		return params.hashfn(key, ht->p.key_len, hash_rnd);
	return jhash(key, ht->p.key_len, hash_rnd);
}

static inline unsigned int rht_key_hashfn(
	struct rhashtable *ht, const struct bucket_table *tbl,
	const void *key, const struct rhashtable_params params)
{
	return rht_bucket_index(tbl, rht_key_get_hash(ht, key, params, tbl->hash_rnd));
}

static inline unsigned int rht_head_hashfn(
	struct rhashtable *ht, const struct bucket_table *tbl,
	const struct rhash_head *he, const struct rhashtable_params params)
{
	const char *ptr = rht_obj(ht, he);

	if (likely(params.obj_hashfn))
		return rht_bucket_index(tbl, params.obj_hashfn(ptr, params.key_len ?:
							       ht->p.key_len, tbl->hash_rnd));
	return rht_key_hashfn(ht, tbl, ptr + params.key_offset, params);
}

/* more objects than 3/4 of the buckets, and room to grow */
static inline bool rht_grow_above_75(const struct rhashtable *ht,
				     const struct bucket_table *tbl)
{
	return atomic_read(&ht->nelems) > (tbl->size / 4 * 3) &&
	       (!ht->p.max_size || tbl->size < ht->p.max_size);
}

/* fewer objects than 3/10 of the buckets, and room to shrink */
static inline bool rht_shrink_below_30(const struct rhashtable *ht,
				       const struct bucket_table *tbl)
{
	return atomic_read(&ht->nelems) < (tbl->size * 3 / 10) &&
	       tbl->size > ht->p.min_size;
}

/* more objects than buckets, and room to grow: insert through a rehash */
static inline bool rht_grow_above_100(const struct rhashtable *ht,
				      const struct bucket_table *tbl)
{
	return atomic_read(&ht->nelems) > tbl->size &&
		(!ht->p.max_size || tbl->size < ht->p.max_size);
}

/* the table holds max_elems already */
static inline bool rht_grow_above_max(const struct rhashtable *ht,
				      const struct bucket_table *tbl)
{
	return atomic_read(&ht->nelems) >= ht->max_elems;
}

/* without CONFIG_PROVE_LOCKING, as Debian's */
static inline int lockdep_rht_mutex_is_held(struct rhashtable *ht)
{
	return 1;
}

static inline int lockdep_rht_bucket_is_held(const struct bucket_table *tbl,
					     u32 hash)
{
	return 1;
}

void *rhashtable_insert_slow(struct rhashtable *ht, const void *key,
			     struct rhash_head *obj);

void rhashtable_walk_enter(struct rhashtable *ht,
			   struct rhashtable_iter *iter);
void rhashtable_walk_exit(struct rhashtable_iter *iter);
int rhashtable_walk_start_check(struct rhashtable_iter *iter) __acquires(RCU);

static inline void rhashtable_walk_start(struct rhashtable_iter *iter)
{
	(void)rhashtable_walk_start_check(iter);
}

void *rhashtable_walk_next(struct rhashtable_iter *iter);
void *rhashtable_walk_peek(struct rhashtable_iter *iter);
void rhashtable_walk_stop(struct rhashtable_iter *iter) __releases(RCU);

void rhashtable_free_and_destroy(struct rhashtable *ht,
				 void (*free_fn)(void *ptr, void *arg),
				 void *arg);
void rhashtable_destroy(struct rhashtable *ht);

struct rhash_lock_head __rcu **rht_bucket_nested(
	const struct bucket_table *tbl, unsigned int hash);
struct rhash_lock_head __rcu **__rht_bucket_nested(
	const struct bucket_table *tbl, unsigned int hash);
struct rhash_lock_head __rcu **rht_bucket_nested_insert(
	struct rhashtable *ht, struct bucket_table *tbl, unsigned int hash);

#define rht_dereference(p, ht) \
	rcu_dereference_protected(p, lockdep_rht_mutex_is_held(ht))

#define rht_dereference_rcu(p, ht) \
	rcu_dereference_check(p, lockdep_rht_mutex_is_held(ht))

#define rht_dereference_bucket(p, tbl, hash) \
	rcu_dereference_protected(p, lockdep_rht_bucket_is_held(tbl, hash))

#define rht_dereference_bucket_rcu(p, tbl, hash) \
	rcu_dereference_check(p, lockdep_rht_bucket_is_held(tbl, hash))

#define rht_entry(tpos, pos, member) \
	({ tpos = container_of(pos, typeof(*tpos), member); 1; })

/* the bucket of @hash (a nested table's may be missing: a shared empty one) */
static inline struct rhash_lock_head __rcu *const *rht_bucket(
	const struct bucket_table *tbl, unsigned int hash)
{
	return unlikely(tbl->nest) ? rht_bucket_nested(tbl, hash) :
				     &tbl->buckets[hash];
}

/* the bucket of @hash to change (NULL when a nested table has no page for it) */
static inline struct rhash_lock_head __rcu **rht_bucket_var(
	struct bucket_table *tbl, unsigned int hash)
{
	return unlikely(tbl->nest) ? __rht_bucket_nested(tbl, hash) :
				     &tbl->buckets[hash];
}

/* the bucket of @hash to insert into (a nested table's page allocated) */
static inline struct rhash_lock_head __rcu **rht_bucket_insert(
	struct rhashtable *ht, struct bucket_table *tbl, unsigned int hash)
{
	return unlikely(tbl->nest) ? rht_bucket_nested_insert(ht, tbl, hash) :
				     &tbl->buckets[hash];
}

/*
 * A bucket is locked by setting bit 0 of its pointer. A writer that ends its
 * change by storing a new first object unlocks with that store
 * (rht_assign_unlock); one that must keep the lock uses rht_assign_locked.
 */
static inline void rht_lock(struct bucket_table *tbl,
			    struct rhash_lock_head __rcu **bkt)
{
	local_bh_disable();
	bit_spin_lock(0, (unsigned long *)bkt);
	lock_map_acquire(&tbl->dep_map);
}

static inline void rht_lock_nested(struct bucket_table *tbl,
				   struct rhash_lock_head __rcu **bucket,
				   unsigned int subclass)
{
	local_bh_disable();
	bit_spin_lock(0, (unsigned long *)bucket);
	lock_acquire_exclusive(&tbl->dep_map, subclass, 0, NULL, _THIS_IP_);
}

static inline void rht_unlock(struct bucket_table *tbl,
			      struct rhash_lock_head __rcu **bkt)
{
	lock_map_release(&tbl->dep_map);
	bit_spin_unlock(0, (unsigned long *)bkt);
	local_bh_enable();
}

static inline struct rhash_head *__rht_ptr(
	struct rhash_lock_head *p, struct rhash_lock_head __rcu *const *bkt)
{
	unsigned long v = (unsigned long)p & ~BIT(0);

	return (struct rhash_head *)(v ?: (unsigned long)RHT_NULLS_MARKER(bkt));
}

/* the first object of a bucket (its nulls marker when empty), lock bit cleared:
 * under RCU, under the bucket's lock, and with the table to oneself */
static inline struct rhash_head *rht_ptr_rcu(
	struct rhash_lock_head __rcu *const *bkt)
{
	return __rht_ptr(rcu_dereference(*bkt), bkt);
}

static inline struct rhash_head *rht_ptr(
	struct rhash_lock_head __rcu *const *bkt,
	struct bucket_table *tbl,
	unsigned int hash)
{
	return __rht_ptr(rht_dereference_bucket(*bkt, tbl, hash), bkt);
}

static inline struct rhash_head *rht_ptr_exclusive(
	struct rhash_lock_head __rcu *const *bkt)
{
	return __rht_ptr(rcu_dereference_protected(*bkt, 1), bkt);
}

static inline void rht_assign_locked(struct rhash_lock_head __rcu **bkt,
				     struct rhash_head *obj)
{
	if (rht_is_a_nulls(obj))
		obj = NULL;
	rcu_assign_pointer(*bkt, (void *)((unsigned long)obj | BIT(0)));
}

static inline void rht_assign_unlock(struct bucket_table *tbl,
				     struct rhash_lock_head __rcu **bkt,
				     struct rhash_head *obj)
{
	if (rht_is_a_nulls(obj))
		obj = NULL;
	lock_map_release(&tbl->dep_map);
	rcu_assign_pointer(*bkt, (void *)obj);
	preempt_enable();
	__release(bitlock);
	local_bh_enable();
}

#define rht_for_each_from(pos, head, tbl, hash) \
	for (pos = head;			\
	     !rht_is_a_nulls(pos);		\
	     pos = rht_dereference_bucket((pos)->next, tbl, hash))

#define rht_for_each(pos, tbl, hash) \
	rht_for_each_from(pos, rht_ptr(rht_bucket(tbl, hash), tbl, hash),  \
			  tbl, hash)

#define rht_for_each_entry_from(tpos, pos, head, tbl, hash, member)	\
	for (pos = head;						\
	     (!rht_is_a_nulls(pos)) && rht_entry(tpos, pos, member);	\
	     pos = rht_dereference_bucket((pos)->next, tbl, hash))

#define rht_for_each_entry(tpos, pos, tbl, hash, member)		\
	rht_for_each_entry_from(tpos, pos,				\
				rht_ptr(rht_bucket(tbl, hash), tbl, hash), \
				tbl, hash, member)

#define rht_for_each_entry_safe(tpos, pos, next, tbl, hash, member)	      \
	for (pos = rht_ptr(rht_bucket(tbl, hash), tbl, hash),		      \
	     next = !rht_is_a_nulls(pos) ?				      \
		       rht_dereference_bucket(pos->next, tbl, hash) : NULL;   \
	     (!rht_is_a_nulls(pos)) && rht_entry(tpos, pos, member);	      \
	     pos = next,						      \
	     next = !rht_is_a_nulls(pos) ?				      \
		       rht_dereference_bucket(pos->next, tbl, hash) : NULL)

#define rht_for_each_rcu_from(pos, head, tbl, hash)			\
	for (({barrier(); }),						\
	     pos = head;						\
	     !rht_is_a_nulls(pos);					\
	     pos = rcu_dereference_raw(pos->next))

#define rht_for_each_rcu(pos, tbl, hash)			\
	for (({barrier(); }),					\
	     pos = rht_ptr_rcu(rht_bucket(tbl, hash));		\
	     !rht_is_a_nulls(pos);				\
	     pos = rcu_dereference_raw(pos->next))

#define rht_for_each_entry_rcu_from(tpos, pos, head, tbl, hash, member) \
	for (({barrier(); }),						    \
	     pos = head;						    \
	     (!rht_is_a_nulls(pos)) && rht_entry(tpos, pos, member);	    \
	     pos = rht_dereference_bucket_rcu(pos->next, tbl, hash))

#define rht_for_each_entry_rcu(tpos, pos, tbl, hash, member)		   \
	rht_for_each_entry_rcu_from(tpos, pos,				   \
				    rht_ptr_rcu(rht_bucket(tbl, hash)),	   \
				    tbl, hash, member)

/* the objects of one key, from rhltable_lookup() */
#define rhl_for_each_rcu(pos, list)					\
	for (pos = list; pos; pos = rcu_dereference_raw(pos->next))

#define rhl_for_each_entry_rcu(tpos, pos, list, member)			\
	for (pos = list; pos && rht_entry(tpos, pos, member);		\
	     pos = rcu_dereference_raw(pos->next))

/* the default compare: key_len bytes at key_offset (0 when equal) */
static inline int rhashtable_compare(struct rhashtable_compare_arg *arg,
				     const void *obj)
{
	struct rhashtable *ht = arg->ht;
	const char *ptr = obj;

	return memcmp(ptr + ht->p.key_offset, arg->key, ht->p.key_len);
}

static inline bool __rht_key_differs(struct rhashtable_compare_arg *arg,
				     const struct rhashtable_params params,
				     struct rhash_head *he)
{
	void *obj = rht_obj(arg->ht, he);

	return params.obj_cmpfn ? params.obj_cmpfn(arg, obj) != 0 :
				  rhashtable_compare(arg, obj) != 0;
}

/* Internal: the first object of @key, in the table and then in any newer one
 * a rehash is filling; a chain walk that ends in another bucket's marker (an
 * object moved while it was read) is walked again. */
static inline struct rhash_head *__rhashtable_lookup(
	struct rhashtable *ht, const void *key,
	const struct rhashtable_params params)
{
	struct rhashtable_compare_arg arg = { .ht = ht, .key = key };
	struct rhash_lock_head __rcu *const *bkt;
	struct bucket_table *tbl;
	struct rhash_head *he;
	unsigned int hash;

	for (tbl = rht_dereference_rcu(ht->tbl, ht); tbl;
	     tbl = rht_dereference_rcu(tbl->future_tbl, ht)) {
		hash = rht_key_hashfn(ht, tbl, key, params);
		bkt = rht_bucket(tbl, hash);
		do {
			rht_for_each_rcu_from(he, rht_ptr_rcu(bkt), tbl, hash) {
				if (!__rht_key_differs(&arg, params, he))
					return he;
			}
		} while (he != RHT_NULLS_MARKER(bkt));
		smp_rmb();	/* see the future table a rehash published */
	}
	return NULL;
}

/* the object of @key, or NULL (in an RCU read-side section) */
static inline void *rhashtable_lookup(
	struct rhashtable *ht, const void *key,
	const struct rhashtable_params params)
{
	struct rhash_head *he = __rhashtable_lookup(ht, key, params);

	return he ? rht_obj(ht, he) : NULL;
}

/* the same, taking the RCU read lock itself */
static inline void *rhashtable_lookup_fast(
	struct rhashtable *ht, const void *key,
	const struct rhashtable_params params)
{
	void *obj;

	rcu_read_lock();
	obj = rhashtable_lookup(ht, key, params);
	rcu_read_unlock();

	return obj;
}

/* every object of @key, as a list (in an RCU read-side section) */
static inline struct rhlist_head *rhltable_lookup(
	struct rhltable *hlt, const void *key,
	const struct rhashtable_params params)
{
	struct rhash_head *he = __rhashtable_lookup(&hlt->ht, key, params);

	return he ? container_of(he, struct rhlist_head, rhead) : NULL;
}

/*
 * Internal: insert @obj. With a @key, an object of that key already there is
 * returned (a plain table) or gets @obj at the head of its list (rhlist).
 * NULL when inserted, else the clashing object or an ERR_PTR. A table being
 * rehashed, a chain past RHT_ELASTICITY or more objects than buckets go to
 * rhashtable_insert_slow().
 */
static inline void *__rhashtable_insert_fast(
	struct rhashtable *ht, const void *key, struct rhash_head *obj,
	const struct rhashtable_params params, bool rhlist)
{
	struct rhashtable_compare_arg arg = { .ht = ht, .key = key };
	struct rhash_lock_head __rcu **bkt;
	struct rhash_head __rcu **pprev = NULL;
	struct bucket_table *tbl;
	struct rhash_head *head;
	unsigned int hash;
	int chain = 0;
	void *data = NULL;

	rcu_read_lock();
	tbl = rht_dereference_rcu(ht->tbl, ht);
	hash = rht_head_hashfn(ht, tbl, obj, params);
	bkt = rht_bucket_insert(ht, tbl, hash);
	if (!bkt) {
		data = ERR_PTR(-ENOMEM);
		goto out;
	}
	rht_lock(tbl, bkt);

	if (unlikely(rcu_access_pointer(tbl->future_tbl)))
		goto slow_path;

	rht_for_each_from(head, rht_ptr(bkt, tbl, hash), tbl, hash) {
		struct rhlist_head *list, *plist;

		chain++;
		if (!key || __rht_key_differs(&arg, params, head)) {
			pprev = &head->next;
			continue;
		}
		if (!rhlist) {
			data = rht_obj(ht, head);
			rht_unlock(tbl, bkt);
			goto out;
		}
		/* a duplicate: @obj takes its place in the chain, heading the list */
		list = container_of(obj, struct rhlist_head, rhead);
		plist = container_of(head, struct rhlist_head, rhead);
		RCU_INIT_POINTER(list->next, plist);
		head = rht_dereference_bucket(head->next, tbl, hash);
		RCU_INIT_POINTER(list->rhead.next, head);
		if (pprev) {
			rcu_assign_pointer(*pprev, obj);
			rht_unlock(tbl, bkt);
		} else {
			rht_assign_unlock(tbl, bkt, obj);
		}
		goto out;
	}

	if (chain >= (int)RHT_ELASTICITY)
		goto slow_path;
	if (unlikely(rht_grow_above_max(ht, tbl))) {
		data = ERR_PTR(-E2BIG);
		rht_unlock(tbl, bkt);
		goto out;
	}
	if (unlikely(rht_grow_above_100(ht, tbl)))
		goto slow_path;

	/* at the head of the chain, so that the store unlocks */
	head = rht_ptr(bkt, tbl, hash);
	RCU_INIT_POINTER(obj->next, head);
	if (rhlist)
		RCU_INIT_POINTER(container_of(obj, struct rhlist_head, rhead)->next, NULL);
	atomic_inc(&ht->nelems);
	rht_assign_unlock(tbl, bkt, obj);

	if (rht_grow_above_75(ht, tbl))
		schedule_work(&ht->run_work);
out:
	rcu_read_unlock();
	return data;

slow_path:
	rht_unlock(tbl, bkt);
	rcu_read_unlock();
	return rhashtable_insert_slow(ht, key, obj);
}

/* 0, -EEXIST (never: no key is compared), -E2BIG at max_elems, -ENOMEM, -EBUSY */
static inline int rhashtable_insert_fast(
	struct rhashtable *ht, struct rhash_head *obj,
	const struct rhashtable_params params)
{
	void *ret = __rhashtable_insert_fast(ht, NULL, obj, params, false);

	if (IS_ERR(ret))
		return PTR_ERR(ret);
	return ret == NULL ? 0 : -EEXIST;
}

static inline int rhltable_insert_key(
	struct rhltable *hlt, const void *key, struct rhlist_head *list,
	const struct rhashtable_params params)
{
	return PTR_ERR(__rhashtable_insert_fast(&hlt->ht, key, &list->rhead,
						params, true));
}

static inline int rhltable_insert(
	struct rhltable *hlt, struct rhlist_head *list,
	const struct rhashtable_params params)
{
	const char *key = rht_obj(&hlt->ht, &list->rhead);

	return rhltable_insert_key(hlt, key + params.key_offset, list, params);
}

/* insert unless an object of the same key is there (-EEXIST); fixed keys only */
static inline int rhashtable_lookup_insert_fast(
	struct rhashtable *ht, struct rhash_head *obj,
	const struct rhashtable_params params)
{
	const char *key = rht_obj(ht, obj);
	void *ret;

	BUG_ON(ht->p.obj_hashfn);

	ret = __rhashtable_insert_fast(ht, key + ht->p.key_offset, obj, params,
				       false);
	if (IS_ERR(ret))
		return PTR_ERR(ret);
	return ret == NULL ? 0 : -EEXIST;
}

/* the same, returning the object already there, NULL when inserted, or an ERR_PTR */
static inline void *rhashtable_lookup_get_insert_fast(
	struct rhashtable *ht, struct rhash_head *obj,
	const struct rhashtable_params params)
{
	const char *key = rht_obj(ht, obj);

	BUG_ON(ht->p.obj_hashfn);

	return __rhashtable_insert_fast(ht, key + ht->p.key_offset, obj, params,
					false);
}

/* insert under an explicit @key (tables with obj_hashfn) */
static inline int rhashtable_lookup_insert_key(
	struct rhashtable *ht, const void *key, struct rhash_head *obj,
	const struct rhashtable_params params)
{
	void *ret;

	BUG_ON(!ht->p.obj_hashfn || !key);

	ret = __rhashtable_insert_fast(ht, key, obj, params, false);
	if (IS_ERR(ret))
		return PTR_ERR(ret);
	return ret == NULL ? 0 : -EEXIST;
}

static inline void *rhashtable_lookup_get_insert_key(
	struct rhashtable *ht, const void *key, struct rhash_head *obj,
	const struct rhashtable_params params)
{
	BUG_ON(!ht->p.obj_hashfn || !key);

	return __rhashtable_insert_fast(ht, key, obj, params, false);
}

/* Internal: unlink @obj from @tbl: 0 done (nelems counted), -ENOENT not there */
static inline int __rhashtable_remove_fast_one(
	struct rhashtable *ht, struct bucket_table *tbl,
	struct rhash_head *obj, const struct rhashtable_params params,
	bool rhlist)
{
	struct rhash_lock_head __rcu **bkt;
	struct rhash_head __rcu **pprev = NULL;
	struct rhash_head *he, *next;
	unsigned int hash;
	bool counted = true;

	hash = rht_head_hashfn(ht, tbl, obj, params);
	bkt = rht_bucket_var(tbl, hash);
	if (!bkt)
		return -ENOENT;
	rht_lock(tbl, bkt);

	rht_for_each_from(he, rht_ptr(bkt, tbl, hash), tbl, hash) {
		struct rhlist_head *list = container_of(he, struct rhlist_head, rhead);

		if (he != obj) {
			struct rhlist_head __rcu **lpprev;

			pprev = &he->next;
			if (!rhlist)
				continue;
			/* @obj may be further down this key's list */
			do {
				lpprev = &list->next;
				list = rht_dereference_bucket(list->next, tbl, hash);
			} while (list && obj != &list->rhead);
			if (!list)
				continue;
			list = rht_dereference_bucket(list->next, tbl, hash);
			RCU_INIT_POINTER(*lpprev, list);
			rht_unlock(tbl, bkt);
			return 0;	/* the key keeps its place: nelems unchanged */
		}

		next = rht_dereference_bucket(obj->next, tbl, hash);
		if (rhlist) {
			list = rht_dereference_bucket(list->next, tbl, hash);
			if (list) {	/* the next duplicate takes the chain's place */
				RCU_INIT_POINTER(list->rhead.next, next);
				next = &list->rhead;
				counted = false;
			}
		}
		if (pprev) {
			rcu_assign_pointer(*pprev, next);
			rht_unlock(tbl, bkt);
		} else {
			rht_assign_unlock(tbl, bkt, next);
		}
		if (counted) {
			atomic_dec(&ht->nelems);
			if (unlikely(ht->p.automatic_shrinking &&
				     rht_shrink_below_30(ht, tbl)))
				schedule_work(&ht->run_work);
		}
		return 0;
	}

	rht_unlock(tbl, bkt);
	return -ENOENT;
}

/* Internal: remove from the table, or from the newer one a rehash moved it to */
static inline int __rhashtable_remove_fast(
	struct rhashtable *ht, struct rhash_head *obj,
	const struct rhashtable_params params, bool rhlist)
{
	struct bucket_table *tbl;
	int err;

	rcu_read_lock();
	tbl = rht_dereference_rcu(ht->tbl, ht);
	while ((err = __rhashtable_remove_fast_one(ht, tbl, obj, params, rhlist)) &&
	       (tbl = rht_dereference_rcu(tbl->future_tbl, ht)))
		;
	rcu_read_unlock();

	return err;
}

/* 0, or -ENOENT when @obj is not in the table; may schedule a shrink */
static inline int rhashtable_remove_fast(
	struct rhashtable *ht, struct rhash_head *obj,
	const struct rhashtable_params params)
{
	return __rhashtable_remove_fast(ht, obj, params, false);
}

static inline int rhltable_remove(
	struct rhltable *hlt, struct rhlist_head *list,
	const struct rhashtable_params params)
{
	return __rhashtable_remove_fast(&hlt->ht, &list->rhead, params, true);
}

/* Internal: put @obj_new in @obj_old's place in @tbl */
static inline int __rhashtable_replace_fast(
	struct rhashtable *ht, struct bucket_table *tbl,
	struct rhash_head *obj_old, struct rhash_head *obj_new,
	const struct rhashtable_params params)
{
	struct rhash_lock_head __rcu **bkt;
	struct rhash_head __rcu **pprev = NULL;
	struct rhash_head *he;
	unsigned int hash;

	/* both must hash alike (the same key, in practice) */
	hash = rht_head_hashfn(ht, tbl, obj_old, params);
	if (hash != rht_head_hashfn(ht, tbl, obj_new, params))
		return -EINVAL;

	bkt = rht_bucket_var(tbl, hash);
	if (!bkt)
		return -ENOENT;
	rht_lock(tbl, bkt);

	rht_for_each_from(he, rht_ptr(bkt, tbl, hash), tbl, hash) {
		if (he != obj_old) {
			pprev = &he->next;
			continue;
		}
		rcu_assign_pointer(obj_new->next, obj_old->next);
		if (pprev) {
			rcu_assign_pointer(*pprev, obj_new);
			rht_unlock(tbl, bkt);
		} else {
			rht_assign_unlock(tbl, bkt, obj_new);
		}
		return 0;
	}

	rht_unlock(tbl, bkt);
	return -ENOENT;
}

/* 0, -ENOENT when @obj_old is not there, -EINVAL when the two hash apart */
static inline int rhashtable_replace_fast(
	struct rhashtable *ht, struct rhash_head *obj_old,
	struct rhash_head *obj_new,
	const struct rhashtable_params params)
{
	struct bucket_table *tbl;
	int err;

	rcu_read_lock();
	tbl = rht_dereference_rcu(ht->tbl, ht);
	while ((err = __rhashtable_replace_fast(ht, tbl, obj_old, obj_new, params)) &&
	       (tbl = rht_dereference_rcu(tbl->future_tbl, ht)))
		;
	rcu_read_unlock();

	return err;
}

static inline void rhltable_walk_enter(struct rhltable *hlt,
				       struct rhashtable_iter *iter)
{
	rhashtable_walk_enter(&hlt->ht, iter);
}

static inline void rhltable_free_and_destroy(struct rhltable *hlt,
					     void (*free_fn)(void *ptr,
							     void *arg),
					     void *arg)
{
	rhashtable_free_and_destroy(&hlt->ht, free_fn, arg);
}

static inline void rhltable_destroy(struct rhltable *hlt)
{
	rhltable_free_and_destroy(hlt, NULL, NULL);
}

#endif
