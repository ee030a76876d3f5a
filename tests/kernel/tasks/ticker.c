/*
 * A kernel thread that prints every second until the module is removed
 * (the Linux Kernel Module Programming Guide's kthread pattern).
 */
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A kthread that ticks every second");

static unsigned int period_ms = 1000;
module_param(period_ms, uint, 0444);

static struct task_struct *ticker;

static int ticker_fn(void *data)
{
	int ticks = 0;
	char comm[TASK_COMM_LEN];

	get_task_comm(comm, current);
	pr_info("ticker: %s (pid %d) started\n", comm, current->pid);
	while (!kthread_should_stop()) {
		pr_info("ticker: tick %d at jiffies %lu\n", ++ticks, jiffies);
		msleep(period_ms);
	}
	pr_info("ticker: stopping after %d ticks\n", ticks);
	return ticks;
}

static int __init ticker_init(void)
{
	ticker = kthread_run(ticker_fn, NULL, "ticker/%d", 0);
	if (IS_ERR(ticker)) {
		pr_err("ticker: cannot start the thread\n");
		return PTR_ERR(ticker);
	}
	return 0;
}

static void __exit ticker_exit(void)
{
	int ret = kthread_stop(ticker);

	pr_info("ticker: thread returned %d\n", ret);
}

module_init(ticker_init);
module_exit(ticker_exit);
