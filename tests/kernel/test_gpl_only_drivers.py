"""GPL-only exports outside lib/ and crypto/ (sysfs, debugfs, the driver core,
GPIO, IRQs, ...), as Linux 6.1 marks them (linux_gpl_exports.py lists them).

A module whose license is not GPL-compatible using one is refused by modpost
at build time, and by the loader ("Unknown symbol") when its license was
edited after the build; a GPL one builds, loads and works.
"""

from __future__ import annotations

import errno

import pytest
from kernel_helpers import gpl_flag_mismatches, needs_gcc, relicensed, texts
from linux_gpl_exports import DRIVERS_PLAIN, all_gpl

from lkmsh.build import build_module
from lkmsh.errors import BuildError, UnknownSymbol
from lkmsh.kernel.kernel import Kernel

#: a kobject embedded in the driver's own struct, set up with the plain
#: kobject_init/kobject_add, its attributes added as a group
LEDCTL = r"""
#include <linux/module.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/slab.h>

struct ledctl {
	struct kobject kobj;
	int brightness;
};

#define to_ledctl(k) container_of(k, struct ledctl, kobj)

static struct ledctl *led;

static ssize_t brightness_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sprintf(buf, "%d\n", to_ledctl(kobj)->brightness);
}

static struct kobj_attribute brightness_attr = __ATTR_RO(brightness);

static struct attribute *ledctl_attrs[] = {
	&brightness_attr.attr,
	NULL,
};

static const struct attribute_group ledctl_group = {
	.attrs = ledctl_attrs,
};

static void ledctl_release(struct kobject *kobj)
{
	kfree(to_ledctl(kobj));
}

static struct kobj_type ledctl_ktype = {
	.release = ledctl_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

static int __init ledctl_init(void)
{
	int ret;

	led = kzalloc(sizeof(*led), GFP_KERNEL);
	if (!led)
		return -ENOMEM;
	led->brightness = 3;
	kobject_init(&led->kobj, &ledctl_ktype);
	ret = kobject_add(&led->kobj, NULL, "%s", "ledctl");
	if (ret)
		goto out_put;
	ret = sysfs_create_group(&led->kobj, &ledctl_group);
	if (ret)
		goto out_put;
	return 0;

out_put:
	kobject_put(&led->kobj);
	return ret;
}

static void __exit ledctl_exit(void)
{
	sysfs_remove_group(&led->kobj, &ledctl_group);
	kobject_put(&led->kobj);
}

module_init(ledctl_init);
module_exit(ledctl_exit);
MODULE_LICENSE("GPL");
"""


def test_the_flags_are_linuxs():
    missing, not_gpl, wrongly_gpl = gpl_flag_mismatches(all_gpl(), DRIVERS_PLAIN)
    assert missing == set()
    assert not_gpl == set()
    assert wrongly_gpl == set()


@needs_gcc
def test_modpost_refuses_sysfs_create_group_to_a_proprietary_module(tmp_path):
    src = tmp_path / "ledctl.c"
    src.write_text(LEDCTL.replace('MODULE_LICENSE("GPL")', 'MODULE_LICENSE("Proprietary")'))
    with pytest.raises(BuildError) as exc:
        build_module([src], tmp_path / "ledctl.ko")
    assert exc.value.message == (
        "modpost: GPL-incompatible module ledctl.ko uses GPL-only symbol 'kobj_sysfs_ops'"
    )
    assert exc.value.detail == (
        "ERROR: modpost: GPL-incompatible module ledctl.ko uses GPL-only symbol "
        "'sysfs_create_group'\n"
        "ERROR: modpost: GPL-incompatible module ledctl.ko uses GPL-only symbol "
        "'sysfs_remove_group'\n"
    )


@needs_gcc
def test_insmod_refuses_sysfs_create_group_to_a_relicensed_ko(tmp_path):
    src = tmp_path / "ledctl.c"
    src.write_text(LEDCTL)
    ko = build_module([src], tmp_path / "ledctl.ko")
    k = Kernel()
    k.module_load(ko)  # GPL: links, and its group is there
    assert k.read_file("/sys/ledctl/brightness") == b"3\n"
    k.module_unload("ledctl")
    assert k.heap.allocations("ledctl") == []
    foreign = relicensed(ko)
    k = Kernel()
    with pytest.raises(UnknownSymbol) as exc:
        k.module_load(foreign)
    assert exc.value.errno == errno.ENOENT
    assert texts(k)[-3:] == [
        "ledctl: Unknown symbol kobj_sysfs_ops (err -2)",  # data is checked as functions are
        "ledctl: Unknown symbol sysfs_create_group (err -2)",
        "ledctl: Unknown symbol sysfs_remove_group (err -2)",
    ]
    assert k.module_find("ledctl") is None
    assert "ledctl" not in {e.name for e in k.listdir("/sys")}
