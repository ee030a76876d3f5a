// SPDX-License-Identifier: GPL-2.0
/*
 * The library gaps Linux 6.1's own lib/ tests found, checked with our own
 * cases: <linux/bitfield.h>, the byteorder headers and <linux/swab.h>,
 * <linux/stringhash.h>, <linux/linear_range.h>, memcat_p(), <linux/time64.h>
 * arithmetic with ktime_get_ts64(), the bitops.h helpers (get_count_order,
 * rol/ror, sign_extend, hweight folded for constants), GENMASK, is_signed_type,
 * the configuration <linux/kconfig.h> brings, and vsscanf() widths over 0x.
 */
#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/bitops.h>
#include <linux/ktime.h>
#include <linux/linear_range.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/stringhash.h>
#include <linux/swab.h>
#include <linux/time64.h>

#define REG_MODE	GENMASK(7, 4)
#define REG_LEN		GENMASK_ULL(39, 32)

static void bitfield_test(struct kunit *test)
{
	u32 reg = FIELD_PREP(REG_MODE, 0xa) | 0x3;
	u64 wide = FIELD_PREP(REG_LEN, 0x5c);
	__le16 le = cpu_to_le16(0x0f30);

	KUNIT_EXPECT_EQ(test, reg, 0xa3u);
	KUNIT_EXPECT_EQ(test, FIELD_GET(REG_MODE, reg), 0xau);
	KUNIT_EXPECT_EQ(test, wide, 0x5c00000000ull);
	KUNIT_EXPECT_EQ(test, FIELD_GET(REG_LEN, wide), 0x5cull);
	KUNIT_EXPECT_EQ(test, FIELD_MAX(REG_MODE), 0xfu);
	KUNIT_EXPECT_TRUE(test, FIELD_FIT(REG_MODE, 0xf));
	KUNIT_EXPECT_FALSE(test, FIELD_FIT(REG_MODE, 0x10));
	KUNIT_EXPECT_EQ(test, u32_encode_bits(3, 0x300), 0x300u);
	KUNIT_EXPECT_EQ(test, u8_replace_bits(0xff, 0, 0x0f), 0xf0);
	KUNIT_EXPECT_EQ(test, le16_get_bits(le, 0x0ff0), 0xf3);
	le16p_replace_bits(&le, 0x1, 0x000f);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(le), 0x0f31);
}

static void byteorder_test(struct kunit *test)
{
	__be32 be = cpu_to_be32(0x12345678);
	u8 *bytes = (u8 *)&be;
	__be16 port = htons(8080);
	u32 v = 0x11223344;
	__be32 arr[2];
	const u32 src[2] = { 1, 0x01020304 };

	KUNIT_EXPECT_EQ(test, bytes[0], 0x12);
	KUNIT_EXPECT_EQ(test, bytes[3], 0x78);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(be), 0x12345678u);
	KUNIT_EXPECT_EQ(test, ntohs(port), 8080);
	KUNIT_EXPECT_EQ(test, swab16(0x1234), 0x3412);
	KUNIT_EXPECT_EQ(test, swab64(0x0102030405060708ull), 0x0807060504030201ull);
	KUNIT_EXPECT_EQ(test, swahw32(0x12345678), 0x56781234u);
	KUNIT_EXPECT_EQ(test, swahb32(0x12345678), 0x34127856u);
	swab32s(&v);
	KUNIT_EXPECT_EQ(test, v, 0x44332211u);
	be32_add_cpu(&be, 1);
	KUNIT_EXPECT_EQ(test, be32_to_cpu(be), 0x12345679u);
	cpu_to_be32_array(arr, src, 2);
	KUNIT_EXPECT_EQ(test, ((u8 *)arr)[3], 1);
	KUNIT_EXPECT_EQ(test, ((u8 *)arr)[4], 1);
	KUNIT_EXPECT_EQ(test, le32_to_cpup((const __le32 *)&src[1]), 0x01020304u);
}

static void stringhash_test(struct kunit *test)
{
	static const char name[] = "lkmsh-module";
	u64 hl = hashlen_string(NULL, name);
	unsigned int h = full_name_hash(NULL, name, strlen(name));
	unsigned long partial = init_name_hash(NULL);
	const char *p;

	KUNIT_EXPECT_EQ(test, hashlen_len(hl), (u32)strlen(name));
	KUNIT_EXPECT_EQ(test, hashlen_hash(hl), h);
	KUNIT_EXPECT_EQ(test, hashlen_create(h, 12), hl);
	/* a different salt (a different parent dentry) gives another hash */
	KUNIT_EXPECT_NE(test, full_name_hash(test, name, strlen(name)), h);
	/* a prefix hashes by its own length */
	KUNIT_EXPECT_NE(test, full_name_hash(NULL, name, 5), h);
	KUNIT_EXPECT_EQ(test, full_name_hash(NULL, name, 5),
			hashlen_hash(hashlen_string(NULL, "lkmsh")));
	for (p = name; *p; p++)
		partial = partial_name_hash(*p, partial);
	KUNIT_EXPECT_EQ(test, end_name_hash(partial), hash_long(partial, 32));
}

