/*
 * A thread that waits for a completion nobody signals (a hung task), and,
 * with wait_in_init=1, an init that does the same.
 */
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>

MODULE_LICENSE("GPL");

static DECLARE_COMPLETION(never);
static bool wait_in_init;
module_param(wait_in_init, bool, 0444);
static struct task_struct *waiter;

static int waiter_fn(void *data)
{
	wait_for_completion(&never);
	pr_info("hung: the waiter woke\n");
	return 0;
}

static int __init hung_init(void)
{
	if (wait_in_init) {
		wait_for_completion(&never);
		return 0;
	}
	waiter = kthread_run(waiter_fn, NULL, "hung-waiter");
	return PTR_ERR_OR_ZERO(waiter);
}

static void __exit hung_exit(void)
{
	complete(&never);
	kthread_stop(waiter);
}

module_init(hung_init);
module_exit(hung_exit);
