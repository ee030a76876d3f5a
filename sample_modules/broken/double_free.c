// SPDX-License-Identifier: GPL-2.0
/*
 * double_free: init frees the same object twice. The heap notices the
 * second kfree and reports it in dmesg (as Linux's slab debugging does).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>

static int __init double_free_init(void)
{
	void *p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	pr_info("freeing %px twice\n", p);
	kfree(p);
	kfree(p);
	return 0;
}

static void __exit double_free_exit(void)
{
}

module_init(double_free_init);
module_exit(double_free_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Frees an allocation twice");
