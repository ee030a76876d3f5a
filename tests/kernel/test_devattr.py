"""Device and class attribute files (DEVICE_ATTR_*, CLASS_ATTR_*), as drivers expose
their knobs: read with cat and written with echo, in /sys/class and on the platform bus."""

from __future__ import annotations

import errno

import pytest

KNOBS = r"""
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/version.h>

static struct class *cls;
static struct device *dev;
static int major, brightness = 3, resets;

static ssize_t brightness_show(struct device *d, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", brightness);
}

static ssize_t brightness_store(struct device *d, struct device_attribute *attr,
				const char *buf, size_t count)
{
	int v;

	if (kstrtoint(buf, 10, &v) || v < 0 || v > 255)
		return -EINVAL;
	brightness = v;
	dev_info(d, "brightness %d\n", v);
	return count;
}
static DEVICE_ATTR_RW(brightness);

static ssize_t reset_store(struct class *c, struct class_attribute *attr, const char *buf,
				size_t count)
{
	resets++;
	return count;
}
static CLASS_ATTR_WO(reset);

static ssize_t resets_show(struct class *c, struct class_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", resets);
}
static CLASS_ATTR_RO(resets);

static const struct file_operations fops = { .owner = THIS_MODULE };

static int __init knobs_init(void)
{
	int ret;

	major = register_chrdev(0, "knobs", &fops);
	if (major < 0)
		return major;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	cls = class_create("knobs");
#else
	cls = class_create(THIS_MODULE, "knobs");
#endif
	if (IS_ERR(cls)) {
		ret = PTR_ERR(cls);
		goto err_chrdev;
	}
	dev = device_create(cls, NULL, MKDEV(major, 0), NULL, "knob0");
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		goto err_class;
	}
	ret = device_create_file(dev, &dev_attr_brightness);
	if (ret)
		goto err_dev;
	ret = class_create_file(cls, &class_attr_reset);
	if (ret)
		goto err_file;
	ret = class_create_file(cls, &class_attr_resets);
	if (ret)
		goto err_reset;
	return 0;
err_reset:
	class_remove_file(cls, &class_attr_reset);
err_file:
	device_remove_file(dev, &dev_attr_brightness);
err_dev:
	device_destroy(cls, MKDEV(major, 0));
err_class:
	class_destroy(cls);
err_chrdev:
	unregister_chrdev(major, "knobs");
	return ret;
}

static void __exit knobs_exit(void)
{
	class_remove_file(cls, &class_attr_resets);
	class_remove_file(cls, &class_attr_reset);
	device_remove_file(dev, &dev_attr_brightness);
	device_destroy(cls, MKDEV(major, 0));
	class_destroy(cls);
	unregister_chrdev(major, "knobs");
}

module_init(knobs_init);
module_exit(knobs_exit);
MODULE_LICENSE("GPL");
"""


def test_device_and_class_attributes_are_read_and_written(arch_kernel):
    from lkmsh.errors import KernelError

    k, build = arch_kernel
    k.module_load(build(KNOBS, "knobs"))
    path = "/sys/class/knobs/knob0/brightness"
    assert k.read_file(path) == b"3\n"
    assert k.write_file(path, b"200\n") == 4
    assert k.read_file(path) == b"200\n"
    assert [r.text for r in k.dmesg()][-1] == "knobs knob0: brightness 200"
    with pytest.raises(KernelError) as exc:
        k.write_file(path, b"999\n")
    assert exc.value.errno == errno.EINVAL
    k.write_file("/sys/class/knobs/reset", b"1\n")
    k.write_file("/sys/class/knobs/reset", b"1\n")
    assert k.read_file("/sys/class/knobs/resets") == b"2\n"
    with pytest.raises(KernelError) as exc:
        k.open("/sys/class/knobs/resets", 1)  # O_WRONLY on a 0444 attribute
    assert exc.value.errno == errno.EACCES
    k.module_unload("knobs")
    assert k.vfs.lookup("/sys/class/knobs") is None


