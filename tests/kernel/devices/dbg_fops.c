/*
 * dbg_fops.c: debugfs files with file operations, as drivers make them:
 * a message file (simple_open, simple_read_from_buffer/simple_write_to_buffer)
 * and a DEFINE_SHOW_ATTRIBUTE statistics file, in a directory of their own.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>

struct dbg_state {
	char msg[32];
	size_t len;
	int reads;
};

static struct dbg_state state = { .msg = "initial\n", .len = 8 };
static struct dentry *dir;

static ssize_t msg_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct dbg_state *s = file->private_data;

	s->reads++;
	return simple_read_from_buffer(ubuf, count, ppos, s->msg, s->len);
}

static ssize_t msg_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct dbg_state *s = file->private_data;
	ssize_t ret = simple_write_to_buffer(s->msg, sizeof(s->msg), ppos, ubuf, count);

	if (ret > 0)
		s->len = *ppos;
	return ret;
}

static const struct file_operations msg_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = msg_read,
	.write = msg_write,
	.llseek = default_llseek,
};

static int stats_show(struct seq_file *m, void *v)
{
	struct dbg_state *s = m->private;

	seq_printf(m, "reads: %d\nlength: %zu\n", s->reads, s->len);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int __init dbg_init(void)
{
	dir = debugfs_create_dir("dbg_fops", NULL);
	debugfs_create_file("msg", 0600, dir, &state, &msg_fops);
	debugfs_create_file("stats", 0444, dir, &state, &stats_fops);
	return 0;
}

static void __exit dbg_exit(void)
{
	debugfs_remove_recursive(dir);
}

module_init(dbg_init);
module_exit(dbg_exit);
MODULE_LICENSE("GPL");
