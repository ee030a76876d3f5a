"""Module code runs without unicorn's exit check after every load and store (exitcheck.py).

What must not change with it: an endless loop of loads and stores is stopped
at the same block on every run (the block meter's stop lands at the next
block start), Ctrl-C stops it, and a refused instruction is reported with the
registers it saw, not those of the instructions unicorn ran after it.
"""

from __future__ import annotations

import os
import threading

import pytest
from arches import ARCHES
from kernel_helpers import needs_gcc

from lkmsh.build import build_module
from lkmsh.errors import ModuleFault
from lkmsh.kernel.kernel import Kernel, KernelConfig

POLLER = r"""
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

/* A descriptor ring whose "done" bit the (absent) device never sets. */
static u32 ring[64];

static int __init poller_init(void)
{
	unsigned int i = 0;

	pr_info("poller: waiting for descriptor 0\n");
	while (!(READ_ONCE(ring[i & 63]) & 0x80000000)) {
		WRITE_ONCE(ring[(i + 1) & 63], i);
		i++;
	}
	return 0;
}

static void __exit poller_exit(void)
{
}

module_init(poller_init);
module_exit(poller_exit);
MODULE_LICENSE("GPL");
"""

SYSCALLER = r"""
#include <linux/init.h>
#include <linux/module.h>

static unsigned long sink;

static int __init syscaller_init(void)
{
	asm volatile("mov $0x1111, %%rbx\n\t"
		"syscall\n\t"
		"mov $0x2222, %%rbx\n\t"
		"mov %%rbx, %0"
		: "=m"(sink) : : "rax", "rbx", "rcx", "r11", "memory");
	return 0;
}

module_init(syscaller_init);
MODULE_LICENSE("GPL");
"""


def build(tmp_path, source: str, name: str, arch: str = "x86_64"):
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    return build_module([src], tmp_path / f"{name}-{arch}.ko", name=name, arch=arch)


def lines(k: Kernel) -> list[str]:
    return [k.format_dmesg_line(r) for r in k.dmesg()]


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the switch is read from x86-64 code")
def test_unicorn_2_1s_switch_is_found_so_module_code_runs_without_the_checks(kernel):
    kernel.call(kernel.symbol_address("strlen"), [kernel.symbol_address("jiffies")])
    engine = kernel.cpu._engines[0]
    assert engine.checks is not None and not engine.checks.on


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_a_polling_loop_of_loads_and_stores_is_stopped_at_the_same_block_every_run(tmp_path, arch):
    ko = build(tmp_path, POLLER, "poller", arch)

    def run() -> list[str]:
        k = Kernel(KernelConfig(arch=arch, watchdog_thresh=1))
        with pytest.raises(ModuleFault, match="soft lockup"):
            k.module_load(ko)
        return lines(k)

    first = run()
    assert first == run()  # RIP and every register: the same stop
    at = first.index("[    3.600000] watchdog: BUG: soft lockup - CPU#0 stuck for 3s! [insmod:1]")
    assert any("poller_init+0x" in line for line in first[at:])


@needs_gcc
def test_ctrl_c_stops_a_loop_of_loads_and_stores(tmp_path):
    k = Kernel(KernelConfig(timeout_s=600, watchdog_thresh=0))  # nothing else would stop it
    ko = build(tmp_path, POLLER, "poller")
    timer = threading.Timer(0.2, k.cancel)
    timer.start()
    try:
        with pytest.raises(ModuleFault, match="interrupted"):
            k.module_load(ko)
    finally:
        timer.cancel()
    assert k.module_find("poller") is None


@needs_gcc
def test_a_refused_syscall_is_reported_with_the_registers_it_saw(tmp_path, kernel):
    with pytest.raises(ModuleFault):
        kernel.module_load(build(tmp_path, SYSCALLER, "syscaller"))
    report = lines(kernel)
    assert any(" invalid opcode: 0000 [#1] PREEMPT SMP NOPTI" in x for x in report)
    code = next(x for x in report if "Code: " in x)
    assert "<0f> 05" in code
    regs = next(x for x in report if " RAX: " in x)
    assert "RBX: 0000000000001111" in regs  # not the 0x2222 of the next instruction
