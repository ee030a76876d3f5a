// Patching its own code: module text is read+execute only.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>

static int __init rl_init(void)
{
	*(volatile unsigned char *)rl_init = 0x90;
	return 0;
}
module_init(rl_init);
MODULE_LICENSE("GPL");
