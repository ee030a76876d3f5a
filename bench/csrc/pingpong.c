/* Two kthreads that take turns through a pair of completions: 2 * rounds switches. */
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>

MODULE_LICENSE("GPL");

static int rounds = 1000;
module_param(rounds, int, 0444);
static DECLARE_COMPLETION(ping);
static DECLARE_COMPLETION(pong);

static int pinger(void *data)
{
	int i;

	for (i = 0; i < rounds; i++) {
		complete(&ping);
		wait_for_completion(&pong);
	}
	return 0;
}

static int ponger(void *data)
{
	int i;

	for (i = 0; i < rounds; i++) {
		wait_for_completion(&ping);
		complete(&pong);
	}
	return 0;
}

static int __init pingpong_init(void)
{
	kthread_run(ponger, NULL, "ponger");
	kthread_run(pinger, NULL, "pinger");
	return 0;
}

static void __exit pingpong_exit(void)
{
}

module_init(pingpong_init);
module_exit(pingpong_exit);
