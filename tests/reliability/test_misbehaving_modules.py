"""Modules that misbehave on purpose: each gets Linux's report, a typed error, and a working kernel.

Builds on tests/kernel/test_faults.py (rodata writes, canonical wild pointers,
BUG(), NX, faults in exit) and test_kernel.py (NULL read, endless loop in
init, double free, leak): here are the cases those leave out.
"""

from __future__ import annotations

import ctypes
import errno
import threading

import pytest
from reliability_helpers import cli, last_seq, lines_since, needs_gcc, sample

from lkmsh.errors import ElfError, InitFailed, ModuleFault, UnknownSymbol
from lkmsh.kernel.kernel import Kernel, KernelConfig
from lkmsh.kernel.module import ModuleState

pytestmark = needs_gcc


def still_works(kernel, built) -> None:
    """The proof after every misbehaviour: a good module loads, runs and unloads cleanly."""
    seq = last_seq(kernel)
    m = kernel.module_load(built("rl_good"))
    assert m.state is ModuleState.RUNNING
    kernel.module_unload("rl_good")
    assert lines_since(kernel, seq)[-2:] == ["rl_good: all is fine", "rl_good: bye, still fine"]
    assert kernel.heap.allocations(owner="rl_good") == []


def crashes(kernel, built, name: str, params: str = "") -> list[str]:
    """Load a module whose init crashes; check it left nothing; return its dmesg lines."""
    symbols_before = {s.name for s in kernel.symbols()}
    seq = last_seq(kernel)
    with pytest.raises(ModuleFault) as exc:
        kernel.module_load(built(name), params)
    assert exc.value.errno == errno.EFAULT
    assert kernel.module_find(name) is None
    assert not any(r.owner == name for r in kernel.mem.regions())
    assert kernel.heap.allocations(owner=name) == []
    assert {s.name for s in kernel.symbols()} == symbols_before
    lines = lines_since(kernel, seq)
    still_works(kernel, built)
    return lines


def oops_block(lines: list[str], first: str) -> list[str]:
    """The report from its first line through "Modules linked in:" (registers vary)."""
    start = lines.index(first)
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("Modules linked in:"))
    return lines[start : end + 1]


# -- bad pointers --------------------------------------------------------------------


def test_a_null_struct_member_write_faults_at_the_member_offset(kernel, built):
    lines = crashes(kernel, built, "rl_null_member")
    first = "BUG: kernel NULL pointer dereference, address: 0000000000000010"
    assert oops_block(lines, first) == [
        first,
        "#PF: supervisor write access in kernel mode",
        "#PF: error_code(0x0002) - not-present page",
        "Oops: 0002 [#1] PREEMPT SMP NOPTI",
        "Modules linked in: rl_null_member(O+)",
    ]
    assert "CR2: 0000000000000010" in lines
    assert any(
        x.startswith("RIP: 0010:rl_init+0x") and x.endswith("[rl_null_member]") for x in lines
    )
    assert "D" in kernel.taints


def test_a_poisoned_list_pointer_is_a_general_protection_fault(kernel, built):
    lines = crashes(kernel, built, "rl_poison")
    assert (
        "general protection fault, probably for non-canonical address 0xdead000000000100:"
        " 0000 [#1] PREEMPT SMP NOPTI"
    ) in lines


def test_a_module_cannot_patch_its_own_text(kernel, built):
    lines = crashes(kernel, built, "rl_text_write")
    block = oops_block(lines, next(x for x in lines if x.startswith("BUG: unable to handle")))
    assert block[0].startswith("BUG: unable to handle page fault for address: ffffffffa")
    assert block[1:4] == [
        "#PF: supervisor write access in kernel mode",
        "#PF: error_code(0x0003) - permissions violation",
        "Oops: 0003 [#1] PREEMPT SMP NOPTI",
    ]


