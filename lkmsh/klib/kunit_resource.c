// SPDX-License-Identifier: MIT
/*
 * KUnit's test-managed resources, as Linux 6.1's lib/kunit/resource.c and the
 * resource half of lib/kunit/test.c: a case's resources are struct
 * kunit_resource records on test->resources (a list in the test's own
 * memory, which tests walk themselves), freed newest first by kunit_cleanup().
 * kunit_kmalloc_array() is one such resource. The inline half of the API is
 * <kunit/resource.h>; the layouts below are lkmsh's <kunit/test.h> ones
 * (Linux's), pinned by the asserts.
 */
#include "klib.h"

typedef unsigned int gfp_t;
#define ENOENT 2
#define ENOMEM 12
#define KUNIT_SUCCESS 0
#define KUNIT_EXPECTATION 1

typedef struct {
	unsigned int locked;
	unsigned int magic;
} spinlock_t;

struct kunit_try_catch {
	void *test, *try_completion;
	int try_result;
	void (*try)(void *), (*catch)(void *);
	void *context;
};

struct kunit {
	void *priv;
	const char *name;
	char *log;
	struct kunit_try_catch try_catch;
	const void *param_value;
	int param_index;
	spinlock_t lock;
	int status;
	struct list_head resources;
	char status_comment[256];
};

struct kunit_resource;
typedef int (*kunit_resource_init_t)(struct kunit_resource *, void *);
typedef void (*kunit_resource_free_t)(struct kunit_resource *);
typedef bool (*kunit_resource_match_t)(struct kunit *, struct kunit_resource *, void *);

struct kunit_resource {
	void *data;
	const char *name;
	kunit_resource_free_t free;
	int refcount;		/* struct kref */
	struct list_head node;
	bool should_kfree;
};

_Static_assert(__builtin_offsetof(struct kunit, lock) == 84, "struct kunit layout");
_Static_assert(__builtin_offsetof(struct kunit, resources) == 96, "struct kunit layout");
_Static_assert(sizeof(struct kunit) == 368, "struct kunit layout");
_Static_assert(__builtin_offsetof(struct kunit_resource, node) == 32, "kunit_resource layout");
_Static_assert(sizeof(struct kunit_resource) == 56, "kunit_resource layout");

struct kunit_loc {
	int line;
	const char *file;
};

/* The kernel functions used here (build.py's IMPORTS). */
void *kmalloc_array(size_t n, size_t size, gfp_t flags);
void *kzalloc(size_t size, gfp_t flags);
void kfree(const void *p);
void spin_lock_init(spinlock_t *lock);
unsigned long _raw_spin_lock_irqsave(spinlock_t *lock);
void _raw_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
void kunit_do_failed_assertion(struct kunit *test, const struct kunit_loc *loc, int type,
			       const void *assert, const void *assert_format,
			       const char *fmt, ...);
extern const void *const __kimport_kunit_fail_assert_format;

static void list_add_tail(struct list_head *new, struct list_head *head)
{
	struct list_head *prev = head->prev;

	new->next = head;
	new->prev = prev;
	prev->next = new;
	head->prev = new;
}

static void list_del_init(struct list_head *entry)
{
	entry->next->prev = entry->prev;
	entry->prev->next = entry->next;
	entry->next = entry;
	entry->prev = entry;
}

/* kunit_put_resource(): the last reference frees it (kunit_release_resource()). */
static void put_resource(struct kunit_resource *res)
{
	if (__atomic_sub_fetch(&res->refcount, 1, __ATOMIC_SEQ_CST))
		return;
	if (res->free)
		res->free(res);
	if (res->should_kfree)
		kfree(res);
}

void kunit_init_test(struct kunit *test, const char *name, char *log)
{
	spin_lock_init(&test->lock);
	test->resources.next = &test->resources;
	test->resources.prev = &test->resources;
	test->name = name;
	test->log = log;
	if (test->log)
		test->log[0] = '\0';
	test->status = KUNIT_SUCCESS;
	test->status_comment[0] = '\0';
}

