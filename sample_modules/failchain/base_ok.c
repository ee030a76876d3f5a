// SPDX-License-Identifier: GPL-2.0
/* The bottom of a chain whose middle fails: loads, exports base_fn. */
#include <linux/module.h>
#include <linux/kernel.h>

int base_fn(int x)
{
	return x + 1;
}
EXPORT_SYMBOL(base_fn);

static int __init base_ok_init(void)
{
	pr_info("base_ok: loaded\n");
	return 0;
}

static void __exit base_ok_exit(void)
{
	pr_info("base_ok: unloaded\n");
}

module_init(base_ok_init);
module_exit(base_ok_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Loads fine; what mid_fails uses");