# -- the stack -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rl_deep_recursion", "rl_endless_recursion"])
def test_recursion_hits_the_stack_guard_page(kernel, built, name):
    lines = crashes(kernel, built, name)
    guard = [x for x in lines if "stack guard page was hit" in x]
    # Linux 6.1 handle_stack_overflow(): hashed pointers, the task's stack bounds.
    assert len(guard) == 1
    assert guard[0].startswith("BUG: TASK stack guard page was hit at 00000000")
    assert " (stack is 00000000" in guard[0] and guard[0].endswith(")")
    assert lines[lines.index(guard[0]) + 1] == "stack guard page: 0000 [#1] PREEMPT SMP NOPTI"
    # the call trace is the recursion, capped
    trace = lines[lines.index(" <TASK>") + 1 : lines.index(" </TASK>")]
    assert 10 <= len(trace) <= 16 and len(set(trace)) == 1
    assert kernel.dmesg(levels=[0])[-1].text == guard[0]  # KERN_EMERG, as Linux


# -- code that never returns ---------------------------------------------------------


def test_an_exit_that_loops_is_stopped_and_the_module_is_reclaimed(kernel, built):
    """Linux would leave rmmod stuck and the module "Unloading" for good; lkmsh's
    watchdog stops the exit, reports a soft lockup and reclaims the module, as it
    does for an exit that faults (documented in docs/reliability.md)."""
    kernel.module_load(built("rl_exit_loops"))
    seq = last_seq(kernel)
    with pytest.raises(ModuleFault, match="soft lockup"):
        kernel.module_unload("rl_exit_loops")
    lines = lines_since(kernel, seq)
    assert lines[0] == "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [rmmod:1]"
    assert lines[1] == "Modules linked in: rl_exit_loops(O-)"  # '-': it was unloading
    assert "L" in kernel.taints
    assert kernel.module_find("rl_exit_loops") is None
    assert not any(r.owner == "rl_exit_loops" for r in kernel.mem.regions())
    still_works(kernel, built)


def test_a_proc_show_that_loops_fails_the_read_and_the_module_stays_usable(kernel, built):
    kernel.module_load(built("rl_proc_loops"))
    seq = last_seq(kernel)
    with pytest.raises(ModuleFault, match="soft lockup"):
        kernel.read_proc("/proc/rl_spin")
    lines = lines_since(kernel, seq)
    assert lines[0].startswith("watchdog: BUG: soft lockup - CPU#0 stuck for ")
    assert lines[1] == "Modules linked in: rl_proc_loops(O)"
    assert any(x.startswith("RIP: 0010:spin_show+0x") for x in lines)
    # The module is still live and consistent: a second read fails the same way,
    # its exit runs and removes the file.
    assert kernel.module_find("rl_proc_loops").state is ModuleState.RUNNING
    with pytest.raises(ModuleFault):
        kernel.read_proc("rl_spin")
    kernel.module_unload("rl_proc_loops")
    assert "rl_proc_loops: removed /proc/rl_spin" in lines_since(kernel, seq)
    assert "rl_spin" not in kernel.proc_entries()
    still_works(kernel, built)


def test_with_no_instruction_budget_the_wall_clock_watchdog_stops_every_loop(built):
    """The default kernel counts no instructions: its watchdog is the clock alone."""
    kernel = Kernel(KernelConfig(timeout_s=0.3))
    assert kernel.config.insn_budget is None
    kernel.module_load(built("rl_proc_loops"))
    seq = last_seq(kernel)
    with pytest.raises(ModuleFault, match="soft lockup"):
        kernel.read_proc("/proc/rl_spin")
    assert lines_since(kernel, seq)[:2] == [
        "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [cat:1]",  # the reading task
        "Modules linked in: rl_proc_loops(O)",
    ]
    kernel.module_unload("rl_proc_loops")
    kernel.module_load(built("rl_exit_loops"))
    with pytest.raises(ModuleFault, match="soft lockup"):
        kernel.module_unload("rl_exit_loops")
    assert kernel.module_find("rl_exit_loops") is None
    assert "L" in kernel.taints
    still_works(kernel, built)


