// SPDX-License-Identifier: GPL-2.0
/*
 * orphan: drops the only pointer to one allocation while two others stay
 * reachable through a list in .bss; kmemleak finds the orphan while the
 * module is still loaded (docs/tutorial.md, section 5).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

struct node {
	struct node *next;
	char tag[24];
};
static struct node *head;

static int __init orphan_init(void)
{
	struct node *a = kzalloc(sizeof(*a), GFP_KERNEL);
	struct node *b = kzalloc(sizeof(*b), GFP_KERNEL);
	char *lost = kmalloc(48, GFP_KERNEL);

	if (!a || !b || !lost)
		return -ENOMEM;
	a->next = b;		/* b is reachable only through a */
	head = a;
	strscpy(lost, "nobody points at me", 48);
	return 0;		/* lost's only pointer dies here */
}

static void __exit orphan_exit(void)
{
	kfree(head->next);
	kfree(head);
}

module_init(orphan_init);
module_exit(orphan_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Leaks one object while its other two stay reachable");
