/*
 * procfs2.c: a /proc file that takes writes: proc_write copies what was
 * written (at most 1 KiB) and logs it.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

#define NAME "buffer1k"
#define SIZE 1024

static struct proc_dir_entry *entry;
static char store[SIZE];
static size_t stored;

static ssize_t store_read(struct file *file, char __user *buf, size_t count, loff_t *pos)
{
	return simple_read_from_buffer(buf, count, pos, store, stored);
}

static ssize_t store_write(struct file *file, const char __user *buf, size_t len, loff_t *pos)
{
	stored = min_t(size_t, len, SIZE - 1);
	if (copy_from_user(store, buf, stored))
		return -EFAULT;
	store[stored] = '\0';
	*pos += stored;
	pr_info("procfs2: got %s", store);
	return stored;
}

static const struct proc_ops store_ops = {
	.proc_read = store_read,
	.proc_write = store_write,
};

static int __init procfs2_init(void)
{
	entry = proc_create(NAME, 0644, NULL, &store_ops);
	return entry ? 0 : -ENOMEM;
}

static void __exit procfs2_exit(void)
{
	proc_remove(entry);
}

module_init(procfs2_init);
module_exit(procfs2_exit);
MODULE_LICENSE("GPL");
