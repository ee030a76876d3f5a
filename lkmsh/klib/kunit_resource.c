// SPDX-License-Identifier: MIT
/*
 * KUnit's test-managed resources, as Linux 6.1's lib/kunit/resource.c and the
 * resource half of lib/kunit/test.c: a case's resources are struct
 * kunit_resource records on test->resources (a list in the test's own
 * memory, which tests walk themselves), freed newest first by kunit_cleanup().
 * kunit_kmalloc_array() is one such resource. The inline half of the API is
 * <kunit/resource.h>, on whose layouts this file is compiled.
 */
#include <kunit/resource.h>
#include <kunit/test.h>

/* what KUNIT_FAIL() passes as its format: the kernel's function, not the import stub */
extern const void *const __kimport_kunit_fail_assert_format;

void kunit_init_test(struct kunit *test, const char *name, char *log)
{
	spin_lock_init(&test->lock);
	INIT_LIST_HEAD(&test->resources);
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
	kref_init(&res->refcount);	/* the list's reference */
	if (init) {
		ret = init(res, data);
		if (ret)
			return ret;
	} else {
		res->data = data;
	}
	spin_lock_irqsave(&test->lock, flags);
	list_add_tail(&res->node, &test->resources);
	spin_unlock_irqrestore(&test->lock, flags);
	return 0;
}

void kunit_remove_resource(struct kunit *test, struct kunit_resource *res)
{
	unsigned long flags;
	bool was_linked;

	spin_lock_irqsave(&test->lock, flags);
	was_linked = !list_empty(&res->node);
	list_del_init(&res->node);
	spin_unlock_irqrestore(&test->lock, flags);
	if (was_linked)
		kunit_put_resource(res);
}

int kunit_destroy_resource(struct kunit *test, kunit_resource_match_t match, void *match_data)
{
	struct kunit_resource *res, *found = NULL;
	unsigned long flags;

	/* kunit_find_resource(): the newest match, with a reference taken */
	spin_lock_irqsave(&test->lock, flags);
	list_for_each_entry_reverse(res, &test->resources, node) {
		if (match(test, res, match_data)) {
			found = res;
			kunit_get_resource(found);
			break;
		}
	}
	spin_unlock_irqrestore(&test->lock, flags);
	if (!found)
		return -ENOENT;
	kunit_remove_resource(test, found);
	kunit_put_resource(found);	/* the reference the find took */
	return 0;
}

void kunit_cleanup(struct kunit *test)
{
	/*
	 * A stack: newest first, one at a time, since a resource's free may
	 * remove others (so no list walk across a free).
	 */
	for (;;) {
		struct kunit_resource *res;
		unsigned long flags;

		spin_lock_irqsave(&test->lock, flags);
		if (list_empty(&test->resources)) {
			spin_unlock_irqrestore(&test->lock, flags);
			break;
		}
		res = list_last_entry(&test->resources, struct kunit_resource, node);
		spin_unlock_irqrestore(&test->lock, flags);
		kunit_remove_resource(test, res);
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
	res->should_kfree = true;
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
	const struct kunit_fail_assert fail = {};

	if (!ptr)
		return;
	if (kunit_destroy_resource(test, kunit_kfree_match, (void *)ptr))
		kunit_do_failed_assertion(test, &loc, KUNIT_EXPECTATION, &fail.assert,
					  (assert_format_t)__kimport_kunit_fail_assert_format,
					  "kunit_kfree: %px already freed or not allocated by kunit",
					  ptr);
}
