// SPDX-License-Identifier: GPL-2.0
/*
 * What lib/test_siphash.c, lib/overflow_kunit.c and lib/memcpy_kunit.c
 * needed, with our own cases: siphash/hsiphash (buffer and word forms agree),
 * check_shl_overflow's edge cases, struct_size() as a constant expression,
 * memset_after/memset_startat, strtomem/strtomem_pad, the _node allocators,
 * __vmalloc, and a root device carrying devm_ allocations.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

static const siphash_key_t key = { { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL } };
static const hsiphash_key_t hkey = { { 0x0706050403020100UL, 0x0f0e0d0c0b0a0908UL } };

static void siphash_test(struct kunit *test)
{
	u8 in[16];
	u64 words[2];
	u32 halves[4];
	int i;

	for (i = 0; i < 16; i++)
		in[i] = i;
	memcpy(words, in, 16);
	memcpy(halves, in, 16);
	/* the reference implementation's vectors (SipHash paper, appendix A) */
	KUNIT_EXPECT_EQ(test, siphash(in, 0, &key), 0x726fdb47dd0e0e31ULL);
	KUNIT_EXPECT_EQ(test, siphash(in, 15, &key), 0xa129ca6149be45e5ULL);
	/* the word forms hash the words' little-endian bytes */
	KUNIT_EXPECT_EQ(test, siphash_2u64(words[0], words[1], &key), siphash(in, 16, &key));
	KUNIT_EXPECT_EQ(test, siphash_1u32(halves[0], &key), siphash(in, 4, &key));
	KUNIT_EXPECT_EQ(test, siphash_3u32(halves[0], halves[1], halves[2], &key),
			siphash(in, 12, &key));
	KUNIT_EXPECT_EQ(test, siphash_4u32(halves[0], halves[1], halves[2], halves[3], &key),
			siphash(in, 16, &key));
	KUNIT_EXPECT_EQ(test, hsiphash_2u32(halves[0], halves[1], &hkey), hsiphash(in, 8, &hkey));
	KUNIT_EXPECT_EQ(test, hsiphash(in + 1, 7, &hkey), __hsiphash_unaligned(in + 1, 7, &hkey));
	KUNIT_EXPECT_NE(test, hsiphash(in, 8, &hkey), (u32)siphash(in, 8, &key));
	KUNIT_EXPECT_FALSE(test, siphash_key_is_zero(&key));
}

struct flex {
	int n;
	u16 items[];
};

static void overflow_test(struct kunit *test)
{
	u8 constant_sized[struct_size((struct flex *)0, items, 3)];
	volatile size_t huge = SIZE_MAX / 2;
	unsigned int u;
	int s;
	u8 b;

	KUNIT_EXPECT_EQ(test, sizeof(constant_sized), sizeof(struct flex) + 6);
	KUNIT_EXPECT_FALSE(test, check_shl_overflow(1u, 31, &u));
	KUNIT_EXPECT_EQ(test, u, 0x80000000u);
	KUNIT_EXPECT_TRUE(test, check_shl_overflow(1, 31, &s));	/* into the sign bit */
	KUNIT_EXPECT_TRUE(test, check_shl_overflow(-1, 0, &s));	/* a negative value */
	KUNIT_EXPECT_TRUE(test, check_shl_overflow(1u, 40, &u));	/* wider than *d */
	KUNIT_EXPECT_EQ(test, u, 1u);
	KUNIT_EXPECT_TRUE(test, check_shl_overflow(1, -1, &s));
	KUNIT_EXPECT_TRUE(test, check_shl_overflow(0x81, 1, &b));
	/* a count known only at run time saturates instead of wrapping */
	KUNIT_EXPECT_EQ(test, struct_size((struct flex *)0, items, huge), SIZE_MAX);
}

struct record {
	u32 head;
	u32 body;
	char tail[6];
};

static void memset_and_strtomem_test(struct kunit *test)
{
	struct record r = { 1, 2, "tail" };
	char fixed[4] __nonstring;

	memset_after(&r, 0xff, body);
	KUNIT_EXPECT_EQ(test, r.body, 2u);
	KUNIT_EXPECT_EQ(test, (u8)r.tail[0], 0xff);
	memset_startat(&r, 0, body);
	KUNIT_EXPECT_EQ(test, r.head, 1u);
	KUNIT_EXPECT_EQ(test, r.body, 0u);
	memset(fixed, 'x', sizeof(fixed));
	strtomem(fixed, "ab");
	KUNIT_EXPECT_EQ(test, memcmp(fixed, "abxx", 4), 0);
	strtomem_pad(fixed, "c", '.');
	KUNIT_EXPECT_EQ(test, memcmp(fixed, "c...", 4), 0);
	strtomem(fixed, "longer than four");
	KUNIT_EXPECT_EQ(test, memcmp(fixed, "long", 4), 0);
}

static void node_allocators_test(struct kunit *test)
{
	u8 *a = kzalloc_node(64, GFP_KERNEL, NUMA_NO_NODE);
	u8 *v = __vmalloc(3 * PAGE_SIZE, GFP_KERNEL | __GFP_ZERO);
	u8 *kv = kvzalloc_node(2 * PAGE_SIZE, GFP_KERNEL, 0);
	void *m = kmalloc_node(16, GFP_KERNEL, 0);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_NOT_NULL(test, kv);
	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_NULL(test, memchr_inv(a, 0, 64));
	KUNIT_EXPECT_NULL(test, memchr_inv(v, 0, 3 * PAGE_SIZE));
	KUNIT_EXPECT_NULL(test, memchr_inv(kv, 0, 2 * PAGE_SIZE));
	KUNIT_EXPECT_NULL(test, __vmalloc(0, GFP_KERNEL));
	kfree(a);
	vfree(v);
	kvfree(kv);
	kfree(m);
}

static void root_device_test(struct kunit *test)
{
	struct device *dev = root_device_register("hash-alloc-test");
	struct device *again;
	void *p;

	KUNIT_ASSERT_FALSE(test, IS_ERR_OR_NULL(dev));
	again = root_device_register("hash-alloc-test");
	KUNIT_EXPECT_EQ(test, PTR_ERR(again), -EEXIST);
	p = devm_kzalloc(dev, 128, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_NULL(test, devm_kmalloc(dev, 32, GFP_KERNEL));
	devm_kfree(dev, p);
	/* the device's managed memory goes with it: nothing leaks */
	device_unregister(dev);
}

static struct kunit_case hash_alloc_cases[] = {
	KUNIT_CASE(siphash_test),
	KUNIT_CASE(overflow_test),
	KUNIT_CASE(memset_and_strtomem_test),
	KUNIT_CASE(node_allocators_test),
	KUNIT_CASE(root_device_test),
	{}
};

static struct kunit_suite hash_alloc_suite = {
	.name = "hash_alloc",
	.test_cases = hash_alloc_cases,
};
kunit_test_suite(hash_alloc_suite);

MODULE_LICENSE("GPL");
