/*
 * Two threads append to a shared log, yielding between steps: which one
 * runs when is the scheduler's choice, so --sched-seed changes the order.
 */
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

MODULE_LICENSE("GPL");

static int racer_fn(void *data)
{
	const char *name = data;
	int i;

	for (i = 0; i < 4; i++) {
		pr_info("race: %s step %d\n", name, i);
		schedule();	/* TASK_RUNNING: a yield */
	}
	return 0;
}

static int __init race_init(void)
{
	kthread_run(racer_fn, "red", "racer-red");
	kthread_run(racer_fn, "blue", "racer-blue");
	kthread_run(racer_fn, "green", "racer-green");
	return 0;
}

static void __exit race_exit(void)
{
}

module_init(race_init);
module_exit(race_exit);
