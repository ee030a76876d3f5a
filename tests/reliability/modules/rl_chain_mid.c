// The middle of a chain that fails: uses chain_bottom, exports its own symbol, init fails.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>

extern int chain_bottom_value(int x);

int rl_chain_mid_value(int x) { return chain_bottom_value(x) * 2; }
EXPORT_SYMBOL(rl_chain_mid_value);

static int __init rl_init(void)
{
	pr_info("bottom says %d, giving up\n", chain_bottom_value(1));
	return -EIO;
}
module_init(rl_init);
MODULE_LICENSE("GPL");
