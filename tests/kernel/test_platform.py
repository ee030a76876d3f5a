"""The platform bus, as the module programming guide's devicemodel.c and devicetree.c
use it: drivers bound by name and by compatible string, device-tree properties,
managed resources freed on unbind, and the sysfs bind/unbind files."""

from __future__ import annotations

import errno

import pytest

from lkmsh.kernel.kernel import Kernel

#: devicemodel.c's driver, and a module that registers its device with platform data
DEVICEMODEL = r"""
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/platform_device.h>

struct devicemodel_data {
	char *greeting;
	int number;
};

static int devicemodel_probe(struct platform_device *dev)
{
	struct devicemodel_data *pd = (struct devicemodel_data *)(dev->dev.platform_data);

	pr_info("devicemodel probe\n");
	pr_info("devicemodel greeting: %s; %d\n", pd->greeting, pd->number);
	dev_info(&dev->dev, "bound\n");
	return 0;
}

static int devicemodel_remove(struct platform_device *dev)
{
	pr_info("devicemodel example removed\n");
	return 0;
}

static int devicemodel_suspend(struct device *dev) { return 0; }
static int devicemodel_resume(struct device *dev) { return 0; }

static const struct dev_pm_ops devicemodel_pm_ops = {
	.suspend = devicemodel_suspend,
	.resume = devicemodel_resume,
};

static struct platform_driver devicemodel_driver = {
	.driver = {
		.name = "devicemodel_example",
		.owner = THIS_MODULE,
		.pm = &devicemodel_pm_ops,
	},
	.probe = devicemodel_probe,
	.remove = devicemodel_remove,
};

static struct devicemodel_data data = { .greeting = "hello", .number = 10 };
static struct platform_device *pdev;

static int devicemodel_init(void)
{
	int ret;

	pr_info("devicemodel init\n");
	ret = platform_driver_register(&devicemodel_driver);
	if (ret) {
		pr_err("Unable to register driver\n");
		return ret;
	}
	pdev = platform_device_register_data(NULL, "devicemodel_example", PLATFORM_DEVID_NONE,
						&data, sizeof(data));
	if (IS_ERR(pdev)) {
		platform_driver_unregister(&devicemodel_driver);
		return PTR_ERR(pdev);
	}
	return 0;
}

static void devicemodel_exit(void)
{
	pr_info("devicemodel exit\n");
	platform_device_unregister(pdev);
	platform_driver_unregister(&devicemodel_driver);
}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Linux Device Model example");
module_init(devicemodel_init);
module_exit(devicemodel_exit);
"""

