// A well-behaved module: proof the kernel still works after each misbehaviour.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>

static char *note;

static int __init rl_init(void)
{
	note = kstrdup("fine", GFP_KERNEL);
	if (!note)
		return -ENOMEM;
	pr_info("all is %s\n", note);
	return 0;
}

static void __exit rl_exit(void)
{
	pr_info("bye, still %s\n", note);
	kfree(note);
}
module_init(rl_init);
module_exit(rl_exit);
MODULE_LICENSE("GPL");
