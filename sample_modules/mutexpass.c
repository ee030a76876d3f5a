/*
 * Two kthreads share a counter under a mutex and sleep while holding it,
 * so each finds it taken and waits for the other to hand it over.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>

MODULE_LICENSE("GPL");

static DEFINE_MUTEX(counter_lock);
static int counter;
static struct task_struct *workers[2];

static int worker_fn(void *data)
{
	long id = (long)data;
	int i;

	for (i = 0; i < 2; i++) {
		mutex_lock(&counter_lock);
		counter++;
		pr_info("mutexpass: worker %ld has the lock, counter %d\n", id, counter);
		msleep(100);
		mutex_unlock(&counter_lock);
		msleep(1);
	}
	while (!kthread_should_stop())
		msleep(50);
	return 0;
}

static int __init mutexpass_init(void)
{
	long i;

	for (i = 0; i < 2; i++) {
		workers[i] = kthread_run(worker_fn, (void *)i, "mp-worker/%ld", i);
		if (IS_ERR(workers[i]))
			return PTR_ERR(workers[i]);
	}
	return 0;
}

static void __exit mutexpass_exit(void)
{
	kthread_stop(workers[0]);
	kthread_stop(workers[1]);
	pr_info("mutexpass: counter %d, locked %d\n", counter, mutex_is_locked(&counter_lock));
}

module_init(mutexpass_init);
module_exit(mutexpass_exit);
