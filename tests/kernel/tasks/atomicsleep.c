/*
 * Sleeping where sleeping is not allowed: under a spinlock in init, and in
 * a timer callback.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/timer.h>

MODULE_LICENSE("GPL");

static DEFINE_SPINLOCK(state_lock);
static struct timer_list naptimer;

static void nap_fn(struct timer_list *t)
{
	msleep(10);	/* softirq context: BUG */
	pr_info("atomicsleep: timer callback went on\n");
}

static int __init atomicsleep_init(void)
{
	spin_lock(&state_lock);
	msleep(10);	/* holding a spinlock: BUG */
	spin_unlock(&state_lock);
	timer_setup(&naptimer, nap_fn, 0);
	mod_timer(&naptimer, jiffies + 1);
	return 0;
}

static void __exit atomicsleep_exit(void)
{
	del_timer_sync(&naptimer);
}

module_init(atomicsleep_init);
module_exit(atomicsleep_exit);
