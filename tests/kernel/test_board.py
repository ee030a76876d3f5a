"""The virtual board: GPIO lines and their interrupts, driven as the module programming
guide's intrpt.c, bottomhalf.c and dht11.c drivers use them (buttons, an LED, a sensor)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from lkmsh.kernel.kernel import Kernel, KernelConfig

#: intrpt.c's driver: one button turns the LED on, the other off.
BUTTONS = r"""
#include <linux/gpio.h>
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/module.h>

static int button_irqs[] = { -1, -1 };
static int presses, in_irq_seen;

static struct gpio leds[] = { { 4, GPIOF_OUT_INIT_LOW, "LED 1" } };
static struct gpio buttons[] = { { 17, GPIOF_IN, "LED 1 ON BUTTON" },
					{ 18, GPIOF_IN, "LED 1 OFF BUTTON" } };

static irqreturn_t button_isr(int irq, void *data)
{
	presses++;
	in_irq_seen = in_interrupt() ? 1 : 0;
	if (irq == button_irqs[0] && !gpio_get_value(leds[0].gpio))
		gpio_set_value(leds[0].gpio, 1);
	else if (irq == button_irqs[1] && gpio_get_value(leds[0].gpio))
		gpio_set_value(leds[0].gpio, 0);
	return IRQ_HANDLED;
}

static int __init intrpt_init(void)
{
	int ret;

	ret = gpio_request_array(leds, ARRAY_SIZE(leds));
	if (ret) {
		pr_err("Unable to request GPIOs for LEDs: %d\n", ret);
		return ret;
	}
	ret = gpio_request_array(buttons, ARRAY_SIZE(buttons));
	if (ret) {
		pr_err("Unable to request GPIOs for BUTTONs: %d\n", ret);
		goto fail1;
	}
	ret = gpio_to_irq(buttons[0].gpio);
	if (ret < 0)
		goto fail2;
	button_irqs[0] = ret;
	ret = request_irq(button_irqs[0], button_isr, IRQF_TRIGGER_RISING,
				"gpiomod#button1", NULL);
	if (ret)
		goto fail2;
	ret = gpio_to_irq(buttons[1].gpio);
	if (ret < 0)
		goto fail3;
	button_irqs[1] = ret;
	ret = request_irq(button_irqs[1], button_isr, IRQF_TRIGGER_RISING,
				"gpiomod#button2", NULL);
	if (ret)
		goto fail3;
	pr_info("buttons on IRQ %d and %d, in_interrupt %d\n", button_irqs[0],
		button_irqs[1], in_interrupt() ? 1 : 0);
	return 0;
fail3:
	free_irq(button_irqs[0], NULL);
fail2:
	gpio_free_array(buttons, ARRAY_SIZE(buttons));
fail1:
	gpio_free_array(leds, ARRAY_SIZE(leds));
	return ret;
}

static void __exit intrpt_exit(void)
{
	pr_info("%d presses, last one in interrupt context: %d\n", presses, in_irq_seen);
	free_irq(button_irqs[0], NULL);
	free_irq(button_irqs[1], NULL);
	gpio_set_value(leds[0].gpio, 0);
	gpio_free_array(leds, ARRAY_SIZE(leds));
	gpio_free_array(buttons, ARRAY_SIZE(buttons));
}

module_init(intrpt_init);
module_exit(intrpt_exit);
MODULE_LICENSE("GPL");
"""

#: a threaded handler doing the slow half, as bh_threaded.c
THREADED = r"""
#include <linux/gpio.h>
#include <linux/interrupt.h>
#include <linux/module.h>

static int irq, hard, slow;

static irqreturn_t quick(int irq, void *dev)
{
	hard++;
	return IRQ_WAKE_THREAD;
}

static irqreturn_t bottom_half(int irq, void *dev)
{
	slow++;
	pr_info("bottom half %d of irq %d, in_interrupt %d\n", slow, irq, in_interrupt() ? 1 : 0);
	return IRQ_HANDLED;
}

static int __init bh_init(void)
{
	int ret = gpio_request_one(5, GPIOF_IN, "button");

	if (ret)
		return ret;
	irq = gpio_to_irq(5);
	ret = request_threaded_irq(irq, quick, bottom_half, IRQF_TRIGGER_FALLING,
					"bh-button", &irq);
	if (ret)
		gpio_free(5);
	return ret;
}

