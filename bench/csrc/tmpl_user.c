// SPDX-License-Identifier: GPL-2.0
/*
 * bench template: a module that exports one function and uses another
 * module's export (token uQ00000 becomes the dependency's name), so a
 * generated tree has real dependencies for depmod to find.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

extern int uQ00000_fn(int x);

int lQ00000_fn(int x)
{
	return uQ00000_fn(x) + 1;
}
EXPORT_SYMBOL(lQ00000_fn);

static int __init lQ00000_init(void)
{
	pr_info("lQ00000: %d\n", uQ00000_fn(1));
	return 0;
}

static void __exit lQ00000_exit(void)
{
}

module_init(lQ00000_init);
module_exit(lQ00000_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bench module with a dependency");
MODULE_ALIAS("bench:lQ00000");
