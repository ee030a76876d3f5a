// SPDX-License-Identifier: GPL-2.0
/*
 * The KUnit resource API (<kunit/resource.h>) as a driver's test uses it:
 * a test-managed "device" (named, found, put, destroyed) and the order the
 * resources of a case are freed in when it ends.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>

struct fake_dev {
	int id;
	bool open;
};

/* What each case's resources freed, in order, checked by the case after it. */
static int freed[8];
static int nfreed;

static int fake_dev_init(struct kunit_resource *res, void *context)
{
	struct fake_dev *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	if (!dev)
		return -ENOMEM;
	dev->id = *(int *)context;
	dev->open = true;
	res->data = dev;
	return 0;
}

static void fake_dev_free(struct kunit_resource *res)
{
	struct fake_dev *dev = res->data;

	if (nfreed < ARRAY_SIZE(freed))
		freed[nfreed++] = dev->id;
	kfree(dev);
}

static int refuse_init(struct kunit_resource *res, void *context)
{
	return -ENODEV;
}

static struct fake_dev *add_dev(struct kunit *test, int id)
{
	return kunit_alloc_resource(test, fake_dev_init, fake_dev_free, GFP_KERNEL, &id);
}

static void adds_three_test(struct kunit *test)
{
	nfreed = 0;
	KUNIT_ASSERT_NOT_NULL(test, add_dev(test, 1));
	KUNIT_ASSERT_NOT_NULL(test, add_dev(test, 2));
	KUNIT_ASSERT_NOT_NULL(test, add_dev(test, 3));
	KUNIT_EXPECT_EQ(test, list_count_nodes(&test->resources), 3);
	KUNIT_EXPECT_EQ(test, nfreed, 0);
}

static void freed_newest_first_test(struct kunit *test)
{
	/* kunit_cleanup() after adds_three_test: a stack, the newest first */
	KUNIT_ASSERT_EQ(test, nfreed, 3);
	KUNIT_EXPECT_EQ(test, freed[0], 3);
	KUNIT_EXPECT_EQ(test, freed[1], 2);
	KUNIT_EXPECT_EQ(test, freed[2], 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&test->resources));
}

static void named_test(struct kunit *test)
{
	struct kunit_resource *uart = kunit_kzalloc(test, sizeof(*uart), GFP_KERNEL);
	struct kunit_resource dup = {}, *found;
	int id = 7;

	KUNIT_ASSERT_NOT_NULL(test, uart);
	KUNIT_EXPECT_EQ(test, kunit_add_named_resource(test, fake_dev_init, fake_dev_free,
						       uart, "uart0", &id), 0);
	KUNIT_EXPECT_EQ(test, kunit_add_named_resource(test, NULL, NULL, &dup, "uart0", NULL),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, kunit_add_named_resource(test, NULL, NULL, &dup, NULL, NULL),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, kunit_find_named_resource(test, "uart1"));

	found = kunit_find_named_resource(test, "uart0");
	KUNIT_ASSERT_PTR_EQ(test, found, uart);
	KUNIT_EXPECT_EQ(test, ((struct fake_dev *)found->data)->id, 7);
	KUNIT_EXPECT_EQ(test, kref_read(&found->refcount), 2U);
	kunit_put_resource(found);

	nfreed = 0;
	KUNIT_EXPECT_EQ(test, kunit_destroy_named_resource(test, "uart0"), 0);
	KUNIT_EXPECT_EQ(test, nfreed, 1);
	KUNIT_EXPECT_EQ(test, kunit_destroy_named_resource(test, "uart0"), -ENOENT);
}

static void held_reference_test(struct kunit *test)
{
	int id = 9;
	struct kunit_resource *res = kunit_alloc_and_get_resource(test, fake_dev_init,
								  fake_dev_free, GFP_KERNEL, &id);

	KUNIT_ASSERT_NOT_NULL(test, res);
	nfreed = 0;
	/* off the list, but our reference keeps it */
	kunit_remove_resource(test, res);
	kunit_remove_resource(test, res);
	KUNIT_EXPECT_EQ(test, nfreed, 0);
	KUNIT_EXPECT_TRUE(test, ((struct fake_dev *)res->data)->open);
	kunit_put_resource(res);
	KUNIT_EXPECT_EQ(test, nfreed, 1);
}

static void init_fails_test(struct kunit *test)
{
	struct kunit_resource res = {};

	KUNIT_EXPECT_EQ(test, kunit_add_resource(test, refuse_init, NULL, &res, NULL), -ENODEV);
	KUNIT_EXPECT_TRUE(test, list_empty(&test->resources));
}

static void aborted_case_test(struct kunit *test)
{
	nfreed = 0;
	KUNIT_ASSERT_NOT_NULL(test, add_dev(test, 4));
	KUNIT_ASSERT_NOT_NULL(test, add_dev(test, 5));
	KUNIT_ASSERT_EQ_MSG(test, nfreed, 1, "stops here on purpose");
}

static void aborted_case_was_cleaned_test(struct kunit *test)
{
	/* the catch ran kunit_cleanup() for the case the assertion ended */
	KUNIT_ASSERT_EQ(test, nfreed, 2);
	KUNIT_EXPECT_EQ(test, freed[0], 5);
	KUNIT_EXPECT_EQ(test, freed[1], 4);
}

static void bad_kfree_test(struct kunit *test)
{
	static int not_kunits;

	kunit_kfree(test, &not_kunits);
}

static struct kunit_case resource_cases[] = {
	KUNIT_CASE(adds_three_test),
	KUNIT_CASE(freed_newest_first_test),
	KUNIT_CASE(named_test),
	KUNIT_CASE(held_reference_test),
	KUNIT_CASE(init_fails_test),
	KUNIT_CASE(aborted_case_test),
	KUNIT_CASE(aborted_case_was_cleaned_test),
	KUNIT_CASE(bad_kfree_test),
	{}
};

static struct kunit_suite resource_suite = {
	.name = "resources",
	.test_cases = resource_cases,
};
kunit_test_suite(resource_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit resource API checks");
