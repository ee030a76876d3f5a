/* SPDX-License-Identifier: MIT */
/*
 * lkmsh: KUnit's test-managed resources, as Linux 6.1's <kunit/resource.h>.
 *
 * A resource is a struct kunit_resource on its test's test->resources list,
 * with a reference count and a free function; kunit_cleanup() (run after
 * every case) frees what is left, newest first. kunit_kmalloc() and friends
 * are resources too. The exported half (__kunit_add_resource,
 * kunit_remove_resource, kunit_destroy_resource) is C in lkmsh's kernel
 * library (lkmsh/klib/kunit_resource.c); the rest is inline here, as in Linux.
 */
#ifndef _LKMSH_KUNIT_RESOURCE_H
#define _LKMSH_KUNIT_RESOURCE_H

#include <kunit/test.h>

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

struct kunit_resource;

typedef int (*kunit_resource_init_t)(struct kunit_resource *, void *);
typedef void (*kunit_resource_free_t)(struct kunit_resource *);

struct kunit_resource {
	void *data;
	const char *name;
	kunit_resource_free_t free;

	/* private: internal use only. */
	struct kref refcount;
	struct list_head node;
	bool should_kfree;
};

/* lkmsh/klib/kunit_resource.c reads and writes these fields at these offsets. */
_Static_assert(__builtin_offsetof(struct kunit_resource, refcount) == 24, "kunit_resource layout");
_Static_assert(__builtin_offsetof(struct kunit_resource, node) == 32, "kunit_resource layout");
_Static_assert(sizeof(struct kunit_resource) == 56, "kunit_resource layout");

/* Takes a reference; kunit_find_resource*() do it for their caller. */
static inline void kunit_get_resource(struct kunit_resource *res)
{
	kref_get(&res->refcount);
}

/* The last reference is gone: free the resource (not to be called directly). */
static inline void kunit_release_resource(struct kref *kref)
{
	struct kunit_resource *res = container_of(kref, struct kunit_resource, refcount);

	if (res->free)
		res->free(res);
	/* res->free frees res->data, never res itself: that is should_kfree's job */
	if (res->should_kfree)
		kfree(res);
}

/* Drops a reference taken by kunit_alloc_and_get_resource() or a find. */
static inline void kunit_put_resource(struct kunit_resource *res)
{
	kref_put(&res->refcount, kunit_release_resource);
}

/*
 * Adds @res to @test's list, its reference count 1 (the list's): init(res,
 * data) sets it up if given (a non-zero return is returned and nothing is
 * added), otherwise res->data = data. Leaves res->should_kfree as it is.
 */
int __kunit_add_resource(struct kunit *test,
			 kunit_resource_init_t init,
			 kunit_resource_free_t free,
			 struct kunit_resource *res,
			 void *data);

/* A resource the caller owns the memory of (a static or stack one). */
static inline int kunit_add_resource(struct kunit *test,
				     kunit_resource_init_t init,
				     kunit_resource_free_t free,
				     struct kunit_resource *res,
				     void *data)
{
	res->should_kfree = false;
	return __kunit_add_resource(test, init, free, res, data);
}

static inline struct kunit_resource *
kunit_find_named_resource(struct kunit *test, const char *name);

/* Names are unique in a test: -EEXIST for a name already there, -EINVAL for none. */
static inline int kunit_add_named_resource(struct kunit *test,
					   kunit_resource_init_t init,
					   kunit_resource_free_t free,
					   struct kunit_resource *res,
					   const char *name,
					   void *data)
{
	struct kunit_resource *existing;

	if (!name)
		return -EINVAL;

	existing = kunit_find_named_resource(test, name);
	if (existing) {
		kunit_put_resource(existing);
		return -EEXIST;
	}

	res->name = name;
	res->should_kfree = false;

	return __kunit_add_resource(test, init, free, res, data);
}

/* kzalloc's a resource, adds it and returns it with a reference for the caller. */
static inline struct kunit_resource *
kunit_alloc_and_get_resource(struct kunit *test,
			     kunit_resource_init_t init,
			     kunit_resource_free_t free,
			     gfp_t internal_gfp,
			     void *context)
{
	struct kunit_resource *res;

	res = kzalloc(sizeof(*res), internal_gfp);
	if (!res)
		return NULL;

	res->should_kfree = true;
	if (__kunit_add_resource(test, init, free, res, context))
		return NULL;
	kunit_get_resource(res);
	return res;
}

/* As kunit_alloc_and_get_resource(), but returns res->data and takes no reference. */
static inline void *kunit_alloc_resource(struct kunit *test,
					 kunit_resource_init_t init,
					 kunit_resource_free_t free,
					 gfp_t internal_gfp,
					 void *context)
{
	struct kunit_resource *res;

	res = kzalloc(sizeof(*res), internal_gfp);
	if (!res)
		return NULL;

	res->should_kfree = true;
	if (!__kunit_add_resource(test, init, free, res, context))
		return res->data;

	return NULL;
}

typedef bool (*kunit_resource_match_t)(struct kunit *test,
				       struct kunit_resource *res,
				       void *match_data);

static inline bool kunit_resource_name_match(struct kunit *test,
					     struct kunit_resource *res,
					     void *match_name)
{
	return res->name && strcmp(res->name, match_name) == 0;
}

/* The newest resource @match accepts, with a reference taken (or NULL). */
static inline struct kunit_resource *
kunit_find_resource(struct kunit *test,
		    kunit_resource_match_t match,
		    void *match_data)
{
	struct kunit_resource *res, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&test->lock, flags);

	list_for_each_entry_reverse(res, &test->resources, node) {
		if (match(test, res, (void *)match_data)) {
			found = res;
			kunit_get_resource(found);
			break;
		}
	}

	spin_unlock_irqrestore(&test->lock, flags);

	return found;
}

static inline struct kunit_resource *
kunit_find_named_resource(struct kunit *test, const char *name)
{
	return kunit_find_resource(test, kunit_resource_name_match, (void *)name);
}

/* Finds a resource, takes it off the list and drops the list's reference: 0 or -ENOENT. */
int kunit_destroy_resource(struct kunit *test,
			   kunit_resource_match_t match,
			   void *match_data);

static inline int kunit_destroy_named_resource(struct kunit *test, const char *name)
{
	return kunit_destroy_resource(test, kunit_resource_name_match, (void *)name);
}

/*
 * Takes @res off its list, dropping the list's reference (once: removing it
 * again does nothing); a reference the caller holds keeps it alive.
 */
void kunit_remove_resource(struct kunit *test, struct kunit_resource *res);

#endif
