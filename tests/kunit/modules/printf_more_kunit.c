// SPDX-License-Identifier: GPL-2.0
/*
 * The printk extensions lib/test_printf.c needed, with our own cases: %pt
 * over <linux/rtc.h>'s calendar helpers, %pG page/VMA/GFP flags, %p4cc,
 * %pIS socket addresses, %pfw software nodes and their registration rules,
 * a negative '*' precision.
 */
#include <kunit/test.h>
#include <linux/in.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/property.h>
#include <linux/rtc.h>
#include <linux/dcache.h>

static char buf[128];

#define EXPECT_PRINTS(test, want, fmt, ...) do {			\
	snprintf(buf, sizeof(buf), fmt, ##__VA_ARGS__);			\
	KUNIT_EXPECT_STREQ(test, buf, want);				\
} while (0)

static void rtc_time_test(struct kunit *test)
{
	struct rtc_time tm;
	time64_t leap = 951782400;	/* 2000-02-29 00:00:00 */

	rtc_time64_to_tm(leap + 86399, &tm);
	KUNIT_EXPECT_EQ(test, tm.tm_year, 100);
	KUNIT_EXPECT_EQ(test, tm.tm_mon, 1);
	KUNIT_EXPECT_EQ(test, tm.tm_mday, 29);
	KUNIT_EXPECT_EQ(test, tm.tm_hour, 23);
	KUNIT_EXPECT_EQ(test, tm.tm_yday, 59);
	KUNIT_EXPECT_EQ(test, tm.tm_wday, 2);	/* a Tuesday */
	KUNIT_EXPECT_EQ(test, rtc_tm_to_time64(&tm), leap + 86399);
	KUNIT_EXPECT_EQ(test, rtc_valid_tm(&tm), 0);
	EXPECT_PRINTS(test, "2000-02-29T23:59:59", "%ptR", &tm);
	EXPECT_PRINTS(test, "2000-02-29 23:59:59", "%ptTs", &(time64_t){ leap + 86399 });
	EXPECT_PRINTS(test, "0100-01-29|23:59:59", "%ptRdr|%ptRt", &tm, &tm);
	tm.tm_mday = 30;
	KUNIT_EXPECT_EQ(test, rtc_valid_tm(&tm), -EINVAL);
	KUNIT_EXPECT_EQ(test, rtc_month_days(1, 1900), 28);
	KUNIT_EXPECT_EQ(test, rtc_month_days(1, 2000), 29);
	KUNIT_EXPECT_EQ(test, rtc_year_days(31, 11, 2001), 364);
	EXPECT_PRINTS(test, "1969-12-31T23:59:59", "%ptT", &(time64_t){ -1 });
	EXPECT_PRINTS(test, "(%pt?)", "%ptX", &tm);
	EXPECT_PRINTS(test, "(null)", "%ptR", NULL);
}

static void flags_test(struct kunit *test)
{
	unsigned long page = 1UL << PG_locked | 1UL << PG_dirty | 3UL << ZONES_PGSHIFT;
	unsigned long vma = VM_READ | VM_WRITE | VM_SHARED | VM_IO;
	gfp_t gfp = GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN;

	EXPECT_PRINTS(test, "0x6000000000000009(locked|dirty|zone=3)", "%pGp", &page);
	page = 0;
	EXPECT_PRINTS(test, "0x0(zone=0)", "%pGp", &page);
	EXPECT_PRINTS(test, "read|write|shared|io", "%pGv", &vma);
	EXPECT_PRINTS(test, "GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO", "%pGg", &gfp);
	gfp = GFP_NOWAIT | 0x40000000;
	EXPECT_PRINTS(test, "GFP_NOWAIT|0x40000000", "%pGg", &gfp);
	EXPECT_PRINTS(test, "(%pG?)", "%pGx", &gfp);
}

static void fourcc_and_sockaddr_test(struct kunit *test)
{
	u32 code = 0x34325241;	/* 'AR24' */
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(80),
				   .sin_addr.s_addr = htonl(0xc0a80001) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	struct sockaddr bad = { .sa_family = AF_UNIX };

	EXPECT_PRINTS(test, "AR24 little-endian (0x34325241)", "%p4cc", &code);
	sin6.sin6_addr.s6_addr[15] = 1;
	EXPECT_PRINTS(test, "192.168.0.1:80|192.168.000.001", "%pISp|%piS", &sin, &sin);
	EXPECT_PRINTS(test, "[::1]:443", "%pISpc", &sin6);
	EXPECT_PRINTS(test, "(einval)", "%pIS", &bad);
	/* a '*' precision below zero is zero */
	EXPECT_PRINTS(test, "[  ]", "[%2.*s]", -1, "abc");
}

static const struct software_node root_node = { .name = "board" };
static const struct software_node nodes[] = {
	{ .name = "i2c", .parent = &root_node },
	{ .name = "sensor", .parent = &nodes[0] },
	{ }
};
static const struct software_node orphan = { .name = "orphan", .parent = &nodes[1] };

static void software_node_test(struct kunit *test)
{
	struct fwnode_handle *fw;

	KUNIT_EXPECT_NULL(test, software_node_fwnode(&root_node));
	/* a parent must be registered first; a failed array leaves none registered */
	KUNIT_EXPECT_EQ(test, software_node_register_nodes(nodes), -EINVAL);
	KUNIT_EXPECT_NULL(test, software_node_fwnode(&nodes[0]));
	KUNIT_ASSERT_EQ(test, software_node_register(&root_node), 0);
	KUNIT_EXPECT_EQ(test, software_node_register(&root_node), -EEXIST);
	KUNIT_ASSERT_EQ(test, software_node_register_nodes(nodes), 0);
	fw = software_node_fwnode(&nodes[1]);
	KUNIT_ASSERT_NOT_NULL(test, fw);
	KUNIT_EXPECT_TRUE(test, is_software_node(fw));
	KUNIT_EXPECT_PTR_EQ(test, to_software_node(fw), &nodes[1]);
	EXPECT_PRINTS(test, "board/i2c/sensor|sensor", "%pfw|%pfwP", fw, fw);
	EXPECT_PRINTS(test, "board", "%pfwf", software_node_fwnode(&root_node));
	software_node_unregister_nodes(nodes);
	KUNIT_EXPECT_NULL(test, software_node_fwnode(&nodes[1]));
	KUNIT_EXPECT_EQ(test, software_node_register(&orphan), -EINVAL);
	/* root_node stays registered: removing the module drops it */
}

static void dentry_test(struct kunit *test)
{
	static struct dentry root = { .d_parent = &root, .d_name = QSTR_INIT("/", 1) };
	static struct dentry dir = { .d_parent = &root,
				     .d_name = QSTR_INIT(dir.d_iname, 3), .d_iname = "etc" };

	KUNIT_EXPECT_TRUE(test, IS_ROOT(&root));
	KUNIT_EXPECT_EQ(test, dir.d_name.len, 3u);
	EXPECT_PRINTS(test, "etc|/etc", "%pd|%pd2", &dir, &dir);
}

static struct kunit_case printf_more_cases[] = {
	KUNIT_CASE(rtc_time_test),
	KUNIT_CASE(flags_test),
	KUNIT_CASE(fourcc_and_sockaddr_test),
	KUNIT_CASE(software_node_test),
	KUNIT_CASE(dentry_test),
	{}
};

static struct kunit_suite printf_more_suite = {
	.name = "printf_more",
	.test_cases = printf_more_cases,
};
kunit_test_suite(printf_more_suite);

MODULE_LICENSE("GPL");
