/*
 * A timer that re-arms itself every 100 ms, and an hrtimer that restarts
 * every 250 ms, counting their expiries (samples/timers style).
 */
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timer.h>

MODULE_LICENSE("GPL");

struct beat {
	struct timer_list timer;
	int count;
};

static struct beat *beat;
static struct hrtimer hr;
static int hr_count;
static int max_beats = 1000;
module_param(max_beats, int, 0444);

static void beat_fn(struct timer_list *t)
{
	struct beat *b = from_timer(b, t, timer);

	b->count++;
	if (b->count <= 3 || b->count == max_beats)
		pr_info("rearm: beat %d at jiffies %lu\n", b->count, jiffies);
	if (b->count < max_beats)
		mod_timer(&b->timer, jiffies + msecs_to_jiffies(100));
}

static enum hrtimer_restart hr_fn(struct hrtimer *t)
{
	hr_count++;
	pr_info("rearm: hrtimer %d at %lld ns\n", hr_count, ktime_get_ns());
	if (hr_count == 3)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ms_to_ktime(250));
	return HRTIMER_RESTART;
}

static int __init rearm_init(void)
{
	beat = kzalloc(sizeof(*beat), GFP_KERNEL);
	if (!beat)
		return -ENOMEM;
	timer_setup(&beat->timer, beat_fn, 0);
	mod_timer(&beat->timer, jiffies + msecs_to_jiffies(100));
	hrtimer_init(&hr, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	hr.function = hr_fn;
	hrtimer_start(&hr, ms_to_ktime(250), HRTIMER_MODE_REL);
	return 0;
}

static void __exit rearm_exit(void)
{
	int was = del_timer_sync(&beat->timer);

	pr_info("rearm: %d beats, timer was %s, hrtimer %s\n", beat->count,
		was ? "pending" : "idle", hrtimer_cancel(&hr) ? "cancelled" : "done");
	kfree(beat);
}

module_init(rearm_init);
module_exit(rearm_exit);
