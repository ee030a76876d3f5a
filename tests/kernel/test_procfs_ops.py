"""/proc files with proc_ops and seq_file: procfs1-4 in the style of the Linux Kernel Module
Programming Guide's, and a kernel-style seq_operations file over a list spanning many pages."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from kernel_helpers import texts

from lkmsh.errors import Busy, KernelError
from lkmsh.kernel.kernel import Kernel, KernelConfig

PROCFS = Path(__file__).parent / "procfs"


@pytest.fixture(params=["x86_64", "aarch64"])
def k(request) -> Kernel:
    from lkmsh.build import cross_compiler_available

    if request.param == "aarch64" and not cross_compiler_available("aarch64"):
        pytest.skip("aarch64-linux-gnu-gcc is not installed")
    return Kernel(KernelConfig(arch=request.param))


@pytest.fixture
def load(k, tmp_path):
    from lkmsh.build import build_module

    def _load(name: str):
        return k.module_load(
            build_module([PROCFS / f"{name}.c"], tmp_path / f"{name}.ko", arch=k.config.arch)
        )

    return _load


def test_procfs1_read_handler_and_dentry_name(k, load):
    load("procfs1")
    assert "procfs1: /proc/helloworld created" in texts(k)
    assert stat.S_IMODE(k.stat("/proc/helloworld").mode) == 0o644
    assert k.read_file("/proc/helloworld") == b"Hello, world!\n"
    assert "procfs1: helloworld read" in texts(k)
    with pytest.raises(KernelError) as exc:  # no proc_write: -EIO, as proc_reg_write
        k.write_file("/proc/helloworld", b"x\n")
    assert exc.value.errno == errno.EIO
    k.module_unload("procfs1")
    assert k.vfs.lookup("/proc/helloworld") is None


def test_procfs2_write_reaches_the_module(k, load):
    load("procfs2")
    assert k.write_file("/proc/buffer1k", b"hello procfs\n") == 13
    assert "procfs2: got hello procfs" in texts(k)
    assert k.read_file("/proc/buffer1k") == b"hello procfs\n"


def test_procfs3_open_takes_a_reference_and_size_shows(k, load):
    load("procfs3")
    assert k.stat("/proc/buffer2k").size == 80  # proc_set_size
    k.write_file("/proc/buffer2k", b"a message\n")
    f = k.open("/proc/buffer2k")
    with pytest.raises(Busy):
        k.module_unload("procfs3")
    assert k.read(f) == b"a message\n"
    assert k.read(f) == b""
    k.close(f)
    k.module_unload("procfs3")


def test_procfs4_seq_operations(k, load):
    load("procfs4")
    assert k.read_file("/proc/iter") == b"0\n"
    assert k.read_file("/proc/iter") == b"1\n"
    f = k.open("/proc/iter")
    assert k.read(f, 1) == b"2"  # the rest stays in the seq_file's buffer
    assert k.read(f, 10) == b"\n"  # and start() at the end set *pos back to 0 ...
    assert k.read(f) == b"3\n"  # ... so a reader going on gets the next number, as on Linux
    k.close(f)
    k.module_unload("procfs4")


def test_seq_list_over_many_pages_with_seeks(k, load):
    load("seqlist")
    text = k.read_file("/proc/seqlist/records")
    lines = text.decode().splitlines()
    assert len(lines) == 500 and lines[0] == "record    0: rec" and lines[-1] == "record  499: rec"
    assert len(text) == 500 * 17 > 2 * 4096
    f = k.open("/proc/seqlist/records")
    assert k.lseek(f, 17 * 100, os.SEEK_SET) == 1700  # traverse: 100 records of 17 bytes
    assert k.read(f, 17) == b"record  100: rec\n"
    k.close(f)
    assert k.read_file("/proc/seqlist/hello") == b"hello from pde_data\n"
    live = {a.addr for a in k.heap.allocations() if a.owner == "[kernel]"}
    k.module_unload("seqlist")
    assert k.vfs.lookup("/proc/seqlist") is None
    # every seq_file, buffer and op table was freed with its file; only the pdes were left
    assert len(live) == 3


def test_an_open_proc_file_reads_eio_once_its_entry_is_gone(k, load):
    load("procfs2")
    f = k.open("/proc/buffer1k")
    k.module_unload("procfs2")  # proc files hold no module reference, as Linux
    with pytest.raises(KernelError) as exc:
        k.read(f)
    assert exc.value.errno == errno.EIO
    k.close(f)
