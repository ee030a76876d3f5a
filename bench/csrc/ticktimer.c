/* A timer that re-arms itself every jiffy until it has expired @expiries times. */
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/timer.h>

MODULE_LICENSE("GPL");

static int expiries = 10000;
module_param(expiries, int, 0444);
static struct timer_list tick;
static int count;

static void tick_fn(struct timer_list *t)
{
	if (++count < expiries)
		mod_timer(t, jiffies + 1);
}

static int __init ticktimer_init(void)
{
	timer_setup(&tick, tick_fn, 0);
	mod_timer(&tick, jiffies + 1);
	return 0;
}

static void __exit ticktimer_exit(void)
{
	del_timer_sync(&tick);
}

module_init(ticktimer_init);
module_exit(ticktimer_exit);
