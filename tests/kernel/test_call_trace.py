"""Oops, panic() and dump_stack() call traces: every module frame, then the kernel's path."""

from __future__ import annotations

import pytest
from arches import ARCHES
from kernel_helpers import texts

from lkmsh.build import build_module
from lkmsh.errors import ModuleFault
from lkmsh.kernel.kernel import Kernel, KernelConfig

CHAIN = r"""
#include <linux/module.h>
#include <linux/kernel.h>

static int *target;	/* never set: level3 reads through NULL */

static noinline int level3(int x)
{
	return *target + x;
}

static noinline int level2(int x)
{
	return level3(x + 1) + 1;
}

static noinline int level1(int x)
{
	return level2(x + 1) + 1;
}

static int __init chain_init(void)
{
	pr_info("chain: going down\n");
	return level1(1);
}

static void __exit chain_exit(void)
{
}

module_init(chain_init);
module_exit(chain_exit);
MODULE_LICENSE("GPL");
"""

DIRECT = r"""
#include <linux/module.h>
#include <linux/kernel.h>

static int __init direct_init(void)
{
	*(volatile int *)0 = 1;
	return 0;
}

module_init(direct_init);
MODULE_LICENSE("GPL");
"""

PANIC = r"""
#include <linux/module.h>
#include <linux/kernel.h>

static noinline void give_up(int why)
{
	panic("pan: giving up (%d)\n", why);
}

static int __init pan_init(void)
{
	give_up(3);
	return 0;
}

module_init(pan_init);
MODULE_LICENSE("GPL");
"""

STACK = r"""
#include <linux/module.h>
#include <linux/kernel.h>

static noinline void show(void)
{
	dump_stack();
}

static int __init stack_init(void)
{
	return 0;
}

static void __exit stack_exit(void)
{
	show();
	pr_info("stack: bye\n");
}

module_init(stack_init);
module_exit(stack_exit);
MODULE_LICENSE("GPL");
"""


def _load(tmp_path, arch: str, name: str, source: str) -> tuple[Kernel, object]:
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    ko = build_module([src], tmp_path / f"{name}.ko", arch=arch)
    k = Kernel(KernelConfig(arch=arch))
    return k, ko


def trace_of(lines: list[str]) -> list[str]:
    """The frames after the last 'Call Trace:' / 'Call trace:' line."""
    start = max(i for i, t in enumerate(lines) if t.lower() == "call trace:")
    out = []
    for t in lines[start + 1 :]:
        if t.startswith("---[") or t.startswith("Code:") or t == "Kernel Offset: disabled":
            break
        if t.strip() not in ("<TASK>", "</TASK>"):
            out.append(t.strip())
    return out


def names(frames: list[str]) -> list[str]:
    return [f.removeprefix("? ").split("+")[0].split(".")[0] for f in frames]


INIT_PATH = ["do_one_initcall", "do_init_module", "load_module", "__do_sys_finit_module"]


@pytest.mark.parametrize("arch", ARCHES)
def test_a_fault_three_calls_deep_lists_every_caller_and_the_kernel_path(tmp_path, arch):
    k, ko = _load(tmp_path, arch, "chain", CHAIN)
    with pytest.raises(ModuleFault):
        k.module_load(ko)
    frames = trace_of(texts(k))
    got = names(frames)
    for fn in ("level1", "chain_init", *INIT_PATH):
        assert fn in got, frames
    assert got.index("level1") < got.index("chain_init") < got.index("do_one_initcall")
    assert all("[chain]" in f for f in frames[: got.index("do_one_initcall")])
    if arch == "x86_64":
        # level3 has no frame of its own: its caller's return address is found on
        # the stack, not through the rbp chain, and Linux marks it unreliable
        assert "? level2" in " ".join(frames)
        assert got[-2:] == ["do_syscall_64", "entry_SYSCALL_64_after_hwframe"]
    else:
        assert got[0] == "level3"  # arm64 starts with the pc
        assert got[-1] == "el0t_64_sync"


@pytest.mark.parametrize("arch", ARCHES)
def test_a_fault_directly_in_init_still_has_a_call_trace(tmp_path, arch):
    k, ko = _load(tmp_path, arch, "direct", DIRECT)
    with pytest.raises(ModuleFault):
        k.module_load(ko)
    got = names(trace_of(texts(k)))
    if arch == "aarch64":  # arm64 lists the pc first; x86-64 has it on the RIP line only
        assert got.pop(0) == "direct_init"
    assert got[: len(INIT_PATH)] == INIT_PATH, got


@pytest.mark.parametrize("arch", ARCHES)
def test_panic_names_its_callers_not_a_raw_address(tmp_path, arch):
    k, ko = _load(tmp_path, arch, "pan", PANIC)
    with pytest.raises(ModuleFault):
        k.module_load(ko)
    lines = texts(k)
    assert "Kernel panic - not syncing: pan: giving up (3)" in lines
    frames = trace_of(lines)
    assert not any(f.startswith("0x") for f in frames), frames
    got = names(frames)
    # give_up ends with the call to panic (noreturn): its return address is
    # past its end, and is still named give_up, as %pB names it
    assert got[:3] == ["panic", "give_up", "pan_init"], frames
    assert "do_one_initcall" in got


@pytest.mark.parametrize("arch", ARCHES)
def test_dump_stack_in_exit_shows_the_delete_module_path(tmp_path, arch):
    k, ko = _load(tmp_path, arch, "stack", STACK)
    k.module_load(ko)
    k.module_unload("stack")
    lines = texts(k)
    assert "stack: bye" in lines
    got = names(trace_of(lines[: lines.index("stack: bye")]))
    assert got[:3] == ["dump_stack", "show", "stack_exit"], got
    delete = "__do_sys_delete_module" if arch == "x86_64" else "__arm64_sys_delete_module"
    assert delete in got


THREADS = r"""
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/workqueue.h>
#include <linux/delay.h>

static noinline void poke(int *p, int v)
{
	*(volatile int *)p = v;
}

static void broken_work_fn(struct work_struct *work)
{
	poke(NULL, 2);
}

static DECLARE_WORK(broken_work, broken_work_fn);

static int broken_thread_fn(void *data)
{
	msleep(10);
	poke(NULL, 1);
	return 0;
}

static int __init threads_init(void)
{
	struct task_struct *t = kthread_run(broken_thread_fn, NULL, "broken");

	if (IS_ERR(t))
		return PTR_ERR(t);
	schedule_work(&broken_work);
	return 0;
}

module_init(threads_init);
MODULE_LICENSE("GPL");
"""


@pytest.mark.parametrize("arch", ARCHES)
def test_a_kthread_and_a_work_item_end_their_traces_in_the_kernel_thread_path(tmp_path, arch):
    k, ko = _load(tmp_path, arch, "threads", THREADS)
    k.module_load(ko)
    seen = len(k.dmesg())
    k.sleep(1_000_000_000)
    lines = texts(k)
    work = names(trace_of(lines[:seen]))
    thread = names(trace_of(lines))
    fork = ["kthread", "ret_from_fork"]
    # below the module's frames (arm64's leaf poke, tail-called, may be the only one)
    assert work[-4:] == ["process_one_work", "worker_thread", *fork]
    assert set(work[:-4]) <= {"poke", "broken_work_fn"} and work[:-4]
    assert thread[-2:] == fork
    assert set(thread[:-2]) <= {"poke", "broken_thread_fn"} and thread[:-2]
