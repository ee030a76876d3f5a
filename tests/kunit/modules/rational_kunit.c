// SPDX-License-Identifier: MIT
/*
 * rational_kunit.c - lkmsh's own KUnit suite for rational_best_approximation(),
 * one parameterised case over a table, as Linux's library suites are written.
 */
#include <kunit/test.h>
#include <linux/rational.h>

struct rational_case {
	const char *name;
	unsigned long num, den, max_num, max_den;
	unsigned long exp_num, exp_den;
};

static const struct rational_case cases[] = {
	{ "exact", 1230, 10, 1000, 20, 123, 1 },
	{ "numerator limit", 34567, 100, 120, 20, 120, 1 },
	{ "pi", 31415926, 10000000, 100000, 1000, 355, 113 },
	{ "third", 1, 3, 100, 100, 1, 3 },
	{ "denominator limit", 27, 100, 100, 10, 2, 7 },
};

static void case_to_desc(const struct rational_case *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(rational, cases, case_to_desc);

static void rational_test(struct kunit *test)
{
	const struct rational_case *t = test->param_value;
	unsigned long n = 0, d = 0;

	rational_best_approximation(t->num, t->den, t->max_num, t->max_den, &n, &d);
	KUNIT_EXPECT_EQ(test, n, t->exp_num);
	KUNIT_EXPECT_EQ(test, d, t->exp_den);
}

static struct kunit_case rational_test_cases[] = {
	KUNIT_CASE_PARAM(rational_test, rational_gen_params),
	{}
};

static struct kunit_suite rational_test_suite = {
	.name = "rational",
	.test_cases = rational_test_cases,
};

kunit_test_suites(&rational_test_suite);
MODULE_LICENSE("GPL");