static void __exit bh_exit(void)
{
	pr_info("%d hard, %d threaded\n", hard, slow);
	free_irq(irq, &irq);
	gpio_free(5);
}

module_init(bh_init);
module_exit(bh_exit);
MODULE_LICENSE("GPL");
"""


def texts(k: Kernel) -> list[str]:
    return [r.text for r in k.dmesg() if "out-of-tree" not in r.text]


def test_buttons_switch_the_led_through_their_interrupts(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(BUTTONS, "intrpt"))
    assert texts(k)[-1] == "buttons on IRQ 81 and 82, in_interrupt 0"
    assert k.gpio_get(4) == 0
    k.gpio_drive(17, 1)  # press: rising edge -> the handler turns the LED on
    assert k.gpio_get(4) == 1
    k.gpio_drive(17, 0)  # release: falling edge, not asked for
    k.gpio_drive(18, 1)
    assert k.gpio_get(4) == 0
    proc = k.read_file("/proc/interrupts").decode()
    assert proc.splitlines()[0] == "           CPU0       "
    assert " 81:          1 lkmsh-gpio  17 Edge      gpiomod#button1" in proc
    assert " 82:          1 lkmsh-gpio  18 Edge      gpiomod#button2" in proc
    debug = k.read_file("/sys/kernel/debug/gpio").decode()
    assert " gpio-4   (                    |LED 1               ) out lo \n" in debug
    assert " gpio-17  (                    |LED 1 ON BUTTON     ) in  lo IRQ \n" in debug
    changes = [(e.pin, e.value, e.by) for e in k.gpio_events()]
    assert changes == [(17, 1, "shell"), (4, 1, "kernel"), (17, 0, "shell"),
                       (18, 1, "shell"), (4, 0, "kernel")]  # fmt: skip
    k.module_unload("intrpt")
    assert texts(k)[-1] == "2 presses, last one in interrupt context: 1"
    assert "gpiomod" not in k.read_file("/proc/interrupts").decode()


def test_a_threaded_handler_runs_after_the_hard_one_in_process_context(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(THREADED, "bh"))
    k.gpio_drive(5, 1)
    k.gpio_drive(5, 0)  # falling: fires
    assert texts(k)[-1] == "bottom half 1 of irq 69, in_interrupt 0"
    k.module_unload("bh")
    assert texts(k)[-1] == "1 hard, 1 threaded"


def test_request_errors_are_linux_errnos(arch_kernel):
    k, build = arch_kernel
    src = r"""
#include <linux/gpio.h>
#include <linux/interrupt.h>
#include <linux/module.h>
static irqreturn_t h(int irq, void *dev) { return IRQ_HANDLED; }
static int __init e_init(void)
{
	pr_info("busy %d defer %d\n", gpio_request(3, "a") ?: gpio_request(3, "b"), gpio_request(600, "c"));
	pr_info("irq %d bad %d shared-null %d\n", request_irq(5, h, 0, "one", NULL),
		request_irq(200, h, 0, "bad", NULL), request_irq(6, h, IRQF_SHARED, "s", NULL));
	pr_info("mismatch %d\n", request_irq(5, h, 0, "two", NULL));
	free_irq(7, NULL);
	return 0;
}
static void __exit e_exit(void) { }
module_init(e_init);
module_exit(e_exit);
MODULE_LICENSE("GPL");
"""
    k.module_load(build(src, "errs"))
    log = texts(k)
    assert f"busy {-errno.EBUSY} defer -517" in log
    assert f"irq 0 bad {-errno.EINVAL} shared-null {-errno.EINVAL}" in log
    assert "genirq: Flags mismatch irq 5. 00000000 (two) vs. 00000000 (one)" in log
    assert f"mismatch {-errno.EBUSY}" in log
    assert "Trying to free already-free IRQ 7" in log
    assert k.irq_raise(5) == 1
    k.module_unload("errs")  # it left gpio-3 and IRQ 5: freed, and said so
    log = texts(k)
    assert "errs: freeing IRQ 5 (one) it did not free" in log
    assert "errs: freeing gpio-3 (a) it did not free" in log
    assert k.irq_raise(5) == 0


DHT11 = r"""
#include <linux/delay.h>
#include <linux/gpio.h>
#include <linux/module.h>

