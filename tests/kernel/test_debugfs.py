"""debugfs at /sys/kernel/debug: directories and value files over a module's variables."""

from __future__ import annotations

import errno
import stat

import pytest
from kernel_helpers import HERE_MODULES, needs_gcc, texts

from lkmsh.errors import KernelError
from lkmsh.kernel.kernel import Kernel

pytestmark = needs_gcc
D = "/sys/kernel/debug/dbgvals"


@pytest.fixture
def dbg(kernel, build):
    return kernel.module_load(build(HERE_MODULES / "debugfs_values.c", "dbgvals"))


def test_each_kind_reads_in_linuxs_format(kernel, dbg):
    read = {
        name: kernel.read_file(f"{D}/{name}")
        for name in [
            "small",
            "medium",
            "counter",
            "big",
            "flags8",
            "flags16",
            "reg",
            "wide",
            "length",
            "jiff",
            "users",
            "enabled",
            "message",
        ]
    }
    assert read == {
        "small": b"200\n",
        "medium": b"65535\n",
        "counter": b"42\n",
        "big": b"18446744073709551615\n",
        "flags8": b"0x0a\n",
        "flags16": b"0xbeef\n",
        "reg": b"0xdeadbeef\n",
        "wide": b"0x0123456789abcdef\n",
        "length": b"4096\n",
        "jiff": b"77\n",
        "users": b"-3\n",
        "enabled": b"Y\n",
        "message": b"hello from debugfs\n",
    }
    assert stat.filemode(kernel.stat(D).mode) == "drwxr-xr-x"
    assert stat.filemode(kernel.stat(f"{D}/reg").mode) == "-rw-------"
    assert stat.filemode(kernel.stat(f"{D}/deeper/counter").mode) == "--w-------"


def test_writes_change_the_module_variable(kernel, dbg):
    assert kernel.write_file(f"{D}/counter", b"0x10\n") == 5
    assert kernel.read_file(f"{D}/counter") == b"16\n"
    kernel.write_file(f"{D}/deeper/counter", b"99\n")  # the same variable, write-only file
    assert kernel.read_file(f"{D}/counter") == b"99\n"
    kernel.write_file(f"{D}/small", b"257\n")  # truncated to the u8, as debugfs_u8_set
    assert kernel.read_file(f"{D}/small") == b"1\n"
    kernel.write_file(f"{D}/enabled", b"n\n")
    assert kernel.read_file(f"{D}/enabled") == b"N\n"
    kernel.write_file(f"{D}/users", b"-12\n")
    assert kernel.read_file(f"{D}/users") == b"-12\n"
    kernel.module_unload("dbgvals")
    assert "dbgvals: counter 99 enabled 0 small 1" in texts(kernel)


def test_bad_writes_fail_as_linux(kernel, dbg):
    with pytest.raises(KernelError) as exc:
        kernel.write_file(f"{D}/counter", b"lots\n")
    assert exc.value.errno == errno.EINVAL
    with pytest.raises(KernelError) as exc:
        kernel.write_file(f"{D}/big", b"1\n")  # mode 0444
    assert exc.value.errno == errno.EACCES
    with pytest.raises(KernelError) as exc:
        kernel.read_file(f"{D}/deeper/counter")  # mode 0200
    assert exc.value.errno == errno.EACCES


def test_duplicates_lookup_and_error_parents(kernel, dbg):
    lines = texts(kernel)
    assert "debugfs: Directory 'dbgvals' with parent '/' already present!" in lines
    assert "dbgvals: again -17, lookup found" in lines


def test_remove_recursive_takes_the_tree_and_restores_survive(kernel, dbg):
    again = Kernel.from_state(kernel.export_state())
    again.write_file(f"{D}/reg", b"0x1234\n")
    assert again.read_file(f"{D}/reg") == b"0x00001234\n"
    again.module_unload("dbgvals")
    assert "dbgvals" not in {e.name for e in again.listdir("/sys/kernel/debug")}
    assert again.heap.allocations("dbgvals") == []
    assert not any("leftover" in t for t in texts(again))


LEAKY = r"""
#include <linux/module.h>
#include <linux/debugfs.h>

static u32 hits;

static int __init leaky_init(void)
{
	struct dentry *d = debugfs_create_dir("leaky", NULL);

	debugfs_create_u32("hits", 0444, d, &hits);
	return 0;
}

static void __exit leaky_exit(void)
{
}

module_init(leaky_init);
module_exit(leaky_exit);
MODULE_LICENSE("GPL");
"""


def test_a_forgotten_debugfs_remove_is_reported_and_reclaimed(kernel, build):
    kernel.module_load(build(LEAKY, "leaky"))
    assert kernel.read_file("/sys/kernel/debug/leaky/hits") == b"0\n"
    kernel.module_unload("leaky")
    assert "leaky: removing leftover /sys/kernel/debug/leaky" in texts(kernel)
    assert kernel.vfs.lookup("/sys/kernel/debug/leaky") is None
    assert kernel.heap.allocations("leaky") == []
