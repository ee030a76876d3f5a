/*
 * ioctl.c: a character device driven by ioctl commands: a per-open value
 * (set with _IOW, read back with _IOR), a number kept across opens (passed
 * as the argument itself), and a short message of which one byte can be
 * asked for with _IOWR. Numbers from alloc_chrdev_region and a struct cdev;
 * no device class, so the node is made by hand (mknod).
 */
#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/ioctl.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

#define DRIVER_NAME "ioctltest"
#define VALBOX_MAGIC 0x66

struct valbox_arg {
	unsigned int val;
};

#define VALBOX_SET _IOW(VALBOX_MAGIC, 0, struct valbox_arg)
#define VALBOX_GET _IOR(VALBOX_MAGIC, 1, struct valbox_arg)
#define VALBOX_GET_NUM _IOR(VALBOX_MAGIC, 2, int)
#define VALBOX_SET_NUM _IOW(VALBOX_MAGIC, 3, int)
#define VALBOX_SET_MSG _IOW(VALBOX_MAGIC, 4, char[32])
#define VALBOX_GET_BYTE _IOWR(VALBOX_MAGIC, 5, int)
#define VALBOX_LAST_NR 5

struct valbox {
	rwlock_t lock;
	unsigned char val;
};

static dev_t first;
static struct cdev valbox_cdev;
static int shared_num;
static char message[32];

static long valbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct valbox *box = file->private_data;
	struct valbox_arg data = { 0 };
	int index;

	if (_IOC_TYPE(cmd) != VALBOX_MAGIC || _IOC_NR(cmd) > VALBOX_LAST_NR)
		return -ENOTTY;

	switch (cmd) {
	case VALBOX_SET:
		if (copy_from_user(&data, (void __user *)arg, sizeof(data)))
			return -EFAULT;
		write_lock(&box->lock);
		box->val = data.val;
		write_unlock(&box->lock);
		pr_info("ioctl: value set to 0x%x\n", data.val);
		return 0;
	case VALBOX_GET:
		read_lock(&box->lock);
		data.val = box->val;
		read_unlock(&box->lock);
		return copy_to_user((void __user *)arg, &data, sizeof(data)) ? -EFAULT : 0;
	case VALBOX_GET_NUM:
		return put_user(shared_num, (int __user *)arg);
	case VALBOX_SET_NUM:
		shared_num = arg;
		return 0;
	case VALBOX_SET_MSG:
		return strncpy_from_user(message, (const char __user *)arg, sizeof(message) - 1) < 0
			? -EFAULT : 0;
	case VALBOX_GET_BYTE:
		if (get_user(index, (int __user *)arg))
			return -EFAULT;
		if (index < 0 || index >= (int)strlen(message))
			return -EINVAL;
		return message[index];
	}
	return -ENOTTY;
}

static ssize_t valbox_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct valbox *box = file->private_data;
	unsigned char val;
	size_t i;

	read_lock(&box->lock);
	val = box->val;
	read_unlock(&box->lock);
	for (i = 0; i < count; i++)
		if (put_user(val, buf + i))
			return -EFAULT;
	return count;
}

static int valbox_open(struct inode *inode, struct file *file)
{
	struct valbox *box = kmalloc(sizeof(*box), GFP_KERNEL);

	if (!box)
		return -ENOMEM;
	rwlock_init(&box->lock);
	box->val = 0xff;
	file->private_data = box;
	return 0;
}

static int valbox_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	pr_info("ioctl: file released\n");
	return 0;
}

static const struct file_operations valbox_fops = {
	.owner = THIS_MODULE,
	.open = valbox_open,
	.release = valbox_release,
	.read = valbox_read,
	.unlocked_ioctl = valbox_ioctl,
};

static int __init valbox_init(void)
{
	int ret = alloc_chrdev_region(&first, 0, 1, DRIVER_NAME);

	if (ret)
		return ret;
	cdev_init(&valbox_cdev, &valbox_fops);
	ret = cdev_add(&valbox_cdev, first, 1);
	if (ret) {
		unregister_chrdev_region(first, 1);
		return ret;
	}
	pr_info("ioctl: major %d\n", MAJOR(first));
	return 0;
}

static void __exit valbox_exit(void)
{
	cdev_del(&valbox_cdev);
	unregister_chrdev_region(first, 1);
}

module_init(valbox_init);
module_exit(valbox_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A character device driven by ioctl commands");
