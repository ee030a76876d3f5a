/*
 * chardev.c: a read-only character device that says how often it was
 * opened, written the way the module programming guides teach it:
 * register_chrdev with a dynamic major, a device class and a node, one
 * opener at a time, and a reference on the module while it is open.
 */
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#define DEVICE_NAME "chardev"
#define MSG_LEN 80

static int major;
static struct class *cls;
static atomic_t busy = ATOMIC_INIT(0);
static char text[MSG_LEN];
static int opens;

static int chardev_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&busy, 0, 1))
		return -EBUSY;
	snprintf(text, sizeof(text), "chardev was opened %d times before this\n", opens++);
	try_module_get(THIS_MODULE);
	return 0;
}

static int chardev_release(struct inode *inode, struct file *file)
{
	atomic_set(&busy, 0);
	module_put(THIS_MODULE);
	return 0;
}

static ssize_t chardev_read(struct file *file, char __user *buf, size_t len, loff_t *off)
{
	const char *from = text + *off;
	size_t done = 0;

	while (done < len && *from) {
		if (put_user(*from, buf + done))
			return -EFAULT;
		from++;
		done++;
	}
	*off += done;
	return done;
}

static ssize_t chardev_write(struct file *file, const char __user *buf, size_t len, loff_t *off)
{
	pr_alert("chardev: writing is not supported\n");
	return -EINVAL;
}

static const struct file_operations chardev_fops = {
	.read = chardev_read,
	.write = chardev_write,
	.open = chardev_open,
	.release = chardev_release,
};

static int __init chardev_init(void)
{
	major = register_chrdev(0, DEVICE_NAME, &chardev_fops);
	if (major < 0) {
		pr_alert("chardev: register_chrdev failed: %d\n", major);
		return major;
	}
	pr_info("chardev: major number %d\n", major);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	cls = class_create(DEVICE_NAME);
#else
	cls = class_create(THIS_MODULE, DEVICE_NAME);
#endif
	device_create(cls, NULL, MKDEV(major, 0), NULL, DEVICE_NAME);
	pr_info("chardev: /dev/%s is ready\n", DEVICE_NAME);
	return 0;
}

static void __exit chardev_exit(void)
{
	device_destroy(cls, MKDEV(major, 0));
	class_destroy(cls);
	unregister_chrdev(major, DEVICE_NAME);
}

module_init(chardev_init);
module_exit(chardev_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A character device that counts its opens");
