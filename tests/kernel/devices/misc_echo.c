/*
 * misc_echo.c: a misc device (/dev/misc_echo) that keeps the last thing
 * written to it and gives it back, seekable within its buffer, in the style
 * of the kernel's samples: simple_read_from_buffer, simple_write_to_buffer,
 * fixed_size_llseek, dev_info on the misc device.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>

#define ECHO_SIZE 64

struct echo_dev {
	struct miscdevice misc;
	struct mutex lock;
	char buf[ECHO_SIZE];
	size_t len;
	int opens;
};

static struct echo_dev echo;

static int echo_open(struct inode *inode, struct file *file)
{
	struct echo_dev *e = container_of(file->private_data, struct echo_dev, misc);

	e->opens++;
	dev_info(e->misc.this_device, "opened by minor %u (%d opens)\n", iminor(inode), e->opens);
	file->private_data = e;
	return 0;
}

static ssize_t echo_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct echo_dev *e = file->private_data;
	ssize_t ret;

	mutex_lock(&e->lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, e->buf, e->len);
	mutex_unlock(&e->lock);
	return ret;
}

static ssize_t echo_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct echo_dev *e = file->private_data;
	ssize_t ret;

	if (count > ECHO_SIZE)
		return -EINVAL;
	mutex_lock(&e->lock);
	ret = simple_write_to_buffer(e->buf, ECHO_SIZE, ppos, ubuf, count);
	if (ret > 0 && *ppos > e->len)
		e->len = *ppos;
	mutex_unlock(&e->lock);
	return ret;
}

static loff_t echo_llseek(struct file *file, loff_t off, int whence)
{
	return fixed_size_llseek(file, off, whence, ECHO_SIZE);
}

static const struct file_operations echo_fops = {
	.owner = THIS_MODULE,
	.open = echo_open,
	.read = echo_read,
	.write = echo_write,
	.llseek = echo_llseek,
};

static int __init echo_init(void)
{
	int ret;

	mutex_init(&echo.lock);
	echo.misc.minor = MISC_DYNAMIC_MINOR;
	echo.misc.name = "misc_echo";
	echo.misc.fops = &echo_fops;
	echo.misc.mode = 0666;
	ret = misc_register(&echo.misc);
	if (ret)
		return ret;
	pr_info("misc_echo: minor %d\n", echo.misc.minor);
	return 0;
}

static void __exit echo_exit(void)
{
	misc_deregister(&echo.misc);
}

module_init(echo_init);
module_exit(echo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A misc device that echoes what was written");
