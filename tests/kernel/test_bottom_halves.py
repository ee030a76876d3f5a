"""An interrupt handler with bottom halves, as the module programming guide's
bottomhalf.c: a virtual button's IRQ schedules a tasklet and a work item, and
each counts the presses in its own context."""

from __future__ import annotations

from kernel_helpers import texts

BOTTOMHALF = r"""
#include <linux/delay.h>
#include <linux/gpio.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/workqueue.h>

#define BUTTON 17

static int button_irq = -1;
static int hard, soft, work, soft_in_softirq = 1, work_in_task = 1;

static void count_tasklet(struct tasklet_struct *t)
{
	soft++;
	if (!in_softirq())
		soft_in_softirq = 0;
}

static DECLARE_TASKLET(button_tasklet, count_tasklet);

static void count_work(struct work_struct *w)
{
	msleep(1);	/* a bottom half in a worker may sleep */
	work++;
	if (!in_task())
		work_in_task = 0;
}

static DECLARE_WORK(button_work, count_work);

static irqreturn_t button_isr(int irq, void *data)
{
	hard++;
	tasklet_schedule(&button_tasklet);
	schedule_work(&button_work);
	return IRQ_HANDLED;
}

static int __init bottomhalf_init(void)
{
	int ret = gpio_request_one(BUTTON, GPIOF_IN, "BUTTON");

	if (ret)
		return ret;
	button_irq = gpio_to_irq(BUTTON);
	ret = request_irq(button_irq, button_isr, IRQF_TRIGGER_RISING, "bottomhalf#button", NULL);
	if (ret) {
		gpio_free(BUTTON);
		return ret;
	}
	return 0;
}

static void __exit bottomhalf_exit(void)
{
	free_irq(button_irq, NULL);
	tasklet_kill(&button_tasklet);
	flush_work(&button_work);
	gpio_free(BUTTON);
	pr_info("hard %d soft %d work %d, softirq %d task %d\n", hard, soft, work,
		soft_in_softirq, work_in_task);
}

module_init(bottomhalf_init);
module_exit(bottomhalf_exit);
MODULE_LICENSE("GPL");
"""


def test_each_press_runs_the_handler_the_tasklet_and_the_work_once(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(BOTTOMHALF, "bottomhalf"))
    kernel.gpio_attach(17, "button")
    for _ in range(3):
        kernel.gpio_drive(17, 1)
        kernel.gpio_drive(17, 0)
        kernel.sleep(10_000_000)  # the worker sleeps 1 ms per press
    assert "bottomhalf#button" in kernel.read_file("/proc/interrupts").decode()
    kernel.module_unload("bottomhalf")
    assert texts(kernel)[-1] == "hard 3 soft 3 work 3, softirq 1 task 1"
