"""The smaller items of issue 17 (item 18), one hostile module each.

A jump into the middle of a kernel function's trap slot, hlt, module names
that cannot be a /sys/module directory or an lsmod column, the 17th nested
request_module, %n, and the Oops of an exit that rmmod runs.
"""

from __future__ import annotations

import errno

import pytest
from reliability_helpers import last_seq, lines_since, needs_gcc, sample

from lkmsh.errors import KernelError, ModuleFault
from lkmsh.kernel.module import ModuleState

pytestmark = needs_gcc


@pytest.fixture
def build(tmp_path):
    from lkmsh.build import build_module

    def _build(name: str, source: str):
        src = tmp_path / f"{name}.c"
        src.write_text(source)
        return build_module([src], tmp_path / f"{name}.ko")

    return _build


HEAD = """
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
"""


def test_a_jump_into_the_middle_of_a_trap_slot_is_an_oops(kernel, build):
    ko = build(
        "sm_midslot",
        HEAD
        + r"""
typedef int (*fn_t)(const char *, ...);

static int __init sm_init(void)
{
	fn_t wrong = (fn_t)((char *)printk + 1);	/* inside printk, not its entry */

	return wrong("never\n");
}
module_init(sm_init);
MODULE_LICENSE("GPL");
""",
    )
    seq = last_seq(kernel)
    with pytest.raises(ModuleFault) as exc:
        kernel.module_load(ko)
    assert exc.value.errno == errno.EFAULT
    lines = lines_since(kernel, seq)
    assert "int3: 0000 [#1] PREEMPT SMP NOPTI" in lines
    assert "RIP: 0010:printk+0x2/0x10" in lines  # int3 at printk+1 traps: RIP is past it
    assert "D" in kernel.taints
    assert "never" not in lines


def test_hlt_waits_for_the_next_interrupt_and_goes_on(kernel, build):
    ko = build(
        "sm_hlt",
        HEAD
        + r"""
static int __init sm_init(void)
{
	asm volatile("hlt");	/* the timer interrupt wakes the CPU */
	pr_info("woke up\n");
	return 0;
}
module_init(sm_init);
MODULE_LICENSE("GPL");
""",
    )
    seq = last_seq(kernel)
    m = kernel.module_load(ko)
    assert m.state is ModuleState.RUNNING
    assert lines_since(kernel, seq)[-1] == "sm_hlt: woke up"


@pytest.mark.parametrize("bad", ["..", ".", "a b"])
def test_names_that_cannot_be_a_module_directory_or_column_are_refused(kernel, bad):
    image = sample("hello").read_bytes()
    renamed = image.replace(b"name=hello\0", b"name=" + bad.encode().ljust(5, b"\0") + b"\0")
    assert renamed != image
    with pytest.raises(KernelError) as exc:
        kernel.module_load(renamed)
    assert exc.value.errno == errno.ENOEXEC
    assert kernel.module_list_all() == []


def test_the_17th_nested_request_module_is_logged(kernel, build):
    ko = build(
        "rq00",
        HEAD
        + r"""
#include <linux/kmod.h>

static int __init rq_init(void)
{
	int err = request_module("rq_next");

	pr_info("request_module: %d\n", err);
	return 0;
}

static void __exit rq_exit(void)
{
}
module_init(rq_init);
module_exit(rq_exit);
MODULE_LICENSE("GPL");
""",
    )
    image = ko.read_bytes()
    loaded = []

    def requester(k, name):  # modprobe of "rq_next": the next copy, under its own name
        loaded.append(len(loaded) + 1)
        k.module_load(image.replace(b"name=rq00", b"name=rq%02d" % len(loaded)))

    kernel.module_requester = requester
    seq = last_seq(kernel)
    kernel.module_load(ko)
    lines = lines_since(kernel, seq)
    refused = (
        "request_module: modprobe rq_next cannot be processed, kmod busy with 16 threads"
        " for more than 5 seconds now"
    )
    assert lines.count(refused) == 1
    # the innermost copy's request_module fails with -ETIME, every other one succeeds
    results = [x for x in lines if x.startswith("rq00: request_module: ")]
    assert results == [f"rq00: request_module: -{errno.ETIME}"] + ["rq00: request_module: 0"] * 15
    assert len(kernel.module_list_all()) == len(loaded) + 1 == 16


def test_percent_n_gives_the_documented_warning(kernel, build):
    ko = build(
        "sm_pctn",
        HEAD
        + r"""
static int __init sm_init(void)
{
	int n = 0;

	printk(KERN_INFO "before%n after\n", &n);
	return 0;
}
module_init(sm_init);
MODULE_LICENSE("GPL");
""",
    )
    seq = last_seq(kernel)
    kernel.module_load(ko)
    lines = lines_since(kernel, seq)
    assert "before" in lines  # Linux stops at the unsupported conversion
    i = lines.index("Please remove unsupported %n in format string")
    assert lines[i - 1] == "------------[ cut here ]------------"
    assert "W" in kernel.taints


def test_the_oops_of_an_exit_names_rmmod(kernel, build):
    ko = build(
        "sm_exitoops",
        HEAD
        + r"""
static int *nowhere;

static int __init sm_init(void)
{
	return 0;
}

static void __exit sm_exit(void)
{
	*nowhere = 1;
}
module_init(sm_init);
module_exit(sm_exit);
MODULE_LICENSE("GPL");
""",
    )
    kernel.module_load(ko)
    seq = last_seq(kernel)
    with pytest.raises(ModuleFault):
        kernel.module_unload("sm_exitoops")
    cpu_line = next(x for x in lines_since(kernel, seq) if x.startswith("CPU: 0 PID: 1 Comm: "))
    assert cpu_line.startswith("CPU: 0 PID: 1 Comm: rmmod ")


def test_a_show_that_frees_its_seq_file_gets_kasans_use_after_free_report(kernel, build):
    ko = build(
        "sm_seqfree",
        HEAD
        + r"""
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

static int sm_show(struct seq_file *m, void *v)
{
	seq_puts(m, "about to free my seq_file\n");
	kfree(m);	/* wrong: the seq_file is the kernel's */
	return 0;
}

static int __init sm_init(void)
{
	if (!proc_create_single("sm_seqfree", 0444, NULL, sm_show))
		return -ENOMEM;
	return 0;
}

static void __exit sm_exit(void)
{
	remove_proc_entry("sm_seqfree", NULL);
}
module_init(sm_init);
module_exit(sm_exit);
MODULE_LICENSE("GPL");
""",
    )
    kernel.module_load(ko)
    seq = last_seq(kernel)
    with pytest.raises(ModuleFault) as exc:
        kernel.read_file("/proc/sm_seqfree")
    assert exc.value.errno == errno.EFAULT
    lines = lines_since(kernel, seq)
    assert "BUG: KASAN: use-after-free in seq_read_iter+0x11f/0x460" in lines
    assert any(line.startswith("Read of size 8 at addr ffff888") for line in lines), lines
    freed_by = lines[lines.index("Freed by task 1:") + 1]
    assert freed_by.startswith(" sm_show+0x") and freed_by.endswith(" [sm_seqfree]")
    assert "B" in kernel.taints
    kernel.module_unload("sm_seqfree")  # the kernel goes on: the module unloads
    assert kernel.module_find("sm_seqfree") is None
