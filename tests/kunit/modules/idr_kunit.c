// SPDX-License-Identifier: GPL-2.0
/* IDR, IDA and XArray basics, as drivers use them to hand out minor numbers and handles. */
#include <kunit/test.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/xarray.h>

static DEFINE_IDR(handles);
static DEFINE_IDA(minors);
static DEFINE_XARRAY_ALLOC(objects);

static int count_cb(int id, void *p, void *data)
{
	(*(int *)data) += id;
	return 0;
}

static void idr_test(struct kunit *test)
{
	int a = 1, b = 2, c = 3, id1, id2, id3, id, sum = 0;
	void *entry;

	KUNIT_EXPECT_TRUE(test, idr_is_empty(&handles));
	id1 = idr_alloc(&handles, &a, 0, 0, GFP_KERNEL);
	id2 = idr_alloc(&handles, &b, 0, 0, GFP_KERNEL);
	id3 = idr_alloc(&handles, &c, 10, 20, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, id1, 0);
	KUNIT_EXPECT_EQ(test, id2, 1);
	KUNIT_EXPECT_EQ(test, id3, 10);
	KUNIT_EXPECT_PTR_EQ(test, idr_find(&handles, 1), (void *)&b);
	KUNIT_EXPECT_EQ(test, idr_alloc(&handles, &c, 5, 6, GFP_KERNEL), 5);
	KUNIT_EXPECT_EQ(test, idr_alloc(&handles, &c, 5, 6, GFP_KERNEL), -ENOSPC);
	idr_for_each_entry(&handles, entry, id)
		sum += id;
	KUNIT_EXPECT_EQ(test, sum, 0 + 1 + 5 + 10);
	sum = 0;
	KUNIT_EXPECT_EQ(test, idr_for_each(&handles, count_cb, &sum), 0);
	KUNIT_EXPECT_EQ(test, sum, 16);
	KUNIT_EXPECT_PTR_EQ(test, idr_remove(&handles, 1), (void *)&b);
	KUNIT_EXPECT_NULL(test, idr_find(&handles, 1));
	KUNIT_EXPECT_EQ(test, idr_alloc(&handles, &b, 0, 0, GFP_KERNEL), 1);
	KUNIT_EXPECT_PTR_EQ(test, idr_replace(&handles, &a, 1), (void *)&b);
	KUNIT_EXPECT_EQ(test, PTR_ERR(idr_replace(&handles, &a, 99)), -ENOENT);
	idr_destroy(&handles);
	KUNIT_EXPECT_TRUE(test, idr_is_empty(&handles));
}

static void ida_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, ida_is_empty(&minors));
	KUNIT_EXPECT_EQ(test, ida_alloc(&minors, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, ida_alloc(&minors, GFP_KERNEL), 1);
	KUNIT_EXPECT_EQ(test, ida_alloc_min(&minors, 100, GFP_KERNEL), 100);
	KUNIT_EXPECT_EQ(test, ida_alloc_max(&minors, 1, GFP_KERNEL), -ENOSPC);
	ida_free(&minors, 0);
	KUNIT_EXPECT_EQ(test, ida_simple_get(&minors, 0, 2, GFP_KERNEL), 0);
	KUNIT_EXPECT_FALSE(test, ida_is_empty(&minors));
	ida_destroy(&minors);
	KUNIT_EXPECT_TRUE(test, ida_is_empty(&minors));
}

/* Many IDs taken from one minimum up to the limit, holes reused lowest first. */
static void ida_many_test(struct kunit *test)
{
	unsigned int base = INT_MAX - 40000, i;

	for (i = 0; i <= 40000; i++)
		KUNIT_ASSERT_EQ(test, ida_alloc_min(&minors, base, GFP_KERNEL), base + i);
	KUNIT_EXPECT_EQ(test, ida_alloc_min(&minors, base, GFP_KERNEL), -ENOSPC);
	ida_free(&minors, base + 7);
	ida_free(&minors, base + 3);
	ida_free(&minors, base + 4);
	KUNIT_EXPECT_EQ(test, ida_alloc_min(&minors, base, GFP_KERNEL), base + 3);
	KUNIT_EXPECT_EQ(test, ida_alloc_min(&minors, base + 5, GFP_KERNEL), base + 7);
	KUNIT_EXPECT_EQ(test, ida_alloc_max(&minors, base + 4, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, ida_alloc_range(&minors, base + 1, base + 6, GFP_KERNEL), base + 4);
	KUNIT_EXPECT_EQ(test, ida_alloc_range(&minors, base + 1, base + 6, GFP_KERNEL), -ENOSPC);
	KUNIT_EXPECT_EQ(test, ida_alloc_min(&minors, (unsigned int)INT_MAX + 1, GFP_KERNEL),
			-ENOSPC);
	ida_destroy(&minors);
	KUNIT_EXPECT_TRUE(test, ida_is_empty(&minors));
}

static void xarray_test(struct kunit *test)
{
	int x = 7, y = 8;
	unsigned long index;
	void *entry;
	u32 id;
	int seen = 0;

	KUNIT_EXPECT_TRUE(test, xa_empty(&objects));
	KUNIT_EXPECT_NULL(test, xa_store(&objects, 5, &x, GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, xa_load(&objects, 5), (void *)&x);
	KUNIT_EXPECT_EQ(test, xa_insert(&objects, 5, &y, GFP_KERNEL), -EBUSY);
	KUNIT_EXPECT_EQ(test, xa_alloc(&objects, &id, &y, xa_limit_32b, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, id, 0);
	KUNIT_EXPECT_EQ(test, xa_alloc(&objects, &id, &y, XA_LIMIT(5, 9), GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, id, 6);
	xa_store(&objects, 1000000, xa_mk_value(42), GFP_KERNEL);
	xa_for_each(&objects, index, entry)
		seen++;
	KUNIT_EXPECT_EQ(test, seen, 4);
	KUNIT_EXPECT_EQ(test, xa_to_value(xa_load(&objects, 1000000)), 42);
	KUNIT_EXPECT_PTR_EQ(test, xa_erase(&objects, 5), (void *)&x);
	xa_destroy(&objects);
	KUNIT_EXPECT_TRUE(test, xa_empty(&objects));
}

static struct kunit_case idr_cases[] = {
	KUNIT_CASE(idr_test),
	KUNIT_CASE(ida_test),
	KUNIT_CASE(ida_many_test),
	KUNIT_CASE(xarray_test),
	{}
};

static struct kunit_suite idr_suite = {
	.name = "idr",
	.test_cases = idr_cases,
};
kunit_test_suite(idr_suite);
MODULE_LICENSE("GPL");
