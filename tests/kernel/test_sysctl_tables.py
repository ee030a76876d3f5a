"""/proc/sys: a driver's own sysctl tables (modules/sysdemo.c), on both architectures.

Values read and written through the kernel's handlers and the module's own
(a proc_dointvec_minmax wrapper), their ranges, a read-only knob, the nested
old-style table, the refused registrations' dmesg lines, a table left behind
at unload, and the files still there for the next one-shot command.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest
from kernel_helpers import HERE_MODULES, needs_gcc, texts

from lkmsh.errors import KernelError

pytestmark = needs_gcc
D = "/proc/sys/dev/sysdemo"


@pytest.fixture
def sysdemo(arch_kernel):
    kernel, build = arch_kernel
    ko = build((HERE_MODULES / "sysdemo.c").read_text(), "sysdemo")
    return kernel, ko


def _write(kernel, path: str, text: str) -> int:
    return kernel.write_file(path, text.encode())


def test_values_ranges_and_the_modules_own_handler(sysdemo):
    kernel, ko = sysdemo
    kernel.module_load(ko)
    read = {n: kernel.read_file(f"{D}/{n}") for n in ("threshold", "budget", "label", "level")}
    assert read == {"threshold": b"10\n", "budget": b"4096\n", "label": b"idle\n", "level": b"3\n"}
    assert kernel.read_file(f"{D}/window") == b"1\t2\t3\n"
    assert _write(kernel, f"{D}/threshold", "20\n") == 3
    assert kernel.read_file(f"{D}/threshold") == b"20\n"
    assert kernel.read_file(f"{D}/changes") == b"1\n"
    assert "sysdemo: threshold 10 -> 20" in texts(kernel)
    for bad in ("51", "0", "abc", "", "-"):  # extra1..extra2 is 1..50
        if bad:
            with pytest.raises(KernelError) as e:
                _write(kernel, f"{D}/threshold", bad)
            assert e.value.errno == errno.EINVAL
    assert kernel.read_file(f"{D}/threshold") == b"20\n"
    assert kernel.read_file(f"{D}/changes") == b"1\n"
    # 0x and 0 prefixes as strtoul's base 0; trailing spaces are taken
    _write(kernel, f"{D}/threshold", "0x1f  \n")
    assert kernel.read_file(f"{D}/threshold") == b"31\n"
    _write(kernel, f"{D}/threshold", "010")
    assert kernel.read_file(f"{D}/threshold") == b"8\n"
    # unsigned long range 1..1M; a u8 through its unsigned int; a vector of three
    with pytest.raises(KernelError):
        _write(kernel, f"{D}/budget", str(2 << 20))
    _write(kernel, f"{D}/budget", "65536")
    assert kernel.read_file(f"{D}/budget") == b"65536\n"
    with pytest.raises(KernelError):
        _write(kernel, f"{D}/level", "8")
    _write(kernel, f"{D}/level", "7")
    assert kernel.read_file(f"{D}/level") == b"7\n"
    _write(kernel, f"{D}/window", "9 8")
    assert kernel.read_file(f"{D}/window") == b"9\t8\t3\n"


def test_strings_are_cut_at_maxlen_and_positions_count(sysdemo):
    kernel, ko = sysdemo
    kernel.module_load(ko)
    _write(kernel, f"{D}/label", "a label longer than sixteen\n")
    assert kernel.read_file(f"{D}/label") == b"a label longer \n"  # maxlen - 1 = 15
    # writes continue where the file position is (sysctl_writes_strict = 1)
    f = kernel.open(f"{D}/label", os.O_WRONLY)
    try:
        assert kernel.write(f, b"ab") == 2
        assert kernel.write(f, b"cd\n") == 3
    finally:
        kernel.close(f)
    assert kernel.read_file(f"{D}/label") == b"abcd\n"
    # a number written past position 0 is ignored, and still taken whole
    f = kernel.open(f"{D}/threshold", os.O_WRONLY)
    try:
        assert kernel.write(f, b"12") == 2
        assert kernel.write(f, b"3") == 1
    finally:
        kernel.close(f)
    assert kernel.read_file(f"{D}/threshold") == b"12\n"
    # a read at a position past 0 is EOF, one of a few bytes cuts the text
    f = kernel.open(f"{D}/budget")
    try:
        assert kernel.read(f, 2) == b"40"
        assert kernel.read(f, 100) == b""
    finally:
        kernel.close(f)


def test_read_only_knob_and_the_nested_old_table(sysdemo):
    kernel, ko = sysdemo
    kernel.module_load(ko)
    with pytest.raises(KernelError) as e:
        _write(kernel, f"{D}/changes", "5")
    assert e.value.errno == errno.EACCES  # even root: 0444 is not writable
    assert kernel.stat(f"{D}/changes").mode & 0o777 == 0o444
    assert kernel.read_file("/proc/sys/dev/sysdemo_old/hits") == b"5\n"
    with pytest.raises(KernelError):
        _write(kernel, "/proc/sys/dev/sysdemo_old/hits", "-1")  # unsigned: no negatives
    _write(kernel, "/proc/sys/dev/sysdemo_old/hits", "4294967295")
    assert kernel.read_file("/proc/sys/dev/sysdemo_old/hits") == b"4294967295\n"
    log = texts(kernel)
    assert "sysctl duplicate entry: /dev/sysdemo/threshold" in log
    assert "sysctl table check failed: dev/sysdemo_broken/nodata No data" in log
    assert "sysdemo: knobs in /proc/sys/dev/sysdemo (6.1+)" in log
    assert kernel.listdir("/proc/sys/dev") and not kernel.vfs.lookup("/proc/sys/dev/sysdemo_broken")
    kernel.module_unload("sysdemo")
    assert kernel.vfs.lookup(D) is None
    assert kernel.vfs.lookup("/proc/sys/dev/sysdemo_old") is None
    assert kernel.vfs.lookup("/proc/sys/dev") is not None  # a base directory stays
    assert texts(kernel)[-1] == "sysdemo: 0 threshold changes"


def test_a_table_left_at_unload_is_reported_and_removed(sysdemo):
    kernel, ko = sysdemo
    kernel.module_load(ko, "leak=1")
    before = kernel.heap.stats()
    kernel.module_unload("sysdemo")
    assert texts(kernel)[-2:] == [
        "sysdemo: 0 threshold changes",
        "sysdemo: removing leftover sysctl table /proc/sys/dev/sysdemo_old",
    ]
    assert kernel.vfs.lookup("/proc/sys/dev/sysdemo_old") is None
    assert kernel.sysctl.regs == {}
    assert kernel.heap.stats() != before  # the headers were freed with it


def test_tables_persist_across_one_shot_commands(tmp_path, sysdemo):
    kernel, ko = sysdemo
    state = tmp_path / "state.sqlite"
    argv = [sys.executable, "-c", "import sys; from lkmsh.shell.cli import main; sys.exit(main())"]
    arch = kernel.config.arch

    def lkmsh(*words: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*argv, "--state", str(state), "--arch", arch, *words],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )

    assert lkmsh("insmod", str(ko)).returncode == 0
    r = lkmsh("-c", f"echo 33 > {D}/threshold")
    assert r.returncode == 0, r.stderr
    r = lkmsh("cat", f"{D}/threshold", f"{D}/changes", "/proc/sys/kernel/sysctl_writes_strict")
    assert r.stdout == "33\n1\n1\n"
    r = lkmsh("-c", f"echo 99 > {D}/threshold")
    assert r.returncode == 1 and "Invalid argument" in r.stderr
    r = lkmsh("-c", "rmmod sysdemo; ls /proc/sys/dev")
    assert r.returncode == 0 and r.stdout == ""
