/*
 * bench: the native side of the kunit_suite figure, a KUnit runner with the
 * structure of Linux 6.1's lib/kunit/test.c and try-catch.c, so the baseline
 * is the same program run natively and not a bare loop: every case gets its
 * own struct kunit (kunit_init_test: name, status, an empty resource list),
 * runs in its own thread as kunit_try_catch_run() runs it in a kthread
 * (started, then waited for), has its resources cleaned up after, and prints
 * its KTAP result line; the suite prints its header, its totals and its own
 * result line. Prints the CPU nanoseconds of the whole run on stderr.
 *
 * The generated program (fixtures.py) includes this file, defines the case
 * bodies and the `cases` table, and its main() calls kunit_run_suite(cases).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum kunit_status { KUNIT_SUCCESS, KUNIT_FAILURE, KUNIT_SKIPPED };

struct list_head {
	struct list_head *next, *prev;
};

struct kunit {
	const char *name;
	enum kunit_status status;
	struct list_head resources;
	pthread_mutex_t lock;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	enum kunit_status status;
};

static void kunit_fail(struct kunit *test, const char *file, int line, const char *what)
{
	test->status = KUNIT_FAILURE;
	printf("    # %s: EXPECTATION FAILED at %s:%d\n    Expected %s\n", test->name, file,
	       line, what);
}

#define KUNIT_CHECK(t, cond) \
	do { \
		if (!(cond)) \
			kunit_fail(t, __FILE__, __LINE__, #cond); \
	} while (0)
#define KUNIT_EXPECT_EQ(t, a, b) KUNIT_CHECK(t, (a) == (b))
#define KUNIT_EXPECT_GE(t, a, b) KUNIT_CHECK(t, (a) >= (b))
#define KUNIT_EXPECT_TRUE(t, c) KUNIT_CHECK(t, c)
#define KUNIT_CASE(f) { f, #f, KUNIT_SUCCESS }

struct try_catch {
	struct kunit *test;
	void (*run)(struct kunit *test);
};

static void *kunit_try_run(void *data)
{
	struct try_catch *tc = data;

	tc->run(tc->test);
	return NULL;
}

static void kunit_init_test(struct kunit *test, const char *name)
{
	memset(test, 0, sizeof(*test));
	test->name = name;
	test->status = KUNIT_SUCCESS;
	test->resources.next = test->resources.prev = &test->resources;
	pthread_mutex_init(&test->lock, NULL);
}

static void kunit_cleanup(struct kunit *test)
{
	while (test->resources.next != &test->resources) {
		struct list_head *r = test->resources.next;

		r->prev->next = r->next;
		r->next->prev = r->prev;
		free(r);
	}
	pthread_mutex_destroy(&test->lock);
}

static int kunit_run_suite(struct kunit_case *cases)
{
	struct timespec a, b;
	int i, n, passed = 0, failed = 0;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	for (n = 0; cases[n].run_case; n++)
		;
	printf("KTAP version 1\n1..1\n    # Subtest: bench\n    1..%d\n", n);
	for (i = 0; i < n; i++) {
		struct kunit test;
		struct try_catch tc = { &test, cases[i].run_case };
		pthread_t thread;

		kunit_init_test(&test, cases[i].name);
		if (pthread_create(&thread, NULL, kunit_try_run, &tc) || pthread_join(thread, NULL))
			return 2;
		kunit_cleanup(&test);
		cases[i].status = test.status;
		if (test.status == KUNIT_FAILURE)
			failed++;
		else
			passed++;
		printf("    %s %d - %s\n", test.status == KUNIT_FAILURE ? "not ok" : "ok", i + 1,
		       cases[i].name);
	}
	printf("# bench: pass:%d fail:%d skip:0 total:%d\n", passed, failed, n);
	printf("# Totals: pass:%d fail:%d skip:0 total:%d\n", passed, failed, n);
	printf("%s 1 - bench\n", failed ? "not ok" : "ok");
	fflush(stdout);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	fprintf(stderr, "%lld\n",
		(long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec));
	return failed != 0;
}
