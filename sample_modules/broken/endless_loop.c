// SPDX-License-Identifier: GPL-2.0
/*
 * endless_loop: init never returns. The kernel's watchdog stops it and
 * reports a soft lockup ("watchdog: BUG: soft lockup") in dmesg.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

static volatile unsigned long spins;

static int __init endless_loop_init(void)
{
	pr_info("spinning forever\n");
	for (;;)
		spins++;
	return 0;
}

static void __exit endless_loop_exit(void)
{
}

module_init(endless_loop_init);
module_exit(endless_loop_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Loops forever in init (a soft lockup)");
