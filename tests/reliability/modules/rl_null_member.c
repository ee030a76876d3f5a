// A struct member written through a NULL pointer: the fault address is the member's offset.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>

struct thing { long a, b, c; };

static int __init rl_init(void)
{
	struct thing *t = NULL;

	asm volatile("" : "+r"(t));	/* hide the NULL from the optimiser */
	t->c = 1;
	return 0;
}
module_init(rl_init);
MODULE_LICENSE("GPL");
