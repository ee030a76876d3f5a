/*
 * spinner: waits for a flag by spinning, the mistake the soft-lockup watchdog
 * is for. On one CPU nothing else runs while it spins, so the flag never
 * changes. mode=0: init spins; mode=1: a kthread spins; mode=2: a kthread
 * busy-waits with mdelay() instead of sleeping; mode=3: the same loop with
 * cond_resched() (not a lockup: it schedules).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

MODULE_LICENSE("GPL");

static int mode;
module_param(mode, int, 0444);

static int ready;
static unsigned long spins;
static struct task_struct *thread;

static void wait_ready(void)
{
	while (!READ_ONCE(ready)) {
		spins++;
		if (mode == 2)
			mdelay(100);
		else if (mode == 3 && !(spins % 1000))
			cond_resched();
		else
			cpu_relax();
		if (mode == 3 && spins == 100000)
			WRITE_ONCE(ready, 1);
	}
}

static int spin_fn(void *data)
{
	wait_ready();
	pr_info("ready after %lu spins\n", spins);
	while (!kthread_should_stop())
		msleep(100);
	return 0;
}

static int __init spinner_init(void)
{
	pr_info("waiting for the flag\n");
	if (mode == 0) {
		wait_ready();
		return 0;
	}
	thread = kthread_run(spin_fn, NULL, "spinner");
	return PTR_ERR_OR_ZERO(thread);
}

static void __exit spinner_exit(void)
{
	if (thread)
		kthread_stop(thread);
}

module_init(spinner_init);
module_exit(spinner_exit);
