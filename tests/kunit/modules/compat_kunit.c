// SPDX-License-Identifier: GPL-2.0
/*
 * What Linux 6.1's own lib/ tests lean on, checked here with our own cases:
 * the rest of <linux/list.h> (swap, cut, splice_tail, rotate, the careful
 * forms, the iterator variants), crc32_le_combine, IS_ENABLED() without an
 * include (kbuild's -include kconfig.h), timespec64 and ktime_get_ts64(),
 * local_irq_save(), strnchr() finding the terminator.
 */
#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/crc32c.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/time64.h>

struct node {
	struct list_head link;
	int v;
};

static void fill(struct list_head *head, struct node *n, int count)
{
	int i;

	INIT_LIST_HEAD(head);
	for (i = 0; i < count; i++) {
		n[i].v = i;
		list_add_tail(&n[i].link, head);
	}
}

/* the values of @head in order, as a number: 0,1,2 -> 12 (1 + digits) */
static int digits(struct list_head *head)
{
	struct node *pos;
	int r = 1;

	list_for_each_entry(pos, head, link)
		r = r * 10 + pos->v;
	return r;
}

static void list_reorder_test(struct kunit *test)
{
	struct node n[5];
	LIST_HEAD(list);

	fill(&list, n, 5);
	list_swap(&n[0].link, &n[3].link);
	KUNIT_EXPECT_EQ(test, digits(&list), 131204);
	list_swap(&n[1].link, &n[2].link);	/* neighbours */
	KUNIT_EXPECT_EQ(test, digits(&list), 132104);
	fill(&list, n, 5);
	list_rotate_left(&list);
	KUNIT_EXPECT_EQ(test, digits(&list), 112340);
	list_rotate_to_front(&n[3].link, &list);
	KUNIT_EXPECT_EQ(test, digits(&list), 134012);
	fill(&list, n, 5);
	list_bulk_move_tail(&list, &n[1].link, &n[2].link);
	KUNIT_EXPECT_EQ(test, digits(&list), 103412);
}

static void list_cut_splice_test(struct kunit *test)
{
	struct node n[5], m[2];
	LIST_HEAD(list);
	LIST_HEAD(cut);
	LIST_HEAD(other);

	fill(&list, n, 5);
	list_cut_position(&cut, &list, &n[1].link);
	KUNIT_EXPECT_EQ(test, digits(&cut), 101);
	KUNIT_EXPECT_EQ(test, digits(&list), 1234);
	list_cut_before(&cut, &list, &n[4].link);
	KUNIT_EXPECT_EQ(test, digits(&cut), 123);
	KUNIT_EXPECT_EQ(test, digits(&list), 14);
	list_cut_position(&cut, &list, &list);	/* the head itself: nothing moves */
	KUNIT_EXPECT_TRUE(test, list_empty(&cut));
	fill(&other, m, 2);
	list_splice_tail_init(&other, &list);
	KUNIT_EXPECT_EQ(test, digits(&list), 1401);
	KUNIT_EXPECT_TRUE(test, list_empty_careful(&other));
	list_del_init_careful(&n[4].link);
	KUNIT_EXPECT_TRUE(test, list_empty_careful(&n[4].link));
	KUNIT_EXPECT_TRUE(test, list_is_head(&list, &list));
	list_replace_init(&m[0].link, &n[4].link);
	KUNIT_EXPECT_TRUE(test, list_empty(&m[0].link));
	KUNIT_EXPECT_EQ(test, digits(&list), 141);
}

static void list_iterators_test(struct kunit *test)
{
	struct node n[4], *pos, *tmp;
	struct list_head *p, *q;
	LIST_HEAD(list);
	int r = 0;

	fill(&list, n, 4);
	list_for_each_prev_safe(p, q, &list)
		r = r * 10 + list_entry(p, struct node, link)->v;
	KUNIT_EXPECT_EQ(test, r, 3210);
	pos = &n[1];
	r = 0;
	list_for_each_entry_continue(pos, &list, link)
		r = r * 10 + pos->v;
	KUNIT_EXPECT_EQ(test, r, 23);
	pos = &n[2];
	r = 0;
	list_for_each_entry_from(pos, &list, link)
		r = r * 10 + pos->v;
	KUNIT_EXPECT_EQ(test, r, 23);
	r = 0;
	list_for_each_entry_safe_reverse(pos, tmp, &list, link) {
		r = r * 10 + pos->v;
		list_del(&pos->link);
	}
	KUNIT_EXPECT_EQ(test, r, 3210);
	KUNIT_EXPECT_TRUE(test, list_empty(&list));
}