def test_ctrl_c_stops_a_looping_exit_when_no_limit_would(built):
    """Kernel.cancel (the shell's Ctrl-C) with a watchdog far away and no budget."""
    kernel = Kernel(KernelConfig(timeout_s=600, watchdog_thresh=0))  # no soft-lockup watchdog
    kernel.module_load(built("rl_exit_loops"))
    seq = last_seq(kernel)
    timer = threading.Timer(0.2, kernel.cancel)
    timer.start()
    try:
        with pytest.raises(ModuleFault, match="interrupted"):
            kernel.module_unload("rl_exit_loops")
    finally:
        timer.cancel()
    assert lines_since(kernel, seq)[0].startswith("watchdog: BUG: soft lockup - CPU#0 stuck for ")
    assert kernel.module_find("rl_exit_loops") is None
    still_works(kernel, built)


# -- the heap ------------------------------------------------------------------------


def test_freeing_a_static_object_is_a_kasan_invalid_free(kernel, built):
    lines = crashes(kernel, built, "rl_bad_frees", "how=2")
    at = next(
        i for i, x in enumerate(lines) if x.startswith("BUG: KASAN: invalid-free in rl_init+0x")
    )
    assert lines[at].endswith(" [rl_bad_frees]")
    assert lines[at + 1].startswith("Free of addr ffffffffa") and lines[at + 1].endswith(
        " by task insmod/1"
    )
    addr = lines[at + 1].split()[3]
    assert f"The buggy address {addr} is not a kfree() object of the heap" in lines


def test_freeing_the_middle_of_an_object_names_the_object(kernel, built):
    lines = crashes(kernel, built, "rl_bad_frees", "how=3")
    assert any(x.startswith("BUG: KASAN: invalid-free in rl_init+0x") for x in lines)
    assert "The buggy address is located 8 bytes inside of" in lines
    assert " which belongs to the cache kmalloc-32 of size 32" in lines


def test_a_double_free_report_says_where_it_was_allocated_and_freed(kernel, built):
    lines = crashes(kernel, built, "rl_bad_frees", "how=1")
    for header in ("Allocated by task 1:", "Freed by task 1:"):
        at = lines.index(header)
        assert lines[at + 1].startswith(" rl_init+0x") and lines[at + 1].endswith("[rl_bad_frees]")
    assert any(x.startswith("BUG: KASAN: double-free in rl_init+0x") for x in lines)


def test_a_failed_init_gives_back_its_memory_proc_files_and_exports(kernel, built):
    seq = last_seq(kernel)
    with pytest.raises(InitFailed) as exc:
        kernel.module_load(built("rl_fail_after_alloc"))
    assert exc.value.errno == errno.EIO
    assert lines_since(kernel, seq)[-2:] == [
        "rl_fail_after_alloc: half way",
        "rl_fail_after_alloc: removing leftover /proc/rl_half",
    ]
    assert kernel.heap.allocations(owner="rl_fail_after_alloc") == []
    # Regression (found by fuzzing): the leftover entry's proc_dir_entry leaked.
    assert kernel.heap.allocations() == []
    assert kernel.symbol_resolve("rl_fail_after_alloc_value") is None
    assert "rl_half" not in kernel.proc_entries()
    still_works(kernel, built)


def test_a_page_backed_allocation_freed_inside_module_code_keeps_the_cpu_on_track(kernel, built):
    """Regression: kfree of a 64 KiB+ allocation inside init derailed the CPU (unicorn
    unmapping during emulation resumed execution at a physical address)."""
    m = kernel.module_load(built("rl_hog"))
    assert m.state is ModuleState.RUNNING
    assert kernel.heap.allocations(owner="rl_hog") == []
    kernel.module_unload("rl_hog")
    still_works(kernel, built)


def test_kmalloc_of_2_to_the_60_warns_and_returns_null(kernel, built):
    seq = last_seq(kernel)
    with pytest.raises(InitFailed) as exc:
        kernel.module_load(built("rl_kmalloc_huge"))
    assert exc.value.errno == errno.ENOMEM
    lines = lines_since(kernel, seq)
    assert "------------[ cut here ]------------" in lines
    assert any(
        x.startswith("WARNING: CPU: 0 PID: 1 at mm/page_alloc.c:")
        and x.endswith("__alloc_pages (size 1152921504606846976)")
        for x in lines
    )
    assert lines[-1] == "rl_kmalloc_huge: no memory, as expected"
    still_works(kernel, built)


