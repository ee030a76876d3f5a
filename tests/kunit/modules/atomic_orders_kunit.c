// SPDX-License-Identifier: GPL-2.0
/*
 * What lib/atomic64_test.c does not reach: the ordering variants of
 * atomic_long_t and of try_cmpxchg, the acquire load and release store,
 * fetch_inc/fetch_dec, and x86's boot_cpu_has() of the x86-64 baseline.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/module.h>
#ifdef CONFIG_X86
#include <asm/cpufeature.h>
#endif

static void long_orders_test(struct kunit *test)
{
	atomic_long_t v = ATOMIC_LONG_INIT(-5);
	long old = -5;

	KUNIT_EXPECT_EQ(test, atomic_long_add_return_acquire(10, &v), 5);
	KUNIT_EXPECT_EQ(test, atomic_long_fetch_or_release(0x100, &v), 5);
	KUNIT_EXPECT_EQ(test, atomic_long_read_acquire(&v), 0x105);
	KUNIT_EXPECT_FALSE(test, atomic_long_try_cmpxchg_relaxed(&v, &old, 7));
	KUNIT_EXPECT_EQ(test, old, 0x105);	/* a failed try_cmpxchg reads the value */
	KUNIT_EXPECT_TRUE(test, atomic_long_try_cmpxchg_acquire(&v, &old, 7));
	atomic_long_set_release(&v, LONG_MIN);
	KUNIT_EXPECT_EQ(test, atomic_long_dec_return_relaxed(&v), LONG_MAX);
}

static void int_orders_test(struct kunit *test)
{
	atomic_t v = ATOMIC_INIT(0);

	KUNIT_EXPECT_EQ(test, atomic_fetch_inc_acquire(&v), 0);
	KUNIT_EXPECT_EQ(test, atomic_fetch_dec_release(&v), 1);
	KUNIT_EXPECT_EQ(test, atomic_fetch_dec_relaxed(&v), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&v), -1);
	KUNIT_EXPECT_EQ(test, atomic_xchg_release(&v, INT_MAX), -1);
	KUNIT_EXPECT_EQ(test, atomic_inc_return_acquire(&v), INT_MIN);
	KUNIT_EXPECT_EQ(test, atomic_cmpxchg_release(&v, 0, 1), INT_MIN);
	KUNIT_EXPECT_EQ(test, atomic_fetch_andnot_acquire(INT_MIN, &v), INT_MIN);
	KUNIT_EXPECT_EQ(test, atomic_read(&v), 0);
}

static void cpu_features_test(struct kunit *test)
{
#ifdef CONFIG_X86
	KUNIT_EXPECT_TRUE(test, boot_cpu_has(X86_FEATURE_CX8));
	KUNIT_EXPECT_TRUE(test, boot_cpu_has(X86_FEATURE_XMM2));
	KUNIT_EXPECT_TRUE(test, static_cpu_has(X86_FEATURE_LM));
	KUNIT_EXPECT_FALSE(test, boot_cpu_has(X86_FEATURE_AVX));
	KUNIT_EXPECT_FALSE(test, boot_cpu_has(X86_FEATURE_CX16));
#else
	kunit_skip(test, "x86's CPUID feature words");
#endif
}

static struct kunit_case atomic_orders_cases[] = {
	KUNIT_CASE(long_orders_test),
	KUNIT_CASE(int_orders_test),
	KUNIT_CASE(cpu_features_test),
	{}
};

static struct kunit_suite atomic_orders_suite = {
	.name = "atomic_orders",
	.test_cases = atomic_orders_cases,
};
kunit_test_suite(atomic_orders_suite);

MODULE_LICENSE("GPL");
