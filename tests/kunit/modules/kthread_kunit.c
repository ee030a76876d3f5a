// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit cases that sleep, wait and hang. Each case runs in a kthread of its
 * own ("kunit_try_catch"), as Linux 6.1's lib/kunit/try-catch.c runs it, and
 * the loading task waits for it: a case may msleep(), wait for a completion a
 * timer signals, start a thread of its own and wait for it. A case that never
 * ends is timed out after KUnit's 300 seconds and the next case runs.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/idr.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/timer.h>

struct waiter {
	struct timer_list timer;
	struct completion done;
	struct idr ids;
	struct kunit_try_catch try_catch;
	int fired, caught;
};

static void waiter_fire(struct timer_list *t)
{
	struct waiter *w = from_timer(w, t, timer);

	w->fired++;
	complete(&w->done);
}

static int sleepy_init(struct kunit *test)
{
	struct waiter *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

	if (!w)
		return -ENOMEM;
	timer_setup(&w->timer, waiter_fire, 0);
	init_completion(&w->done);
	idr_init(&w->ids);
	test->priv = w;
	return 0;
}

static void sleepy_exit(struct kunit *test)
{
	struct waiter *w = test->priv;

	del_timer_sync(&w->timer);
	idr_destroy(&w->ids);
	kunit_info(test, "exit in %s\n", current->comm);
}

static void sleep_test(struct kunit *test)
{
	unsigned long before = jiffies;

	KUNIT_EXPECT_STREQ(test, current->comm, "kunit_try_catch");
	KUNIT_EXPECT_TRUE(test, current->flags & PF_KTHREAD);
	msleep(100);
	KUNIT_EXPECT_GE(test, jiffies - before, msecs_to_jiffies(100));
	kunit_info(test, "slept %u ms\n", jiffies_to_msecs(jiffies - before));
}

static void timer_completion_test(struct kunit *test)
{
	struct waiter *w = test->priv;
	unsigned long left;

	mod_timer(&w->timer, jiffies + msecs_to_jiffies(50));
	left = wait_for_completion_timeout(&w->done, msecs_to_jiffies(1000));
	KUNIT_EXPECT_GT(test, left, 0UL);
	KUNIT_EXPECT_EQ(test, w->fired, 1);
}

static int helper_fn(void *data)
{
	struct waiter *w = data;

	msleep(10);
	w->fired = 7;
	complete(&w->done);
	while (!kthread_should_stop())
		msleep(1);
	return 5;
}

static void own_kthread_test(struct kunit *test)
{
	struct waiter *w = test->priv;
	struct task_struct *helper = kthread_run(helper_fn, w, "kunit-helper");

	KUNIT_ASSERT_FALSE(test, IS_ERR(helper));
	wait_for_completion(&w->done);
	KUNIT_EXPECT_EQ(test, w->fired, 7);
	KUNIT_EXPECT_EQ(test, kthread_stop(helper), 5);
}

static void assert_after_sleep_test(struct kunit *test)
{
	msleep(20);
	KUNIT_ASSERT_EQ(test, 1 + 1, 3);
	kunit_info(test, "never printed\n");
}

static int check_entry(int id, void *p, void *data)
{
	struct kunit *test = data;

	KUNIT_ASSERT_EQ(test, id, 99);
	return 0;
}

static void nested_assert_test(struct kunit *test)
{
	struct waiter *w = test->priv;

	KUNIT_ASSERT_GE(test, idr_alloc(&w->ids, w, 0, 0, GFP_KERNEL), 0);
	idr_for_each(&w->ids, check_entry, test);
	kunit_info(test, "never printed either\n");
}

static void hang_test(struct kunit *test)
{
	struct waiter *w = test->priv;

	kunit_info(test, "waiting for what never comes\n");
	wait_for_completion(&w->done);
	kunit_info(test, "woke up\n");
}

static void after_hang_test(struct kunit *test)
{
	kunit_info(test, "still runs\n");
	KUNIT_SUCCEED(test);
}

static void crash_after_sleep_test(struct kunit *test)
{
	int *volatile p = NULL;

	msleep(10);
	*p = 1;
}

/* KUnit's own try-catch, as lib/kunit/kunit-test.c drives it: a try in a kthread of its own */
static void quiet_try(void *data)
{
	struct kunit *test = data;
	struct waiter *w = test->priv;

	msleep(5);
	w->fired = 1;
}

static void throwing_try(void *data)
{
	struct kunit *test = data;
	struct waiter *w = test->priv;

	kunit_try_catch_throw(&w->try_catch);
	w->fired = 99;
}

static void counting_catch(void *data)
{
	struct kunit *test = data;
	struct waiter *w = test->priv;

	w->caught++;
}

static void try_catch_test(struct kunit *test)
{
	struct waiter *w = test->priv;

	w->try_catch.test = test;
	w->try_catch.try = quiet_try;
	w->try_catch.catch = counting_catch;
	kunit_try_catch_run(&w->try_catch, test);
	KUNIT_EXPECT_EQ(test, w->fired, 1);
	KUNIT_EXPECT_EQ(test, w->caught, 0);

	w->try_catch.try = throwing_try;
	kunit_try_catch_run(&w->try_catch, test);
	KUNIT_EXPECT_EQ(test, w->fired, 1);
	KUNIT_EXPECT_EQ(test, w->caught, 1);
	KUNIT_EXPECT_EQ(test, w->try_catch.try_result, 0);
}

static struct kunit_case sleepy_cases[] = {
	KUNIT_CASE(sleep_test),
	KUNIT_CASE(timer_completion_test),
	KUNIT_CASE(own_kthread_test),
	KUNIT_CASE(assert_after_sleep_test),
	KUNIT_CASE(nested_assert_test),
	KUNIT_CASE(hang_test),
	KUNIT_CASE(after_hang_test),
	KUNIT_CASE(crash_after_sleep_test),
	KUNIT_CASE(after_hang_test),
	KUNIT_CASE(try_catch_test),
	{}
};

static struct kunit_suite sleepy_suite = {
	.name = "sleepy",
	.init = sleepy_init,
	.exit = sleepy_exit,
	.test_cases = sleepy_cases,
};
kunit_test_suite(sleepy_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit cases that sleep, wait and hang in their kthreads");
