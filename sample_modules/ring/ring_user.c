// SPDX-License-Identifier: GPL-2.0
/* Uses ring_a, which is in a cycle with ring_b: depmod draws it and fails. */
#include <linux/module.h>
#include <linux/kernel.h>

extern int ring_a_fn(int x);

static int __init ring_user_init(void)
{
	pr_info("ring_user: %d\n", ring_a_fn(2));
	return 0;
}

static void __exit ring_user_exit(void)
{
}

module_init(ring_user_init);
module_exit(ring_user_exit);
MODULE_LICENSE("GPL");
