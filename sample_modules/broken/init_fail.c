// SPDX-License-Identifier: GPL-2.0
/*
 * init_fail: init prints, then fails with -ENODEV, as a driver does when its
 * hardware is absent. insmod reports "No such device"; nothing stays loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

static int __init init_fail_init(void)
{
	pr_err("no device found, giving up\n");
	return -ENODEV;
}

static void __exit init_fail_exit(void)
{
	pr_info("never printed: exit does not run after a failed init\n");
}

module_init(init_fail_init);
module_exit(init_fail_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("init returns -ENODEV");
