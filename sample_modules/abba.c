/*
 * Lock order inversion: one thread takes alpha then beta, the other beta
 * then alpha, at different times, so they never actually deadlock; lockdep
 * reports the inversion the first time it sees it.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>

MODULE_LICENSE("GPL");

static DEFINE_MUTEX(alpha);
static DEFINE_MUTEX(beta);

static int forward_fn(void *data)
{
	mutex_lock(&alpha);
	mutex_lock(&beta);
	pr_info("abba: forward took alpha then beta\n");
	mutex_unlock(&beta);
	mutex_unlock(&alpha);
	return 0;
}

static int backward_fn(void *data)
{
	msleep(100);
	mutex_lock(&beta);
	mutex_lock(&alpha);
	pr_info("abba: backward took beta then alpha\n");
	mutex_unlock(&alpha);
	mutex_unlock(&beta);
	return 0;
}

static int __init abba_init(void)
{
	kthread_run(forward_fn, NULL, "abba-fwd");
	kthread_run(backward_fn, NULL, "abba-bwd");
	return 0;
}

static void __exit abba_exit(void)
{
}

module_init(abba_init);
module_exit(abba_exit);
