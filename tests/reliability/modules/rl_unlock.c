// Releases a spinlock and a mutex nobody holds, then carries on.
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>

static DEFINE_SPINLOCK(rl_lock);
static DEFINE_MUTEX(rl_mutex);

static int __init rl_init(void)
{
	spin_unlock(&rl_lock);
	mutex_unlock(&rl_mutex);
	pr_info("still running\n");
	return 0;
}

static void __exit rl_exit(void) { }
module_init(rl_init);
module_exit(rl_exit);
MODULE_LICENSE("GPL");
