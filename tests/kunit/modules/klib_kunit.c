// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel library through KUnit: sort/bsearch/list_sort with module
 * callbacks, the CRCs against their published check values, bitmaps and
 * find_bit, glob_match, and lib/math.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/bsearch.h>
#include <linux/crc-ccitt.h>
#include <linux/crc-itu-t.h>
#include <linux/crc16.h>
#include <linux/crc32.h>
#include <linux/crc32c.h>
#include <linux/crc8.h>
#include <linux/gcd.h>
#include <linux/glob.h>
#include <linux/lcm.h>
#include <linux/list.h>
#include <linux/list_sort.h>
#include <linux/log2.h>
#include <linux/math.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/rational.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <asm/div64.h>

static int cmp_calls;

static int cmpint(const void *a, const void *b)
{
	cmp_calls++;
	return *(const int *)a - *(const int *)b;
}

static int cmp_desc_r(const void *a, const void *b, const void *priv)
{
	const int *bias = priv;

	return (*(const int *)b + *bias) - (*(const int *)a + *bias);
}

static void sort_ints_test(struct kunit *test)
{
	int i, r = 1, n = 1000;
	int *a = kunit_kmalloc_array(test, n, sizeof(*a), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	for (i = 0; i < n; i++) {
		r = (r * 725861) % 6599;
		a[i] = r;
	}
	cmp_calls = 0;
	sort(a, n, sizeof(*a), cmpint, NULL);
	KUNIT_EXPECT_GT(test, cmp_calls, n);
	for (i = 0; i < n - 1; i++)
		KUNIT_ASSERT_LE(test, a[i], a[i + 1]);
	{
		int key = a[500], *hit = bsearch(&key, a, n, sizeof(*a), cmpint);
		int missing = 6600;

		KUNIT_ASSERT_NOT_NULL(test, hit);
		KUNIT_EXPECT_EQ(test, *hit, key);
		KUNIT_EXPECT_NULL(test, bsearch(&missing, a, n, sizeof(*a), cmpint));
	}
}

struct rec12 {
	u32 key;
	u8 tag[8];
};

static int cmp_rec12(const void *a, const void *b)
{
	const struct rec12 *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

static void sort_sizes_test(struct kunit *test)
{
	struct rec12 v[41];
	unsigned int n, i, r = 7;

	for (n = 0; n <= 40; n++) {
		u32 sum = 0, after = 0;

		for (i = 0; i < n; i++) {
			r = r * 1103515245 + 12345;
			v[i].key = (r >> 16) % 10;	/* many equal keys */
			memset(v[i].tag, v[i].key, sizeof(v[i].tag));
			sum += v[i].key;
		}
		sort(v, n, sizeof(v[0]), cmp_rec12, NULL);
		for (i = 0; i < n; i++) {
			if (i)
				KUNIT_ASSERT_LE(test, v[i - 1].key, v[i].key);
			KUNIT_ASSERT_EQ(test, v[i].tag[7], v[i].key);	/* moved whole */
			after += v[i].key;
		}
		KUNIT_ASSERT_EQ_MSG(test, sum, after, "n=%u", n);
	}
}

static void sort_r_test(struct kunit *test)
{
	int v[] = { 5, 1, 4, 2, 3 }, bias = 7, i;

	sort_r(v, ARRAY_SIZE(v), sizeof(v[0]), cmp_desc_r, NULL, &bias);
	for (i = 0; i < 5; i++)
		KUNIT_EXPECT_EQ(test, v[i], 5 - i);
}

struct item {
	struct list_head list;
	int key, seq;
};

static int cmp_item(void *priv, const struct list_head *a, const struct list_head *b)
{
	const struct item *x = container_of(a, struct item, list);
	const struct item *y = container_of(b, struct item, list);

	(*(int *)priv)++;
	return x->key - y->key;
}

static void list_sort_test(struct kunit *test)
{
	LIST_HEAD(head);
	struct item *items = kunit_kcalloc(test, 100, sizeof(*items), GFP_KERNEL);
	struct item *it, *prev = NULL;
	int i, calls = 0, count = 0;

	KUNIT_ASSERT_NOT_NULL(test, items);
	for (i = 0; i < 100; i++) {
		items[i].key = (i * 37) % 10;
		items[i].seq = i;
		list_add_tail(&items[i].list, &head);
	}
	list_sort(&calls, &head, cmp_item);
	KUNIT_EXPECT_GT(test, calls, 0);
	list_for_each_entry(it, &head, list) {
		if (prev) {
			KUNIT_ASSERT_LE(test, prev->key, it->key);
			if (prev->key == it->key)
				KUNIT_ASSERT_LT_MSG(test, prev->seq, it->seq, "not stable");
			KUNIT_ASSERT_PTR_EQ(test, it->list.prev, &prev->list);
		}
		prev = it;
		count++;
	}
	KUNIT_EXPECT_EQ(test, count, 100);
	KUNIT_EXPECT_PTR_EQ(test, head.prev, &prev->list);
}

static void crc_test(struct kunit *test)
{
	static const u8 check[] = "123456789";
	u8 table[CRC8_TABLE_SIZE];

	KUNIT_EXPECT_EQ(test, crc32_le(~0, check, 9) ^ ~0, 0xCBF43926);
	KUNIT_EXPECT_EQ(test, crc32(~0, check, 9) ^ ~0, 0xCBF43926);
	KUNIT_EXPECT_EQ(test, crc32_be(~0, check, 9) ^ ~0, 0xFC891918);
	KUNIT_EXPECT_EQ(test, crc32c(~0, check, 9) ^ ~0, 0xE3069283);
	KUNIT_EXPECT_EQ(test, crc16(0, check, 9), 0xBB3D);
	KUNIT_EXPECT_EQ(test, crc_ccitt(0, check, 9), 0x2189);
	KUNIT_EXPECT_EQ(test, crc_itu_t(0, check, 9), 0x31C3);
	crc8_populate_msb(table, 0x07);
	KUNIT_EXPECT_EQ(test, crc8(table, check, 9, 0), 0xF4);
	crc8_populate_lsb(table, 0x8C);
	KUNIT_EXPECT_EQ(test, crc8(table, check, 9, 0), 0xA1);
}

static void bitmap_test(struct kunit *test)
{
	DECLARE_BITMAP(a, 200);
	DECLARE_BITMAP(b, 200);
	DECLARE_BITMAP(c, 200);
	unsigned long bit, n = 0;
	unsigned long *dyn = bitmap_zalloc(1000, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dyn);
	bitmap_zero(a, 200);
	bitmap_set(a, 3, 10);
	bitmap_set(a, 150, 20);
	KUNIT_EXPECT_EQ(test, bitmap_weight(a, 200), 30);
	KUNIT_EXPECT_EQ(test, find_first_bit(a, 200), 3);
	KUNIT_EXPECT_EQ(test, find_next_bit(a, 200, 13), 150);
	KUNIT_EXPECT_EQ(test, find_next_zero_bit(a, 200, 3), 13);
	KUNIT_EXPECT_EQ(test, find_last_bit(a, 200), 169);
	for_each_set_bit(bit, a, 200)
		n++;
	KUNIT_EXPECT_EQ(test, n, 30);
	bitmap_fill(b, 200);
	bitmap_clear(b, 0, 100);
	KUNIT_EXPECT_TRUE(test, bitmap_and(c, a, b, 200));
	KUNIT_EXPECT_EQ(test, bitmap_weight(c, 200), 20);
	KUNIT_EXPECT_TRUE(test, bitmap_subset(c, a, 200));
	KUNIT_EXPECT_TRUE(test, bitmap_intersects(a, b, 200));
	bitmap_shift_left(c, a, 7, 200);
	KUNIT_EXPECT_EQ(test, find_first_bit(c, 200), 10);
	bitmap_shift_right(c, c, 7, 200);
	KUNIT_EXPECT_TRUE(test, bitmap_equal(c, a, 200));
	bitmap_complement(c, a, 200);
	KUNIT_EXPECT_EQ(test, bitmap_weight(c, 200), 170);
	KUNIT_EXPECT_EQ(test, bitmap_find_next_zero_area(a, 200, 0, 8, 7), 16);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(dyn, 1000));
	bitmap_set(dyn, 999, 1);
	KUNIT_EXPECT_FALSE(test, bitmap_empty(dyn, 1000));
	KUNIT_EXPECT_EQ(test, find_first_bit(dyn, 1000), 999);
	bitmap_free(dyn);
}

static void glob_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, glob_match("a*c", "abbbc"));
	KUNIT_EXPECT_TRUE(test, glob_match("a?c", "abc"));
	KUNIT_EXPECT_FALSE(test, glob_match("a?c", "ac"));
	KUNIT_EXPECT_TRUE(test, glob_match("[a-c]x", "bx"));
	KUNIT_EXPECT_FALSE(test, glob_match("[!a-c]x", "bx"));
	KUNIT_EXPECT_TRUE(test, glob_match("*.ko", "hello.ko"));
	KUNIT_EXPECT_TRUE(test, glob_match("\\*", "*"));
	KUNIT_EXPECT_FALSE(test, glob_match("*a*b", "xaxc"));
}

