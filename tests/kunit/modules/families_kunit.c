// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites as a module author writes them: passing and failing
 * expectations of every kind, an assertion that ends its case, skips,
 * parameterised cases, init/exit hooks and a case that crashes.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

struct counter {
	int value;
	int *scratch;
};

static int families_init(struct kunit *test)
{
	struct counter *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	c->value = 41;
	test->priv = c;
	return 0;
}

static void families_exit(struct kunit *test)
{
	struct counter *c = test->priv;

	kunit_info(test, "exit saw value %d\n", c->value);
}

static void pass_test(struct kunit *test)
{
	struct counter *c = test->priv;
	const char *s = "lkmsh";
	u8 a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 2, 3, 4 };
	void *p = kunit_kmalloc(test, 32, GFP_KERNEL);

	c->value++;
	KUNIT_EXPECT_EQ(test, c->value, 42);
	KUNIT_EXPECT_NE(test, c->value, 0);
	KUNIT_EXPECT_LT(test, 1, 2);
	KUNIT_EXPECT_LE(test, 2, 2);
	KUNIT_EXPECT_GT(test, 3, 2);
	KUNIT_EXPECT_GE(test, 3, 3);
	KUNIT_EXPECT_TRUE(test, c->value == 42);
	KUNIT_EXPECT_FALSE(test, c->value == 0);
	KUNIT_EXPECT_STREQ(test, s, "lkmsh");
	KUNIT_EXPECT_STRNEQ(test, s, "linux");
	KUNIT_EXPECT_MEMEQ(test, a, b, sizeof(a));
	KUNIT_EXPECT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, p);
	KUNIT_EXPECT_NULL(test, NULL);
	KUNIT_EXPECT_PTR_EQ(test, p, p);
	KUNIT_EXPECT_PTR_NE(test, p, (void *)s);
	KUNIT_ASSERT_EQ_MSG(test, 1 + 1, 2, "arithmetic %s", "works");
	kunit_kfree(test, p);
	KUNIT_SUCCEED(test);
}

static void fail_test(struct kunit *test)
{
	int x = 3;
	const char *name = "abc";
	u8 a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 9, 3, 4 };

	KUNIT_EXPECT_EQ(test, x, 4);
	KUNIT_EXPECT_EQ_MSG(test, x * 2, 7, "x was %d", x);
	KUNIT_EXPECT_TRUE(test, x > 5);
	KUNIT_EXPECT_STREQ(test, name, "abd");
	KUNIT_EXPECT_MEMEQ(test, a, b, sizeof(a));
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, ERR_PTR(-ENOMEM));
	KUNIT_FAIL(test, "reached the end with x=%d", x);
}

static void assert_test(struct kunit *test)
{
	int *p = NULL;

	KUNIT_ASSERT_NOT_NULL(test, p);
	kunit_info(test, "never printed\n");
}

static void skip_test(struct kunit *test)
{
	kunit_skip(test, "needs hardware %s", "we lack");
	KUNIT_FAIL(test, "after skip");
}

static void mark_skipped_test(struct kunit *test)
{
	kunit_mark_skipped(test, "marked");
	kunit_info(test, "still runs after marking\n");
}

static void crash_test(struct kunit *test)
{
	int *volatile bad = (int *)0x10;

	*bad = 1;
}

static void after_crash_test(struct kunit *test)
{
	struct counter *c = test->priv;

	KUNIT_EXPECT_EQ(test, c->value, 41);
}

struct square_case {
	int in, out;
	const char *label;
};

static const struct square_case squares[] = {
	{ 2, 4, "two" }, { 3, 9, "three" }, { 4, 15, "four" },
};

static void square_desc(const struct square_case *t, char *desc)
{
	strscpy(desc, t->label, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(squares, squares, square_desc);

static void square_test(struct kunit *test)
{
	const struct square_case *t = test->param_value;

	KUNIT_EXPECT_EQ(test, t->in * t->in, t->out);
}

static const int evens[] = { 0, 2, 4 };
KUNIT_ARRAY_PARAM(evens, evens, NULL);

static void even_test(struct kunit *test)
{
	const int *v = test->param_value;

	KUNIT_EXPECT_EQ(test, *v % 2, 0);
}

static struct kunit_case families_cases[] = {
	KUNIT_CASE(pass_test),
	KUNIT_CASE(fail_test),
	KUNIT_CASE(assert_test),
	KUNIT_CASE(skip_test),
	KUNIT_CASE(mark_skipped_test),
	KUNIT_CASE(crash_test),
	KUNIT_CASE(after_crash_test),
	KUNIT_CASE_PARAM(square_test, squares_gen_params),
	KUNIT_CASE_PARAM(even_test, evens_gen_params),
	{}
};

static struct kunit_suite families_suite = {
	.name = "families",
	.init = families_init,
	.exit = families_exit,
	.test_cases = families_cases,
};

static int suite_init_calls;

static int hooks_suite_init(struct kunit_suite *suite)
{
	suite_init_calls++;
	return 0;
}

static void hooks_suite_exit(struct kunit_suite *suite)
{
	pr_info("hooks: suite_exit after %d suite_init\n", suite_init_calls);
}

static void hooks_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, suite_init_calls, 1);
}

static struct kunit_case hooks_cases[] = {
	KUNIT_CASE(hooks_test),
	{}
};

static struct kunit_suite hooks_suite = {
	.name = "hooks",
	.suite_init = hooks_suite_init,
	.suite_exit = hooks_suite_exit,
	.test_cases = hooks_cases,
};

kunit_test_suites(&families_suite, &hooks_suite);

MODULE_LICENSE("GPL");