static void crc_combine_test(struct kunit *test)
{
	static const u8 data[] = "The quick brown fox jumps over the lazy dog";
	size_t n = sizeof(data) - 1, split;

	for (split = 0; split <= n; split += 7) {
		u32 whole = crc32_le(~0U, data, n);
		u32 a = crc32_le(~0U, data, split), b = crc32_le(0, data + split, n - split);

		KUNIT_EXPECT_EQ(test, crc32_le_combine(a, b, n - split), whole);
		a = __crc32c_le(~0U, data, split);
		b = __crc32c_le(0, data + split, n - split);
		KUNIT_EXPECT_EQ(test, __crc32c_le_combine(a, b, n - split), __crc32c_le(~0U, data, n));
	}
}

static void config_time_irq_test(struct kunit *test)
{
	struct timespec64 a = { 5, 900000000 }, b = { 2, 950000000 }, d, now;
	unsigned long flags;

	KUNIT_EXPECT_TRUE(test, IS_ENABLED(CONFIG_64BIT));
	KUNIT_EXPECT_FALSE(test, IS_ENABLED(CONFIG_NO_SUCH_OPTION));
#if IS_ENABLED(CONFIG_MODULES)
	KUNIT_EXPECT_TRUE(test, IS_BUILTIN(CONFIG_MODULES));
#else
	KUNIT_FAIL(test, "CONFIG_MODULES off");
#endif
	d = timespec64_sub(a, b);
	KUNIT_EXPECT_EQ(test, d.tv_sec, 2LL);
	KUNIT_EXPECT_EQ(test, d.tv_nsec, 950000000L);
	KUNIT_EXPECT_EQ(test, timespec64_to_ns(&d), 2950000000LL);
	d = timespec64_add(a, b);
	KUNIT_EXPECT_EQ(test, d.tv_sec, 8LL);
	KUNIT_EXPECT_EQ(test, d.tv_nsec, 850000000L);
	KUNIT_EXPECT_EQ(test, timespec64_compare(&a, &b), 1);
	ktime_get_ts64(&now);
	KUNIT_EXPECT_TRUE(test, timespec64_valid(&now));
	KUNIT_EXPECT_LE(test, timespec64_to_ns(&now), (s64)ktime_get_ns());
	local_irq_save(flags);
	KUNIT_EXPECT_FALSE(test, irqs_disabled_flags(flags));
	local_irq_restore(flags);
}

static void strnchr_test(struct kunit *test)
{
	static const char s[] = "abc";

	KUNIT_EXPECT_PTR_EQ(test, strnchr(s, 4, '\0'), s + 3);
	KUNIT_EXPECT_NULL(test, strnchr(s, 3, '\0'));
	KUNIT_EXPECT_PTR_EQ(test, strnchr(s, 3, 'c'), s + 2);
	KUNIT_EXPECT_NULL(test, strnchr(s, 2, 'c'));
	KUNIT_EXPECT_NULL(test, strnchr(s, 0, 'a'));
}

static struct kunit_case compat_cases[] = {
	KUNIT_CASE(list_reorder_test),
	KUNIT_CASE(list_cut_splice_test),
	KUNIT_CASE(list_iterators_test),
	KUNIT_CASE(crc_combine_test),
	KUNIT_CASE(config_time_irq_test),
	KUNIT_CASE(strnchr_test),
	{}
};

static struct kunit_suite compat_suite = {
	.name = "compat",
	.test_cases = compat_cases,
};
kunit_test_suite(compat_suite);

MODULE_LICENSE("GPL");
