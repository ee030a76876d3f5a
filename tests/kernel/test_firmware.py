"""The firmware loader (<linux/firmware.h>) as a driver uses it: fwdemo.c asks for its
image with request_firmware() (or request_firmware_nowait(), the callback from a
kworker), reads an optional calibration file with firmware_request_nowarn(), and
reloads through request_firmware_direct(); the files are the host's, in a directory
named through firmware_class.path, as Linux's search path has it."""

from __future__ import annotations

import errno
import lzma
import os
import subprocess
import sys

import pytest
from kernel_helpers import HERE_MODULES, needs_gcc, texts

from lkmsh.errors import KernelError

pytestmark = needs_gcc
PARAM = "/sys/module/firmware_class/parameters/path"
IMAGE = b"FWDM\x03hello firmware\n"


@pytest.fixture
def fwdemo(arch_kernel, tmp_path):
    """(kernel, module, firmware directory), the directory set as firmware_class.path."""
    kernel, build = arch_kernel
    ko = build((HERE_MODULES / "fwdemo.c").read_text(), "fwdemo")
    fwdir = tmp_path / "firmware"
    fwdir.mkdir()
    kernel.write_file(PARAM, str(fwdir).encode())
    return kernel, ko, fwdir


def test_request_firmware_reads_the_file_of_the_custom_path(fwdemo):
    kernel, ko, fwdir = fwdemo
    (fwdir / "fwdemo.bin").write_bytes(IMAGE)
    (fwdir / "fwdemo-cal.bin").write_bytes(b"\x2a")
    assert kernel.read_file(PARAM) == f"{fwdir}\n".encode()
    kernel.module_load(ko)
    assert "fwdemo: fwdemo.bin version 3, 20 bytes" in texts(kernel)
    assert kernel.read_file("/dev/fwdemo") == b"hello firmware\n"
    # the misc device is /sys/devices/virtual/misc/fwdemo, /sys/class/misc/fwdemo its link
    assert kernel.read_file("/sys/devices/virtual/misc/fwdemo/calibration") == b"42\n"
    assert kernel.lstat("/sys/class/misc/fwdemo").target == "../../devices/virtual/misc/fwdemo"
    kernel.module_unload("fwdemo")
    assert not [t for t in texts(kernel) if "kmemleak" in t]
    assert kernel.firmware.privs == {} and kernel.firmware.handed == {}


def test_a_missing_file_is_enoent_in_linux_words(fwdemo):
    kernel, ko, fwdir = fwdemo
    with pytest.raises(KernelError) as exc:
        kernel.module_load(ko)
    assert exc.value.errno == errno.ENOENT
    lines = texts(kernel)
    # firmware_request_nowarn() says nothing; request_firmware() says it did not find it
    assert "fwdemo: no calibration file, using defaults" in lines
    assert "misc fwdemo: Direct firmware load for fwdemo.bin failed with error -2" in lines
    assert "fwdemo: cannot load fwdemo.bin: -2" in lines
    assert not [t for t in lines if "fwdemo-cal.bin" in t]
    assert kernel.firmware.privs == {}


def test_an_empty_and_a_too_big_file_fail_as_kernel_read_file(fwdemo):
    """An empty file is -EINVAL, one past lkmsh's 64 MiB bound -EFBIG (Linux's bound is
    INT_MAX): each is warned about and the search goes on, ending in -ENOENT."""
    kernel, ko, fwdir = fwdemo
    (fwdir / "fwdemo.bin").write_bytes(b"")
    with open(fwdir / "fwdemo-cal.bin", "wb") as f:
        f.truncate((64 << 20) + 1)  # sparse: no 64 MiB on the host's disk
    with pytest.raises(KernelError) as exc:
        kernel.module_load(ko)
    assert exc.value.errno == errno.ENOENT
    lines = texts(kernel)
    assert f"misc fwdemo: loading {fwdir}/fwdemo-cal.bin failed with error -27" in lines
    assert f"misc fwdemo: loading {fwdir}/fwdemo.bin failed with error -22" in lines
    assert "misc fwdemo: Direct firmware load for fwdemo.bin failed with error -2" in lines


def test_names_with_a_dotdot_component_are_refused(fwdemo):
    kernel, ko, fwdir = fwdemo
    (fwdir / "fwdemo.bin").write_bytes(IMAGE)
    with pytest.raises(KernelError) as exc:
        kernel.module_load(ko, "fw_name=../firmware/fwdemo.bin")
    assert exc.value.errno == errno.EINVAL
    assert (
        "misc fwdemo: Firmware load for '../firmware/fwdemo.bin' refused, path contains '..'"
        " component" in texts(kernel)
    )