# -- locks, return values, strings -----------------------------------------------------


def test_unlocking_unlocked_locks_warns_and_goes_on(kernel, built):
    seq = last_seq(kernel)
    kernel.module_load(built("rl_unlock"))
    lines = lines_since(kernel, seq)
    assert "BUG: spinlock already unlocked on CPU#0, insmod/1" in lines
    assert (
        " lock: rl_lock+0x0/0x8 [rl_unlock], .magic: dead4ead, .owner: <none>/-1, .owner_cpu: -1"
        in lines
    )
    assert "WARNING: bad unlock balance detected!" in lines
    assert "insmod/1 is trying to release lock (rl_mutex) at:" in lines
    assert "but there are no more locks to release!" in lines
    assert lines[-1] == "rl_unlock: still running"
    assert kernel.module_find("rl_unlock").state is ModuleState.RUNNING
    still_works(kernel, built)


@pytest.mark.parametrize("ret", [12345, 2147483647])
def test_a_positive_init_return_is_suspicious_but_the_module_loads(kernel, built, ret):
    seq = last_seq(kernel)
    m = kernel.module_load(built("rl_ret"), f"ret={ret}")
    assert m.state is ModuleState.RUNNING
    assert lines_since(kernel, seq)[-2:] == [
        f"do_init_module: 'rl_ret'->init suspiciously returned {ret}, it should follow 0/-E convention",
        "do_init_module: loading module anyway...",
    ]
    kernel.module_unload("rl_ret")


@pytest.mark.parametrize(
    ("ret", "err"),
    [(-19, errno.ENODEV), (-4095, 4095), (-100000, errno.EINVAL), (-2147483648, errno.EINVAL)],
)
def test_a_negative_init_return_is_the_error_and_out_of_range_ones_are_einval(
    kernel, built, ret, err
):
    with pytest.raises(InitFailed) as exc:
        kernel.module_load(built("rl_ret"), f"ret={ret}")
    assert exc.value.errno == err
    assert kernel.module_find("rl_ret") is None
    still_works(kernel, built)


def test_printk_of_a_null_format_oopses_in_printk(kernel, built):
    """Regression: lkmsh printed "(null)"; Linux's vsnprintf dereferences the format."""
    lines = crashes(kernel, built, "rl_strings", "how=1")
    assert "BUG: kernel NULL pointer dereference, address: 0000000000000000" in lines
    assert "RIP: 0010:printk+0x0/0x10" in lines


def test_printk_of_an_unterminated_string_stops_at_unmapped_memory(kernel, built):
    """A 64 KiB object of 'A' with no NUL: the scan runs to the end of the mapping and
    %s prints "(efault)", as vsprintf does for a pointer it cannot read."""
    seq = last_seq(kernel)
    kernel.module_load(built("rl_strings"), "how=2")
    assert lines_since(kernel, seq)[-1] == "rl_strings: (efault)"
    kernel.module_unload("rl_strings")
    still_works(kernel, built)


# -- symbols and dependency chains ---------------------------------------------------------


def test_exporting_a_symbol_already_exported_fails_with_linux_message(kernel, built):
    kernel.module_load(sample("chain_bottom"))
    seq = last_seq(kernel)
    with pytest.raises(ElfError) as exc:
        kernel.module_load(built("rl_dup_export"))
    assert exc.value.errno == errno.ENOEXEC
    assert lines_since(kernel, seq) == [
        "rl_dup_export: exports duplicate symbol chain_bottom_value (owned by chain_bottom)"
    ]
    assert kernel.symbol_resolve("chain_bottom_value").owner == "chain_bottom"
    assert kernel.module_find("rl_dup_export") is None
    still_works(kernel, built)


