/*
 * procfs4.c: a /proc file iterated by seq_operations. Each walk shows one
 * record, a counter that next() increments; start() ends the walk (and
 * sets the position back to 0) once past the first record.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#define NAME "iter"

static unsigned long counter;

static void *it_start(struct seq_file *m, loff_t *pos)
{
	if (*pos == 0)
		return &counter;
	*pos = 0;
	return NULL;
}

static void *it_next(struct seq_file *m, void *v, loff_t *pos)
{
	(*(unsigned long *)v)++;
	(*pos)++;
	return NULL;
}

static void it_stop(struct seq_file *m, void *v)
{
}

static int it_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%lu\n", *(unsigned long *)v);
	return 0;
}

static const struct seq_operations it_sops = {
	.start = it_start,
	.next = it_next,
	.stop = it_stop,
	.show = it_show,
};

static int it_open(struct inode *inode, struct file *file)
{
	return seq_open(file, &it_sops);
}

static const struct proc_ops it_ops = {
	.proc_open = it_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = seq_release,
};

static int __init procfs4_init(void)
{
	return proc_create(NAME, 0, NULL, &it_ops) ? 0 : -ENOMEM;
}

static void __exit procfs4_exit(void)
{
	remove_proc_entry(NAME, NULL);
}

module_init(procfs4_init);
module_exit(procfs4_exit);
MODULE_LICENSE("GPL");
