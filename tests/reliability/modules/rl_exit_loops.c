// Loads fine; its exit never returns.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>

static int __init rl_init(void) { return 0; }

static void __exit rl_exit(void)
{
	for (;;)
		asm volatile("");
}
module_init(rl_init);
module_exit(rl_exit);
MODULE_LICENSE("GPL");
