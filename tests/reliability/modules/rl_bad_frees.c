// kfree() misuse chosen by parameter: 1 double free, 2 a static object, 3 a pointer into an object.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>

static int how = 1;
module_param(how, int, 0444);

static int __init rl_init(void)
{
	static int not_heap;
	char *p = kmalloc(32, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	if (how == 1) {
		kfree(p);
		kfree(p);
	} else if (how == 2) {
		kfree(&not_heap);
	} else {
		kfree(p + 8);
	}
	return 0;
}
module_init(rl_init);
MODULE_LICENSE("GPL");