def test_an_xz_file_is_found_when_the_plain_one_is_not(fwdemo):
    kernel, ko, fwdir = fwdemo
    packed = lzma.compress(IMAGE, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
    (fwdir / "fwdemo.bin.xz").write_bytes(packed)
    kernel.module_load(ko)
    assert kernel.read_file("/dev/fwdemo") == b"hello firmware\n"
    kernel.module_unload("fwdemo")


def test_request_firmware_nowait_calls_back_from_a_kworker(fwdemo):
    kernel, ko, fwdir = fwdemo
    (fwdir / "fwdemo.bin").write_bytes(IMAGE)
    kernel.module_load(ko, "async=1")
    # the request holds a reference on the module until its callback returned
    kernel.sleep(1_000_000_000)
    assert kernel.read_file("/dev/fwdemo") == b"hello firmware\n"
    assert "fwdemo: fwdemo.bin version 3, 20 bytes" in texts(kernel)
    kernel.module_unload("fwdemo")
    # a missing image: the callback gets NULL
    os.unlink(fwdir / "fwdemo.bin")
    kernel.module_load(ko, "async=1")
    kernel.sleep(1_000_000_000)
    assert "misc fwdemo: async load of fwdemo.bin failed" in texts(kernel)
    kernel.module_unload("fwdemo")


def test_a_held_image_is_shared_and_reload_uses_request_firmware_direct(fwdemo):
    kernel, ko, fwdir = fwdemo
    (fwdir / "fwdemo.bin").write_bytes(IMAGE)
    (fwdir / "other.bin").write_bytes(b"FWDM\x04other\n")
    kernel.module_load(ko)
    # request_firmware_direct() says nothing of a missing file: the driver does
    with pytest.raises(KernelError) as exc:
        kernel.write_file("/sys/class/misc/fwdemo/reload", b"nope.bin\n")
    assert exc.value.errno == errno.ENOENT
    assert texts(kernel)[-1] == "misc fwdemo: reload of nope.bin failed: -2"
    kernel.write_file("/sys/class/misc/fwdemo/reload", b"other.bin\n")
    assert kernel.read_file("/dev/fwdemo") == b"other\n"
    # while other.bin is held, a new request of it shares the image (a batched request),
    # even after the file changed on disk
    (fwdir / "other.bin").write_bytes(b"FWDM\x05changed\n")
    kernel.write_file("/sys/class/misc/fwdemo/reload", b"other.bin\n")
    assert kernel.read_file("/dev/fwdemo") == b"other\n"
    assert len(kernel.firmware.privs) == 1
    kernel.module_unload("fwdemo")
    assert kernel.firmware.privs == {}


def test_firmware_not_released_is_reported_and_reclaimed(fwdemo):
    kernel, ko, fwdir = fwdemo
    (fwdir / "fwdemo.bin").write_bytes(IMAGE)
    kernel.module_load(ko, "keep=1")
    kernel.module_unload("fwdemo")
    lines = texts(kernel)
    assert "kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" in lines
    assert "unreferenced object" in "\n".join(lines) and "(size 24):" in "\n".join(lines)
    assert kernel.firmware.privs == {} and kernel.firmware.handed == {}


def test_the_path_parameter_keeps_what_is_written(arch_kernel, tmp_path):
    """As 6.1's param_set_copystring: a newline echo adds stays in the path (so
    nothing is found there), and more than 255 bytes is -ENOSPC."""
    kernel, _ = arch_kernel
    kernel.write_file(PARAM, b"/lib/fw\n")
    assert kernel.read_file(PARAM) == b"/lib/fw\n\n"
    with pytest.raises(KernelError) as exc:
        kernel.write_file(PARAM, b"/" + b"x" * 255)
    assert exc.value.errno == errno.ENOSPC
    assert texts(kernel)[-1] == "firmware_class.path: string doesn't fit in 255 chars."
    assert kernel.read_file(PARAM) == b"/lib/fw\n\n"
    kernel.write_file(PARAM, b"\0")  # what fw_lib.sh writes to clear it
    assert kernel.read_file(PARAM) == b"\n"
    assert kernel.firmware.search_paths() == [
        "/lib/firmware/updates/6.1.0-lkmsh",
        "/lib/firmware/updates",
        "/lib/firmware/6.1.0-lkmsh",
        "/lib/firmware",
    ]


def test_the_command_line_sets_the_path(arch_kernel, tmp_path):
    kernel, _ = arch_kernel
    kernel.set_cmdline(f"quiet firmware_class.path={tmp_path}")
    assert kernel.read_file(PARAM) == f"{tmp_path}\n".encode()
    kernel.write_file(PARAM, b"/elsewhere")
    assert kernel.firmware.search_paths()[0] == "/elsewhere"


def test_firmware_and_the_path_persist_across_one_shot_commands(fwdemo, tmp_path):
    kernel, ko, fwdir = fwdemo
    (fwdir / "fwdemo.bin").write_bytes(IMAGE)
    state = tmp_path / "state.sqlite"
    argv = [sys.executable, "-c", "import sys; from lkmsh.shell.cli import main; sys.exit(main())"]

    def lkmsh(*words: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*argv, "--state", str(state), "--arch", kernel.config.arch, *words],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )

    r = lkmsh("-c", f"echo -n {fwdir} > {PARAM}")
    assert r.returncode == 0, r.stderr
    assert lkmsh("cat", PARAM).stdout == f"{fwdir}\n"
    r = lkmsh("insmod", str(ko), "async=1")
    assert r.returncode == 0, r.stderr
    assert lkmsh("rmmod", "fwdemo").stderr == "rmmod: ERROR: Module fwdemo is in use\n"
    assert lkmsh("sleep", "1").returncode == 0  # the callback's msleep ends
    os.unlink(fwdir / "fwdemo.bin")  # the image is in the kernel now
    assert lkmsh("cat", "/dev/fwdemo").stdout == "hello firmware\n"
    r = lkmsh("ls", "-l", "/sys/class/misc/fwdemo")
    assert r.stdout.endswith(" /sys/class/misc/fwdemo -> ../../devices/virtual/misc/fwdemo\n")
    r = lkmsh("ls", PARAM, "/sys/class/misc/fwdemo/dev")  # files as given, sorted, as GNU ls
    assert r.stdout == f"/sys/class/misc/fwdemo/dev\n{PARAM}\n"
    r = lkmsh("-c", "rmmod fwdemo; dmesg")
    assert r.returncode == 0, r.stderr
    assert "kmemleak" not in r.stdout
    assert "fwdemo: fwdemo.bin version 3, 20 bytes" in r.stdout


