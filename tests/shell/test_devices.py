"""Device files through the real CLI, one process per command: cat /dev/x, echo >,
ls -l /dev, /proc/devices, mknod and ioctl with the prebuilt chardev and ioctl samples."""

from __future__ import annotations

import pytest

from lkmsh.shell.ioctlcmd import IoctlSyntax, parse_cmd

from .conftest import assert_no_traceback

pytestmark = pytest.mark.usefixtures("kernel_ready")


def test_cat_of_a_char_device_across_processes(lkmsh):
    assert lkmsh("insmod", "sample_modules/chardev.ko").returncode == 0
    assert lkmsh("cat", "/dev/chardev").stdout == "chardev was opened 0 times before this\n"
    assert lkmsh("cat", "/dev/chardev").stdout == "chardev was opened 1 times before this\n"
    r = lkmsh("ls", "-l", "/dev")
    assert "\ncrw-------  1 root root 254,   0 Jan  1 00:00 chardev\n" in r.stdout
    assert "254 chardev\n" in lkmsh("cat", "/proc/devices").stdout
    r = lkmsh("-c", "echo hi > /dev/chardev")
    assert (r.returncode, r.stderr) == (1, "echo: write error: Invalid argument\n")
    assert lkmsh("rmmod", "chardev").returncode == 0
    r = lkmsh("cat", "/dev/chardev")
    assert (r.returncode, r.stderr) == (1, "cat: /dev/chardev: No such file or directory\n")


def test_ioctl_verb_and_a_node_made_by_hand(lkmsh):
    assert lkmsh("insmod", "sample_modules/ioctl.ko").returncode == 0
    assert lkmsh("mknod", "/dev/ioctl", "c", "254", "0").returncode == 0
    r = lkmsh("ioctl", "/dev/ioctl", "_IOR(0x66, 1, int)")
    assert r.stdout == (
        "ioctl 0x80046601 returned 0\n"
        "00000000  ff 00 00 00                                       |....|\n"
    )
    r = lkmsh("-c", "ioctl /dev/ioctl \"_IOW('\\x66', 4, char[32])\" hello")
    assert r.returncode == 0 and r.stdout == "ioctl 0x40206604 returned 0\n"
    r = lkmsh("ioctl", "/dev/ioctl", "0x1234")
    assert (r.returncode, r.stderr) == (1, "ioctl: /dev/ioctl: Inappropriate ioctl for device\n")
    r = lkmsh("ioctl", "/dev/ioctl", "_IOR(0x66, 1, struct thing)")
    assert r.returncode == 1 and "unknown type 'struct thing'" in r.stderr
    assert lkmsh("rmmod", "ioctl").returncode == 0
    r = lkmsh("cat", "/dev/ioctl")  # the node stays, the driver is gone
    assert (r.returncode, r.stderr) == (1, "cat: /dev/ioctl: No such device or address\n")
    assert_no_traceback(r)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("_IO('k', 1)", 0x6B01),
        ("_IOR('k', 1, int)", 0x80046B01),
        ("_IOW(0x66, 3, unsigned long)", 0x40086603),
        ("_IOWR('x', 255, char[100])", 0xC06478FF),
        ("_IOR('k', 2, char *)", 0x80086B02),
        ("0x80046b01", 0x80046B01),
        ("27137", 27137),
    ],
)
def test_ioctl_numbers_read_as_the_macros_make_them(text, value):
    assert parse_cmd(text) == value


@pytest.mark.parametrize("text", ["_IOR('k', 1)", "_IOR('k', 300, int)", "1 << 40", "0x1ffffffff"])
def test_bad_ioctl_numbers_are_refused(text):
    with pytest.raises(IoctlSyntax):
        parse_cmd(text)
