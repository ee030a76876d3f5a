/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: <linux/rhashtable-types.h> as Linux 6.1's: the structures of the
 * resizable hash table, for headers that embed one without its functions.
 * Layouts are Linux's (the self-tests read tbl, nelems, max_elems, mutex).
 */
#ifndef _LKMSH_LINUX_RHASHTABLE_TYPES_H
#define _LKMSH_LINUX_RHASHTABLE_TYPES_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

/* the link an object embeds; a chain ends in an odd "nulls" value */
struct rhash_head {
	struct rhash_head __rcu		*next;
};

/* an rhltable's object: the chain link and the list of its duplicates */
struct rhlist_head {
	struct rhash_head		rhead;
	struct rhlist_head __rcu	*next;
};

struct bucket_table;

/* what obj_cmpfn compares against */
struct rhashtable_compare_arg {
	struct rhashtable *ht;
	const void *key;
};

typedef u32 (*rht_hashfn_t)(const void *data, u32 len, u32 seed);
typedef u32 (*rht_obj_hashfn_t)(const void *data, u32 len, u32 seed);
typedef int (*rht_obj_cmpfn_t)(struct rhashtable_compare_arg *arg,
			       const void *obj);

/*
 * struct rhashtable_params - how a table hashes and sizes itself
 * @nelem_hint: expected number of elements (the first table holds 4/3 of it)
 * @key_len: length of the key; @key_offset: where the key is in an object
 * @head_offset: where the struct rhash_head is in an object
 * @max_size: the most buckets the table grows to (0: no limit but 2^31 objects)
 * @min_size: the fewest buckets it shrinks to (at least 4)
 * @automatic_shrinking: shrink when under 30% full
 * @hashfn: the key's hash (default: jhash, or jhash2 when key_len % 4 == 0)
 * @obj_hashfn, @obj_cmpfn: hash an object and compare a key with one, for
 *	keys that are not key_len plain bytes
 */
struct rhashtable_params {
	u16			nelem_hint;
	u16			key_len;
	u16			key_offset;
	u16			head_offset;
	unsigned int		max_size;
	u16			min_size;
	bool			automatic_shrinking;
	rht_hashfn_t		hashfn;
	rht_obj_hashfn_t	obj_hashfn;
	rht_obj_cmpfn_t		obj_cmpfn;
};

/*
 * struct rhashtable - the table
 * @tbl: the current bucket table (with a future_tbl while it is rehashed)
 * @key_len: the length hashfn is given (in words when it is jhash2)
 * @max_elems: the most objects it holds (twice max_size, or 2^31)
 * @p: the parameters, as rhashtable_init() completed them
 * @rhlist: an rhltable's
 * @run_work: the deferred worker (system_wq) that grows, shrinks and rehashes
 * @mutex: taken by the worker and by destroy
 * @lock: protects the tables' lists of walkers
 * @nelems: number of objects
 */
struct rhashtable {
	struct bucket_table __rcu	*tbl;
	unsigned int			key_len;
	unsigned int			max_elems;
	struct rhashtable_params	p;
	bool				rhlist;
	struct work_struct		run_work;
	struct mutex			mutex;
	spinlock_t			lock;
	atomic_t			nelems;
};

/* a table whose objects may share a key (rhltable_lookup returns them all) */
struct rhltable {
	struct rhashtable ht;
};

/* a walk's place on its table's list of walkers (cleared when the table goes) */
struct rhashtable_walker {
	struct list_head list;
	struct bucket_table *tbl;
};

/*
 * struct rhashtable_iter - a walk over every object
 * @p: the object last returned, @list: its place in an rhltable's list
 * @slot: the bucket, @skip: how many of its objects were returned
 */
struct rhashtable_iter {
	struct rhashtable *ht;
	struct rhash_head *p;
	struct rhlist_head *list;
	struct rhashtable_walker walker;
	unsigned int slot;
	unsigned int skip;
	bool end_of_table;
};

int rhashtable_init(struct rhashtable *ht,
		    const struct rhashtable_params *params);
int rhltable_init(struct rhltable *hlt,
		  const struct rhashtable_params *params);

#endif
