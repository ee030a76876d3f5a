// SPDX-License-Identifier: GPL-2.0
/*
 * button_led.c - a button on GPIO 17 switches the LED on GPIO 4, through the
 * button's interrupt (the module programming guide's intrpt.c, one button).
 *
 *   lkmsh insmod button_led.ko
 *   lkmsh gpio attach 4 led
 *   lkmsh gpio press 17        # the LED goes on; press again: off
 *   lkmsh gpio watch 4
 */
#include <linux/gpio.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/module.h>

static int button_irq = -1;
static unsigned int presses;

static struct gpio led = { 4, GPIOF_OUT_INIT_LOW, "LED" };
static struct gpio button = { 17, GPIOF_IN, "BUTTON" };

static irqreturn_t button_isr(int irq, void *data)
{
	presses++;
	gpio_set_value(led.gpio, !gpio_get_value(led.gpio));
	return IRQ_HANDLED;
}

static int __init button_led_init(void)
{
	int ret;

	ret = gpio_request_one(led.gpio, led.flags, led.label);
	if (ret) {
		pr_err("button_led: cannot request the LED's GPIO: %d\n", ret);
		return ret;
	}
	ret = gpio_request_one(button.gpio, button.flags, button.label);
	if (ret) {
		pr_err("button_led: cannot request the button's GPIO: %d\n", ret);
		goto free_led;
	}
	ret = gpio_to_irq(button.gpio);
	if (ret < 0)
		goto free_button;
	button_irq = ret;
	ret = request_irq(button_irq, button_isr, IRQF_TRIGGER_RISING, "button_led", NULL);
	if (ret)
		goto free_button;
	pr_info("button_led: button on GPIO %u (IRQ %d), LED on GPIO %u\n", button.gpio,
		button_irq, led.gpio);
	return 0;

free_button:
	gpio_free(button.gpio);
free_led:
	gpio_free(led.gpio);
	return ret;
}

static void __exit button_led_exit(void)
{
	free_irq(button_irq, NULL);
	gpio_set_value(led.gpio, 0);
	gpio_free(button.gpio);
	gpio_free(led.gpio);
	pr_info("button_led: %u presses\n", presses);
}

module_init(button_led_init);
module_exit(button_led_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A button switching an LED through its interrupt");
