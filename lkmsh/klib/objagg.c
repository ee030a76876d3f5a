// SPDX-License-Identifier: MIT
/*
 * lkmsh's object aggregation manager, Linux 6.1's <linux/objagg.h> written
 * from its documented semantics. Objects are kept in an rhashtable keyed by
 * their obj_size bytes, refcounted; a new one becomes a delta of the first
 * root on the list (newest first) its delta_check() and delta_create()
 * accept, else a root. With hints (objagg_hints_get() of another objagg: a
 * simple greedy choice of roots, each taking every object it can as a
 * delta), the hinted shape wins and roots get the hinted ids. No nesting: a
 * delta's parent is always a root.
 *
 * Kernel calls (build.py's IMPORTS): the IDA of root ids, kcalloc, the
 * bitmap of the greedy pass's graph, warn_slowpath_fmt.
 */
#include <linux/bitmap.h>
#include <linux/idr.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/objagg.h>
#include <linux/overflow.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include "warn.h"


struct objagg_hints {
	struct rhashtable node_ht;
	struct rhashtable_params ht_params;
	struct list_head node_list;
	unsigned int node_count;
	unsigned int root_count;
	unsigned int refcount;
	const struct objagg_ops *ops;
};

struct objagg_hints_node {
	struct rhash_head ht_node;
	struct list_head list;
	struct objagg_hints_node *parent;
	unsigned int root_id;
	struct objagg_obj_stats_info stats_info;
	unsigned long obj[];
};

struct objagg {
	const struct objagg_ops *ops;
	void *priv;
	struct rhashtable obj_ht;
	struct rhashtable_params ht_params;
	struct list_head obj_list;
	unsigned int obj_count;
	struct ida root_ida;
	struct objagg_hints *hints;
};

struct objagg_obj {
	struct rhash_head ht_node;
	struct list_head list;
	struct objagg_obj *parent;	/* NULL for a root */
	union {
		void *delta_priv;
		void *root_priv;
	};
	unsigned int root_id;
	unsigned int refcount;		/* users and deltas */
	struct objagg_obj_stats stats;
	unsigned long obj[];
};

static bool is_root(const struct objagg_obj *o)
{
	return !o->parent;
}

const void *objagg_obj_root_priv(const struct objagg_obj *o)
{
	if (is_root(o))
		return o->root_priv;
	KLIB_WARN_ON(!is_root(o->parent));
	return o->parent->root_priv;
}

const void *objagg_obj_delta_priv(const struct objagg_obj *o)
{
	return is_root(o) ? NULL : o->delta_priv;
}

const void *objagg_obj_raw(const struct objagg_obj *o)
{
	return o->obj;
}

/* -- roots and deltas -- */

static struct objagg_obj *obj_get(struct objagg *objagg, void *obj);
static void obj_put(struct objagg *objagg, struct objagg_obj *o);

/* make @o a delta of root @parent (holding a reference to it if @take_ref) */
static int parent_assign(struct objagg *objagg, struct objagg_obj *o,
			 struct objagg_obj *parent, bool take_ref)
{
	void *delta;

	if (KLIB_WARN_ON(!is_root(parent)))
		return -EINVAL;
	delta = objagg->ops->delta_create(objagg->priv, parent->obj, o->obj);
	if (IS_ERR(delta))
		return PTR_ERR(delta);
	o->parent = parent;
	o->delta_priv = delta;
	if (take_ref)
		parent->refcount++;
	return 0;
}

static int root_id_alloc(struct objagg *objagg, struct objagg_obj *o,
			 struct objagg_hints_node *hnode)
{
	int id;

	if (!objagg->hints) {
		o->root_id = OBJAGG_OBJ_ROOT_ID_INVALID;
		return 0;
	}
	/* the hinted id, or one past every hinted root's */
	if (hnode)
		id = ida_alloc_range(&objagg->root_ida, hnode->root_id, hnode->root_id,
				     GFP_KERNEL);
	else
		id = ida_alloc_range(&objagg->root_ida, objagg->hints->root_count, ~0,
				     GFP_KERNEL);
	if (id < 0)
		return id;
	o->root_id = id;
	return 0;
}

static void root_id_free(struct objagg *objagg, struct objagg_obj *o)
{
	if (objagg->hints)
		ida_free(&objagg->root_ida, o->root_id);
}

static int root_create(struct objagg *objagg, struct objagg_obj *o,
		       struct objagg_hints_node *hnode)
{
	void *root;
	int err = root_id_alloc(objagg, o, hnode);

	if (err)
		return err;
	root = objagg->ops->root_create(objagg->priv, o->obj, o->root_id);
	if (IS_ERR(root)) {
		root_id_free(objagg, o);
		return PTR_ERR(root);
	}
	o->root_priv = root;
	return 0;
}

