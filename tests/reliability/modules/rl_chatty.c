// Prints lines= lines: enough to wrap the kernel log ring many times.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>

static int lines = 10000;
module_param(lines, int, 0444);

static int __init rl_init(void)
{
	int i;

	for (i = 0; i < lines; i++)
		pr_info("line %d of %d, padded to be long enough to matter\n", i, lines);
	return 0;
}

static void __exit rl_exit(void) { }
module_init(rl_init);
module_exit(rl_exit);
MODULE_LICENSE("GPL");
