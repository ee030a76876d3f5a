// printk misuse chosen by parameter: 1 NULL format, 2 %s of a 64 KiB unterminated buffer,
// 3 %s running off the end of the heap object into an unmapped page.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

static int how = 1;
module_param(how, int, 0444);

static int __init rl_init(void)
{
	char *buf;

	if (how == 1) {
		printk((const char *)0);
		return 0;
	}
	buf = kmalloc(65536, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memset(buf, 'A', 65536);
	if (how == 2)
		pr_info("%s\n", buf);
	else
		pr_info("%s\n", (char *)0xffffc8ffffffff00UL);
	kfree(buf);
	return 0;
}

static void __exit rl_exit(void) { }
module_init(rl_init);
module_exit(rl_exit);
MODULE_LICENSE("GPL");
