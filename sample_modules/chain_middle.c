// SPDX-License-Identifier: GPL-2.0
/* chain_middle: depends on chain_bottom, used by chain_top. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

extern int chain_bottom_value(int x);

int chain_middle_value(int x)
{
	return chain_bottom_value(x) + 1;
}
EXPORT_SYMBOL(chain_middle_value);

static int __init chain_middle_init(void)
{
	pr_info("loaded, chain_bottom_value(20) = %d\n", chain_bottom_value(20));
	return 0;
}

static void __exit chain_middle_exit(void)
{
	pr_info("unloaded\n");
}

module_init(chain_middle_init);
module_exit(chain_middle_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Middle of a dependency chain");
