/*
 * procfs1.c: a read-only /proc file with a proc_ops read handler that
 * copies one greeting to the reader and logs which file was read.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#define NAME "helloworld"

static struct proc_dir_entry *entry;

static ssize_t greet_read(struct file *file, char __user *buf, size_t count, loff_t *pos)
{
	static const char greeting[] = "Hello, world!\n";
	size_t len = sizeof(greeting) - 1;

	if (*pos >= len)
		return 0;
	if (count > len - *pos)
		count = len - *pos;
	if (copy_to_user(buf, greeting + *pos, count))
		return -EFAULT;
	*pos += count;
	pr_info("procfs1: %s read\n", file->f_path.dentry->d_name.name);
	return count;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 6, 0)
static const struct proc_ops greet_ops = {
	.proc_read = greet_read,
};
#else
static const struct file_operations greet_ops = {
	.read = greet_read,
};
#endif

static int __init procfs1_init(void)
{
	entry = proc_create(NAME, 0644, NULL, &greet_ops);
	if (!entry)
		return -ENOMEM;
	pr_info("procfs1: /proc/%s created\n", NAME);
	return 0;
}

static void __exit procfs1_exit(void)
{
	proc_remove(entry);
}

module_init(procfs1_init);
module_exit(procfs1_exit);
MODULE_LICENSE("GPL");
