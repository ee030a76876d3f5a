// SPDX-License-Identifier: GPL-2.0
/*
 * kfile_probe: what a debugging module (lib/test_lockup.c's kind) does with
 * the kernel's own helpers: filp_open() a path and lock its inode, read a
 * kernel address that may not be there with get_kernel_nofault(), sleep on an
 * hrtimer, convert nanoseconds to jiffies.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/init.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/err.h>

#define PROC_SUPER_MAGIC 0x9fa0

static int probe_value = 1234;

static int __init kfile_probe_init(void)
{
	struct file *f;
	struct inode *inode;
	ktime_t t = ms_to_ktime(20);
	unsigned long before;
	int val = 0;
	long ret;

	f = filp_open("/proc/modules", O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	inode = file_inode(f);
	down_write(&inode->i_rwsem);
	pr_info("modules: regular=%d magic=%#lx id=%s\n", S_ISREG(inode->i_mode),
		inode->i_sb->s_magic, inode->i_sb->s_id);
	up_write(&inode->i_rwsem);
	down_read(&f->f_mapping->i_mmap_rwsem);
	up_read(&f->f_mapping->i_mmap_rwsem);
	pr_info("host is the inode: %d\n", f->f_mapping->host == inode);
	filp_close(f, NULL);

	f = filp_open("/no/such/file", O_RDONLY, 0);
	pr_info("missing: %ld\n", IS_ERR(f) ? PTR_ERR(f) : 0L);
	f = filp_open("/proc/modules", O_WRONLY, 0);
	pr_info("read-only for writing: %ld\n", IS_ERR(f) ? PTR_ERR(f) : 0L);
	f = filp_open("/sys/kernel/debug", O_RDONLY, 0);
	if (!IS_ERR(f)) {
		pr_info("debugfs dir: %d %s\n", S_ISDIR(file_inode(f)->i_mode), file_inode(f)->i_sb->s_id);
		fput(f);
	}

	ret = get_kernel_nofault(val, &probe_value);
	pr_info("nofault: %ld %d\n", ret, val);
	ret = get_kernel_nofault(val, (int *)0xffffc9ff00000000UL);
	pr_info("nofault unmapped: %ld\n", ret);

	pr_info("mm: %s\n", current->mm ? "set" : "NULL");
	pr_info("jiffies: %lu %lu\n", nsecs_to_jiffies(10 * NSEC_PER_MSEC), nsecs_to_jiffies(NSEC_PER_SEC));

	before = jiffies;
	set_current_state(TASK_INTERRUPTIBLE);
	ret = schedule_hrtimeout(&t, HRTIMER_MODE_REL);
	pr_info("hrtimeout: %ld after %lu jiffies\n", ret, jiffies - before);

	before = jiffies;
	set_current_state(TASK_INTERRUPTIBLE);
	ret = schedule_timeout(5);
	pr_info("timeout: %ld after %lu jiffies\n", ret, jiffies - before);
	return 0;
}

static void __exit kfile_probe_exit(void)
{
}

module_init(kfile_probe_init);
module_exit(kfile_probe_exit);
MODULE_LICENSE("GPL");