#: devicetree.c's driver (matched by compatible, properties read in probe)
DEVICETREE = r"""
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_device.h>
#include <linux/platform_device.h>
#include <linux/version.h>

#define DRIVER_NAME "lkmpg_devicetree"

struct dt_device_data {
	const char *label;
	u32 reg_value;
	u32 custom_value;
	bool has_clock;
};

static int dt_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct device_node *np = dev->of_node;
	struct dt_device_data *data;
	const char *string_prop;
	u32 value, cells[3];
	int ret;

	pr_info("%s: Device tree probe called for %s\n", DRIVER_NAME, np->full_name);
	data = devm_kzalloc(dev, sizeof(*data), GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	ret = of_property_read_string(np, "label", &string_prop);
	if (ret == 0) {
		data->label = string_prop;
		pr_info("%s: Found label property: %s\n", DRIVER_NAME, data->label);
	} else {
		data->label = "unnamed";
		pr_info("%s: No label property found, using default\n", DRIVER_NAME);
	}
	ret = of_property_read_u32(np, "reg", &value);
	if (ret == 0) {
		data->reg_value = value;
		pr_info("%s: Found reg property: 0x%x\n", DRIVER_NAME, data->reg_value);
	}
	ret = of_property_read_u32(np, "lkmpg,custom-value", &value);
	if (ret == 0) {
		data->custom_value = value;
		pr_info("%s: Found custom-value property: %u\n", DRIVER_NAME, data->custom_value);
	} else {
		data->custom_value = 42;
		pr_info("%s: No custom-value found, using default: %u\n", DRIVER_NAME,
			data->custom_value);
	}
	data->has_clock = of_property_read_bool(np, "lkmpg,has-clock");
	pr_info("%s: has-clock property: %s\n", DRIVER_NAME, data->has_clock ? "present" : "absent");
	pr_info("%s: cells %d, count %d, overflow %d, missing %d, not a string %d\n", DRIVER_NAME,
		of_property_read_u32_array(np, "cells", cells, 3) ?: cells[0] + cells[1] + cells[2],
		of_property_count_u32_elems(np, "cells"),
		of_property_read_u32_array(np, "reg", cells, 2),
		of_property_read_u32(np, "nothing", &value),
		of_property_read_string(np, "magic", &string_prop));
	pr_info("%s: compatible with another-device: %d, match data %s\n", DRIVER_NAME,
		of_device_is_compatible(np, "lkmpg,another-device"),
		(const char *)of_device_get_match_data(dev));
	platform_set_drvdata(pdev, data);
	pr_info("%s: Device probe successful\n", DRIVER_NAME);
	return 0;
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static void dt_remove(struct platform_device *pdev)
#else
static int dt_remove(struct platform_device *pdev)
#endif
{
	struct dt_device_data *data = platform_get_drvdata(pdev);

	pr_info("%s: Removing device %s\n", DRIVER_NAME, data->label);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
	return 0;
#endif
}

static const struct of_device_id dt_match_table[] = {
	{ .compatible = "lkmpg,example-device", .data = "first" },
	{ .compatible = "lkmpg,another-device", .data = "second" },
	{} /* Sentinel */
};
MODULE_DEVICE_TABLE(of, dt_match_table);

static struct platform_driver dt_driver = {
	.probe = dt_probe,
	.remove = dt_remove,
	.driver = {
		.name = DRIVER_NAME,
		.of_match_table = dt_match_table,
	},
};

module_platform_driver(dt_driver);
MODULE_LICENSE("GPL");
"""


def texts(k: Kernel) -> list[str]:
    return [r.text for r in k.dmesg() if "out-of-tree" not in r.text]


def test_a_driver_binds_to_the_device_of_its_name(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(DEVICEMODEL, "devicemodel"))
    assert texts(k)[-4:] == [
        "devicemodel init",
        "devicemodel probe",
        "devicemodel greeting: hello; 10",
        "devicemodel_example devicemodel_example: bound",
    ]
    assert [(d.dev_name, bool(d.driver)) for d in k.platform_devices()] == [
        ("devicemodel_example", True)
    ]
    assert k.read_file("/sys/bus/platform/devices/devicemodel_example/driver") == (
        b"/sys/bus/platform/drivers/devicemodel_example\n"
    )
    k.module_unload("devicemodel")
    assert texts(k)[-2:] == ["devicemodel exit", "devicemodel example removed"]
    assert k.platform_devices() == [] and k.platform_drivers() == []
    assert k.slab_stats().live_bytes == 0  # the device, its name and data are freed


def test_device_tree_properties_reach_probe_and_devm_memory_is_freed_on_unbind(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(DEVICETREE, "devicetree"))
    assert k.platform_drivers()[0].name == "lkmpg_devicetree"
    live = k.slab_stats().live_bytes
    k.platform_device_add(
        "lkmpg_device@0",
        {
            "compatible": ["lkmpg,example-device", "lkmpg,another-device"],
            "label": ["my-device"],
            "reg": [0x1000],
            "cells": [1, 2, 3],
            "magic": [0x41424344],  # "ABCD": no NUL, so not a string
            "lkmpg,has-clock": True,
        },
    )
    log = texts(k)
    assert (
        log[-9:]
        == [
            "lkmpg_devicetree: Device tree probe called for lkmpg_device@0",
            "lkmpg_devicetree: Found label property: my-device",
            "lkmpg_devicetree: Found reg property: 0x1000",
            "lkmpg_devicetree: No custom-value found, using default: 42",
            "lkmpg_devicetree: has-clock property: present",
            f"lkmpg_devicetree: cells 6, count 3, overflow {-errno.EOVERFLOW}, "
            f"missing {-errno.EINVAL}, not a string {-errno.EILSEQ}",
            "lkmpg_devicetree: compatible with another-device: 1, match data first",
            "lkmpg_devicetree: Device probe successful",
        ][-9:]
    )
    assert k.read_file("/sys/bus/platform/devices/lkmpg_device@0/modalias") == (
        b"of:Nlkmpg_device@0T(null)Clkmpg,example-device\n"
    )
    bound = k.slab_stats().live_bytes
    # sysfs unbind: remove() runs, then the devm allocation goes
    k.write_file("/sys/bus/platform/drivers/lkmpg_devicetree/unbind", b"lkmpg_device@0\n")
    assert texts(k)[-1] == "lkmpg_devicetree: Removing device my-device"
    assert k.slab_stats().live_bytes < bound
    k.write_file("/sys/bus/platform/drivers/lkmpg_devicetree/bind", b"lkmpg_device@0\n")
    assert texts(k)[-1] == "lkmpg_devicetree: Device probe successful"
    k.platform_device_del("lkmpg_device@0")
    assert texts(k)[-1] == "lkmpg_devicetree: Removing device my-device"
    assert k.slab_stats().live_bytes == live
    k.module_unload("devicetree")


