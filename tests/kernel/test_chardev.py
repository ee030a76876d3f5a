"""Character devices, misc devices, ioctl and user memory, with real gcc-built drivers
in the style of the Linux Kernel Module Programming Guide and the kernel's samples,
driven through Kernel.open/read/write/ioctl/close as the shell's cat, echo and ioctl do."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from kernel_helpers import texts

from lkmsh.errors import Busy, KernelError
from lkmsh.kernel.kernel import Kernel, KernelConfig

DEVICES = Path(__file__).parent / "devices"
CHARDEV = Path(__file__).resolve().parents[2] / "sample_modules" / "chardev.c"


def _ioc(direction: int, kind: int, nr: int, size: int) -> int:
    return (direction << 30) | (size << 16) | (kind << 8) | nr


@pytest.fixture(params=["x86_64", "aarch64"])
def arch(request) -> str:
    from lkmsh.build import cross_compiler_available

    if request.param == "aarch64" and not cross_compiler_available("aarch64"):
        pytest.skip("aarch64-linux-gnu-gcc is not installed")
    return request.param


@pytest.fixture
def k(arch) -> Kernel:
    return Kernel(KernelConfig(arch=arch))


@pytest.fixture
def driver(tmp_path, arch):
    from lkmsh.build import build_module

    def _build(name: str) -> Path:
        src = CHARDEV if name == "chardev" else DEVICES / f"{name}.c"
        return build_module([src], tmp_path / f"{name}.ko", arch=arch)

    return _build


def test_chardev_counts_opens_and_refuses_rmmod_while_open(k, driver):
    k.module_load(driver("chardev"))
    major = int(next(t for t in texts(k) if "major number" in t).split()[-1])
    assert major == 254  # the first dynamic major, as Linux picks it
    assert k.read_file("/proc/devices") == (
        f"Character devices:\n 10 misc\n{major} chardev\n\nBlock devices:\n".encode()
    )
    st = k.stat("/dev/chardev")
    assert stat.S_ISCHR(st.mode) and stat.S_IMODE(st.mode) == 0o600
    assert (st.rdev >> 20, st.rdev & 0xFFFFF) == (major, 0)
    assert k.read_file("/sys/class/chardev/chardev/dev") == f"{major}:0\n".encode()
    assert k.read_file("/dev/chardev") == b"chardev was opened 0 times before this\n"
    assert k.read_file("/dev/chardev") == b"chardev was opened 1 times before this\n"

    f = k.open("/dev/chardev")
    assert k.module_refcount("chardev") == 1  # the driver's own try_module_get
    with pytest.raises(KernelError) as exc:  # exclusive open: the second gets -EBUSY
        k.open("/dev/chardev")
    assert exc.value.errno == errno.EBUSY
    with pytest.raises(Busy, match="in use"):
        k.module_unload("chardev")
    k.close(f)
    assert k.module_refcount("chardev") == 0

    with pytest.raises(KernelError) as exc:
        k.write_file("/dev/chardev", b"hello\n")
    assert exc.value.errno == errno.EINVAL
    assert texts(k)[-1] == "chardev: writing is not supported"
    k.module_unload("chardev")
    assert k.vfs.lookup("/dev/chardev") is None
    assert k.read_file("/proc/devices") == b"Character devices:\n 10 misc\n\nBlock devices:\n"
    assert not [a for a in k.heap.allocations() if a.owner == "[kernel]"]  # files freed


def test_ioctl_driver_with_values_buffers_and_strings(k, arch, tmp_path):
    from lkmsh.build import build_module

    src = (CHARDEV.parent / "ioctl.c").read_text()  # the sample, under another device name
    (tmp_path / "ioctl_drv.c").write_text(src.replace('"ioctl"', '"ioctltest"', 1))
    k.module_load(build_module([tmp_path / "ioctl_drv.c"], tmp_path / "ioctl_drv.ko", arch=arch))
    major = int(texts(k)[-1].split()[-1])
    k.mknod("/dev/ioctltest", major, 0)
    f = k.open("/dev/ioctltest", os.O_RDWR)
    try:
        assert k.read(f, 4) == b"\xff" * 4  # the value the open set
        ret, _ = k.ioctl_buffer(f, _ioc(1, 0x66, 0, 4), (0x5A).to_bytes(4, "little"))
        assert ret == 0 and "ioctl: value set to 0x5a" in texts(k)
        ret, buf = k.ioctl_buffer(f, _ioc(2, 0x66, 1, 4), b"", 4)
        assert (ret, buf) == (0, b"\x5a\0\0\0")
        assert k.ioctl(f, _ioc(1, 0x66, 3, 4), 42) == 0  # the argument as a value
        assert k.ioctl_buffer(f, _ioc(2, 0x66, 2, 4), b"", 4) == (0, (42).to_bytes(4, "little"))
        assert k.ioctl_buffer(f, _ioc(1, 0x66, 4, 32), b"hello\0")[0] == 0
        assert k.ioctl_buffer(f, _ioc(3, 0x66, 5, 4), (1).to_bytes(4, "little"))[0] == ord("e")
        for cmd, code in ((_ioc(0, 0x67, 0, 0), errno.ENOTTY), (_ioc(3, 0x66, 5, 4), errno.EFAULT)):
            with pytest.raises(KernelError) as exc:
                k.ioctl(f, cmd, 0)  # a wrong magic; a NULL pointer for get_user
            assert exc.value.errno == code
    finally:
        k.close(f)
    assert texts(k)[-1] == "ioctl: file released"
    k.module_unload("ioctl_drv")
    # the node made by hand stays; the driver is gone: ENXIO, as Linux
    with pytest.raises(KernelError) as exc:
        k.open("/dev/ioctltest")
    assert exc.value.errno == errno.ENXIO


def test_misc_device_gets_a_dynamic_minor_and_its_mode(k, driver):
    k.module_load(driver("misc_echo"))
    assert "misc_echo: minor 127" in texts(k)
    st = k.stat("/dev/misc_echo")
    assert (st.rdev >> 20, st.rdev & 0xFFFFF, stat.S_IMODE(st.mode)) == (10, 127, 0o666)
    assert k.read_file("/proc/misc") == b"127 misc_echo\n"
    assert k.write_file("/dev/misc_echo", b"hello misc\n") == 11
    assert k.read_file("/dev/misc_echo") == b"hello misc\n"
    assert "misc misc_echo: opened by minor 127 (2 opens)" in texts(k)
    f = k.open("/dev/misc_echo", os.O_RDWR)
    assert k.module_refcount("misc_echo") == 1  # fops->owner, taken by misc_open
    assert k.lseek(f, 6, os.SEEK_SET) == 6
    assert k.read(f) == b"misc\n"
    assert k.lseek(f, -4, os.SEEK_END) == 60
    with pytest.raises(KernelError) as exc:
        k.lseek(f, 1, os.SEEK_END)  # past fixed_size_llseek's size
    assert exc.value.errno == errno.EINVAL
    k.close(f)
    with pytest.raises(KernelError) as exc:
        k.write_file("/dev/misc_echo", b"x" * 65)
    assert exc.value.errno == errno.EINVAL
    k.module_unload("misc_echo")
    assert k.read_file("/proc/misc") == b""
    assert k.vfs.lookup("/dev/misc_echo") is None


@pytest.mark.parametrize("mode", ["1", "2", "3", "4"])
def test_bad_user_pointers_give_efault_not_an_oops(k, driver, mode):
    k.module_load(driver("baduser"))
    assert k.write_file("/dev/baduser", mode.encode()) == 1
    with pytest.raises(KernelError) as exc:
        k.read_file("/dev/baduser")
    assert exc.value.errno == errno.EFAULT
    assert not any("Oops" in t or "BUG" in t for t in texts(k))
    with pytest.raises(KernelError) as exc:  # more than the driver's 4-byte buffer
        k.write_file("/dev/baduser", b"12345")
    assert exc.value.errno == errno.EINVAL
    k.module_unload("baduser")


def test_good_user_pointers_work(k, driver):
    k.module_load(driver("baduser"))
    assert k.read_file("/dev/baduser", 5) == b"kerne"
    k.write_file("/dev/baduser", b"5")
    f = k.open("/dev/baduser")
    assert k.read(f, 7) == b"\0" * 7  # clear_user
    k.close(f)


def test_a_driver_that_forgets_to_unregister_is_cleaned_up(k, driver, tmp_path):
    from lkmsh.build import build_module

    src = CHARDEV.read_text()
    src = src.replace("device_destroy(cls, MKDEV(major, 0));", "")
    src = src.replace("class_destroy(cls);", "").replace(
        "unregister_chrdev(major, DEVICE_NAME);", ""
    )
    (tmp_path / "forgetful.c").write_text(src)
    k.module_load(
        build_module([tmp_path / "forgetful.c"], tmp_path / "forgetful.ko", arch=k.config.arch)
    )
    k.module_unload("forgetful")
    log = texts(k)
    assert "forgetful: removing leftover device /dev/chardev (chardev)" in log
    assert "forgetful: removing leftover class chardev" in log
    assert 'forgetful: removing leftover char device region 254:0-255 "chardev"' in log
    assert k.vfs.lookup("/dev/chardev") is None and k.vfs.lookup("/sys/class/chardev") is None
    assert k.read_file("/proc/devices") == b"Character devices:\n 10 misc\n\nBlock devices:\n"
    assert not [a for a in k.heap.allocations() if a.owner == "forgetful"]
    k.module_load(driver("chardev"))  # the names are free again
    assert k.read_file("/dev/chardev").startswith(b"chardev was opened 0")


def test_devices_persist_across_processes(k, driver):
    k.module_load(driver("chardev"))
    assert k.read_file("/dev/chardev").endswith(b"opened 0 times before this\n")
    again = Kernel.from_state(k.export_state())
    assert again.read_file("/dev/chardev").endswith(b"opened 1 times before this\n")
    assert again.read_file("/proc/devices").count(b"chardev") == 1
    again.module_unload("chardev")
    assert again.vfs.lookup("/dev/chardev") is None


def test_a_crashing_read_handler_oopses_and_fails_cleanly(k, driver, tmp_path):
    from lkmsh.build import build_module
    from lkmsh.errors import ModuleFault

    src = CHARDEV.read_text().replace("const char *from = text + *off;", "const char *from = NULL;")
    (tmp_path / "crashy.c").write_text(src)
    k.module_load(build_module([tmp_path / "crashy.c"], tmp_path / "crashy.ko", arch=k.config.arch))
    with pytest.raises(ModuleFault):
        k.read_file("/dev/chardev")
    assert any("NULL pointer dereference" in t for t in texts(k))
    assert k.module_refcount("crashy") == 0  # release ran: the file was closed


def test_debugfs_files_with_file_operations(k, driver):
    k.module_load(driver("dbg_fops"))
    base = "/sys/kernel/debug/dbg_fops"
    assert stat.S_IMODE(k.stat(f"{base}/msg").mode) == 0o600
    assert k.read_file(f"{base}/msg") == b"initial\n"
    assert k.write_file(f"{base}/msg", b"changed\n") == 8
    assert k.read_file(f"{base}/msg") == b"changed\n"
    assert k.read_file(f"{base}/stats") == b"reads: 4\nlength: 8\n"  # two reads each hit EOF
    f = k.open(f"{base}/msg")
    with pytest.raises(Busy):  # fops->owner is held while the file is open
        k.module_unload("dbg_fops")
    k.close(f)
    again = Kernel.from_state(k.export_state())
    assert again.read_file(f"{base}/msg") == b"changed\n"
    again.module_unload("dbg_fops")
    assert again.vfs.lookup(base) is None


def test_nonblocking_reads_and_poll(k, driver):
    k.module_load(driver("pollable"))
    f = k.open("/dev/pollable", os.O_RDWR | os.O_NONBLOCK)
    try:
        assert k.poll(f) == 0x104  # EPOLLOUT | EPOLLWRNORM: nothing to read yet
        with pytest.raises(KernelError) as exc:
            k.read(f)
        assert exc.value.errno == errno.EAGAIN
        assert k.write(f, b"ping") == 4
        assert k.poll(f) == 0x145  # now EPOLLIN | EPOLLRDNORM too
        assert k.read(f) == b"ping"
        with pytest.raises(KernelError) as exc:  # nonseekable_open
            k.lseek(f, 0, os.SEEK_SET)
        assert exc.value.errno == errno.ESPIPE
    finally:
        k.close(f)
    assert k.read_file("/dev/pollable") == b""  # without O_NONBLOCK this driver says EOF


def test_class_devnode_sets_the_node_mode_and_a_taken_class_name_is_refused(k, driver, tmp_path):
    from lkmsh.build import build_module

    src = CHARDEV.read_text()
    src = src.replace(
        "static int __init chardev_init(void)",
        "static char *chardev_devnode(struct device *dev, umode_t *mode)\n{\n"
        "    if (mode)\n        *mode = 0666;\n    return NULL;\n}\n\n"
        "static int __init chardev_init(void)",
    )
    src = src.replace(
        "\tdevice_create(cls,", "\tcls->devnode = chardev_devnode;\n\tdevice_create(cls,"
    )
    (tmp_path / "open_chardev.c").write_text(src)
    arch = k.config.arch
    k.module_load(build_module([tmp_path / "open_chardev.c"], tmp_path / "o.ko", arch=arch))
    assert stat.S_IMODE(k.stat("/dev/chardev").mode) == 0o666
    k.module_load(driver("chardev"))  # the same class name: ERR_PTR(-EEXIST), as Linux
    log = texts(k)
    assert "sysfs: cannot create duplicate filename '/class/chardev'" in log
    assert any(t.startswith("kobject_add_internal failed for chardev with -EEXIST") for t in log)
    assert "chardev: major number 253" in log