static struct objagg_hints_node *hints_lookup(struct objagg_hints *hints, void *obj)
{
	return hints ? rhashtable_lookup_fast(&hints->node_ht, obj, hints->ht_params) : NULL;
}

/* 1: placed as the hints say, 0: no hint for it, < 0: an error */
static int init_with_hints(struct objagg *objagg, struct objagg_obj *o)
{
	struct objagg_hints_node *hnode = hints_lookup(objagg->hints, o->obj);
	struct objagg_obj *parent;
	int err;

	if (!hnode)
		return 0;
	if (!hnode->parent) {
		err = root_create(objagg, o, hnode);
		return err ?: 1;
	}
	parent = obj_get(objagg, hnode->parent->obj);
	if (IS_ERR(parent))
		return PTR_ERR(parent);
	if (parent_assign(objagg, o, parent, false)) {
		/* the hint does not hold any more: place it as without hints */
		objagg_obj_put(objagg, parent);
		return 0;
	}
	return 1;
}

static int obj_init(struct objagg *objagg, struct objagg_obj *o)
{
	struct objagg_obj *cur;
	int err = init_with_hints(objagg, o);

	if (err)
		return err < 0 ? err : 0;
	list_for_each_entry(cur, &objagg->obj_list, list) {
		if (is_root(cur) && !parent_assign(objagg, o, cur, true))
			return 0;
	}
	return root_create(objagg, o, NULL);
}

static void obj_fini(struct objagg *objagg, struct objagg_obj *o)
{
	if (!is_root(o)) {
		objagg->ops->delta_destroy(objagg->priv, o->delta_priv);
		obj_put(objagg, o->parent);
	} else {
		objagg->ops->root_destroy(objagg->priv, o->root_priv);
		root_id_free(objagg, o);
	}
}

static struct objagg_obj *obj_create(struct objagg *objagg, void *obj)
{
	struct objagg_obj *o = kzalloc(sizeof(*o) + objagg->ops->obj_size, GFP_KERNEL);
	int err;

	if (!o)
		return ERR_PTR(-ENOMEM);
	o->refcount = 1;
	memcpy(o->obj, obj, objagg->ops->obj_size);
	err = obj_init(objagg, o);
	if (err)
		goto free;
	err = rhashtable_insert_fast(&objagg->obj_ht, &o->ht_node, objagg->ht_params);
	if (err) {
		obj_fini(objagg, o);
		goto free;
	}
	list_add(&o->list, &objagg->obj_list);
	objagg->obj_count++;
	return o;
free:
	kfree(o);
	return ERR_PTR(err);
}

/* a reference to the object equal to @obj, made if new */
static struct objagg_obj *obj_get(struct objagg *objagg, void *obj)
{
	struct objagg_obj *o = rhashtable_lookup_fast(&objagg->obj_ht, obj, objagg->ht_params);

	if (o) {
		o->refcount++;
		return o;
	}
	return obj_create(objagg, obj);
}

static void obj_put(struct objagg *objagg, struct objagg_obj *o)
{
	if (--o->refcount)
		return;
	objagg->obj_count--;
	list_del(&o->list);
	rhashtable_remove_fast(&objagg->obj_ht, &o->ht_node, objagg->ht_params);
	obj_fini(objagg, o);
	kfree(o);
}

static void stats_add(struct objagg_obj *o, int n)
{
	o->stats.user_count += n;
	o->stats.delta_user_count += n;
	if (o->parent)
		o->parent->stats.delta_user_count += n;
}

struct objagg_obj *objagg_obj_get(struct objagg *objagg, void *obj)
{
	struct objagg_obj *o = obj_get(objagg, obj);

	if (!IS_ERR(o))
		stats_add(o, 1);
	return o;
}

void objagg_obj_put(struct objagg *objagg, struct objagg_obj *o)
{
	stats_add(o, -1);
	obj_put(objagg, o);
}

struct objagg *objagg_create(const struct objagg_ops *ops, struct objagg_hints *hints,
			     void *priv)
{
	struct objagg *objagg;
	int err;

	if (KLIB_WARN_ON(!ops || !ops->root_create || !ops->root_destroy || !ops->delta_check ||
		       !ops->delta_create || !ops->delta_destroy))
		return ERR_PTR(-EINVAL);
	objagg = kzalloc(sizeof(*objagg), GFP_KERNEL);
	if (!objagg)
		return ERR_PTR(-ENOMEM);
	objagg->ops = ops;
	if (hints) {
		objagg->hints = hints;
		hints->refcount++;
	}
	objagg->priv = priv;
	INIT_LIST_HEAD(&objagg->obj_list);
	objagg->ht_params.key_len = ops->obj_size;
	objagg->ht_params.key_offset = offsetof(struct objagg_obj, obj);
	objagg->ht_params.head_offset = offsetof(struct objagg_obj, ht_node);
	err = rhashtable_init(&objagg->obj_ht, &objagg->ht_params);
	if (err) {
		kfree(objagg);
		return ERR_PTR(err);
	}
	ida_init(&objagg->root_ida);
	return objagg;
}

