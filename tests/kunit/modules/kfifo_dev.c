// SPDX-License-Identifier: GPL-2.0
/*
 * A misc device in front of a kfifo, in the style of samples/kfifo: writes
 * go in with kfifo_from_user, reads come out with kfifo_to_user; a record
 * FIFO beside it keeps each write as one record.
 */
#include <linux/fs.h>
#include <linux/kfifo.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>

#define FIFO_SIZE 64

static DEFINE_MUTEX(lock);
static DECLARE_KFIFO(bytes, unsigned char, FIFO_SIZE);
static struct kfifo_rec_ptr_1 records;

static ssize_t fifo_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	unsigned int copied, rec_copied;
	int ret;

	if (mutex_lock_interruptible(&lock))
		return -ERESTARTSYS;
	ret = kfifo_from_user(&bytes, buf, count, &copied);
	if (!ret)
		ret = kfifo_from_user(&records, buf, count, &rec_copied);
	mutex_unlock(&lock);
	return ret ? ret : copied;
}

static ssize_t fifo_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	unsigned int copied;
	int ret;

	if (mutex_lock_interruptible(&lock))
		return -ERESTARTSYS;
	ret = kfifo_to_user(&bytes, buf, count, &copied);
	mutex_unlock(&lock);
	return ret ? ret : copied;
}

static ssize_t rec_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	unsigned int copied;
	int ret;

	ret = kfifo_to_user(&records, buf, count, &copied);
	return ret ? ret : copied;
}

static const struct file_operations fifo_fops = {
	.owner = THIS_MODULE,
	.read = fifo_read,
	.write = fifo_write,
	.llseek = noop_llseek,
};

static const struct file_operations rec_fops = {
	.owner = THIS_MODULE,
	.read = rec_read,
	.llseek = noop_llseek,
};

static struct miscdevice fifo_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kfifo_bytes",
	.fops = &fifo_fops,
};

static struct miscdevice rec_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kfifo_records",
	.fops = &rec_fops,
};

static int __init kfifo_dev_init(void)
{
	int ret;

	INIT_KFIFO(bytes);
	ret = kfifo_alloc(&records, 128, GFP_KERNEL);
	if (ret)
		return ret;
	ret = misc_register(&fifo_dev);
	if (ret)
		goto free_fifo;
	ret = misc_register(&rec_dev);
	if (ret)
		goto unregister;
	return 0;
unregister:
	misc_deregister(&fifo_dev);
free_fifo:
	kfifo_free(&records);
	return ret;
}

static void __exit kfifo_dev_exit(void)
{
	misc_deregister(&rec_dev);
	misc_deregister(&fifo_dev);
	kfifo_free(&records);
}

module_init(kfifo_dev_init);
module_exit(kfifo_dev_exit);
MODULE_LICENSE("GPL");