def test_a_device_that_matches_nothing_stays_unbound_and_probe_errors_unbind(arch_kernel):
    k, build = arch_kernel
    src = DEVICETREE.replace(
        'pr_info("%s: Device probe successful\\n", DRIVER_NAME);\n\treturn 0;', "return -EIO;"
    )
    k.module_load(build(src, "failing"))
    k.platform_device_add("other@1", {"compatible": ["vendor,other"]})
    assert [bool(d.driver) for d in k.platform_devices()] == [False]
    k.platform_device_add("dev@2", {"compatible": ["lkmpg,example-device"]})
    assert texts(k)[-1] == f"lkmpg_devicetree: probe of dev@2 failed with error {-errno.EIO}"
    assert [bool(d.driver) for d in k.platform_devices()] == [False, False]
    with pytest.raises(Exception) as exc:
        k.write_file("/sys/bus/platform/drivers/lkmpg_devicetree/bind", b"other@1")
    assert getattr(exc.value, "errno", None) == errno.ENODEV


def test_the_bus_survives_a_save_and_restore(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(DEVICETREE, "devicetree"))
    k.platform_device_add("lkmpg_device@0", {"compatible": ["lkmpg,example-device"],
                                             "label": ["kept"]})  # fmt: skip
    again = Kernel.from_state(k.export_state())
    again.platform_device_del("lkmpg_device@0")
    assert texts(again)[-1] == "lkmpg_devicetree: Removing device kept"
    again.module_unload("devicetree")
    assert again.platform_drivers() == []


IRQ_DRIVER = r"""
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/platform_device.h>

static int hits;

static irqreturn_t tick(int irq, void *dev)
{
	hits++;
	return IRQ_HANDLED;
}

static int t_probe(struct platform_device *pdev)
{
	int irq = platform_get_irq(pdev, 0);

	if (irq < 0)
		return irq;
	dev_info(&pdev->dev, "irq %d\n", irq);
	return devm_request_irq(&pdev->dev, irq, tick, 0, dev_name(&pdev->dev), pdev);
}

static int t_remove(struct platform_device *pdev)
{
	dev_info(&pdev->dev, "%d interrupts\n", hits);
	return 0;
}

static const struct platform_device_id t_ids[] = {
	{ "ticker", 0 },
	{ }
};

static struct platform_driver t_driver = {
	.probe = t_probe,
	.remove = t_remove,
	.id_table = t_ids,
	.driver = { .name = "tick-driver" },
};
module_platform_driver(t_driver);
MODULE_LICENSE("GPL");
"""


def test_a_managed_irq_is_freed_when_the_driver_unbinds(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(IRQ_DRIVER, "ticker"))
    k.platform_device_add("ticker", {"interrupts": [7]})  # matched by id_table
    assert texts(k)[-1] == "tick-driver ticker: irq 7"
    assert k.irq_raise(7) == 1 and k.irq_raise(7) == 1
    k.platform_device_del("ticker")
    assert texts(k)[-1] == "tick-driver ticker: 2 interrupts"
    assert k.irq_raise(7) == 0  # devm freed the handler after remove()
    k.platform_device_add("nothing", {})
    k.module_unload("ticker")
