"""A RAM disk from the shell, as a Linux user tries one: cat, echo >, dd, /sys/block."""

from __future__ import annotations

import pytest

from .conftest import SAMPLES, assert_no_traceback

pytestmark = pytest.mark.usefixtures("kernel_ready")


def ok(r):
    assert_no_traceback(r)
    assert r.returncode == 0, r.stderr
    return r


def test_echo_cat_and_dd_reach_the_driver_across_commands(lkmsh, tmp_path):
    ko = tmp_path / "ramdisk.ko"
    ok(lkmsh("build", str(SAMPLES / "ramdisk.c"), "-o", str(ko)))
    ok(lkmsh("insmod", str(ko), "sectors=64"))
    assert ok(lkmsh("cat", "/sys/block/ramdisk/size")).stdout == "64\n"
    assert "brw-rw----" in ok(lkmsh("ls", "-l", "/dev/ramdisk")).stdout
    ok(lkmsh("-c", "echo hello disk > /dev/ramdisk"))
    r = ok(lkmsh("cat", "/dev/ramdisk"))
    assert len(r.raw) == 64 * 512 and r.raw.startswith(b"hello disk\n\0")
    src = tmp_path / "blocks.bin"
    src.write_bytes(b"x" * 1024)
    r = ok(lkmsh("dd", f"if={src}", "of=/dev/ramdisk", "bs=512", "seek=4"))
    assert r.stderr == "2+0 records in\n2+0 records out\n1024 bytes (1.0 kB, 1.0 KiB) copied\n"
    r = ok(lkmsh("dd", "if=/dev/ramdisk", "bs=512", "skip=4", "count=1"))
    assert r.raw == b"x" * 512
    out = tmp_path / "image.bin"
    ok(lkmsh("dd", "if=/dev/ramdisk", f"of={out}", "bs=4K"))
    assert out.read_bytes()[2048:3072] == b"x" * 1024
    r = lkmsh("dd", f"if={src}", "of=/dev/ramdisk", "seek=64")
    assert r.returncode == 1
    assert r.stderr.startswith("dd: error writing '/dev/ramdisk': No space left on device\n")
    assert "ramdisk" in ok(lkmsh("cat", "/proc/partitions")).stdout
    ok(lkmsh("rmmod", "ramdisk"))
    r = lkmsh("cat", "/dev/ramdisk")
    assert r.returncode == 1 and "No such file or directory" in r.stderr


def test_dd_refuses_bad_operands(lkmsh):
    r = lkmsh("dd", "bs=0")
    assert (r.returncode, r.stderr) == (1, "dd: invalid number: '0'\n")
    r = lkmsh("dd", "wat")
    assert (r.returncode, r.stderr) == (1, "dd: unrecognized operand 'wat'\n")
