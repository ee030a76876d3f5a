"""The input core: a GPIO button reported as a key (as gpio-keys does), a virtual
mouse, Linux's event filters, /dev/input/eventN records and /proc/bus/input/devices."""

from __future__ import annotations

import struct
from pathlib import Path

from lkmsh.kernel.kernel import Kernel

MODULES = Path(__file__).resolve().parent / "modules"

BUTTON_KEY = (MODULES / "button_key.c").read_text()

MOUSE = r"""
#include <linux/input.h>
#include <linux/module.h>

static struct input_dev *mouse;

static int __init mouse_init(void)
{
	int err;

	mouse = input_allocate_device();
	if (!mouse)
		return -ENOMEM;
	mouse->name = "lkmsh virtual mouse";
	mouse->phys = "vmouse/input0";
	mouse->id.bustype = BUS_VIRTUAL;
	mouse->id.vendor = 0x1234;
	input_set_capability(mouse, EV_REL, REL_X);
	input_set_capability(mouse, EV_REL, REL_Y);
	input_set_capability(mouse, EV_KEY, BTN_LEFT);
	input_set_abs_params(mouse, ABS_PRESSURE, 0, 255, 0, 0);
	err = input_register_device(mouse);
	if (err) {
		input_free_device(mouse);
		return err;
	}
	input_report_rel(mouse, REL_X, 5);
	input_report_rel(mouse, REL_Y, 0);	/* no motion: filtered out */
	input_report_key(mouse, BTN_LEFT, 1);
	input_report_key(mouse, BTN_LEFT, 1);	/* no change: filtered out */
	input_report_key(mouse, KEY_A, 1);	/* not declared: filtered out */
	input_report_abs(mouse, ABS_PRESSURE, 40);
	input_report_abs(mouse, ABS_PRESSURE, 40);	/* same value: filtered out */
	input_sync(mouse);
	input_sync(mouse);	/* nothing to report: filtered out */
	return 0;
}

static void __exit mouse_exit(void)
{
	input_unregister_device(mouse);
}

module_init(mouse_init);
module_exit(mouse_exit);
MODULE_LICENSE("GPL");
"""


def records(raw: bytes) -> list[tuple[int, int, int]]:
    return [struct.unpack_from("<HHi", raw, i + 16) for i in range(0, len(raw), 24)]


def test_a_gpio_button_is_a_key_on_dev_input(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(BUTTON_KEY, "button"))
    assert [r.text for r in k.dmesg()][-1] == "input: gpio-enter as /devices/virtual/input/input0"
    f = k.open("/dev/input/event0")
    k.gpio_drive(22, 1)  # press
    k.gpio_drive(22, 0)  # release
    raw = k.read(f, 4096)
    k.close(f)
    assert records(raw) == [(1, 28, 1), (0, 0, 0), (1, 28, 0), (0, 0, 0)]  # KEY_ENTER is 28
    st = k.stat("/dev/input/event0")
    assert (st.rdev >> 20, st.rdev & 0xFFFFF) == (13, 64)
    proc = k.read_file("/proc/bus/input/devices").decode()
    assert proc.startswith(
        'I: Bus=0019 Vendor=0000 Product=0000 Version=0000\nN: Name="gpio-enter"\n'
    )
    assert "H: Handlers=event0 \nB: PROP=0\nB: EV=3\nB: KEY=10000000\n" in proc
    k.module_unload("button")
    assert k.read_file("/proc/bus/input/devices") == b""
    assert "event0" not in {e.name for e in k.listdir("/dev/input")}


def test_the_input_core_filters_events_as_linux(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(MOUSE, "vmouse"))
    dev = k.input_devices()[0]
    assert [(t, c, v) for _, t, c, v in dev.events] == [
        (2, 0, 5),
        (1, 0x110, 1),
        (3, 0x18, 40),
        (0, 0, 0),
    ]
    caps = dict(k.input_capabilities(dev))
    assert caps[2] == [0, 1] and caps[1] == [0x110] and caps[3] == [0x18]
    again = Kernel.from_state(k.export_state())
    assert again.input_devices()[0].name == "lkmsh virtual mouse"
    again.module_unload("vmouse")
    assert again.input_devices() == []