void objagg_destroy(struct objagg *objagg)
{
	ida_destroy(&objagg->root_ida);
	KLIB_WARN_ON(!list_empty(&objagg->obj_list));
	rhashtable_destroy(&objagg->obj_ht);
	if (objagg->hints)
		objagg_hints_put(objagg->hints);
	kfree(objagg);
}

/* -- statistics -- */

/* roots first, then by delta users, then by users, each most first */
static int stats_info_cmp(const void *a, const void *b)
{
	const struct objagg_obj_stats_info *x = a, *y = b;

	if (x->is_root != y->is_root)
		return y->is_root - x->is_root;
	if (x->stats.delta_user_count != y->stats.delta_user_count)
		return y->stats.delta_user_count - x->stats.delta_user_count;
	return y->stats.user_count - x->stats.user_count;
}

static struct objagg_stats *stats_alloc(unsigned int count)
{
	return kzalloc(struct_size((struct objagg_stats *)NULL, stats_info, count), GFP_KERNEL);
}

static void stats_sort(struct objagg_stats *stats)
{
	sort(stats->stats_info, stats->stats_info_count, sizeof(stats->stats_info[0]),
	     stats_info_cmp, NULL);
}

const struct objagg_stats *objagg_stats_get(struct objagg *objagg)
{
	struct objagg_stats *stats = stats_alloc(objagg->obj_count);
	struct objagg_obj *o;
	unsigned int i = 0;

	if (!stats)
		return ERR_PTR(-ENOMEM);
	list_for_each_entry(o, &objagg->obj_list, list) {
		struct objagg_obj_stats_info *info = &stats->stats_info[i++];

		info->stats = o->stats;
		info->objagg_obj = o;
		info->is_root = is_root(o);
		stats->root_count += info->is_root;
	}
	stats->stats_info_count = i;
	stats_sort(stats);
	return stats;
}

void objagg_stats_put(const struct objagg_stats *stats)
{
	kfree(stats);
}

/* -- hints -- */

static struct objagg_hints_node *hints_node_create(struct objagg_hints *hints,
						   struct objagg_obj *o, size_t obj_size,
						   struct objagg_hints_node *parent)
{
	struct objagg_hints_node *hnode = kzalloc(sizeof(*hnode) + obj_size, GFP_KERNEL);
	unsigned int users = o->stats.user_count;
	int err;

	if (!hnode)
		return ERR_PTR(-ENOMEM);
	memcpy(hnode->obj, o->obj, obj_size);
	hnode->stats_info.stats.user_count = users;
	hnode->stats_info.stats.delta_user_count = users;
	if (parent) {
		parent->stats_info.stats.delta_user_count += users;
	} else {
		hnode->root_id = hints->root_count++;
		hnode->stats_info.is_root = true;
	}
	hnode->stats_info.objagg_obj = o;
	err = rhashtable_insert_fast(&hints->node_ht, &hnode->ht_node, hints->ht_params);
	if (err) {
		kfree(hnode);
		return ERR_PTR(err);
	}
	list_add(&hnode->list, &hints->node_list);
	hnode->parent = parent;
	hints->node_count++;
	return hnode;
}

static void hints_flush(struct objagg_hints *hints)
{
	struct objagg_hints_node *hnode, *tmp;

	list_for_each_entry_safe(hnode, tmp, &hints->node_list, list) {
		list_del(&hnode->list);
		rhashtable_remove_fast(&hints->node_ht, &hnode->ht_node, hints->ht_params);
		kfree(hnode);
	}
}

/* the greedy pass's graph: edge (p, c) when c can be a delta of p */
struct graph {
	unsigned int count;
	struct objagg_obj **objs;
	bool *taken;
	unsigned long *edges;
};

static bool edge(const struct graph *g, unsigned int parent, unsigned int child)
{
	return test_bit(child * g->count + parent, g->edges);
}

/* a candidate root's weight: its users and those of everything it can take */
static unsigned int weight(const struct graph *g, unsigned int i)
{
	unsigned int w = g->objs[i]->stats.user_count, j;

	for (j = 0; j < g->count; j++)
		if (edge(g, i, j) && !g->taken[j])
			w += g->objs[j]->stats.user_count;
	return w;
}

