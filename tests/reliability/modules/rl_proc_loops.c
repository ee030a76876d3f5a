// A /proc file whose show function never returns.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

static int spin_show(struct seq_file *m, void *v)
{
	seq_puts(m, "about to spin\n");
	for (;;)
		asm volatile("");
	return 0;
}

static int __init rl_init(void)
{
	return proc_create_single("rl_spin", 0444, NULL, spin_show) ? 0 : -ENOMEM;
}

static void __exit rl_exit(void)
{
	remove_proc_entry("rl_spin", NULL);
	pr_info("removed /proc/rl_spin\n");
}
module_init(rl_init);
module_exit(rl_exit);
MODULE_LICENSE("GPL");
