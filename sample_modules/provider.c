// SPDX-License-Identifier: GPL-2.0
/*
 * provider: exports a function, a variable and a GPL-only function for other
 * modules (see consumer.c and broken/gpl_violation.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/export.h>

int provider_counter = 40;
EXPORT_SYMBOL(provider_counter);

/* Adds two numbers and counts the calls in provider_counter. */
int provider_add(int a, int b)
{
	provider_counter++;
	return a + b;
}
EXPORT_SYMBOL(provider_add);

/* Only GPL-compatible modules may call this. */
int provider_secret(void)
{
	return 0x5ec7e7;
}
EXPORT_SYMBOL_GPL(provider_secret);

static int __init provider_init(void)
{
	pr_info("ready, counter=%d\n", provider_counter);
	return 0;
}

static void __exit provider_exit(void)
{
	pr_info("done, counter=%d\n", provider_counter);
}

module_init(provider_init);
module_exit(provider_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmsh developers");
MODULE_DESCRIPTION("Exports symbols for consumer");