static void math_test(struct kunit *test)
{
	unsigned long n, d;
	u64 x = 1000000007ULL;
	u32 rem;

	KUNIT_EXPECT_EQ(test, gcd(84, 36), 12);
	KUNIT_EXPECT_EQ(test, lcm(4, 6), 12);
	KUNIT_EXPECT_EQ(test, int_sqrt(1000000), 1000);
	KUNIT_EXPECT_EQ(test, int_sqrt(99), 9);
	rational_best_approximation(31415, 10000, 255, 255, &n, &d);
	KUNIT_EXPECT_EQ(test, n, 245);
	KUNIT_EXPECT_EQ(test, d, 78);
	KUNIT_EXPECT_EQ(test, mul_u64_u64_div_u64(1ULL << 40, 1ULL << 40, 1ULL << 30), 1ULL << 50);
	KUNIT_EXPECT_EQ(test, div_u64(x, 10), 100000000);
	rem = do_div(x, 10);
	KUNIT_EXPECT_EQ(test, rem, 7);
	KUNIT_EXPECT_EQ(test, x, 100000000);
	KUNIT_EXPECT_EQ(test, ilog2(4096), 12);
	KUNIT_EXPECT_EQ(test, roundup_pow_of_two(1000), 1024);
	KUNIT_EXPECT_TRUE(test, is_power_of_2(64));
	KUNIT_EXPECT_EQ(test, order_base_2(5), 3);
}

static struct kunit_case klib_cases[] = {
	KUNIT_CASE(sort_ints_test),
	KUNIT_CASE(sort_sizes_test),
	KUNIT_CASE(sort_r_test),
	KUNIT_CASE(list_sort_test),
	KUNIT_CASE(crc_test),
	KUNIT_CASE(bitmap_test),
	KUNIT_CASE(glob_test),
	KUNIT_CASE(math_test),
	{}
};

static struct kunit_suite klib_suite = {
	.name = "klib",
	.test_cases = klib_cases,
};
kunit_test_suite(klib_suite);

MODULE_LICENSE("GPL");
