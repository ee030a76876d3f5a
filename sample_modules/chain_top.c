// SPDX-License-Identifier: GPL-2.0
/* chain_top: depends on chain_middle (and through it on chain_bottom). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

extern int chain_middle_value(int x);

static int __init chain_top_init(void)
{
	pr_info("loaded, chain_middle_value(20) = %d\n", chain_middle_value(20));
	return 0;
}

static void __exit chain_top_exit(void)
{
	pr_info("unloaded\n");
}

module_init(chain_top_init);
module_exit(chain_top_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Top of a dependency chain");
