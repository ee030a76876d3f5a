// Following a poisoned list pointer (LIST_POISON1): a non-canonical address.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>

static int __init rl_init(void)
{
	volatile long *p = (volatile long *)0xdead000000000100UL;

	return (int)*p;
}
module_init(rl_init);
MODULE_LICENSE("GPL");
