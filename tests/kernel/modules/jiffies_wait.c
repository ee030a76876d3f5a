// SPDX-License-Identifier: GPL-2.0
/*
 * A driver's probe that polls a status register until the device is ready
 * or its timeout in jiffies passes, the way drivers without readl_poll_timeout
 * write it. The "device" never becomes ready (the register is plain memory),
 * so the probe fails with -ETIMEDOUT once jiffies has moved past the timeout:
 * nothing but module code runs meanwhile, no kernel call, no sleep.
 */
#include <linux/delay.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/module.h>

#define JW_STATUS_READY	0x1

static unsigned int timeout_ms = 20;
module_param(timeout_ms, uint, 0444);
MODULE_PARM_DESC(timeout_ms, "how long to wait for the device");

static u32 jw_status;	/* the device's status register */

static int jw_wait_ready(void)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(timeout_ms);

	while (!(READ_ONCE(jw_status) & JW_STATUS_READY)) {
		if (time_after(jiffies, timeout))
			return -ETIMEDOUT;
		cpu_relax();
	}
	return 0;
}

static int __init jw_init(void)
{
	unsigned long start = jiffies;
	int ret;

	pr_info("jiffies_wait: waiting up to %u ms for the device\n", timeout_ms);
	ret = jw_wait_ready();
	if (ret) {
		pr_err("jiffies_wait: device not ready after %u ms\n",
		       jiffies_to_msecs(jiffies - start));
		return ret;
	}
	return 0;
}

static void __exit jw_exit(void)
{
}

module_init(jw_init);
module_exit(jw_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("lkmsh test: a probe polling jiffies for a timeout");
