"""module_param_cb with a module's own struct kernel_param_ops, module_param_string and
writable arrays, set at insmod and through /sys/module/NAME/parameters as Linux 6.1 does."""

from __future__ import annotations

import errno

import pytest
from kernel_helpers import needs_gcc, texts

from lkmsh.errors import InvalidArgument, KernelError
from lkmsh.kernel.kernel import Kernel

pytestmark = needs_gcc

PARAMS = r"""
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/string.h>

/* A level that must stay within 0..10: its own set, the kernel's get. */
static int level = 5;
static int level_changes;

static int level_set(const char *val, const struct kernel_param *kp)
{
	int n, ret;

	ret = kstrtoint(val, 10, &n);
	if (ret)
		return ret;
	if (n < 0 || n > 10)
		return -ERANGE;
	level_changes++;
	return param_set_int(val, kp);
}

static const struct kernel_param_ops level_ops = {
	.set = level_set,
	.get = param_get_int,
};
module_param_cb(level, &level_ops, &level, 0644);
MODULE_PARM_DESC(level, "Level (0-10)");

/* A mode shown as a word, with its own get. */
static int mode;
static const char * const mode_names[] = { "off", "on", "auto" };

static int mode_set(const char *val, const struct kernel_param *kp)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(mode_names); i++) {
		if (!strncmp(val, mode_names[i], strlen(mode_names[i]))) {
			*(int *)kp->arg = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int mode_get(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%s\n", mode_names[*(int *)kp->arg]);
}

static const struct kernel_param_ops mode_ops = {
	.set = mode_set,
	.get = mode_get,
};
module_param_cb(mode, &mode_ops, &mode, 0644);

static char label[8] = "none";
module_param_string(label, label, sizeof(label), 0644);

static unsigned int mask = 0x1f;
module_param(mask, hexint, 0644);

static short temps[4] = { 1, 2 };
static unsigned int ntemps = 2;
module_param_array(temps, short, &ntemps, 0644);

static int __init params_init(void)
{
	pr_info("params: level=%d mode=%s label=%s mask=%#x temps=%d\n",
		level, mode_names[mode], label, mask, ntemps);
	return 0;
}

static void __exit params_exit(void)
{
	pr_info("params: level=%d (%d changes) mode=%s label=%s temps=%d,%d,%d\n",
		level, level_changes, mode_names[mode], label, temps[0], temps[1], temps[2]);
}

module_init(params_init);
module_exit(params_exit);
MODULE_LICENSE("GPL");
"""

P = "/sys/module/params/parameters"


@pytest.fixture
def params(kernel, build):
    ko = build(PARAMS, "params")
    return kernel.module_load(ko, params="level=7 mode=auto label=hi mask=0x30 temps=3,4,5")


def test_custom_ops_run_at_insmod(kernel, params):
    assert "params: level=7 mode=auto label=hi mask=0x30 temps=3" in texts(kernel)


def test_sysfs_reads_go_through_each_get(kernel, params):
    assert kernel.read_file(f"{P}/level") == b"7\n"
    assert kernel.read_file(f"{P}/mode") == b"auto\n"
    assert kernel.read_file(f"{P}/label") == b"hi\n"
    assert kernel.read_file(f"{P}/mask") == b"0x000030\n"  # param_get_hexint's %#08x
    assert kernel.read_file(f"{P}/temps") == b"3,4,5\n"


def test_sysfs_writes_go_through_each_set(kernel, params):
    assert kernel.write_file(f"{P}/level", b"9\n") == 2
    kernel.write_file(f"{P}/mode", b"on\n")
    kernel.write_file(f"{P}/label", b"short")
    kernel.write_file(f"{P}/temps", b"-1,-2,-3\n")
    with pytest.raises(KernelError) as exc:
        kernel.write_file(f"{P}/level", b"11\n")  # level_set's -ERANGE is the write's error
    assert exc.value.errno == errno.ERANGE
    with pytest.raises(KernelError) as exc:
        kernel.write_file(f"{P}/mode", b"sideways\n")
    assert exc.value.errno == errno.EINVAL
    with pytest.raises(KernelError) as exc:
        kernel.write_file(f"{P}/label", b"far too long")  # 8 bytes with its NUL
    assert exc.value.errno == errno.ENOSPC
    assert "label: string doesn't fit in 7 chars." in texts(kernel)
    assert kernel.read_file(f"{P}/mode") == b"on\n"
    kernel.module_unload("params")
    assert "params: level=9 (2 changes) mode=on label=short temps=-1,-2,-3" in texts(kernel)


def test_a_custom_set_refusing_at_insmod_fails_the_load(kernel, build):
    ko = build(PARAMS, "params")
    with pytest.raises(InvalidArgument):
        kernel.module_load(ko, params="level=99")
    assert "params: `99' invalid for parameter `level'" in texts(kernel)
    assert kernel.module_find("params") is None


def test_parameters_survive_a_restore(kernel, params):
    kernel.write_file(f"{P}/level", b"2\n")
    again = Kernel.from_state(kernel.export_state())
    assert again.read_file(f"{P}/level") == b"2\n"
    again.write_file(f"{P}/mode", b"off\n")
    assert again.read_file(f"{P}/mode") == b"off\n"


HW_PARAMS = r"""
#include <linux/module.h>
#include <linux/moduleparam.h>

static int irq = -1;
module_param_hw(irq, int, irq, 0444);
MODULE_PARM_DESC(irq, "the IRQ line");

static unsigned long io[2];
static int nio;
module_param_hw_array(io, ulong, ioport, &nio, 0444);

static int base_port;
module_param_hw_named(port, base_port, int, ioport, 0644);

static int __init hw_init(void)
{
	pr_info("hw: irq=%d io=%d:%#lx,%#lx port=%#x\n", irq, nio, io[0], io[1], base_port);
	return 0;
}

module_init(hw_init);
MODULE_LICENSE("GPL");
"""


def test_hardware_parameters_are_parameters(kernel, build):
    """module_param_hw*(): set at insmod, shown in sysfs and modinfo like any other."""
    ko = build(HW_PARAMS, "hw")
    kernel.module_load(ko, params="irq=5 io=0x300,0x310 port=0x3f8")
    assert "hw: irq=5 io=2:0x300,0x310 port=0x3f8" in texts(kernel)
    p = "/sys/module/hw/parameters"
    assert kernel.read_file(f"{p}/irq") == b"5\n"
    assert kernel.read_file(f"{p}/io") == b"768,784\n"
    assert kernel.read_file(f"{p}/port") == b"1016\n"
