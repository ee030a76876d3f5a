// SPDX-License-Identifier: GPL-2.0
/* The printk %p extensions, checked through snprintf as lib/test_printf.c does. */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uuid.h>

#define CHECK(test, expect, fmt, ...) do {					\
	char __buf[128];							\
	snprintf(__buf, sizeof(__buf), fmt, ##__VA_ARGS__);			\
	KUNIT_EXPECT_STREQ_MSG(test, __buf, expect, "format %s", fmt);	\
} while (0)

static void uuid_formats(struct kunit *test)
{
	const u8 uuid[16] = { 0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7,
			      0x8, 0x9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf };

	CHECK(test, "00010203-0405-0607-0809-0a0b0c0d0e0f", "%pUb", uuid);
	CHECK(test, "00010203-0405-0607-0809-0A0B0C0D0E0F", "%pUB", uuid);
	CHECK(test, "03020100-0504-0706-0809-0a0b0c0d0e0f", "%pUl", uuid);
	CHECK(test, "03020100-0504-0706-0809-0A0B0C0D0E0F", "%pUL", uuid);
}

static void address_formats(struct kunit *test)
{
	phys_addr_t pa = 0x12345678;
	dma_addr_t da = 0xabcdef;
	const u8 ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	const u8 mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1 };
	const u8 mac[6] = { 0x2c, 0xab, 0x00, 0x12, 0x34, 0x56 };
	const u8 ip4[4] = { 127, 0, 0, 1 };

	CHECK(test, "0x0000000012345678", "%pa", &pa);
	CHECK(test, "0x0000000000abcdef", "%pad", &da);
	CHECK(test, "2001:db8::1", "%pI6c", ip6);
	CHECK(test, "20010db8000000000000000000000001", "%pi6", ip6);
	CHECK(test, "::ffff:10.0.0.1", "%pI6c", mapped);
	CHECK(test, "2c:ab:00:12:34:56", "%pM", mac);
	CHECK(test, "56:34:12:00:ab:2c", "%pMR", mac);
	CHECK(test, "127.0.0.1", "%pI4", ip4);
	CHECK(test, "127.000.000.001", "%pi4", ip4);
	CHECK(test, "2c:ab:00", "%*phC", 3, mac);
	CHECK(test, "2cab00", "%*phN", 3, mac);
}

static void escape_and_bitmap_formats(struct kunit *test)
{
	const char s[] = "a\tb\x01";
	DECLARE_BITMAP(bits, 40);

	CHECK(test, "a\\tb\\001", "%*pE", 4, s);
	CHECK(test, "\\141\\011\\142\\001", "%*pEo", 4, s);
	/* isprint() of the Latin-1 _ctype: 0xe9 and the hard space pass, C1 0x85 does not */
	CHECK(test, "\xe9\\205\xa0", "%*pE", 3, "\xe9\x85\xa0");
	bitmap_zero(bits, 40);
	bitmap_set(bits, 0, 3);
	bitmap_set(bits, 33, 2);
	CHECK(test, "06,00000007", "%*pb", 40, bits);
	CHECK(test, "0-2,33-34", "%*pbl", 40, bits);
}

static void vformat(char *buf, size_t n, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	snprintf(buf, n, "[%pV]", &vaf);
	va_end(args);
}

static void va_format_test(struct kunit *test)
{
	char buf[64];

	vformat(buf, sizeof(buf), "%s=%d %s", "answer", 42, "(nested)");
	KUNIT_EXPECT_STREQ(test, buf, "[answer=42 (nested)]");
	vformat(buf, sizeof(buf), "%d %d %d %d %d %d %d %d", 1, 2, 3, 4, 5, 6, 7, 8);
	KUNIT_EXPECT_STREQ(test, buf, "[1 2 3 4 5 6 7 8]");
}

static void bad_pointers(struct kunit *test)
{
	CHECK(test, "(null)", "%pUb", NULL);
	CHECK(test, "(efault)", "%pUb", (void *)8);
	CHECK(test, "(null)", "%pI6c", NULL);
	CHECK(test, "(null)", "%s", NULL);
	CHECK(test, "-ENOMEM", "%pe", ERR_PTR(-ENOMEM));
}

static struct kunit_case printf_ext_cases[] = {
	KUNIT_CASE(uuid_formats),
	KUNIT_CASE(address_formats),
	KUNIT_CASE(escape_and_bitmap_formats),
	KUNIT_CASE(va_format_test),
	KUNIT_CASE(bad_pointers),
	{}
};

static struct kunit_suite printf_ext_suite = {
	.name = "printf_ext",
	.test_cases = printf_ext_cases,
};
kunit_test_suite(printf_ext_suite);
MODULE_LICENSE("GPL");
