/*
 * Two kthreads: a producer fills a ring and wakes the consumer on a wait
 * queue; the consumer tells the module it is done through a completion.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

MODULE_LICENSE("GPL");

#define ITEMS 5
#define RING 2

static DECLARE_WAIT_QUEUE_HEAD(items_wq);
static DECLARE_WAIT_QUEUE_HEAD(room_wq);
static DECLARE_COMPLETION(consumer_done);
static DEFINE_SPINLOCK(ring_lock);
static int ring[RING];
static int head, tail;
static struct task_struct *producer, *consumer;

static int count(void)
{
	int n;

	spin_lock(&ring_lock);
	n = head - tail;
	spin_unlock(&ring_lock);
	return n;
}

static int producer_fn(void *data)
{
	int i;

	for (i = 1; i <= ITEMS; i++) {
		wait_event(room_wq, count() < RING);
		spin_lock(&ring_lock);
		ring[head++ % RING] = i * 10;
		spin_unlock(&ring_lock);
		pr_info("handoff: produced %d\n", i * 10);
		wake_up(&items_wq);
		msleep(10);
	}
	return 0;
}

static int consumer_fn(void *data)
{
	int got = 0, sum = 0;

	while (got < ITEMS) {
		int v;

		if (wait_event_interruptible(items_wq, count() > 0))
			return -ERESTARTSYS;
		spin_lock(&ring_lock);
		v = ring[tail++ % RING];
		spin_unlock(&ring_lock);
		pr_info("handoff: consumed %d\n", v);
		sum += v;
		got++;
		wake_up(&room_wq);
	}
	pr_info("handoff: consumer saw a sum of %d\n", sum);
	complete(&consumer_done);
	return sum;
}

static int __init handoff_init(void)
{
	consumer = kthread_run(consumer_fn, NULL, "handoff-cons");
	if (IS_ERR(consumer))
		return PTR_ERR(consumer);
	producer = kthread_run(producer_fn, NULL, "handoff-prod");
	if (IS_ERR(producer)) {
		kthread_stop(consumer);
		return PTR_ERR(producer);
	}
	return 0;
}

static void __exit handoff_exit(void)
{
	unsigned long left = wait_for_completion_timeout(&consumer_done, HZ);

	pr_info("handoff: consumer %s\n", left ? "finished" : "timed out");
}

module_init(handoff_init);
module_exit(handoff_exit);
