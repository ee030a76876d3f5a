// SPDX-License-Identifier: GPL-2.0
/* bench: init makes `calls` ktime_get_ns() calls, then `pairs` kmalloc(64) + kfree pairs. */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>

static unsigned long calls;
module_param(calls, ulong, 0444);
static unsigned long pairs;
module_param(pairs, ulong, 0444);

static int __init kcall_init(void)
{
	unsigned long i;
	u64 sum = 0;

	for (i = 0; i < calls; i++)
		sum += ktime_get_ns();
	for (i = 0; i < pairs; i++) {
		void *p = kmalloc(64, GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		kfree(p);
	}
	pr_info("kcall: %llu\n", sum);
	return 0;
}

static void __exit kcall_exit(void)
{
}

module_init(kcall_init);
module_exit(kcall_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("bench: kernel call round trips");
