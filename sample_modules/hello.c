// SPDX-License-Identifier: GPL-2.0
/*
 * hello: the classic first module. Greets someone on load and says goodbye
 * on unload; shows module parameters of three kinds.
 *
 *   lkmsh insmod hello.ko who=you times=3 nums=1,2,3
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

static char *who = "world";
module_param(who, charp, 0644);
MODULE_PARM_DESC(who, "Whom to greet (default: world)");

static int times = 1;
module_param(times, int, 0644);
MODULE_PARM_DESC(times, "How many times to greet (default: 1)");

static int nums[4];
static unsigned int nums_count;
module_param_array(nums, int, &nums_count, 0444);
MODULE_PARM_DESC(nums, "Up to four numbers to add up");

static int __init hello_init(void)
{
	unsigned int i;
	int sum = 0;
	int n;

	for (n = 0; n < times; n++)
		pr_info("Hello, %s\n", who);

	if (nums_count) {
		for (i = 0; i < nums_count; i++)
			sum += nums[i];
		pr_info("%u numbers add up to %d\n", nums_count, sum);
	}
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("Goodbye, %s\n", who);
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("lkmsh developers");
MODULE_DESCRIPTION("Greets on load, says goodbye on unload");
MODULE_VERSION("1.0");
MODULE_ALIAS("greeting");
