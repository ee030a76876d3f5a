// SPDX-License-Identifier: GPL-2.0
/*
 * null_deref: init reads through a NULL pointer. Expect an Oops in dmesg
 * ("BUG: kernel NULL pointer dereference, address: 0000000000000004",
 * the offset of ->value), a
 * failed insmod, and a shell that keeps working.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

struct thing {
	int id;
	int value;
};

/* volatile: the compiler must really load through the pointer */
static struct thing *volatile the_thing;

static int __init null_deref_init(void)
{
	pr_info("about to dereference NULL\n");
	return the_thing->value;
}

static void __exit null_deref_exit(void)
{
}

module_init(null_deref_init);
module_exit(null_deref_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Dereferences NULL in init (an Oops)");
