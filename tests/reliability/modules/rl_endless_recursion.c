// Recursion with no base case and the smallest frame gcc allows.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>

static noinline int again(int n)
{
	int r = again(n + 1);

	asm volatile("" ::: "memory");	/* keep a real call: no tail-call loop */
	return r;
}

static int __init rl_init(void)
{
	return again(0);
}
module_init(rl_init);
MODULE_LICENSE("GPL");
