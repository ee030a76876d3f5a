/*
 * A module that forgets to clean up: its thread still runs, its timer is
 * still armed and its delayed work still queued when it is removed.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

MODULE_LICENSE("GPL");

static struct timer_list forgotten_timer;
static struct delayed_work forgotten_work;

static void forgotten_timer_fn(struct timer_list *t)
{
	pr_info("leaver: timer fired\n");
}

static void forgotten_work_fn(struct work_struct *w)
{
	pr_info("leaver: work ran\n");
}

static int forgotten_thread(void *data)
{
	while (!kthread_should_stop())
		msleep(1000);
	return 0;
}

static int __init leaver_init(void)
{
	kthread_run(forgotten_thread, NULL, "leaver");
	timer_setup(&forgotten_timer, forgotten_timer_fn, 0);
	mod_timer(&forgotten_timer, jiffies + 10 * HZ);
	INIT_DELAYED_WORK(&forgotten_work, forgotten_work_fn);
	schedule_delayed_work(&forgotten_work, 20 * HZ);
	return 0;
}

static void __exit leaver_exit(void)
{
	pr_info("leaver: bye\n");
}

module_init(leaver_init);
module_exit(leaver_exit);
