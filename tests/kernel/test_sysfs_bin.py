"""Binary sysfs attributes: read and write at offsets, bounded by the attribute's size."""

from __future__ import annotations

import errno
import os

import pytest
from kernel_helpers import needs_gcc

from lkmsh.errors import KernelError

pytestmark = needs_gcc

EEPROM = r"""
#include <linux/module.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>
#include <linux/string.h>

static struct kobject *dev_kobj;
static char eeprom[16] = "0123456789abcdef";

static ssize_t eeprom_read(struct file *filp, struct kobject *kobj,
			struct bin_attribute *attr, char *buf, loff_t off, size_t count)
{
	memcpy(buf, eeprom + off, count);
	return count;
}

static ssize_t eeprom_write(struct file *filp, struct kobject *kobj,
			struct bin_attribute *attr, char *buf, loff_t off, size_t count)
{
	memcpy(eeprom + off, buf, count);
	return count;
}

static BIN_ATTR_RW(eeprom, sizeof(eeprom));

static int __init eeprom_init(void)
{
	int ret;

	dev_kobj = kobject_create_and_add("eeprom_dev", NULL);
	if (!dev_kobj)
		return -ENOMEM;
	ret = sysfs_create_bin_file(dev_kobj, &bin_attr_eeprom);
	if (ret)
		kobject_put(dev_kobj);
	return ret;
}

static void __exit eeprom_exit(void)
{
	sysfs_remove_bin_file(dev_kobj, &bin_attr_eeprom);
	kobject_put(dev_kobj);
}

module_init(eeprom_init);
module_exit(eeprom_exit);
MODULE_LICENSE("GPL");
"""

F = "/sys/eeprom_dev/eeprom"


@pytest.fixture
def eeprom(kernel, build):
    return kernel.module_load(build(EEPROM, "eeprom"))


def test_a_binary_attribute_reads_its_size_at_most(kernel, eeprom):
    assert kernel.read_file(F) == b"0123456789abcdef"
    f = kernel.open(F)
    kernel.lseek(f, 10)
    assert kernel.read(f, 100) == b"abcdef"  # cut at the attribute's size
    assert kernel.read(f, 100) == b""
    kernel.close(f)


def test_a_binary_attribute_is_written_at_the_file_position(kernel, eeprom):
    f = kernel.open(F, os.O_RDWR)
    kernel.lseek(f, 4)
    assert kernel.write(f, b"WXYZ") == 4
    assert kernel.write(f, b"0123456789") == 8  # only what fits before the end
    with pytest.raises(KernelError) as exc:
        kernel.write(f, b"!")
    assert exc.value.errno == errno.EFBIG
    kernel.close(f)
    assert kernel.read_file(F) == b"0123WXYZ01234567"
    kernel.module_unload("eeprom")
    assert kernel.vfs.lookup("/sys/eeprom_dev") is None
