// SPDX-License-Identifier: GPL-2.0
/*
 * bench template: a small module that exports one function. The bench copies
 * the built object and rewrites the 7-byte token lQ00000 into a unique name,
 * so hundreds of distinct modules cost one gcc run.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

int lQ00000_fn(int x)
{
	return x + 1;
}
EXPORT_SYMBOL(lQ00000_fn);

static int __init lQ00000_init(void)
{
	pr_info("lQ00000: up\n");
	return 0;
}

static void __exit lQ00000_exit(void)
{
}

module_init(lQ00000_init);
module_exit(lQ00000_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bench leaf module");
MODULE_ALIAS("bench:lQ00000");
