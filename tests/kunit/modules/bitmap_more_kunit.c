// SPDX-License-Identifier: GPL-2.0
/*
 * The rest of <linux/bitmap.h> and <linux/find.h> that Linux 6.1's
 * lib/test_bitmap.c leans on, with our own cases: the text forms (parselist,
 * parse, print_to_pagebuf, print_list_to_buf), bitmap_cut, u32 arrays,
 * find_nth_bit, the bit-range, wrap and clump8 iterators, and small constant
 * bitmaps that fold at compile time (BUILD_BUG_ON sees through them).
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <asm/page.h>

static void parselist_test(struct kunit *test)
{
	DECLARE_BITMAP(map, 128);
	DECLARE_BITMAP(expect, 128);

	KUNIT_EXPECT_EQ(test, bitmap_parselist("0-3,8, 10-20:2/5\n", map, 128), 0);
	bitmap_zero(expect, 128);
	bitmap_set(expect, 0, 4);
	bitmap_set(expect, 8, 1);
	bitmap_set(expect, 10, 2);
	bitmap_set(expect, 15, 2);
	bitmap_set(expect, 20, 1);
	KUNIT_EXPECT_TRUE(test, bitmap_equal(map, expect, 128));
	KUNIT_EXPECT_EQ(test, bitmap_parselist("all:1/64", map, 128), 0);
	KUNIT_EXPECT_EQ(test, bitmap_weight(map, 128), 2U);
	KUNIT_EXPECT_TRUE(test, test_bit(64, map));
	KUNIT_EXPECT_EQ(test, bitmap_parselist("N", map, 128), 0);
	KUNIT_EXPECT_EQ(test, find_first_bit(map, 128), 127UL);
	KUNIT_EXPECT_EQ(test, bitmap_parselist("", map, 128), 0);
	KUNIT_EXPECT_TRUE(test, bitmap_empty(map, 128));
	KUNIT_EXPECT_EQ(test, bitmap_parselist("128", map, 128), -ERANGE);
	KUNIT_EXPECT_EQ(test, bitmap_parselist("3-1", map, 128), -EINVAL);
	KUNIT_EXPECT_EQ(test, bitmap_parselist("1-3:4/2", map, 128), -EINVAL);
	KUNIT_EXPECT_EQ(test, bitmap_parselist("1x", map, 128), -EINVAL);
	KUNIT_EXPECT_EQ(test, bitmap_parselist("4294967296", map, 128), -EOVERFLOW);
}

static void parse_and_print_test(struct kunit *test)
{
	DECLARE_BITMAP(map, 72);
	char *page = kzalloc(PAGE_SIZE, GFP_KERNEL);
	char part[8];

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, bitmap_parse("ff,00000001", 11, map, 72), 0);
	KUNIT_EXPECT_EQ(test, map[0], 0xff00000001UL);
	KUNIT_EXPECT_EQ(test, bitmap_parse("100,00000000,00000000", 21, map, 72), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, bitmap_parse("80,00000000,00000000", 20, map, 72), 0);
	KUNIT_EXPECT_EQ(test, find_first_bit(map, 72), 71UL);
	KUNIT_EXPECT_EQ(test, bitmap_parse("xyz", 3, map, 72), -EINVAL);
	KUNIT_EXPECT_EQ(test, bitmap_parse("123456789", 9, map, 72), -EOVERFLOW);
	bitmap_parselist("0-3,40", map, 72);
	KUNIT_EXPECT_EQ(test, bitmap_print_to_pagebuf(true, page, map, 72), 7);
	KUNIT_EXPECT_STREQ(test, page, "0-3,40\n");
	KUNIT_EXPECT_EQ(test, bitmap_print_to_pagebuf(false, page, map, 72), 21);
	KUNIT_EXPECT_STREQ(test, page, "00,00000100,0000000f\n");
	memset(part, 0, sizeof(part));
	KUNIT_EXPECT_EQ(test, bitmap_print_list_to_buf(part, map, 72, 2, 3), 3);
	KUNIT_EXPECT_STREQ(test, part, "3,4");
	KUNIT_EXPECT_EQ(test, bitmap_print_list_to_buf(part, map, 72, 100, 3), 0);
	kfree(page);
}

static void cut_arr32_nth_test(struct kunit *test)
{
	unsigned long map[2] = { 0xf0f0UL, 0x1UL }, out[2];
	u32 words[3] = { 0x11111111, 0x22222222, 0x33333333 };
	u32 back[3];

	bitmap_cut(out, map, 4, 4, 128);	/* drop bits 4-7 */
	KUNIT_EXPECT_EQ(test, out[0], 0x0f00UL | (1UL << 60));
	KUNIT_EXPECT_EQ(test, out[1], 0UL);
	bitmap_from_arr32(out, words, 80);
	KUNIT_EXPECT_EQ(test, out[0], 0x2222222211111111UL);
	KUNIT_EXPECT_EQ(test, out[1], 0x3333UL);	/* past bit 80: cleared */
	bitmap_to_arr32(back, out, 80);
	KUNIT_EXPECT_EQ(test, back[1], 0x22222222U);
	KUNIT_EXPECT_EQ(test, back[2], 0x3333U);
	KUNIT_EXPECT_EQ(test, find_nth_bit(map, 128, 0), 4UL);
	KUNIT_EXPECT_EQ(test, find_nth_bit(map, 128, 5), 13UL);
	KUNIT_EXPECT_EQ(test, find_nth_bit(map, 128, 8), 64UL);
	KUNIT_EXPECT_EQ(test, find_nth_bit(map, 128, 9), 128UL);
	KUNIT_EXPECT_EQ(test, find_nth_bit(map, 64, 8), 64UL);
}

