// SPDX-License-Identifier: GPL-2.0
/* The top of the chain: needs mid_fn, so modprobe loads base_ok, then mid_fails. */
#include <linux/module.h>
#include <linux/kernel.h>

extern int mid_fn(int x);

static int __init top_needs_init(void)
{
	pr_info("top_needs: mid_fn(1) = %d\n", mid_fn(1));
	return 0;
}

static void __exit top_needs_exit(void)
{
}

module_init(top_needs_init);
module_exit(top_needs_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Never loads: what it needs fails");
