// Recursion with 512-byte frames runs off the 16 KiB stack into its guard page.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>

static noinline int dive(int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	return dive(depth + 1) + frame[0];
}

static int __init rl_init(void)
{
	return dive(0);
}
module_init(rl_init);
MODULE_LICENSE("GPL");