#: a flash programmer reading a big image in pieces into its own 4 KiB buffer
CHUNKS = r"""
#include <linux/firmware.h>
#include <linux/module.h>
#include <linux/slab.h>

static char *name = "flash.img";
module_param(name, charp, 0444);
static long offset;
module_param(offset, long, 0444);

static int __init chunks_init(void)
{
	const struct firmware *fw;
	void *buf = kmalloc(4096, GFP_KERNEL);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = request_partial_firmware_into_buf(&fw, name, NULL, buf, 4096, offset);
	if (!ret) {
		pr_info("chunks: %zu bytes at %ld, data %s, first %02x last %02x\n", fw->size,
			offset, fw->data == buf ? "in my buffer" : "elsewhere", fw->data[0],
			fw->data[fw->size - 1]);
		release_firmware(fw);
	}
	ret = request_firmware_into_buf(&fw, name, NULL, buf, 4096);
	pr_info("chunks: whole file into 4096 bytes: %d\n", ret);
	if (!ret)
		release_firmware(fw);
	kfree(buf);
	return 0;
}

static void __exit chunks_exit(void)
{
}

module_init(chunks_init);
module_exit(chunks_exit);
MODULE_LICENSE("GPL");
"""


def test_partial_reads_of_a_big_file_and_a_buffer_too_small(arch_kernel, tmp_path):
    """A partial read takes only its buffer's worth, so a file past the 64 MiB bound may
    be read in pieces; request_firmware_into_buf() of a file larger than its buffer is
    kernel_read_file()'s -EFBIG (dev_warn with no device: "(NULL device *)")."""
    kernel, build = arch_kernel
    image = tmp_path / "flash.img"
    size = 80 << 20
    with open(image, "wb") as f:
        f.truncate(size)  # sparse
        f.seek(size - 4096)
        f.write(b"\x11" + b"\0" * 4094 + b"\x99")
    kernel.write_file(PARAM, str(tmp_path).encode())
    kernel.module_load(build(CHUNKS, "chunks"), f"offset={size - 4096}")
    lines = texts(kernel)
    assert f"chunks: 4096 bytes at {size - 4096}, data in my buffer, first 11 last 99" in lines
    assert f"(NULL device *): loading {image} failed with error -27" in lines
    assert "(NULL device *): Direct firmware load for flash.img failed with error -2" in lines
    assert lines[-1] == "chunks: whole file into 4096 bytes: -2"
    kernel.module_unload("chunks")
    assert kernel.firmware.privs == {}
