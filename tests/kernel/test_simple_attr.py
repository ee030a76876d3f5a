"""Single-value attribute files: DEFINE_SIMPLE_ATTRIBUTE (<linux/fs.h>) and
DEFINE_DEBUGFS_ATTRIBUTE (<linux/debugfs.h>), as fs/libfs.c's simple_attr files
behave; and kernel-mode FPU use (<asm/fpu/api.h>), with lib/Makefile's FPU flags.
"""

from __future__ import annotations

import pytest
from kernel_helpers import needs_gcc

from lkmsh.errors import KernelError

ATTRS = r"""
#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/fs.h>

static u64 level = 7;
static int fail_get;

static int level_get(void *data, u64 *val)
{
	if (fail_get)
		return -EIO;
	*val = *(u64 *)data;
	return 0;
}

static int level_set(void *data, u64 val)
{
	if (val > 1000)
		return -ERANGE;
	*(u64 *)data = val;
	return 0;
}

static int fail_set(void *data, u64 val)
{
	fail_get = !!val;
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(level_fops, level_get, level_set, "%llu\n");
DEFINE_SIMPLE_ATTRIBUTE(level_hex_fops, level_get, NULL, "0x%08llx\n");
DEFINE_DEBUGFS_ATTRIBUTE(fail_fops, NULL, fail_set, "%llu\n");

static struct dentry *dir;

static int __init attrs_init(void)
{
	dir = debugfs_create_dir("attrs", NULL);
	debugfs_create_file_unsafe("level", 0644, dir, &level, &level_fops);
	debugfs_create_file("level_hex", 0444, dir, &level, &level_hex_fops);
	debugfs_create_file("fail_get", 0200, dir, NULL, &fail_fops);
	return 0;
}

static void __exit attrs_exit(void)
{
	debugfs_remove(dir);
}

module_init(attrs_init);
module_exit(attrs_exit);
MODULE_LICENSE("GPL");
"""

D = "/sys/kernel/debug/attrs"


def test_attribute_files_read_and_write_the_value(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(ATTRS, "attrs").read_bytes())
    assert k.read_file(f"{D}/level") == b"7\n"
    assert k.read_file(f"{D}/level_hex") == b"0x00000007\n"
    k.write_file(f"{D}/level", b"0x20\n")  # kstrtoull, base 0
    assert k.read_file(f"{D}/level") == b"32\n"
    assert k.read_file(f"{D}/level_hex") == b"0x00000020\n"


def test_attribute_errors_are_the_callbacks_and_libfs(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(ATTRS, "attrs").read_bytes())
    with pytest.raises(KernelError) as bad:
        k.write_file(f"{D}/level", b"seven")
    assert bad.value.errno == 22  # kstrtoull: -EINVAL
    with pytest.raises(KernelError) as big:
        k.write_file(f"{D}/level", b"5000")
    assert big.value.errno == 34  # the set callback's -ERANGE
    with pytest.raises(KernelError) as ro:
        k.write_file(f"{D}/level_hex", b"1")
    assert ro.value.errno in (13, 1)  # no set callback (-EACCES), or the mode refuses it
    k.write_file(f"{D}/fail_get", b"1")
    with pytest.raises(KernelError) as io:
        k.read_file(f"{D}/level")
    assert io.value.errno == 5  # the get callback's -EIO
    with pytest.raises(KernelError):
        k.read_file(f"{D}/level_hex")  # the same callback: the same error
    k.write_file(f"{D}/fail_get", b"0")
    assert k.read_file(f"{D}/level_hex") == b"0x00000007\n"


FPU = r"""
#include <linux/module.h>
#include <asm/fpu/api.h>

static int __init fpu_init(void)
{
	volatile double third, back;
	int ok;

	kernel_fpu_begin();
	third = 1.0 / 3.0;
	back = third * 3.0;
	ok = back == 1.0 && third > 0.333333 && third < 0.333334;
	kernel_fpu_end();
	pr_info("fpu: %s\n", ok ? "round to nearest" : "wrong");
	return ok ? 0 : -EINVAL;
}

module_init(fpu_init);
MODULE_LICENSE("GPL");
"""

#: lib/Makefile's FPU_CFLAGS for gcc (CFLAGS_test_fpu.o)
FPU_CFLAGS = ["-msse", "-msse2", "-mhard-float", "-mpreferred-stack-boundary=4"]


@needs_gcc
def test_kernel_fpu_begin_gives_sse_double_arithmetic(tmp_path):
    from lkmsh.build import build_module
    from lkmsh.kernel.kernel import Kernel

    src = tmp_path / "fpu.c"
    src.write_text(FPU)
    ko = build_module([src], tmp_path / "fpu.ko", extra_cflags=FPU_CFLAGS)
    k = Kernel()
    k.module_load(ko.read_bytes())
    assert "fpu: round to nearest" in [r.text for r in k.dmesg()]
