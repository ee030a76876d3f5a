// SPDX-License-Identifier: GPL-2.0
/*
 * lp_target: a module with two functions a live patch replaces, as a driver
 * whose bug gets fixed in place: lp_target_greeting() behind /proc/lp_target,
 * and lp_target_slow(), which a work item sits in for busy_ms milliseconds.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>
#include <linux/delay.h>

static int busy_ms;
module_param(busy_ms, int, 0444);
MODULE_PARM_DESC(busy_ms, "how long the work item sleeps in lp_target_slow()");

static __used noinline const char *lp_target_greeting(void)
{
	return "hello from the original";
}

static __used noinline int lp_target_slow(int ms)
{
	pr_info("%s: sleeping %d ms\n", __func__, ms);
	msleep(ms);
	pr_info("%s: done\n", __func__);
	return ms;
}

static void lp_target_work_fn(struct work_struct *work)
{
	lp_target_slow(busy_ms);
}
static DECLARE_WORK(lp_target_work, lp_target_work_fn);

static int lp_target_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", lp_target_greeting());
	return 0;
}

static int __init lp_target_init(void)
{
	if (!proc_create_single("lp_target", 0444, NULL, lp_target_show))
		return -ENOMEM;
	if (busy_ms)
		schedule_work(&lp_target_work);
	pr_info("loaded\n");
	return 0;
}

static void __exit lp_target_exit(void)
{
	cancel_work_sync(&lp_target_work);
	remove_proc_entry("lp_target", NULL);
	pr_info("unloaded\n");
}

module_init(lp_target_init);
module_exit(lp_target_exit);
MODULE_LICENSE("GPL");
