// SPDX-License-Identifier: GPL-2.0
/*
 * sysdemo: a driver's knobs under /proc/sys/dev/sysdemo, registered the way
 * drivers do it: one table with the kernel's handlers and one handler of its
 * own that wraps proc_dointvec_minmax, plus an old-style nested table under
 * /proc/sys/dev/sysdemo_old (register_sysctl_table with .child). leak=1 keeps
 * the old table registered at exit, as a buggy driver would.
 */
#include <linux/module.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/sysctl.h>
#include <linux/version.h>

static bool leak;
module_param(leak, bool, 0444);

static int threshold = 10;
static int max_threshold = 50;
static unsigned long budget = 4096;
static unsigned long budget_max = 1 << 20;
static char label[16] = "idle";
static u8 level = 3;
static unsigned int level_max = 7;
static int changes;
static unsigned int hits = 5;
static int window[3] = { 1, 2, 3 };

static int threshold_handler(struct ctl_table *table, int write,
			     void *buffer, size_t *lenp, loff_t *ppos)
{
	int old = threshold;
	int ret = proc_dointvec_minmax(table, write, buffer, lenp, ppos);

	if (!ret && write && old != threshold) {
		changes++;
		pr_info("sysdemo: threshold %d -> %d\n", old, threshold);
	}
	return ret;
}

static struct ctl_table sysdemo_table[] = {
	{
		.procname	= "threshold",
		.data		= &threshold,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= threshold_handler,
		.extra1		= SYSCTL_ONE,
		.extra2		= &max_threshold,
	},
	{
		.procname	= "budget",
		.data		= &budget,
		.maxlen		= sizeof(budget),
		.mode		= 0644,
		.proc_handler	= proc_doulongvec_minmax,
		.extra1		= SYSCTL_LONG_ONE,
		.extra2		= &budget_max,
	},
	{
		.procname	= "label",
		.data		= label,
		.maxlen		= sizeof(label),
		.mode		= 0644,
		.proc_handler	= proc_dostring,
	},
	{
		.procname	= "level",
		.data		= &level,
		.maxlen		= sizeof(u8),
		.mode		= 0644,
		.proc_handler	= proc_dou8vec_minmax,
		.extra2		= &level_max,
	},
	{
		.procname	= "window",
		.data		= window,
		.maxlen		= sizeof(window),
		.mode		= 0644,
		.proc_handler	= proc_dointvec,
	},
	{
		.procname	= "changes",
		.data		= &changes,
		.maxlen		= sizeof(int),
		.mode		= 0444,
		.proc_handler	= proc_dointvec,
	},
	{ }
};

static struct ctl_table sysdemo_stats[] = {
	{
		.procname	= "hits",
		.data		= &hits,
		.maxlen		= sizeof(hits),
		.mode		= 0644,
		.proc_handler	= proc_douintvec,
	},
	{ }
};

static struct ctl_table sysdemo_dir[] = {
	{ .procname = "sysdemo_old", .mode = 0555, .child = sysdemo_stats },
	{ }
};

static struct ctl_table sysdemo_root[] = {
	{ .procname = "dev", .mode = 0555, .child = sysdemo_dir },
	{ }
};

/* a table sysctl_check_table refuses: a proc_dointvec entry without data */
static struct ctl_table sysdemo_broken[] = {
	{ .procname = "nodata", .maxlen = sizeof(int), .mode = 0644, .proc_handler = proc_dointvec },
	{ }
};

static struct ctl_table_header *sysdemo_header, *sysdemo_old_header;

static int __init sysdemo_init(void)
{
	sysdemo_header = register_sysctl("dev/sysdemo", sysdemo_table);
	if (!sysdemo_header)
		return -ENOMEM;
	sysdemo_old_header = register_sysctl_table(sysdemo_root);
	if (!sysdemo_old_header)
		goto err_table;
	/* a second registration of the same names fails, and so does a broken table */
	if (register_sysctl("dev/sysdemo", sysdemo_table) ||
	    register_sysctl("dev/sysdemo_broken", sysdemo_broken)) {
		pr_err("sysdemo: a bad table was registered\n");
		goto err_old;
	}
	pr_info("sysdemo: knobs in /proc/sys/dev/sysdemo (%s)\n",
		LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0) ? "6.1+" : "older");
	return 0;

err_old:
	unregister_sysctl_table(sysdemo_old_header);
err_table:
	unregister_sysctl_table(sysdemo_header);
	return -ENOMEM;
}

static void __exit sysdemo_exit(void)
{
	if (!leak)
		unregister_sysctl_table(sysdemo_old_header);
	unregister_sysctl_table(sysdemo_header);
	pr_info("sysdemo: %d threshold changes\n", changes);
}

module_init(sysdemo_init);
module_exit(sysdemo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("sysctl knobs of a driver");