static const struct linear_range ranges[] = {
	LINEAR_RANGE(1000, 0, 4, 100),	/* selectors 0..4: 1000..1400 */
	LINEAR_RANGE(2000, 5, 7, 500),	/* selectors 5..7: 2000..3000 */
};

static void linear_range_test(struct kunit *test)
{
	unsigned int val, sel;
	bool found;

	KUNIT_EXPECT_EQ(test, linear_range_values_in_range(&ranges[0]), 5u);
	KUNIT_EXPECT_EQ(test, linear_range_values_in_range_array(ranges, 2), 8u);
	KUNIT_EXPECT_EQ(test, linear_range_get_max_value(&ranges[1]), 3000u);
	KUNIT_EXPECT_EQ(test, linear_range_get_value(&ranges[0], 3, &val), 0);
	KUNIT_EXPECT_EQ(test, val, 1300u);
	KUNIT_EXPECT_EQ(test, linear_range_get_value(&ranges[0], 5, &val), -EINVAL);
	KUNIT_EXPECT_EQ(test, linear_range_get_value_array(ranges, 2, 6, &val), 0);
	KUNIT_EXPECT_EQ(test, val, 2500u);
	KUNIT_EXPECT_EQ(test, linear_range_get_selector_low(&ranges[0], 1250, &sel, &found), 0);
	KUNIT_EXPECT_EQ(test, sel, 2u);
	KUNIT_EXPECT_TRUE(test, found);	/* within the range, if not exact */
	KUNIT_EXPECT_EQ(test, linear_range_get_selector_low(&ranges[0], 1500, &sel, &found), 0);
	KUNIT_EXPECT_EQ(test, sel, 4u);	/* above it: the highest selector, not found */
	KUNIT_EXPECT_FALSE(test, found);
	KUNIT_EXPECT_EQ(test, linear_range_get_selector_high(&ranges[0], 1250, &sel, &found), 0);
	KUNIT_EXPECT_EQ(test, sel, 3u);
	KUNIT_EXPECT_EQ(test, linear_range_get_selector_low(&ranges[0], 900, &sel, &found), -EINVAL);
	KUNIT_EXPECT_EQ(test, linear_range_get_selector_low_array(ranges, 2, 2600, &sel, &found), 0);
	KUNIT_EXPECT_EQ(test, sel, 6u);
	linear_range_get_selector_within(&ranges[1], 9999, &sel);
	KUNIT_EXPECT_EQ(test, sel, 7u);
}

static void memcat_p_test(struct kunit *test)
{
	int a = 1, b = 2, c = 3;
	int *first[] = { &a, &b, NULL };
	int *second[] = { &c, NULL };
	int **both = memcat_p(first, second);

	KUNIT_ASSERT_NOT_NULL(test, both);
	KUNIT_EXPECT_PTR_EQ(test, both[0], &a);
	KUNIT_EXPECT_PTR_EQ(test, both[1], &b);
	KUNIT_EXPECT_PTR_EQ(test, both[2], &c);
	KUNIT_EXPECT_NULL(test, both[3]);
	kfree(both);
}

static void time64_test(struct kunit *test)
{
	struct timespec64 a = ns_to_timespec64(-1), b = { 1, 999999999 }, sum, now;
	u64 before = ktime_get_ns();

	KUNIT_EXPECT_EQ(test, a.tv_sec, -1LL);
	KUNIT_EXPECT_EQ(test, a.tv_nsec, 999999999L);
	sum = timespec64_add(a, b);
	KUNIT_EXPECT_EQ(test, sum.tv_sec, 1LL);
	KUNIT_EXPECT_EQ(test, sum.tv_nsec, 999999998L);
	timespec64_add_ns(&b, 2);
	KUNIT_EXPECT_EQ(test, b.tv_sec, 2LL);
	KUNIT_EXPECT_EQ(test, b.tv_nsec, 1L);
	KUNIT_EXPECT_LT(test, timespec64_compare(&a, &b), 0);
	KUNIT_EXPECT_TRUE(test, timespec64_valid(&b));
	b.tv_sec = KTIME_SEC_MAX;
	KUNIT_EXPECT_EQ(test, timespec64_to_ns(&b), KTIME_MAX);
	KUNIT_EXPECT_EQ(test, NSEC_PER_SEC / USEC_PER_SEC, NSEC_PER_USEC);
	ktime_get_ts64(&now);
	KUNIT_EXPECT_TRUE(test, timespec64_valid(&now));
	KUNIT_EXPECT_GE(test, (u64)timespec64_to_ns(&now), before);
	KUNIT_EXPECT_LE(test, (u64)timespec64_to_ns(&now), ktime_get_ns());
}