PLATFORM_KNOB = r"""
#include <linux/module.h>
#include <linux/platform_device.h>

static int level = 1;

static ssize_t level_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s: %d\n", dev_name(dev), level);
}
static DEVICE_ATTR_RO(level);

static int p_probe(struct platform_device *pdev)
{
	return device_create_file(&pdev->dev, &dev_attr_level);
}

static int p_remove(struct platform_device *pdev)
{
#ifndef FORGET
	device_remove_file(&pdev->dev, &dev_attr_level);
#endif
	return 0;
}

static struct platform_driver p_driver = {
	.probe = p_probe,
	.remove = p_remove,
	.driver = { .name = "knob" },
};
module_platform_driver(p_driver);
MODULE_LICENSE("GPL");
"""


@pytest.mark.parametrize("forget", [False, True], ids=["removed", "forgotten"])
def test_a_platform_device_attribute_lives_in_its_bus_directory(arch_kernel, forget):
    """A file the driver forgets in remove() goes with the device (device_del), at once."""
    k, build = arch_kernel
    k.module_load(build(("#define FORGET\n" if forget else "") + PLATFORM_KNOB, "pknob"))
    for _ in range(2):
        k.platform_device_add("knob", {})
        assert k.read_file("/sys/bus/platform/devices/knob/level") == b"knob: 1\n"
        k.platform_device_del("knob")
        assert not [p for p in k.sysfs.files if p.startswith("/sys/bus/platform/devices/knob")]
    k.module_unload("pknob")
    assert not [r.text for r in k.dmesg() if "sysfs" in r.text]


#: a misc device with an attribute group on its device's kobject, as drivers add
#: their knobs after misc_register (the exit path forgets sysfs_remove_group only
#: when FORGET is set: device_del takes the files with the directory, silently)
MISC_GROUP = r"""
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sysfs.h>

static int level = 7;

static ssize_t level_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s %d\n", dev_name(dev), level);
}

static ssize_t level_store(struct device *dev, struct device_attribute *attr,
				const char *buf, size_t count)
{
	int err = kstrtoint(buf, 0, &level);

	return err ? err : count;
}
static DEVICE_ATTR_RW(level);

static struct attribute *dial_attrs[] = { &dev_attr_level.attr, NULL };
static const struct attribute_group dial_group = { .name = "knobs", .attrs = dial_attrs };
static const struct file_operations dial_fops = { .owner = THIS_MODULE };
static struct miscdevice dial = {
	.minor = MISC_DYNAMIC_MINOR, .name = "dial", .fops = &dial_fops,
};

static int __init dial_init(void)
{
	int err = misc_register(&dial);

	if (err)
		return err;
	err = sysfs_create_group(&dial.this_device->kobj, &dial_group);
	if (err)
		misc_deregister(&dial);
	return err;
}

static void __exit dial_exit(void)
{
#ifndef FORGET
	sysfs_remove_group(&dial.this_device->kobj, &dial_group);
#endif
	misc_deregister(&dial);
}

module_init(dial_init);
module_exit(dial_exit);
MODULE_LICENSE("GPL");
"""


@pytest.mark.parametrize("forget", [False, True], ids=["removed", "forgotten"])
def test_an_attribute_group_on_a_misc_devices_kobject(arch_kernel, forget):
    k, build = arch_kernel
    src = ("#define FORGET\n" if forget else "") + MISC_GROUP
    ko = build(src, "dial")
    for _ in range(2):  # the second load finds no stale file in its way
        k.module_load(ko)
        path = "/sys/class/misc/dial/knobs/level"
        assert k.read_file(path) == b"dial 7\n"
        assert k.write_file(path, b"3\n") == 2
        assert k.read_file(path) == b"dial 3\n"
        k.write_file(path, b"7\n")
        k.module_unload("dial")
        assert k.vfs.lookup("/sys/class/misc/dial") is None
        # the records went with the directory: none is left to be saved in the state
        assert not [p for p in k.sysfs.files if p.startswith("/sys/class/misc/dial/")]
    assert not [r.text for r in k.dmesg() if "sysfs" in r.text]
