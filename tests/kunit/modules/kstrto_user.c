// SPDX-License-Identifier: GPL-2.0
/*
 * A misc device that takes a number from whoever writes it, the way debugfs
 * and /proc write handlers do it: kstrtoint_from_user() on the user buffer.
 * "/dev/kstrto_user" keeps the last value (read it back), "/dev/kstrto_bool"
 * a flag (the read names the file with %pD). Its init checks hweight8/16/32/64
 * on values gcc cannot see.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/fs.h>
#include <linux/kstrtox.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

static int value;
static bool flag;
static volatile unsigned long pattern = 0xf0f0f0f0f0f0f0ffUL;

static ssize_t num_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	int ret = kstrtoint_from_user(buf, count, 0, &value);

	return ret ? ret : count;
}

static ssize_t num_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	char text[64];
	int n = scnprintf(text, sizeof(text), "%d %d %pD\n", value, flag, file);

	return simple_read_from_buffer(buf, count, ppos, text, n);
}

static ssize_t bool_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	int ret = kstrtobool_from_user(buf, count, &flag);

	return ret ? ret : count;
}

static const struct file_operations num_fops = {
	.owner = THIS_MODULE,
	.read = num_read,
	.write = num_write,
};

static const struct file_operations bool_fops = {
	.owner = THIS_MODULE,
	.write = bool_write,
};

static struct miscdevice num_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kstrto_user",
	.fops = &num_fops,
};

static struct miscdevice bool_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kstrto_bool",
	.fops = &bool_fops,
};

static int __init kstrto_user_init(void)
{
	int err;

	pr_info("hweight %u %u %u %lu\n", hweight8(pattern), hweight16(pattern),
		hweight32(pattern), (unsigned long)hweight64(pattern));
	err = misc_register(&num_dev);
	if (err)
		return err;
	err = misc_register(&bool_dev);
	if (err)
		misc_deregister(&num_dev);
	return err;
}

static void __exit kstrto_user_exit(void)
{
	misc_deregister(&bool_dev);
	misc_deregister(&num_dev);
}

module_init(kstrto_user_init);
module_exit(kstrto_user_exit);
MODULE_LICENSE("GPL");
