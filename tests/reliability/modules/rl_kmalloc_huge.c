// Asks kmalloc for 2^60 bytes and reports -ENOMEM when it (rightly) gets NULL.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>

static int __init rl_init(void)
{
	void *p = kmalloc(1UL << 60, GFP_KERNEL);

	if (!p) {
		pr_err("no memory, as expected\n");
		return -ENOMEM;
	}
	kfree(p);
	return 0;
}
module_init(rl_init);
MODULE_LICENSE("GPL");
