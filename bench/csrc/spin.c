// SPDX-License-Identifier: GPL-2.0
/* bench: a module whose init runs 5 * iterations + a few instructions. */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "spin_body.h"

static unsigned long iterations = 2000000;
module_param(iterations, ulong, 0444);

static int __init spin_init(void)
{
	pr_info("spin: %lx\n", spin(iterations));
	return 0;
}

static void __exit spin_exit(void)
{
}

module_init(spin_init);
module_exit(spin_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bench: emulated execution speed");
