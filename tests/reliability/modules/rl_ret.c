// init returns whatever the ret= parameter says.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>

static int ret;
module_param(ret, int, 0444);

static int __init rl_init(void) { return ret; }
static void __exit rl_exit(void) { }
module_init(rl_init);
module_exit(rl_exit);
MODULE_LICENSE("GPL");
