// SPDX-License-Identifier: GPL-2.0
/*
 * procfs: creates /proc/hello_proc; every read runs hello_proc_show.
 *
 *   lkmsh insmod procfs.ko; lkmsh cat /proc/hello_proc; lkmsh rmmod procfs
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>

#define PROC_NAME "hello_proc"

static DEFINE_SPINLOCK(reads_lock);
static unsigned long reads;

static int hello_proc_show(struct seq_file *m, void *v)
{
	unsigned long n;

	spin_lock(&reads_lock);
	n = ++reads;
	spin_unlock(&reads_lock);

	seq_printf(m, "reads: %lu\n", n);
	seq_puts(m, "Hello from /proc\n");
	return 0;
}

static int __init procfs_init(void)
{
	if (!proc_create_single(PROC_NAME, 0444, NULL, hello_proc_show)) {
		pr_err("cannot create /proc/%s\n", PROC_NAME);
		return -ENOMEM;
	}
	pr_info("created /proc/%s\n", PROC_NAME);
	return 0;
}

static void __exit procfs_exit(void)
{
	remove_proc_entry(PROC_NAME, NULL);
	pr_info("removed /proc/%s after %lu reads\n", PROC_NAME, reads);
}

module_init(procfs_init);
module_exit(procfs_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A /proc file produced by a show function");
