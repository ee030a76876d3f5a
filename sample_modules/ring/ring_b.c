// SPDX-License-Identifier: GPL-2.0
/* Half of a dependency cycle: ring_b uses ring_a's export and ring_a uses ring_b's. */
#include <linux/module.h>
#include <linux/kernel.h>

extern int ring_a_fn(int x);

int ring_b_fn(int x)
{
	return x > 0 ? ring_a_fn(x - 1) + 1 : 0;
}
EXPORT_SYMBOL(ring_b_fn);

static int __init ring_b_init(void)
{
	pr_info("ring_b: %d\n", ring_b_fn(3));
	return 0;
}

static void __exit ring_b_exit(void)
{
}

module_init(ring_b_init);
module_exit(ring_b_exit);
MODULE_LICENSE("GPL");
