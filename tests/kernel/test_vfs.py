"""The kernel's one file tree: its own files and module-made /proc entries, through
Kernel.open/read/write/close/listdir as the shell's cat, echo and ls use them."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from lkmsh.errors import KernelError

COUNTER = r"""
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

static int shows;

static int counter_show(struct seq_file *m, void *v)
{
	int i;

	shows++;
	for (i = 0; i < 1000; i++)
		seq_printf(m, "line %d of show %d\n", i, shows);
	return 0;
}

static int __init counter_init(void)
{
	struct proc_dir_entry *dir = proc_mkdir("counter", NULL);

	if (!dir)
		return -ENOMEM;
	if (!proc_create_single("lines", 0444, dir, counter_show)) {
		remove_proc_entry("counter", NULL);
		return -ENOMEM;
	}
	return 0;
}

static void __exit counter_exit(void)
{
	remove_proc_entry("lines", NULL);
	remove_proc_entry("counter", NULL);
}

module_init(counter_init);
module_exit(counter_exit);
MODULE_LICENSE("GPL");
"""


def test_the_kernel_files_are_in_the_tree(kernel):
    names = {e.name for e in kernel.listdir("/proc")}
    assert {"modules", "kallsyms", "slabinfo", "sys"} <= names
    assert {e.name for e in kernel.listdir("/")} == {"dev", "proc", "sys"}
    assert {e.name for e in kernel.listdir("/sys/kernel")} >= {"debug", "tracing"}
    assert kernel.read_file("/proc/kallsyms").startswith(b"ffffffff81000000 T ")
    assert kernel.read_file("/proc/slabinfo").startswith(b"slabinfo - version: 2.1\n")
    assert kernel.read_file("/proc/sys/kernel/tainted") == b"0\n"
    assert kernel.read_file("/sys/kernel/debug/kmemleak") == b""  # nothing leaks yet


def test_a_module_proc_file_is_read_in_page_sized_reads(kernel, build):
    kernel.module_load(build(COUNTER, "counter"))
    st = kernel.stat("/proc/counter/lines")
    assert stat.S_ISREG(st.mode) and st.owner == "counter"
    assert "/proc/counter/lines" in kernel.file_paths("/proc")
    f = kernel.open("/proc/counter/lines")
    first = kernel.read(f, 4096)
    # single_open's seq_file starts with a page and doubles it until the one
    # record (~19 KiB) fits: the show runs for 4, 8, 16 and 32 KiB, as on Linux
    assert len(first) == 4096 and first.startswith(b"line 0 of show 4\n")
    rest = b""
    while chunk := kernel.read(f, 4096):
        rest += chunk
    kernel.close(f)
    text = (first + rest).decode()
    assert text.count("\n") == 1000 and text.endswith("line 999 of show 4\n")
    # a new open is a new seq_file: its buffer starts at a page again
    assert kernel.read_file("/proc/counter/lines").startswith(b"line 0 of show 8\n")
    kernel.module_unload("counter")
    with pytest.raises(KernelError) as exc:
        kernel.open("/proc/counter/lines")
    assert exc.value.errno == errno.ENOENT
    assert "counter" not in {e.name for e in kernel.listdir("/proc")}


def test_a_proc_file_a_module_forgot_is_removed_with_a_warning(kernel, build):
    src = COUNTER.replace(
        'remove_proc_entry("lines", NULL);\n\tremove_proc_entry("counter", NULL);\n}', "}"
    )
    kernel.module_load(build(src, "forgetful"))
    kernel.module_unload("forgetful")
    log = [r.text for r in kernel.dmesg()]
    assert "forgetful: removing leftover /proc/counter/lines" in log
    assert kernel.vfs.lookup("/proc/counter") is None


@pytest.mark.parametrize(
    ("path", "flags", "err"),
    [
        ("/proc/nothing", os.O_RDONLY, errno.ENOENT),
        ("/proc", os.O_RDONLY, errno.EISDIR),
        ("/proc/modules", os.O_WRONLY, errno.EACCES),
        ("/proc/modules/x", os.O_RDONLY, errno.ENOENT),
    ],
)
def test_open_errors_carry_linux_errnos(kernel, path, flags, err):
    with pytest.raises(KernelError) as exc:
        kernel.open(path, flags)
    assert exc.value.errno == err


def test_writes_reach_a_writable_kernel_file(kernel):
    assert kernel.write_file("/sys/kernel/tracing/tracing_on", b"1\n") == 2
    assert kernel.read_file("/sys/kernel/tracing/tracing_on") == b"1\n"
    with pytest.raises(KernelError) as exc:
        kernel.write_file("/sys/kernel/tracing/tracing_on", b"maybe\n")
    assert exc.value.errno == errno.EINVAL
    f = kernel.open("/sys/kernel/tracing/tracing_on", os.O_WRONLY)
    with pytest.raises(KernelError) as exc:
        kernel.read(f)
    assert exc.value.errno == errno.EBADF
    kernel.close(f)


def test_module_files_come_back_after_a_save_and_restore(kernel, build):
    from lkmsh.kernel.kernel import Kernel

    kernel.module_load(build(COUNTER, "counter"))
    again = Kernel.from_state(kernel.export_state())
    assert again.read_file("/proc/counter/lines").startswith(b"line 0 of show 4\n")
    assert stat.S_ISDIR(again.stat("/proc/counter").mode)


def test_seek_and_reread_of_a_kernel_file(kernel):
    f = kernel.open("/proc/kallsyms")
    head = kernel.read(f, 16)
    assert kernel.lseek(f, 0, os.SEEK_SET) == 0
    assert kernel.read(f, 16) == head
    with pytest.raises(KernelError):
        kernel.lseek(f, -1, os.SEEK_SET)
    kernel.close(f)


FIFO_FILE = r"""
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/uaccess.h>

static char stored[16];
static size_t len;

static ssize_t note_write(struct file *file, const char __user *buf, size_t n, loff_t *pos)
{
	len = min(n, sizeof(stored));
	if (copy_from_user(stored, buf, len))
		return -EFAULT;
	return n;
}

static ssize_t note_read(struct file *file, char __user *buf, size_t n, loff_t *pos)
{
	return simple_read_from_buffer(buf, n, pos, stored, len);
}

static const struct proc_ops note_ops = {
	.proc_read = note_read,
	.proc_write = note_write,
};

static int __init note_init(void)
{
	/* mode 0, as samples/kfifo's: proc_create makes it 0444 */
	return proc_create("note", 0, NULL, &note_ops) ? 0 : -ENOMEM;
}

static void __exit note_exit(void)
{
	remove_proc_entry("note", NULL);
}

module_init(note_init);
module_exit(note_exit);
MODULE_LICENSE("GPL");
"""


def test_root_writes_a_module_proc_file_whatever_its_mode(kernel, build):
    """generic_permission(): root's CAP_DAC_OVERRIDE passes a module's 0444 /proc file;
    the kernel's own read-only files still refuse writes."""
    kernel.module_load(build(FIFO_FILE, "note"))
    assert stat.S_IMODE(kernel.stat("/proc/note").mode) == 0o444
    assert kernel.write_file("/proc/note", b"hello") == 5
    assert kernel.read_file("/proc/note") == b"hello"
    with pytest.raises(KernelError) as exc:
        kernel.write_file("/proc/modules", b"x")
    assert exc.value.errno == errno.EACCES
