"""Rate-limited printing as Linux 6.1's lib/ratelimit.c: printk_ratelimited's per-site
state (10 messages each 5 s), the suppressed count said before the next allowed
message, a state of the module's own (ratelimit_state_init, RATELIMIT_MSG_ON_RELEASE),
printk_ratelimit()'s shared one, dev_*_ratelimited, on virtual time."""

from __future__ import annotations

from kernel_helpers import texts

NOISY = r"""
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/ratelimit.h>

static int burst = 25;
module_param(burst, int, 0644);

static struct ratelimit_state quiet;

static void noisy_burst(int n)
{
	int i;

	for (i = 0; i < n; i++)
		pr_warn_ratelimited("message %d\n", i);
}

static int set_burst(const char *val, const struct kernel_param *kp)
{
	int ret = param_set_int(val, kp);

	if (!ret)
		noisy_burst(burst);
	return ret;
}

static const struct kernel_param_ops burst_ops = { .set = set_burst, .get = param_get_int };
module_param_cb(fire, &burst_ops, &burst, 0644);

static int __init noisy_init(void)
{
	int i, shared = 0;

	noisy_burst(burst);
	ratelimit_state_init(&quiet, HZ, 2);
	ratelimit_set_flags(&quiet, RATELIMIT_MSG_ON_RELEASE);
	for (i = 0; i < 5; i++)
		if (__ratelimit(&quiet))
			pr_info("quiet %d\n", i);
	for (i = 0; i < 12; i++)
		shared += printk_ratelimit();
	pr_info("printk_ratelimit allowed %d of 12\n", shared);
	return 0;
}

static void __exit noisy_exit(void)
{
	ratelimit_state_exit(&quiet);
}

module_init(noisy_init);
module_exit(noisy_exit);
MODULE_LICENSE("GPL");
"""


def test_ten_messages_each_five_seconds_then_the_suppressed_count_on_both_arches(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(NOISY, "noisy"))
    log = texts(kernel)
    assert [line for line in log if "message" in line] == [f"noisy: message {i}" for i in range(10)]
    assert [line for line in log if "quiet" in line] == ["noisy: quiet 0", "noisy: quiet 1"]
    assert log[-1] == "noisy: printk_ratelimit allowed 10 of 12"
    kernel.write_file("/sys/module/noisy/parameters/fire", b"3\n")  # within the 5 s: silent
    assert texts(kernel)[-1] == "noisy: printk_ratelimit allowed 10 of 12"
    kernel.sleep(6_000_000_000)
    kernel.write_file("/sys/module/noisy/parameters/fire", b"2\n")
    assert texts(kernel)[-3:] == [
        "noisy_burst: 18 callbacks suppressed",  # 15 at load, 3 in the first write
        "noisy: message 0",
        "noisy: message 1",
    ]
    kernel.module_unload("noisy")
    # RATELIMIT_MSG_ON_RELEASE: the count said once, at ratelimit_state_exit
    assert texts(kernel)[-1] == "noisy: rmmod: 3 output lines suppressed due to ratelimiting"
