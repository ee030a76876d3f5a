// SPDX-License-Identifier: GPL-2.0
/* The middle of the chain: uses base_fn, exports mid_fn, and its init fails. */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/errno.h>

extern int base_fn(int x);

int mid_fn(int x)
{
	return base_fn(x) * 2;
}
EXPORT_SYMBOL(mid_fn);

static int __init mid_fails_init(void)
{
	pr_err("mid_fails: base_fn(1) = %d, and the device is not there\n", base_fn(1));
	return -EIO;
}

module_init(mid_fails_init);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Its init returns -EIO: modprobe unwinds what it loaded");