/* usable where C wants a constant expression, as Linux's */
static const int weight_of_ff = hweight8(0xff);
static DECLARE_BITMAP(map, 130);

static void bitops_test(struct kunit *test)
{
	volatile unsigned int x = 0xf0f0;	/* not a constant: the library's count */

	KUNIT_EXPECT_EQ(test, weight_of_ff, 8);
	KUNIT_EXPECT_EQ(test, hweight32(x), 8u);
	KUNIT_EXPECT_EQ(test, hweight64((u64)x << 40 | 1), 9ul);
	KUNIT_EXPECT_EQ(test, get_count_order(0), -1);
	KUNIT_EXPECT_EQ(test, get_count_order(1), 0);
	KUNIT_EXPECT_EQ(test, get_count_order(5), 3);
	KUNIT_EXPECT_EQ(test, get_count_order_long(1UL << 40), 40);
	KUNIT_EXPECT_EQ(test, get_bitmask_order(8), 4);
	KUNIT_EXPECT_EQ(test, rol32(0x80000001, 4), 0x18u);
	KUNIT_EXPECT_EQ(test, ror8(0x01, 1), 0x80);
	KUNIT_EXPECT_EQ(test, sign_extend32(0x80, 7), -128);
	KUNIT_EXPECT_EQ(test, sign_extend64(0x7f, 7), 127LL);
	KUNIT_EXPECT_EQ(test, fls_long(0), 0u);
	KUNIT_EXPECT_EQ(test, BITS_TO_BYTES(9), 2);
	KUNIT_EXPECT_EQ(test, BITS_PER_TYPE(u16), 16);
	KUNIT_EXPECT_EQ(test, sizeof(map), 3 * sizeof(long));
	KUNIT_EXPECT_EQ(test, GENMASK(3, 0), 0xful);
	KUNIT_EXPECT_EQ(test, BIT_ULL(40), 1ull << 40);
	KUNIT_EXPECT_TRUE(test, is_signed_type(long));
	KUNIT_EXPECT_FALSE(test, is_signed_type(unsigned char));
}

static void config_test(struct kunit *test)
{
	/* <linux/kconfig.h> and Debian's configuration without any include */
	KUNIT_EXPECT_TRUE(test, IS_ENABLED(CONFIG_MODULES));
	KUNIT_EXPECT_TRUE(test, IS_ENABLED(CONFIG_KUNIT));
	KUNIT_EXPECT_TRUE(test, IS_ENABLED(CONFIG_64BIT));
	KUNIT_EXPECT_FALSE(test, IS_ENABLED(CONFIG_NO_SUCH_OPTION));
	KUNIT_EXPECT_TRUE(test, IS_ENABLED(CONFIG_X86_64) || IS_ENABLED(CONFIG_ARM64));
	KUNIT_EXPECT_EQ(test, CONFIG_HZ, 250);
}

static void sscanf_width_test(struct kunit *test)
{
	unsigned int a = 1, b = 1;
	int n = -1;

	/* a width counts the 0x prefix (lib/vsprintf.c's simple_strntoull) */
	KUNIT_EXPECT_EQ(test, sscanf("0x1234", "%4x%n", &a, &n), 1);
	KUNIT_EXPECT_EQ(test, a, 0x12u);
	KUNIT_EXPECT_EQ(test, n, 4);
	/* a field with room for the prefix only converts to 0 */
	KUNIT_EXPECT_EQ(test, sscanf("0x12", "%2x%x", &a, &b), 2);
	KUNIT_EXPECT_EQ(test, a, 0u);
	KUNIT_EXPECT_EQ(test, b, 0x12u);
}

static struct kunit_case corpus_gaps_cases[] = {
	KUNIT_CASE(bitfield_test),
	KUNIT_CASE(byteorder_test),
	KUNIT_CASE(stringhash_test),
	KUNIT_CASE(linear_range_test),
	KUNIT_CASE(memcat_p_test),
	KUNIT_CASE(time64_test),
	KUNIT_CASE(bitops_test),
	KUNIT_CASE(config_test),
	KUNIT_CASE(sscanf_width_test),
	{}
};

static struct kunit_suite corpus_gaps_suite = {
	.name = "corpus_gaps",
	.test_cases = corpus_gaps_cases,
};
kunit_test_suite(corpus_gaps_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("What Linux 6.1's lib/ tests need, with our own cases");
