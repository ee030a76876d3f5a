/*
 * Deferred work three ways: work on the system workqueue, delayed work on a
 * workqueue of the module's own (which sleeps in its function), a tasklet.
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

MODULE_LICENSE("GPL");

struct job {
	struct work_struct work;
	int id;
};

static struct workqueue_struct *wq;
static struct delayed_work poll_work;
static struct job *job;
static int polls;

static void job_fn(struct work_struct *work)
{
	struct job *j = container_of(work, struct job, work);

	pr_info("deferred: job %d runs in %s\n", j->id, current->comm);
}

static void poll_fn(struct work_struct *work)
{
	struct delayed_work *dw = to_delayed_work(work);

	pr_info("deferred: poll %d at jiffies %lu\n", ++polls, jiffies);
	msleep(20);		/* work may sleep */
	if (polls < 3)
		queue_delayed_work(wq, dw, msecs_to_jiffies(500));
}

static void blink_fn(struct tasklet_struct *t)
{
	pr_info("deferred: tasklet runs, in softirq\n");
}

static DECLARE_TASKLET(blink, blink_fn);

static int __init deferred_init(void)
{
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return -ENOMEM;
	job->id = 7;
	INIT_WORK(&job->work, job_fn);
	wq = create_singlethread_workqueue("deferred");
	if (!wq) {
		kfree(job);
		return -ENOMEM;
	}
	INIT_DELAYED_WORK(&poll_work, poll_fn);
	schedule_work(&job->work);
	pr_info("deferred: queued again? %d\n", schedule_work(&job->work));
	queue_delayed_work(wq, &poll_work, msecs_to_jiffies(500));
	tasklet_schedule(&blink);
	return 0;
}

static void __exit deferred_exit(void)
{
	pr_info("deferred: cancel found it pending: %d\n", cancel_delayed_work_sync(&poll_work));
	destroy_workqueue(wq);
	flush_work(&job->work);
	tasklet_kill(&blink);
	kfree(job);
	pr_info("deferred: %d polls\n", polls);
}

module_init(deferred_init);
module_exit(deferred_exit);
