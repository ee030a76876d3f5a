/*
 * A misc device whose read blocks until data arrives (LDD3's "sleepy"
 * pattern): a timer produces a reading every 500 ms; read() waits on a wait
 * queue for it, or gives -EAGAIN to an O_NONBLOCK reader.
 */
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/timer.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

MODULE_LICENSE("GPL");

static bool produce = true;
module_param(produce, bool, 0444);

static DECLARE_WAIT_QUEUE_HEAD(readers);
static struct timer_list sensor;
static int readings, consumed;

static void sensor_fn(struct timer_list *t)
{
	readings++;
	wake_up_interruptible(&readers);
	mod_timer(t, jiffies + msecs_to_jiffies(500));
}

static ssize_t sleepy_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	char line[32];
	int n;

	if (consumed == readings && (file->f_flags & O_NONBLOCK))
		return -EAGAIN;
	if (wait_event_interruptible(readers, consumed < readings))
		return -ERESTARTSYS;
	n = scnprintf(line, sizeof(line), "reading %d at %lu\n", ++consumed, jiffies);
	if (count < n)
		return -EINVAL;
	if (copy_to_user(buf, line, n))
		return -EFAULT;
	return n;
}

static const struct file_operations sleepy_fops = {
	.owner = THIS_MODULE,
	.read = sleepy_read,
};

static struct miscdevice sleepy = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "sleepy",
	.fops = &sleepy_fops,
};

static int __init sleepy_init(void)
{
	timer_setup(&sensor, sensor_fn, 0);
	if (produce)
		mod_timer(&sensor, jiffies + msecs_to_jiffies(500));
	return misc_register(&sleepy);
}

static void __exit sleepy_exit(void)
{
	misc_deregister(&sleepy);
	del_timer_sync(&sensor);
}

module_init(sleepy_init);
module_exit(sleepy_exit);
