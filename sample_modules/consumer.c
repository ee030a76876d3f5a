// SPDX-License-Identifier: GPL-2.0
/*
 * consumer: uses provider's exports, so it depends on provider: insmod
 * provider.ko first (or let modprobe do it), and provider cannot be removed
 * while consumer is loaded.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

extern int provider_add(int a, int b);
extern int provider_counter;

static int __init consumer_init(void)
{
	int sum = provider_add(2, 3);

	pr_info("provider_add(2, 3) = %d\n", sum);
	pr_info("provider_counter = %d\n", provider_counter);
	return 0;
}

static void __exit consumer_exit(void)
{
	pr_info("provider_counter = %d at exit\n", provider_counter);
}

module_init(consumer_init);
module_exit(consumer_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Uses provider's exports");
