"""sysfs and debugfs on an arm64 kernel: the kobject and kset modules and debugfs values."""

from __future__ import annotations

import pytest
from kernel_helpers import HERE_MODULES, texts

from lkmsh.build import build_module, cross_compiler_available
from lkmsh.kernel.kernel import Kernel, KernelConfig

pytestmark = pytest.mark.skipif(
    not cross_compiler_available("aarch64"),
    reason="aarch64-linux-gnu-gcc is not installed (Debian package gcc-aarch64-linux-gnu)",
)


@pytest.fixture
def k() -> Kernel:
    return Kernel(KernelConfig(arch="aarch64"))


def _load(k, tmp_path, source: str, name: str):
    return k.module_load(
        build_module([HERE_MODULES / source], tmp_path / f"{name}.ko", arch="aarch64")
    )


def test_kset_example_on_arm64(k, tmp_path):
    _load(k, tmp_path, "kset_objects.c", "kset_example")
    k.write_file("/sys/kernel/kset_example/bar/baz", b"31\n")
    assert k.read_file("/sys/kernel/kset_example/bar/baz") == b"31\n"
    assert k.read_file("/sys/kernel/kset_example/foo/baz") == b"0\n"
    k.module_unload("kset_example")
    assert k.vfs.lookup("/sys/kernel/kset_example") is None
    assert k.heap.allocations("kset_example") == []


def test_kobject_example_and_debugfs_values_on_arm64(k, tmp_path):
    _load(k, tmp_path, "kobj_values.c", "kobject_example")
    k.write_file("/sys/kernel/kobject_example/baz", b"-4\n")
    assert k.read_file("/sys/kernel/kobject_example/baz") == b"-4\n"
    _load(k, tmp_path, "debugfs_values.c", "dbgvals")
    assert k.read_file("/sys/kernel/debug/dbgvals/wide") == b"0x0123456789abcdef\n"
    k.write_file("/sys/kernel/debug/dbgvals/counter", b"7\n")
    k.module_unload("dbgvals")
    assert "dbgvals: counter 7 enabled 1 small 200" in texts(k)


def test_module_param_cb_and_writable_parameters_on_arm64(k, tmp_path):
    from test_param_ops import PARAMS

    src = tmp_path / "params.c"
    src.write_text(PARAMS)
    ko = build_module([src], tmp_path / "params.ko", arch="aarch64")
    k.module_load(ko, params="level=3 mode=on temps=7")
    p = "/sys/module/params/parameters"
    assert k.read_file(f"{p}/mode") == b"on\n"
    k.write_file(f"{p}/level", b"8\n")
    k.write_file(f"{p}/temps", b"1,2,3\n")
    assert k.read_file(f"{p}/temps") == b"1,2,3\n"
    k.module_unload("params")
    assert "params: level=8 (2 changes) mode=on label=none temps=1,2,3" in texts(k)