/* the untaken node of the largest weight (the last of equal ones), or -1 */
static int heaviest(const struct graph *g)
{
	unsigned int best = 0, i;
	int at = -1;

	for (i = 0; i < g->count; i++) {
		unsigned int w;

		if (g->taken[i])
			continue;
		w = weight(g, i);
		if (w >= best) {
			best = w;
			at = i;
		}
	}
	return at;
}

static void graph_free(struct graph *g)
{
	bitmap_free(g->edges);
	kfree(g->taken);
	kfree(g->objs);
}

static int graph_build(struct graph *g, struct objagg *objagg)
{
	struct objagg_obj *o;
	unsigned int i = 0, j;

	g->count = objagg->obj_count;
	g->objs = kcalloc(g->count, sizeof(*g->objs), GFP_KERNEL);
	g->taken = kcalloc(g->count, sizeof(*g->taken), GFP_KERNEL);
	g->edges = bitmap_zalloc(g->count * g->count, GFP_KERNEL);
	if (!g->objs || !g->taken || !g->edges) {
		graph_free(g);
		return -ENOMEM;
	}
	list_for_each_entry(o, &objagg->obj_list, list)
		g->objs[i++] = o;
	for (i = 0; i < g->count; i++)
		for (j = 0; j < g->count; j++)
			if (i != j && objagg->ops->delta_check(objagg->priv, g->objs[i]->obj,
							       g->objs[j]->obj))
				__set_bit(j * g->count + i, g->edges);
	return 0;
}

/* roots by weight, each taking as deltas every untaken object it can */
static int simple_greedy_fillup(struct objagg_hints *hints, struct objagg *objagg)
{
	size_t size = objagg->ops->obj_size;
	struct graph g;
	int root, err = graph_build(&g, objagg);
	unsigned int j;

	if (err)
		return err;
	while ((root = heaviest(&g)) != -1) {
		struct objagg_hints_node *parent;

		g.taken[root] = true;
		parent = hints_node_create(hints, g.objs[root], size, NULL);
		if (IS_ERR(parent)) {
			err = PTR_ERR(parent);
			break;
		}
		for (j = 0; j < g.count; j++) {
			struct objagg_hints_node *hnode;

			if (!edge(&g, root, j) || g.taken[j])
				continue;
			g.taken[j] = true;
			hnode = hints_node_create(hints, g.objs[j], size, parent);
			if (IS_ERR(hnode)) {
				err = PTR_ERR(hnode);
				goto out;
			}
		}
	}
out:
	graph_free(&g);
	return err;
}

struct objagg_hints *objagg_hints_get(struct objagg *objagg,
				      enum objagg_opt_algo_type opt_algo_type)
{
	struct objagg_hints *hints;
	int err;

	if (opt_algo_type != OBJAGG_OPT_ALGO_SIMPLE_GREEDY)
		return ERR_PTR(-EINVAL);
	hints = kzalloc(sizeof(*hints), GFP_KERNEL);
	if (!hints)
		return ERR_PTR(-ENOMEM);
	hints->ops = objagg->ops;
	hints->refcount = 1;
	INIT_LIST_HEAD(&hints->node_list);
	hints->ht_params.key_len = objagg->ops->obj_size;
	hints->ht_params.key_offset = offsetof(struct objagg_hints_node, obj);
	hints->ht_params.head_offset = offsetof(struct objagg_hints_node, ht_node);
	err = rhashtable_init(&hints->node_ht, &hints->ht_params);
	if (err)
		goto free;
	err = simple_greedy_fillup(hints, objagg);
	if (!err && KLIB_WARN_ON(hints->node_count != objagg->obj_count))
		err = -EINVAL;
	if (!err)
		return hints;
	hints_flush(hints);
	rhashtable_destroy(&hints->node_ht);
free:
	kfree(hints);
	return ERR_PTR(err);
}

void objagg_hints_put(struct objagg_hints *hints)
{
	if (--hints->refcount)
		return;
	hints_flush(hints);
	rhashtable_destroy(&hints->node_ht);
	kfree(hints);
}

const struct objagg_stats *objagg_hints_stats_get(struct objagg_hints *hints)
{
	struct objagg_stats *stats = stats_alloc(hints->node_count);
	struct objagg_hints_node *hnode;
	unsigned int i = 0;

	if (!stats)
		return ERR_PTR(-ENOMEM);
	list_for_each_entry(hnode, &hints->node_list, list) {
		stats->stats_info[i] = hnode->stats_info;
		stats->root_count += hnode->stats_info.is_root;
		i++;
	}
	stats->stats_info_count = i;
	stats_sort(stats);
	return stats;
}
