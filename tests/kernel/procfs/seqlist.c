/*
 * seqlist.c: a /proc file over a list of records, in the kernel's style:
 * proc_create_seq_data with seq_list_start/seq_list_next, records large
 * enough that the output spans several pages, and a directory with a
 * DEFINE_PROC_SHOW_ATTRIBUTE file reading its data through pde_data.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

struct record {
	struct list_head node;
	int id;
};

static LIST_HEAD(records);
static struct proc_dir_entry *dir;
static int nrecords = 500;
static const char *greeting = "hello from pde_data";

static void *rec_start(struct seq_file *m, loff_t *pos)
{
	return seq_list_start(&records, *pos);
}

static void *rec_next(struct seq_file *m, void *v, loff_t *pos)
{
	return seq_list_next(v, &records, pos);
}

static void rec_stop(struct seq_file *m, void *v)
{
}

static int rec_show(struct seq_file *m, void *v)
{
	struct record *r = list_entry(v, struct record, node);

	seq_printf(m, "record %4d: %s\n", r->id, (const char *)pde_data(file_inode(m->file)));
	return 0;
}

static const struct seq_operations rec_sops = {
	.start = rec_start,
	.next = rec_next,
	.stop = rec_stop,
	.show = rec_show,
};

static int hello_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", (const char *)m->private);
	return 0;
}
DEFINE_PROC_SHOW_ATTRIBUTE(hello);

static int __init seqlist_init(void)
{
	int i;

	for (i = 0; i < nrecords; i++) {
		struct record *r = kzalloc(sizeof(*r), GFP_KERNEL);

		if (!r)
			return -ENOMEM;
		r->id = i;
		list_add_tail(&r->node, &records);
	}
	dir = proc_mkdir("seqlist", NULL);
	if (!dir)
		return -ENOMEM;
	if (!proc_create_seq_data("records", 0444, dir, &rec_sops, "rec") ||
	    !proc_create_data("hello", 0444, dir, &hello_proc_ops, (void *)greeting)) {
		proc_remove(dir);
		return -ENOMEM;
	}
	return 0;
}

static void __exit seqlist_exit(void)
{
	struct record *r, *tmp;

	proc_remove(dir);
	list_for_each_entry_safe(r, tmp, &records, node) {
		list_del(&r->node);
		kfree(r);
	}
}

module_init(seqlist_init);
module_exit(seqlist_exit);
MODULE_LICENSE("GPL");
