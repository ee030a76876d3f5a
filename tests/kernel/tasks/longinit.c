/*
 * longinit: an init that computes for a long time, in rounds, as the kernel's
 * self-tests do (lib/test_bpf.c runs a thousand programs in one init). With
 * resched=1 (the default) it calls cond_resched() between rounds, the
 * schedule point a long loop in process context owes the watchdog; with
 * resched=0 it does not, and the soft-lockup watchdog stops it; with locked=1
 * it calls it under a spinlock, where cond_resched() cannot schedule: stopped too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

MODULE_LICENSE("GPL");

static bool resched = true;
module_param(resched, bool, 0444);
static bool locked;
module_param(locked, bool, 0444);
static unsigned int rounds = 400;
module_param(rounds, uint, 0444);
static unsigned int steps = 100000;
module_param(steps, uint, 0444);

static u64 result;
static DEFINE_SPINLOCK(lock);

static noinline u64 one_round(u64 x)
{
	unsigned int i;

	for (i = 0; i < steps; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

static int __init longinit_init(void)
{
	unsigned int r;
	u64 x = 1;

	pr_info("%u rounds of %u steps\n", rounds, steps);
	if (locked)
		spin_lock(&lock);
	for (r = 0; r < rounds; r++) {
		x = one_round(x);
		if (resched)
			cond_resched();
	}
	if (locked)
		spin_unlock(&lock);
	result = x;
	pr_info("done: %016llx\n", x);
	return 0;
}

static void __exit longinit_exit(void)
{
}

module_init(longinit_init);
module_exit(longinit_exit);
