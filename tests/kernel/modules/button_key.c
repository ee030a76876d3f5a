/* A GPIO button reported as KEY_ENTER (the way gpio-keys does it). */
#include <linux/gpio.h>
#include <linux/input.h>
#include <linux/interrupt.h>
#include <linux/module.h>

#define PIN 22

static struct input_dev *button_dev;
static int irq;

static irqreturn_t button_interrupt(int irq, void *dummy)
{
	input_report_key(button_dev, KEY_ENTER, gpio_get_value(PIN));
	input_sync(button_dev);
	return IRQ_HANDLED;
}

static int __init button_init(void)
{
	int error;

	error = gpio_request_one(PIN, GPIOF_IN, "enter-key");
	if (error)
		return error;
	irq = gpio_to_irq(PIN);
	error = request_irq(irq, button_interrupt, IRQF_TRIGGER_RISING | IRQF_TRIGGER_FALLING,
				"button", NULL);
	if (error)
		goto err_gpio;
	button_dev = input_allocate_device();
	if (!button_dev) {
		error = -ENOMEM;
		goto err_irq;
	}
	button_dev->name = "gpio-enter";
	button_dev->id.bustype = BUS_HOST;
	button_dev->evbit[0] = BIT_MASK(EV_KEY);
	button_dev->keybit[BIT_WORD(KEY_ENTER)] = BIT_MASK(KEY_ENTER);
	error = input_register_device(button_dev);
	if (error)
		goto err_free_dev;
	return 0;
err_free_dev:
	input_free_device(button_dev);
err_irq:
	free_irq(irq, NULL);
err_gpio:
	gpio_free(PIN);
	return error;
}

static void __exit button_exit(void)
{
	input_unregister_device(button_dev);
	free_irq(irq, NULL);
	gpio_free(PIN);
}

module_init(button_init);
module_exit(button_exit);
MODULE_LICENSE("GPL");
