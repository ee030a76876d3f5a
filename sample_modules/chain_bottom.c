// SPDX-License-Identifier: GPL-2.0
/* chain_bottom: the bottom of a three-module chain (bottom <- middle <- top). */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

int chain_bottom_value(int x)
{
	return x * 2;
}
EXPORT_SYMBOL(chain_bottom_value);

static int __init chain_bottom_init(void)
{
	pr_info("loaded\n");
	return 0;
}

static void __exit chain_bottom_exit(void)
{
	pr_info("unloaded\n");
}

module_init(chain_bottom_init);
module_exit(chain_bottom_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bottom of a dependency chain");
