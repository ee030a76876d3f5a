/* SPDX-License-Identifier: MIT */
/* lkmsh: struct kunit_try_catch, as Linux 6.1's <kunit/try-catch.h>. */
#ifndef _LKMSH_KUNIT_TRY_CATCH_H
#define _LKMSH_KUNIT_TRY_CATCH_H

#include <linux/types.h>

typedef void (*kunit_try_catch_func_t)(void *);

struct completion;
struct kunit;

struct kunit_try_catch {
	/* private: internal use only. */
	struct kunit *test;
	struct completion *try_completion;
	int try_result;
	kunit_try_catch_func_t try;
	kunit_try_catch_func_t catch;
	void *context;
};

/* Runs try(context) in a kthread of its own and waits for it; catch(context) if it threw. */
void kunit_try_catch_run(struct kunit_try_catch *try_catch, void *context);

/* Ends the running test case here: its kthread exits (kthread_complete_and_exit). */
void __noreturn kunit_try_catch_throw(struct kunit_try_catch *try_catch);

static inline int kunit_try_catch_get_result(struct kunit_try_catch *try_catch)
{
	return try_catch->try_result;
}

#endif
