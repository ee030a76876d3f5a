// SPDX-License-Identifier: GPL-2.0
/*
 * leak: allocates in init and never frees. Unloading works, and the kernel
 * reports the unreferenced objects (kmemleak-style) and reclaims them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *buffer;
static int *numbers;

static int __init leak_init(void)
{
	buffer = kmalloc(128, GFP_KERNEL);
	numbers = kcalloc(16, sizeof(*numbers), GFP_KERNEL);
	if (!buffer || !numbers)
		return -ENOMEM;	/* leaks too, on purpose */
	strscpy(buffer, "this memory is never freed", 128);
	numbers[0] = 42;
	pr_info("allocated 128 + %zu bytes: \"%s\"\n", 16 * sizeof(*numbers), buffer);
	return 0;
}

static void __exit leak_exit(void)
{
	pr_info("exiting without kfree\n");
}

module_init(leak_init);
module_exit(leak_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Leaks two allocations");
