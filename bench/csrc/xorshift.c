// SPDX-License-Identifier: GPL-2.0
/* bench: a module whose init runs an xorshift loop of `iterations` rounds. */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "xorshift_body.h"

static unsigned long iterations = 1000000;
module_param(iterations, ulong, 0444);

static int __init xorshift_init(void)
{
	pr_info("xorshift: %lx\n", xorshift(iterations));
	return 0;
}

static void __exit xorshift_exit(void)
{
}

module_init(xorshift_init);
module_exit(xorshift_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bench: emulated execution speed, compiled C");
