// Needs rl_chain_mid's export.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>

extern int rl_chain_mid_value(int x);

static int __init rl_init(void)
{
	pr_info("%d\n", rl_chain_mid_value(3));
	return 0;
}
static void __exit rl_exit(void) { }
module_init(rl_init);
module_exit(rl_exit);
MODULE_LICENSE("GPL");