#define PIN 4

static int dht11_read(u8 *data)
{
	int timeout, i, j;

	gpio_set_value(PIN, 0);
	mdelay(20);
	gpio_set_value(PIN, 1);
	udelay(30);
	gpio_direction_input(PIN);
	udelay(2);
	timeout = 300;
	while (gpio_get_value(PIN) && timeout--)
		udelay(1);
	if (timeout == -1)
		return -ETIMEDOUT;
	timeout = 300;
	while (!gpio_get_value(PIN) && timeout--)
		udelay(1);
	if (timeout == -1)
		return -ETIMEDOUT;
	timeout = 300;
	while (gpio_get_value(PIN) && timeout--)
		udelay(1);
	if (timeout == -1)
		return -ETIMEDOUT;
	for (j = 0; j < 5; j++) {
		u8 byte = 0;
		for (i = 0; i < 8; i++) {
			timeout = 300;
			while (gpio_get_value(PIN) && timeout--)
				udelay(1);
			timeout = 300;
			while (!gpio_get_value(PIN) && timeout--)
				udelay(1);
			if (timeout == -1)
				return -ETIMEDOUT;
			udelay(50);
			byte <<= 1;
			if (gpio_get_value(PIN))
				byte |= 1;
		}
		data[j] = byte;
	}
	gpio_direction_output(PIN, 1);
	if (data[4] != (u8)(data[0] + data[1] + data[2] + data[3]))
		return -EIO;
	return 0;
}

static int __init dht_init(void)
{
	u8 d[5];
	int ret = gpio_request(PIN, "Signal");

	if (ret)
		return ret;
	gpio_direction_output(PIN, 1);
	ret = dht11_read(d);
	if (ret) {
		gpio_free(PIN);
		return ret;
	}
	pr_info("Humidity: %d%%, Temperature: %d.%d deg C\n", d[0], d[2], d[3]);
	return 0;
}

static void __exit dht_exit(void)
{
	gpio_free(PIN);
}

module_init(dht_init);
module_exit(dht_exit);
MODULE_LICENSE("GPL");
"""


def _clock_is_virtual() -> bool:
    import time

    k = Kernel()
    before = k.clock.ns()
    time.sleep(0.002)
    return k.clock.ns() == before


def test_a_dht11_answers_a_bit_banging_driver_in_virtual_time(arch_kernel):
    if not _clock_is_virtual():
        pytest.skip("the kernel clock still adds host time; the sensor's timing needs virtual time")
    k, build = arch_kernel
    k.gpio_attach(4, "dht11", temp=21.5, humidity=40)
    k.module_load(build(DHT11, "dht"))
    assert texts(k)[-1] == "Humidity: 40%, Temperature: 21.5 deg C"


def test_the_board_survives_a_save_and_restore(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(BUTTONS, "intrpt"))
    k.gpio_drive(17, 1)
    again = Kernel.from_state(k.export_state())
    assert again.gpio_get(4) == 1
    again.gpio_drive(17, 0)
    again.gpio_drive(18, 1)
    assert again.gpio_get(4) == 0
    assert " 82:          1 " in again.read_file("/proc/interrupts").decode()


def test_the_button_led_sample_runs_prebuilt_on_both_architectures():
    """sample_modules/button_led.ko (and its arm64 copy), as the tutorial uses it."""
    root = Path(__file__).resolve().parents[2] / "sample_modules"
    for arch, ko in (
        ("x86_64", root / "button_led.ko"),
        ("aarch64", root / "aarch64" / "button_led.ko"),
    ):
        k = Kernel(KernelConfig(arch=arch))
        k.module_load(ko)
        k.gpio_attach(4, "led")
        for _ in range(3):
            k.gpio_drive(17, 1)
            k.gpio_drive(17, 0)
        assert k.gpio_get(4) == 1
        k.module_unload("button_led")
        assert texts(k)[-1] == "button_led: 3 presses"
