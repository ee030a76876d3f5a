// Exports chain_bottom_value, which chain_bottom already exports.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>

int chain_bottom_value(int x) { return -x; }
EXPORT_SYMBOL(chain_bottom_value);

static int __init rl_init(void) { return 0; }
static void __exit rl_exit(void) { }
module_init(rl_init);
module_exit(rl_exit);
MODULE_LICENSE("GPL");