int __kunit_add_resource(struct kunit *test, kunit_resource_init_t init,
			 kunit_resource_free_t free, struct kunit_resource *res, void *data)
{
	unsigned long flags;
	int ret = 0;

	res->free = free;
	res->refcount = 1;	/* the list's reference */
	if (init) {
		ret = init(res, data);
		if (ret)
			return ret;
	} else {
		res->data = data;
	}
	flags = _raw_spin_lock_irqsave(&test->lock);
	list_add_tail(&res->node, &test->resources);
	_raw_spin_unlock_irqrestore(&test->lock, flags);
	return 0;
}

void kunit_remove_resource(struct kunit *test, struct kunit_resource *res)
{
	unsigned long flags = _raw_spin_lock_irqsave(&test->lock);
	bool was_linked = res->node.next != &res->node;

	list_del_init(&res->node);
	_raw_spin_unlock_irqrestore(&test->lock, flags);
	if (was_linked)
		put_resource(res);
}

int kunit_destroy_resource(struct kunit *test, kunit_resource_match_t match, void *match_data)
{
	struct kunit_resource *found = NULL;
	struct list_head *at;
	unsigned long flags;

	/* kunit_find_resource(): the newest match, with a reference taken */
	flags = _raw_spin_lock_irqsave(&test->lock);
	for (at = test->resources.prev; at != &test->resources; at = at->prev) {
		struct kunit_resource *res = (void *)((char *)at - __builtin_offsetof(struct kunit_resource, node));

		if (match(test, res, match_data)) {
			found = res;
			__atomic_add_fetch(&found->refcount, 1, __ATOMIC_SEQ_CST);
			break;
		}
	}
	_raw_spin_unlock_irqrestore(&test->lock, flags);
	if (!found)
		return -ENOENT;
	kunit_remove_resource(test, found);
	put_resource(found);	/* the reference the find took */
	return 0;
}

void kunit_cleanup(struct kunit *test)
{
	/*
	 * A stack: newest first, one at a time, since a resource's free may
	 * remove others (so no list walk across a free).
	 */
	for (;;) {
		unsigned long flags = _raw_spin_lock_irqsave(&test->lock);
		struct list_head *last = test->resources.prev;

		_raw_spin_unlock_irqrestore(&test->lock, flags);
		if (last == &test->resources)
			break;
		kunit_remove_resource(test, (void *)((char *)last -
				      __builtin_offsetof(struct kunit_resource, node)));
	}
}

struct kunit_kmalloc_array_params {
	size_t n;
	size_t size;
	gfp_t gfp;
};

static int kunit_kmalloc_array_init(struct kunit_resource *res, void *context)
{
	struct kunit_kmalloc_array_params *params = context;

	res->data = kmalloc_array(params->n, params->size, params->gfp);
	return res->data ? 0 : -ENOMEM;
}

static void kunit_kmalloc_array_free(struct kunit_resource *res)
{
	kfree(res->data);
}

void *kunit_kmalloc_array(struct kunit *test, size_t n, size_t size, gfp_t gfp)
{
	struct kunit_kmalloc_array_params params = { .n = n, .size = size, .gfp = gfp };
	struct kunit_resource *res = kzalloc(sizeof(*res), gfp);	/* kunit_alloc_resource() */

	if (!res)
		return NULL;
	res->should_kfree = 1;
	if (__kunit_add_resource(test, kunit_kmalloc_array_init, kunit_kmalloc_array_free,
				 res, &params))
		return NULL;	/* as Linux 6.1, the record itself is not freed then */
	return res->data;
}

static bool kunit_kfree_match(struct kunit *test, struct kunit_resource *res, void *match_data)
{
	/* only what kunit_kmalloc() and friends allocated */
	return res->free == kunit_kmalloc_array_free && res->data == match_data;
}

void kunit_kfree(struct kunit *test, const void *ptr)
{
	/* Linux's KUNIT_FAIL() in lib/kunit/test.c, at its line */
	static const struct kunit_loc loc = { .line = 741, .file = "lib/kunit/test.c" };
	char fail_assert[1];

	if (!ptr)
		return;
	if (kunit_destroy_resource(test, kunit_kfree_match, (void *)ptr))
		kunit_do_failed_assertion(test, &loc, KUNIT_EXPECTATION, fail_assert,
					  __kimport_kunit_fail_assert_format,
					  "kunit_kfree: %px already freed or not allocated by kunit",
					  ptr);
}