def test_a_chain_failing_in_the_middle_leaves_the_bottom_untouched(kernel, built):
    kernel.module_load(sample("chain_bottom"))
    seq = last_seq(kernel)
    with pytest.raises(InitFailed) as exc:
        kernel.module_load(built("rl_chain_mid"))
    assert exc.value.errno == errno.EIO
    with pytest.raises(UnknownSymbol) as top:
        kernel.module_load(built("rl_chain_top"))
    assert top.value.symbols == ["rl_chain_mid_value"]
    assert lines_since(kernel, seq) == [
        "rl_chain_mid: bottom says 2, giving up",
        "rl_chain_top: Unknown symbol rl_chain_mid_value (err -2)",
    ]
    bottom = kernel.module_find("chain_bottom")
    assert [m.name for m in kernel.module_list_all()] == ["chain_bottom"]
    assert bottom.users == [] and bottom.refcount == 0
    kernel.module_unload("chain_bottom")  # nobody holds it
    still_works(kernel, built)


# -- the emulator is the boundary ------------------------------------------------------------


def test_a_host_address_is_just_an_unmapped_page(kernel, built):
    """The module is handed the real host address of its kernel's memory (the bytes
    behind its own text): reading or writing it is an ordinary page fault."""
    region = next(r for r in kernel.mem.regions() if r.name == "kernel:text")
    host = ctypes.addressof((ctypes.c_char * region.size).from_buffer(region.data))
    before = bytes(region.data[:64])
    for how, verb in ((1, "read"), (2, "write"), (8, "read")):
        lines = crashes(kernel, built, "rl_escape", f"how={how} addr={host}")
        assert f"BUG: unable to handle page fault for address: {host:016x}" in lines
        assert f"#PF: supervisor {verb} access in kernel mode" in lines
    assert bytes(region.data[:64]) == before
    # how=8 went through the kernel API: the Oops is in memcpy, not in Python
    assert any(x.startswith("RIP: 0010:memcpy+0x") for x in lines)


@pytest.mark.parametrize(
    ("how", "insn", "report"),
    [
        (3, "0f 05", "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI"),
        (7, "0f 34", "general protection fault: 0000 [#1] PREEMPT SMP NOPTI"),
        (5, "e4 60", "general protection fault: 0000 [#1] PREEMPT SMP NOPTI"),
        (6, "e6 80", "general protection fault: 0000 [#1] PREEMPT SMP NOPTI"),
        (4, None, "general protection fault: 0000 [#1] PREEMPT SMP NOPTI"),
    ],
    ids=["syscall", "sysenter", "in", "out", "int80"],
)
def test_system_calls_and_port_io_fault_instead_of_leaving_the_emulator(
    kernel, built, how, insn, report
):
    """Regression: syscall, sysenter, in and out were silent no-ops under unicorn."""
    lines = crashes(kernel, built, "rl_escape", f"how={how}")
    assert lines[1] == report
    if insn is not None:  # RIP is the refused instruction itself
        code = next(x for x in lines if x.startswith("Code: "))
        assert f"<{insn[:2]}> {insn[3:]}" in code


# -- through the one-shot CLI: kmod's wording, exit status 1, the next command works ---------------


def test_the_cli_reports_crashes_in_kmods_words(tmp_path, built):
    state = tmp_path / "k.sqlite"
    cases = [
        ("rl_deep_recursion", [], "Bad address (see dmesg)"),
        ("rl_kmalloc_huge", [], "Cannot allocate memory"),
        ("rl_ret", ["ret=-100000"], "Invalid parameters"),
    ]
    for name, params, text in cases:
        r = cli(state, "insmod", str(built(name)), *params)
        assert r.code == 1
        assert r.err == f"insmod: ERROR: could not insert module {built(name)}: {text}\n"
        assert r.out == ""
    log = cli(state, "dmesg").out
    assert "BUG: TASK stack guard page was hit at" in log
    assert "rl_kmalloc_huge: no memory, as expected" in log
    ok = cli(state, "insmod", str(built("rl_good")))
    assert ok.code == 0
    assert cli(state, "lsmod").out.splitlines()[1].split()[0] == "rl_good"


def test_clearing_cr0_wp_and_efer_does_not_switch_protection_off(kernel, built):
    """Privileged instructions only change the emulated CPU; page permissions come
    from lkmsh's address space, so rodata stays read-only."""
    lines = crashes(kernel, built, "rl_no_wp")
    assert "#PF: error_code(0x0003) - permissions violation" in lines
