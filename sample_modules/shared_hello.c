// SPDX-License-Identifier: GPL-2.0
/*
 * shared_hello: the same kind of module, built as an ET_DYN shared object:
 *
 *   python -m lkmsh.build --shared shared_hello.c -o shared_hello.ko
 *
 * Calls to the kernel go through the PLT/GOT; the kernel's loader fills them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/string.h>

static char *greeting = "shared world";
module_param(greeting, charp, 0444);
MODULE_PARM_DESC(greeting, "Whom to greet");

static char *copy;

int shared_hello_twice(int x)
{
	return 2 * x;
}
EXPORT_SYMBOL(shared_hello_twice);

static int __init shared_hello_init(void)
{
	copy = kstrdup(greeting, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	pr_info("Hello, %s (%zu characters, twice 21 is %d)\n", copy, strlen(copy),
		shared_hello_twice(21));
	pr_info("jiffies is %s\n", jiffies ? "ticking" : "zero");
	return 0;
}

static void __exit shared_hello_exit(void)
{
	pr_info("Goodbye, %s\n", copy);
	kfree(copy);
}

module_init(shared_hello_init);
module_exit(shared_hello_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Hello as an ET_DYN module");
