// SPDX-License-Identifier: GPL-2.0
/* Half of a dependency cycle: ring_a uses ring_b's export and ring_b uses ring_a's. */
#include <linux/module.h>
#include <linux/kernel.h>

extern int ring_b_fn(int x);

int ring_a_fn(int x)
{
	return x > 0 ? ring_b_fn(x - 1) + 1 : 0;
}
EXPORT_SYMBOL(ring_a_fn);

static int __init ring_a_init(void)
{
	pr_info("ring_a: %d\n", ring_a_fn(3));
	return 0;
}

static void __exit ring_a_exit(void)
{
}

module_init(ring_a_init);
module_exit(ring_a_exit);
MODULE_LICENSE("GPL");
