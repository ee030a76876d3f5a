/*
 * baduser.c: a device whose read copies to whatever pointer it is told to
 * (a kernel pointer, a user pointer past the caller's buffer, NULL), as
 * buggy drivers do; every attempt must give -EFAULT, never an Oops.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

static char secret[16] = "kernel secret";
static int mode;

static ssize_t bad_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	char __user *to = ubuf;
	int v;

	switch (mode) {
	case 1:
		to = (char __user *)secret;		/* a kernel pointer as a user one */
		break;
	case 2:
		to = ubuf + count;			/* past the end of the caller's buffer */
		break;
	case 3:
		to = NULL;
		break;
	case 4:						/* get_user on a kernel pointer */
		if (get_user(v, (int __user *)&mode))
			return -EFAULT;
		return 0;
	case 5:
		if (!access_ok(ubuf, count))
			return -EINVAL;
		return clear_user(ubuf, count) ? -EFAULT : count;
	}
	if (copy_to_user(to, secret, min(count, sizeof(secret))))
		return -EFAULT;
	return min(count, sizeof(secret));
}

static ssize_t bad_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char buf[4];

	if (count > sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	mode = buf[0] - '0';
	return count;
}

static const struct file_operations bad_fops = {
	.owner = THIS_MODULE,
	.read = bad_read,
	.write = bad_write,
};

static struct miscdevice bad_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "baduser",
	.fops = &bad_fops,
};

module_misc_device(bad_misc);
MODULE_LICENSE("GPL");
