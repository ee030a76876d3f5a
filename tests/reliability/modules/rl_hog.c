// Allocates 256 KiB chunks until kmalloc says no, then frees them all.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>

#define CHUNK (256 << 10)
static void *chunks[4096];

static int __init rl_init(void)
{
	int n = 0;

	while (n < 4096 && (chunks[n] = kmalloc(CHUNK, GFP_KERNEL)) != NULL)
		n++;
	pr_info("got %d chunks of %d bytes\n", n, CHUNK);
	while (n > 0)
		kfree(chunks[--n]);
	return 0;
}

static void __exit rl_exit(void) { }
module_init(rl_init);
module_exit(rl_exit);
MODULE_LICENSE("GPL");
