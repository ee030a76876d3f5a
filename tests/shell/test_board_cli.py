"""gpio and irq from the command line: a button toggling an LED across one-shot commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import assert_no_traceback

pytestmark = pytest.mark.usefixtures("kernel_ready")

TOGGLE = r"""
#include <linux/gpio.h>
#include <linux/interrupt.h>
#include <linux/module.h>

static int irq;

static irqreturn_t pressed(int irq, void *dev)
{
	gpio_set_value(4, !gpio_get_value(4));
	return IRQ_HANDLED;
}

static irqreturn_t tick(int irq, void *dev)
{
	pr_info("tick on irq %d\n", irq);
	return IRQ_HANDLED;
}

static int __init toggle_init(void)
{
	int ret = gpio_request_one(4, GPIOF_OUT_INIT_LOW, "LED");

	if (ret)
		return ret;
	ret = gpio_request_one(17, GPIOF_IN, "button");
	if (ret)
		goto free_led;
	irq = gpio_to_irq(17);
	ret = request_irq(irq, pressed, IRQF_TRIGGER_RISING, "toggle", NULL);
	if (ret)
		goto free_button;
	ret = request_irq(9, tick, 0, "ticker", NULL);
	if (ret)
		goto free_irq;
	return 0;
free_irq:
	free_irq(irq, NULL);
free_button:
	gpio_free(17);
free_led:
	gpio_free(4);
	return ret;
}

static void __exit toggle_exit(void)
{
	free_irq(9, NULL);
	free_irq(irq, NULL);
	gpio_free(17);
	gpio_free(4);
}

module_init(toggle_init);
module_exit(toggle_exit);
MODULE_LICENSE("GPL");
"""


def ok(r):
    assert r.returncode == 0, r.stderr
    return r


def test_a_button_press_in_one_command_lights_the_led_in_the_next(lkmsh, tmp_path):
    src = tmp_path / "toggle.c"
    src.write_text(TOGGLE)
    ok(lkmsh("build", str(src), "-o", str(tmp_path / "toggle.ko")))
    ok(lkmsh("insmod", str(tmp_path / "toggle.ko")))
    ok(lkmsh("gpio", "attach", "4", "led"))
    ok(lkmsh("gpio", "attach", "17", "button"))
    assert ok(lkmsh("gpio", "get", "4")).stdout == "0\n"
    ok(lkmsh("gpio", "press", "17"))
    assert ok(lkmsh("gpio", "get", "4")).stdout == "1\n"
    ok(lkmsh("-c", "gpio press 17; gpio press 17"))
    assert ok(lkmsh("gpio", "get", "4")).stdout == "1\n"
    watch = ok(lkmsh("gpio", "watch", "4")).stdout.splitlines()
    assert [ln.split("] ", 1)[1] for ln in watch] == [
        "gpio-4 (LED): on (kernel)",
        "gpio-4 (LED): off (kernel)",
        "gpio-4 (LED): on (kernel)",
    ]
    listing = ok(lkmsh("gpio")).stdout
    assert listing.startswith("gpiochip0: GPIOs 0-63, lkmsh-gpio:\n")
    assert " gpio-17  (                    |button              ) in  lo IRQ \n" in listing
    assert " gpio-4   attached: led\n" in listing
    ok(lkmsh("irq", "9"))
    assert ok(lkmsh("dmesg")).stdout.splitlines()[-1].endswith("tick on irq 9")
    proc = ok(lkmsh("cat", "/proc/interrupts")).stdout
    assert "  9:          1 lkmsh-pic   9 Edge      ticker\n" in proc
    assert " 81:          3 lkmsh-gpio  17 Edge      toggle\n" in proc


def test_board_errors_are_one_line(lkmsh):
    r = lkmsh("irq", "200")
    assert (r.returncode, r.stderr) == (1, "irq: IRQ 200: no IRQ 200\n")
    r = lkmsh("gpio", "set", "99", "1")
    assert r.returncode == 1 and r.stderr == "gpio: no GPIO 99 (gpiochip0 has 0-63)\n"
    r = lkmsh("gpio", "attach", "3", "toaster")
    assert r.returncode == 1 and "unknown part 'toaster'" in r.stderr
    r = lkmsh("gpio", "attach", "3", "dht11", "temp=warm")
    assert r.returncode == 1 and "bad property 'temp=warm'" in r.stderr
    r = lkmsh("gpio", "fly")
    assert r.returncode == 1 and "unknown action 'fly'" in r.stderr
    assert_no_traceback(r)


DT_DRIVER = r"""
#include <linux/module.h>
#include <linux/of.h>
#include <linux/platform_device.h>

static int demo_probe(struct platform_device *pdev)
{
	const char *label = "unnamed";
	u32 reg = 0;

	of_property_read_string(pdev->dev.of_node, "label", &label);
	of_property_read_u32(pdev->dev.of_node, "reg", &reg);
	dev_info(&pdev->dev, "probed: %s at 0x%x\n", label, reg);
	return 0;
}

static int demo_remove(struct platform_device *pdev)
{
	dev_info(&pdev->dev, "removed\n");
	return 0;
}

static const struct of_device_id demo_ids[] = {
	{ .compatible = "acme,demo" },
	{ }
};

