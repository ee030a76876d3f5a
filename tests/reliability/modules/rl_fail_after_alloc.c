// Allocates, registers a /proc file and exports, then fails its init with -EIO.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

int rl_fail_after_alloc_value(void) { return 7; }
EXPORT_SYMBOL(rl_fail_after_alloc_value);

static int show(struct seq_file *m, void *v) { return 0; }

static int __init rl_init(void)
{
	void *p = kzalloc(4096, GFP_KERNEL);

	if (!p || !proc_create_single("rl_half", 0444, NULL, show))
		return -ENOMEM;
	pr_info("half way\n");
	return -EIO;
}
module_init(rl_init);
MODULE_LICENSE("GPL");
