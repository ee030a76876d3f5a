// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU data and CPU masks on lkmsh's one CPU, the way drivers use them:
 * a per-CPU struct of counters summed over the possible CPUs, get_cpu/put_cpu,
 * this_cpu_xchg/cmpxchg, on_each_cpu, and mask arithmetic on a cpumask_var_t.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/smp.h>

struct hits {
	unsigned long packets;
	u8 flags;
};

static DEFINE_PER_CPU(struct hits, hits);
static DEFINE_PER_CPU(int, owner) = -1;

static void count(void *info)
{
	this_cpu_ptr(&hits)->packets += (unsigned long)info;
}

static void percpu_vars_test(struct kunit *test)
{
	unsigned long total = 0;
	int cpu, me;

	KUNIT_EXPECT_EQ(test, __this_cpu_read(owner), -1);
	me = get_cpu();
	KUNIT_EXPECT_EQ(test, me, 0);
	KUNIT_EXPECT_EQ(test, smp_processor_id(), 0);
	KUNIT_EXPECT_EQ(test, this_cpu_cmpxchg(owner, -1, me), -1);
	KUNIT_EXPECT_EQ(test, this_cpu_cmpxchg(owner, -1, 5), 0);	/* not -1: unchanged */
	KUNIT_EXPECT_EQ(test, this_cpu_xchg(owner, 7), 0);
	put_cpu();
	KUNIT_EXPECT_EQ(test, per_cpu(owner, 0), 7);

	on_each_cpu(count, (void *)3UL, 1);
	this_cpu_inc(hits.packets);
	__this_cpu_or(hits.flags, 0x81);
	for_each_possible_cpu(cpu)
		total += per_cpu_ptr(&hits, cpu)->packets;
	KUNIT_EXPECT_EQ(test, total, 4UL);
	KUNIT_EXPECT_EQ(test, this_cpu_read(hits.flags), 0x81);
	KUNIT_EXPECT_EQ(test, this_cpu_add_return(hits.packets, 10), 14UL);
	KUNIT_EXPECT_EQ(test, this_cpu_dec_return(hits.packets), 13UL);
	KUNIT_EXPECT_PTR_EQ(test, raw_cpu_ptr(&hits), &per_cpu(hits, 0));
}

static void cpumask_ops_test(struct kunit *test)
{
	cpumask_var_t mask;
	int cpu, n = 0;

	KUNIT_ASSERT_TRUE(test, zalloc_cpumask_var(&mask, GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, cpumask_empty(mask));
	KUNIT_EXPECT_FALSE(test, cpumask_intersects(mask, cpu_online_mask));
	cpumask_set_cpu(0, mask);
	KUNIT_EXPECT_TRUE(test, cpumask_equal(mask, cpu_online_mask));
	KUNIT_EXPECT_TRUE(test, cpumask_subset(cpu_active_mask, mask));
	KUNIT_EXPECT_EQ(test, cpumask_any_but(mask, 0), nr_cpu_ids);
	/* from the start: CPU 0; after it, the walk wraps round to its start: done */
	KUNIT_EXPECT_EQ(test, cpumask_next_wrap(-1, mask, 0, false), 0);
	KUNIT_EXPECT_EQ(test, cpumask_next_wrap(0, mask, 0, true), nr_cpumask_bits);
	for_each_cpu_and(cpu, mask, cpu_present_mask)
		n++;
	for_each_cpu_andnot(cpu, mask, cpu_present_mask)
		n += 10;
	KUNIT_EXPECT_EQ(test, n, 1);
	KUNIT_EXPECT_TRUE(test, cpumask_test_and_clear_cpu(0, mask));
	KUNIT_EXPECT_FALSE(test, cpumask_test_cpu(0, mask));
	cpumask_complement(mask, mask);
	KUNIT_EXPECT_TRUE(test, cpumask_full(mask));
	KUNIT_EXPECT_TRUE(test, cpu_online(0) && !cpu_online(1) && cpu_possible(0));
	KUNIT_EXPECT_EQ(test, num_online_cpus(), 1U);
	free_cpumask_var(mask);
}

static struct kunit_case percpu_cases[] = {
	KUNIT_CASE(percpu_vars_test),
	KUNIT_CASE(cpumask_ops_test),
	{}
};

static struct kunit_suite percpu_suite = {
	.name = "percpu_up",
	.test_cases = percpu_cases,
};
kunit_test_suite(percpu_suite);

MODULE_LICENSE("GPL");