static struct platform_driver demo_driver = {
	.probe = demo_probe,
	.remove = demo_remove,
	.driver = { .name = "demo", .of_match_table = demo_ids },
};
module_platform_driver(demo_driver);
MODULE_LICENSE("GPL");
"""


def test_device_add_binds_a_driver_and_sysfs_unbinds_it(lkmsh, tmp_path):
    src = tmp_path / "demo.c"
    src.write_text(DT_DRIVER)
    ok(lkmsh("build", str(src), "-o", str(tmp_path / "demo.ko")))
    ok(lkmsh("insmod", str(tmp_path / "demo.ko")))
    ok(lkmsh("device", "add", "platform", "demo@10", "compatible=acme,demo", "label=front",
             "reg=0x10"))  # fmt: skip
    assert (
        ok(lkmsh("dmesg")).stdout.splitlines()[-1].endswith("demo demo@10: probed: front at 0x10")
    )
    listing = ok(lkmsh("device")).stdout.splitlines()
    assert listing[1].split() == ["demo@10", "demo", "acme,demo"]
    assert ok(lkmsh("ls", "/sys/bus/platform/devices")).stdout == "demo@10\n"
    ok(lkmsh("-c", "echo demo@10 > /sys/bus/platform/drivers/demo/unbind"))
    assert ok(lkmsh("dmesg")).stdout.splitlines()[-1].endswith("demo demo@10: removed")
    assert ok(lkmsh("device")).stdout.splitlines()[1].split() == ["demo@10", "-", "acme,demo"]
    r = lkmsh("-c", "echo nothing > /sys/bus/platform/drivers/demo/bind")
    assert (r.returncode, r.stderr) == (1, "echo: write error: No such device\n")
    ok(lkmsh("device", "del", "demo@10"))
    r = lkmsh("device", "del", "demo@10")
    assert (r.returncode, r.stderr) == (1, "device: no platform device demo@10\n")
    ok(lkmsh("rmmod", "demo"))


KERNEL_MODULES = Path(__file__).resolve().parent.parent / "kernel" / "modules"
BUTTON_KEY = (KERNEL_MODULES / "button_key.c").read_text()


def test_evtest_shows_a_button_as_key_events(lkmsh, tmp_path):
    src = tmp_path / "button.c"
    src.write_text(BUTTON_KEY)
    ok(lkmsh("build", str(src), "-o", str(tmp_path / "button.ko")))
    ok(lkmsh("insmod", str(tmp_path / "button.ko")))
    ok(lkmsh("gpio", "press", "22"))
    out = ok(lkmsh("evtest", "/dev/input/event0")).stdout.splitlines()
    assert out[:8] == [
        "Input driver version is 1.0.1",
        "Input device ID: bus 0x19 vendor 0x0 product 0x0 version 0x0",
        'Input device name: "gpio-enter"',
        "Supported events:",
        "  Event type 0 (EV_SYN)",
        "  Event type 1 (EV_KEY)",
        "    Event code 28 (KEY_ENTER)",
        "Properties:",
    ]
    events = [ln.split(", ", 1)[1] for ln in out if ln.startswith("Event: time")]
    assert events == [
        "type 1 (EV_KEY), code 28 (KEY_ENTER), value 1",
        "-------------- SYN_REPORT ------------",
        "type 1 (EV_KEY), code 28 (KEY_ENTER), value 0",
        "-------------- SYN_REPORT ------------",
    ]
    r = lkmsh("evtest", "/dev/input/event5")
    assert (r.returncode, r.stderr) == (1, "evtest: /dev/input/event5: No such device\n")


def test_device_console_and_send_reach_a_uart_driver(lkmsh, tmp_path):
    src = tmp_path / "tiny_uart.c"
    src.write_text((KERNEL_MODULES.parents[2] / "sample_modules" / "tiny_uart.c").read_text())
    ok(lkmsh("build", str(src), "-o", str(tmp_path / "tiny_uart.ko")))
    ok(lkmsh("insmod", str(tmp_path / "tiny_uart.ko")))
    ok(lkmsh("device", "add", "platform", "serial@10000000", "compatible=ns16550a",
             "reg=<0x10000000 8>", "interrupts=4"))  # fmt: skip
    assert ok(lkmsh("device", "console", "serial@10000000")).stdout == "hello from the kernel\n"
    ok(lkmsh("device", "send", "serial@10000000", "ping"))
    assert ok(lkmsh("dmesg")).stdout.splitlines()[-1].endswith('tiny_uart: got "ping"')
    r = lkmsh("device", "console", "nothing")
    assert (r.returncode, r.stderr) == (1, "device: nothing has no UART\n")


def test_board_input_mistakes_are_named(lkmsh):
    r = lkmsh("gpio", "attach", "3", "dht11", "colour=2")
    assert (r.returncode, r.stderr) == (
        1, "gpio: a dht11 has no property colour (temp, humidity)\n"
    )  # fmt: skip
    r = lkmsh("gpio", "attach", "3", "led", "temp=2")
    assert (r.returncode, r.stderr) == (1, "gpio: a led has no property temp (it takes none)\n")
    r = lkmsh("device", "add", "platform", "a/b", "compatible=x")
    assert (r.returncode, r.stderr) == (1, "device: bad device name 'a/b'\n")
