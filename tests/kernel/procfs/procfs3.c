/*
 * procfs3.c: a /proc file with open and release handlers that hold a
 * reference on the module, a size and an owner (proc_set_size,
 * proc_set_user); reads give back the last write, once.
 */
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

#define NAME "buffer2k"
#define SIZE 2048UL

static char data[SIZE];
static unsigned long data_len;

static ssize_t p3_read(struct file *file, char __user *buf, size_t len, loff_t *off)
{
	size_t n;

	if (*off || !data_len)
		return 0;
	n = min((size_t)data_len, len);
	if (copy_to_user(buf, data, n))
		return -EFAULT;
	*off += n;
	return n;
}

static ssize_t p3_write(struct file *file, const char __user *buf, size_t len, loff_t *off)
{
	data_len = min(SIZE, (unsigned long)len);
	if (copy_from_user(data, buf, data_len))
		return -EFAULT;
	*off += data_len;
	return data_len;
}

static int p3_open(struct inode *inode, struct file *file)
{
	return try_module_get(THIS_MODULE) ? 0 : -ENODEV;
}

static int p3_release(struct inode *inode, struct file *file)
{
	module_put(THIS_MODULE);
	return 0;
}

static const struct proc_ops p3_ops = {
	.proc_open = p3_open,
	.proc_read = p3_read,
	.proc_write = p3_write,
	.proc_release = p3_release,
};

static int __init procfs3_init(void)
{
	struct proc_dir_entry *entry = proc_create(NAME, 0644, NULL, &p3_ops);

	if (!entry)
		return -ENOMEM;
	proc_set_size(entry, 80);
	proc_set_user(entry, GLOBAL_ROOT_UID, GLOBAL_ROOT_GID);
	return 0;
}

static void __exit procfs3_exit(void)
{
	remove_proc_entry(NAME, NULL);
}

module_init(procfs3_init);
module_exit(procfs3_exit);
MODULE_LICENSE("GPL");
