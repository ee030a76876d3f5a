/*
 * pollable.c: a misc device with one message slot: write fills it, read
 * empties it; an empty slot is -EAGAIN for an O_NONBLOCK reader, and poll
 * says when there is something to read.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/uaccess.h>

static char slot[64];
static size_t slot_len;

static ssize_t p_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	size_t n;

	if (!slot_len)
		return (file->f_flags & O_NONBLOCK) ? -EAGAIN : 0;
	n = min(count, slot_len);
	if (copy_to_user(ubuf, slot, n))
		return -EFAULT;
	slot_len = 0;
	return n;
}

static ssize_t p_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	if (count > sizeof(slot))
		return -ENOSPC;
	if (copy_from_user(slot, ubuf, count))
		return -EFAULT;
	slot_len = count;
	return count;
}

static __poll_t p_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, NULL, wait);
	return EPOLLOUT | EPOLLWRNORM | (slot_len ? EPOLLIN | EPOLLRDNORM : 0);
}

static const struct file_operations p_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.read = p_read,
	.write = p_write,
	.poll = p_poll,
	.llseek = no_llseek,
};

static struct miscdevice p_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pollable",
	.fops = &p_fops,
};

module_misc_device(p_misc);
MODULE_LICENSE("GPL");
