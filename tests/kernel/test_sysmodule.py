"""/sys/module/NAME as Linux shows it: refcnt, initstate, holders/, sections/, parameters/."""

from __future__ import annotations

import errno
import stat

import pytest
from kernel_helpers import sample, texts

from lkmsh.errors import KernelError
from lkmsh.kernel.kernel import Kernel


@pytest.fixture
def hello(kernel):
    return kernel.module_load(sample("hello"), params="who=bob times=1 nums=1,2")


def test_the_module_directory(kernel, hello):
    base = "/sys/module/hello"
    names = {e.name for e in kernel.listdir(base)}
    assert {"refcnt", "initstate", "holders", "sections", "parameters", "taint"} <= names
    assert {"coresize", "initsize", "version"} <= names
    assert kernel.read_file(f"{base}/initstate") == b"live\n"
    assert kernel.read_file(f"{base}/refcnt") == b"0\n"
    assert kernel.read_file(f"{base}/taint") == b"O\n"  # out of tree, as /proc/modules' (O)
    assert kernel.read_file(f"{base}/version") == f"{hello.version}\n".encode()
    assert kernel.read_file(f"{base}/coresize") == f"{hello.size}\n".encode()
    text = next(p for p in hello.placements if p.name == ".text")
    assert kernel.read_file(f"{base}/sections/.text") == f"0x{text.addr:016x}\n".encode()
    assert stat.filemode(kernel.stat(f"{base}/sections/.text").mode) == "-r--------"


def test_parameters_are_shown_and_0644_ones_written(kernel, hello):
    p = "/sys/module/hello/parameters"
    assert sorted(e.name for e in kernel.listdir(p)) == ["nums", "times", "who"]
    assert kernel.read_file(f"{p}/who") == b"bob\n"
    assert kernel.read_file(f"{p}/nums") == b"1,2\n"
    assert stat.filemode(kernel.stat(f"{p}/nums").mode) == "-r--r--r--"
    assert kernel.write_file(f"{p}/times", b"7\n") == 2
    assert kernel.read_file(f"{p}/times") == b"7\n"
    with pytest.raises(KernelError) as exc:
        kernel.write_file(f"{p}/times", b"seven\n")
    assert exc.value.errno == errno.EINVAL
    with pytest.raises(KernelError) as exc:
        kernel.write_file(f"{p}/nums", b"3\n")  # 0444
    assert exc.value.errno == errno.EACCES
    # a charp takes the bytes as written, newline included, as param_set_charp
    kernel.write_file(f"{p}/who", b"alice")
    kernel.module_unload("hello")
    assert "hello: Goodbye, alice" in texts(kernel)
    assert kernel.vfs.lookup("/sys/module/hello") is None
    assert kernel.heap.allocations("hello") == []


def test_holders_and_refcnt_follow_users(kernel):
    kernel.module_load(sample("provider"))
    kernel.module_load(sample("consumer"))
    assert kernel.read_file("/sys/module/provider/refcnt") == b"1\n"
    assert [e.name for e in kernel.listdir("/sys/module/provider/holders")] == ["consumer"]
    kernel.module_unload("consumer")
    assert kernel.listdir("/sys/module/provider/holders") == []
    assert kernel.read_file("/sys/module/provider/refcnt") == b"0\n"


def test_the_directory_is_there_after_a_restore(kernel, hello):
    kernel.write_file("/sys/module/hello/parameters/times", b"4\n")
    again = Kernel.from_state(kernel.export_state())
    assert again.read_file("/sys/module/hello/parameters/times") == b"4\n"
    assert again.read_file("/sys/module/hello/initstate") == b"live\n"