static void iterators_test(struct kunit *test)
{
	unsigned long map[2] = { 0x0f00000000000f0fUL, 0x80UL };
	unsigned int b, e, bit, start, n = 0;
	unsigned long clump;
	char seen[64];
	int len = 0;

	for_each_set_bitrange(b, e, map, 128)
		len += scnprintf(seen + len, sizeof(seen) - len, "%u-%u ", b, e);
	KUNIT_EXPECT_STREQ(test, seen, "0-4 8-12 56-60 71-72 ");
	len = 0;
	b = 3;
	for_each_clear_bitrange_from(b, e, map, 16)
		len += scnprintf(seen + len, sizeof(seen) - len, "%u-%u ", b, e);
	KUNIT_EXPECT_STREQ(test, seen, "4-8 12-16 ");
	len = 0;
	for_each_set_bit_wrap(bit, map, 128, 60)
		len += scnprintf(seen + len, sizeof(seen) - len, "%u ", bit);
	KUNIT_EXPECT_STREQ(test, seen, "71 0 1 2 3 8 9 10 11 56 57 58 59 ");
	for_each_set_clump8(start, clump, map, 128) {
		KUNIT_EXPECT_EQ(test, clump, bitmap_get_value8(map, start));
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, 4U);	/* clumps at 0, 8, 56, 64 */
}

static void const_eval_test(struct kunit *test)
{
	DECLARE_BITMAP(map, 32) = { BITMAP_FROM_U64(0x3ULL) };
	unsigned long word = 0;
	int res;

	bitmap_clear(map, 0, 32);
	bitmap_set(map, 5, 2);
	res = bitmap_weight(map, 20);
	BUILD_BUG_ON(!__builtin_constant_p(res));	/* folded: no call at all */
	BUILD_BUG_ON(res != 2);
	__change_bit(3, &word);
	res = test_bit(3, &word);
	BUILD_BUG_ON(!res);
	KUNIT_EXPECT_EQ(test, round_up(13, 8), 16);
	KUNIT_EXPECT_EQ(test, round_down(13, 8), 8);
	KUNIT_EXPECT_EQ(test, GENMASK_ULL(39, 36), 0xf000000000ULL);
	KUNIT_EXPECT_EQ(test, map[0], 0x60UL);
}

static struct kunit_case bitmap_more_cases[] = {
	KUNIT_CASE(parselist_test),
	KUNIT_CASE(parse_and_print_test),
	KUNIT_CASE(cut_arr32_nth_test),
	KUNIT_CASE(iterators_test),
	KUNIT_CASE(const_eval_test),
	{}
};

static struct kunit_suite bitmap_more_suite = {
	.name = "bitmap_more",
	.test_cases = bitmap_more_cases,
};
kunit_test_suite(bitmap_more_suite);

MODULE_LICENSE("GPL");
