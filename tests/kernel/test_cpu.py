"""The emulated CPU running real machine code assembled by gcc.

Each story maps a little "module" (text, rodata, data) and a few kernel API
slots, runs code on the CPU and looks at what came back: a result, a trap into
Python, or a fault report as the Oops writer will see it.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from lkmsh.arch import get_arch
from lkmsh.arch.x86_64 import TRAP_SLOT
from lkmsh.errors import KernelError, ModuleFault
from lkmsh.kernel import layout
from lkmsh.kernel.callctx import CallContext
from lkmsh.kernel.cpu import Access, Cpu, CpuFault, FaultKind
from lkmsh.kernel.memory import AddressSpace, Perm

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")

PAGE = layout.PAGE_SIZE
TEXT = layout.MODULES_BASE
RODATA = TEXT + 0x10000
DATA = TEXT + 0x20000
KTEXT = layout.KERNEL_TEXT_BASE
SLOT = len(TRAP_SLOT)

_asm_cache: dict[str, tuple[bytes, dict[str, int]]] = {}


def assemble(source: str) -> tuple[bytes, dict[str, int]]:
    """Assemble AT&T x86-64 text with gcc; the .text bytes and each label's offset."""
    if source not in _asm_cache:
        with tempfile.TemporaryDirectory() as tmp:
            obj = Path(tmp) / "snippet.o"
            subprocess.run(
                ["gcc", "-c", "-x", "assembler", "-", "-o", str(obj)],
                input=(".text\n" + source + "\n").encode(),
                capture_output=True,
                check=True,
            )
            out = obj.read_bytes()
        elf = ELFFile(io.BytesIO(out))
        text = elf.get_section_by_name(".text")
        assert elf.get_section_by_name(".rela.text") is None, "snippets must not need relocation"
        labels = {
            s.name: s["st_value"]
            for s in elf.get_section_by_name(".symtab").iter_symbols()
            if s.name and s["st_shndx"] == elf.get_section_index(".text")
        }
        _asm_cache[source] = (text.data(), labels)
    return _asm_cache[source]


def slot(n: int) -> int:
    return KTEXT + n * SLOT


class Machine:
    """An address space with kernel slots, one module's sections and a CPU."""

    def __init__(self):
        self.mem = AddressSpace()
        ktext = self.mem.map(KTEXT, PAGE, Perm.RX, "kernel:text", owner="kernel")
        ktext.data[:] = TRAP_SLOT * (PAGE // SLOT)
        self.mem.map(TEXT, 4 * PAGE, Perm.RX, "t:text", owner="t")
        self.mem.map(RODATA, PAGE, Perm.R, "t:rodata", owner="t")
        self.mem.map(DATA, PAGE, Perm.RW, "t:data", owner="t")
        self.kapi: dict[int, object] = {}
        self.calls: list[tuple[int, CallContext]] = []
        self.cpu = Cpu(
            self.mem, get_arch("x86_64"), self._trap, (KTEXT, KTEXT + PAGE), kernel="the kernel"
        )
        self.labels: dict[str, int] = {}

    def _trap(self, address: int, ctx: CallContext):
        self.calls.append((address, ctx))
        return self.kapi[address](ctx)

    def load(self, source: str) -> dict[str, int]:
        """Put assembled code at the start of module text; labels as addresses."""
        code, labels = assemble(source)
        self.mem.write(TEXT, code)
        self.labels = {name: TEXT + off for name, off in labels.items()}
        return self.labels

    def run(self, label: str, *args: int, **kw) -> int:
        return self.cpu.call(self.labels[label], list(args), **kw)


@pytest.fixture
def m() -> Machine:
    machine = Machine()
    yield machine
    machine.cpu.close()


def call_slot(n: int) -> str:
    return f"movabs ${slot(n)}, %r11\n call *%r11\n"


# -- calls and returns ---------------------------------------------------------


def test_a_function_returns_the_sum_of_its_arguments(m):
    m.load("sum3: lea (%rdi,%rsi), %rax\n add %rdx, %rax\n ret")
    assert m.run("sum3", 1, 2, 39) == 42
    assert m.run("sum3", 0, 0, 0) == 0
    assert m.run("sum3", -1, 0, 0) == (1 << 64) - 1  # results are u64, as in rax


def test_more_than_six_arguments_go_on_the_stack_aligned_as_the_abi_wants(m):
    m.load(
        """
        seventh_plus_eighth: mov 8(%rsp), %rax
            add 16(%rsp), %rax
            ret
        entry_alignment: lea 8(%rsp), %rax
            ret
        """
    )
    assert m.run("seventh_plus_eighth", 1, 2, 3, 4, 5, 6, 700, 80) == 780
    assert m.run("entry_alignment") % 16 == 0
    assert m.run("entry_alignment", *range(7)) % 16 == 0  # with an odd number of stack args


def test_module_code_calls_a_kernel_slot_with_eight_arguments(m):
    labels = m.load(
        """
        caller: push %rbx
            push $8
            push $7
            mov $1, %edi
            mov $2, %esi
            mov $3, %edx
            mov $4, %ecx
            mov $5, %r8d
            mov $6, %r9d
        """
        + call_slot(3)
        + """
        back: add $16, %rsp
            pop %rbx
            add $1000, %rax
            ret
        """
    )

    def api(ctx: CallContext) -> int:
        return sum(ctx.arg(i) * 10**i for i in range(8))

    m.kapi[slot(3)] = api
    assert m.run("caller") == 87654321 + 1000
    address, ctx = m.calls[-1]
    assert address == slot(3)
    assert ctx.caller == labels["back"]  # the return address at [rsp]
    assert ctx.kernel == "the kernel" and ctx.mem is m.mem.checked  # the checked view
    assert [ctx.arg(i) for i in range(8)] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_the_bindings_public_api_serves_when_libunicorn_cannot_be_called_directly(monkeypatch):
    """Another unicorn binding layout: the trap hook and registers go through the public API."""
    import lkmsh.kernel.cpu as cpu_module

    monkeypatch.setattr(cpu_module, "_RAW", None)
    # what this layout learns (no exit-check switch) must not outlive the test
    monkeypatch.setattr(cpu_module, "_EXIT_FLAG", {})
    machine = Machine()
    try:
        machine.load("f: mov %rdi, %rbx\n" + call_slot(2) + " add %rbx, %rax\n ret")
        machine.kapi[slot(2)] = lambda ctx: ctx.arg(0) * 2 + (ctx.caller != 0)
        assert machine.run("f", 20) == 20 + 41
    finally:
        machine.cpu.close()


def test_a_context_kept_after_its_call_still_has_that_calls_arguments(m):
    """The trap cell is reused by the next call; a context holds its own call's words."""
    m.load("f: mov $5, %edi\n" + call_slot(4) + " mov $6, %edi\n" + call_slot(4) + " ret")
    m.kapi[slot(4)] = lambda ctx: 9
    assert m.run("f") == 9
    (_, first), (_, second) = m.calls[-2:]
    assert (first.arg(0), second.arg(0)) == (5, 6)


def test_a_handler_returning_none_leaves_rax_alone(m):
    m.load("f: mov $77, %eax\n" + call_slot(0) + " ret")
    m.kapi[slot(0)] = lambda ctx: None
    assert m.run("f") == 77


def test_negative_results_and_arguments_are_two_complement_u64(m):
    m.load("f: " + call_slot(1) + " ret")
    m.kapi[slot(1)] = lambda ctx: -12  # -ENOMEM
    assert m.run("f") == (1 << 64) - 12
    m.load("g: mov %rdi, %rax\n ret")
    assert m.run("g", -5) == (1 << 64) - 5


def test_trap_handlers_share_memory_with_module_code(m):
    m.load(
        """
        f: """
        + call_slot(2)
        + """
            movq $0x1234, (%rax)
            mov 8(%rax), %rax
            ret
        """
    )
    buf = DATA + 0x100

    def api(ctx):
        ctx.mem.write_u64(buf + 8, 99)
        return buf

    m.kapi[slot(2)] = api
    assert m.run("f") == 99
    assert m.mem.read_u64(buf) == 0x1234


def test_memory_mapped_during_a_call_is_usable_at_once(m):
    """kmalloc maps a fresh slab while module code waits in the trap."""
    m.load(
        """
        f: """
        + call_slot(4)
        + """
            movq $0x55aa, 16(%rax)
            mov %rax, %rbx
            ret
        """
    )
    where = m.mem.direct_map.alloc(PAGE)

    def kmalloc(ctx):
        m.mem.map(where, PAGE, Perm.RW, "slab", owner="kmalloc")
        return where

    m.kapi[slot(4)] = kmalloc
    assert m.run("f") == where
    assert m.mem.read_u64(where + 16) == 0x55AA


# -- faults --------------------------------------------------------------------


def test_a_null_read_is_a_page_fault_at_address_zero(m):
    labels = m.load("f: nop\n oops: mov (%rdi), %rax\n ret")
    with pytest.raises(CpuFault) as err:
        m.run("f", 0)
    fault = err.value
    assert isinstance(fault, ModuleFault)
    assert fault.kind is FaultKind.PAGE_FAULT
    assert fault.address == 0 and fault.access is Access.READ and fault.access == "read"
    assert fault.rip == labels["oops"] == fault.regs["rip"]
    assert fault.code.startswith(bytes.fromhex("488b07c3"))  # mov (%rdi),%rax; ret
    assert fault.code_before.endswith(b"\x90")  # the nop before RIP
    assert fault.regs["rdi"] == 0
    assert fault.regs["rflags"] == fault.regs["eflags"] and fault.regs["rflags"] & 0x2
    assert fault.summary() == "BUG: kernel NULL pointer dereference, address: 0000000000000000"
    assert fault.report_lines()[1:] == [
        "#PF: supervisor read access in kernel mode",
        "#PF: error_code(0x0000) - not-present page",
    ]


def test_the_fault_address_is_exact_not_just_the_page(m):
    """A struct field read through a NULL pointer faults at the field's offset."""
    m.load("f: mov %rsi, %rax\n mov 0x18(%rdi), %rax\n ret")
    with pytest.raises(CpuFault) as err:
        m.run("f", 0, 1234)
    assert err.value.address == 0x18 and err.value.access is Access.READ
    assert err.value.regs["rax"] == 1234  # registers as they were at the faulting instruction
    with pytest.raises(CpuFault) as err:
        m.run("f", DATA + 0x10000, 0)
    assert err.value.address == DATA + 0x10018


def test_an_access_running_into_an_unmapped_page_faults_at_that_page(m):
    m.load("f: mov 0xffc(%rdi), %rax\n ret")  # 8 bytes: 4 mapped, 4 not
    with pytest.raises(CpuFault) as err:
        m.run("f", DATA)
    assert err.value.kind is FaultKind.PAGE_FAULT
    assert err.value.address == DATA + PAGE  # CR2: the first byte that is not there


def test_writing_read_only_data_is_a_protection_fault(m):
    m.load("f: movl $1, (%rdi)\n ret")
    with pytest.raises(CpuFault) as err:
        m.run("f", RODATA + 0x40)
    fault = err.value
    assert fault.kind is FaultKind.PROTECTION_FAULT
    assert (fault.address, fault.access) == (RODATA + 0x40, Access.WRITE)
    assert fault.error_code == 0x3
    assert m.mem.read_u32(RODATA + 0x40) == 0  # nothing was written


def test_writing_own_text_is_a_protection_fault(m):
    """The TLB already holds the text page (fetched); the write must still be caught."""
    labels = m.load("f: lea f(%rip), %rax\n movb $0x90, (%rax)\n ret")
    with pytest.raises(CpuFault) as err:
        m.run("f")
    assert err.value.kind is FaultKind.PROTECTION_FAULT
    assert (err.value.address, err.value.access) == (labels["f"], Access.WRITE)


def test_executing_data_is_refused_as_nx(m):
    m.load("f: jmp *%rdi")
    m.mem.write(DATA, b"\xc3")
    with pytest.raises(CpuFault) as err:
        m.run("f", DATA)
    fault = err.value
    assert fault.kind is FaultKind.PROTECTION_FAULT
    assert (fault.address, fault.access, fault.rip) == (DATA, Access.EXEC, DATA)
    assert fault.headline.startswith("kernel tried to execute NX-protected page")
    assert fault.code == b"\xc3" + b"\0" * 21  # the kernel can still show the bytes


def test_calling_a_null_function_pointer_faults_on_fetch(m):
    m.load("f: call *%rdi\n ret")
    with pytest.raises(CpuFault) as err:
        m.run("f", 0)
    fault = err.value
    assert (fault.kind, fault.address, fault.access, fault.rip) == (
        FaultKind.PAGE_FAULT,
        0,
        Access.EXEC,
        0,
    )
    assert fault.code == b""  # nothing readable at RIP


def test_ud2_is_a_kernel_bug(m):
    labels = m.load("f: xor %eax, %eax\n bug: ud2\n ret")
    with pytest.raises(CpuFault) as err:
        m.run("f")
    assert err.value.kind is FaultKind.BUG
    assert err.value.rip == labels["bug"]
    assert err.value.code[:2] == b"\x0f\x0b"


def test_an_invalid_opcode_is_reported_as_such(m):
    m.load("f: .byte 0x06\n ret")  # push %es: invalid in 64-bit mode
    with pytest.raises(CpuFault) as err:
        m.run("f")
    assert err.value.kind is FaultKind.INVALID_OPCODE
    assert err.value.summary() == "invalid opcode: 0000 [#1]"


def test_dividing_by_zero_is_a_divide_error(m):
    labels = m.load("f: xor %ecx, %ecx\n mov $1, %eax\n cqo\n div_here: div %rcx\n ret")
    with pytest.raises(CpuFault) as err:
        m.run("f")
    assert err.value.kind is FaultKind.DIVIDE_ERROR
    assert err.value.rip == labels["div_here"]


def test_a_non_canonical_address_is_a_general_protection_fault(m):
    m.load("f: movabs $0x8000000000000, %rax\n mov (%rax), %rax\n ret")
    with pytest.raises(CpuFault) as err:
        m.run("f")
    assert err.value.kind is FaultKind.GENERAL_PROTECTION
    assert err.value.address == 0x8000000000000
    assert "non-canonical address 0x8000000000000" in err.value.summary()


def test_a_stack_overflow_hits_the_guard_page(m):
    m.load("f: call f")
    with pytest.raises(CpuFault) as err:
        m.run("f", budget=1_000_000)
    fault = err.value
    assert fault.kind is FaultKind.STACK_GUARD and fault.access is Access.WRITE
    assert layout.STACKS_BASE <= fault.address < layout.STACKS_BASE + layout.STACKS_SIZE


# -- watchdog and cancel -------------------------------------------------------


def test_an_endless_loop_exhausts_its_budget_as_a_soft_lockup(m):
    labels = m.load("f: spin: jmp spin")
    with pytest.raises(CpuFault) as err:
        m.run("f", budget=100_000)
    assert err.value.kind is FaultKind.SOFT_LOCKUP
    assert err.value.rip == labels["spin"]
    assert "100000 instructions" in err.value.summary()


def test_an_endless_loop_is_stopped_by_the_timeout(m):
    m.load("f: spin: jmp spin")
    with pytest.raises(CpuFault) as err:
        m.run("f", timeout_s=0.05)
    assert err.value.kind is FaultKind.SOFT_LOCKUP
    assert err.value.elapsed_s >= 0.04


def test_the_default_budget_applies_when_a_call_names_none(m):
    m.load("f: spin: jmp spin")
    m.cpu.default_budget = 10_000
    with pytest.raises(CpuFault) as err:
        m.run("f")
    assert err.value.kind is FaultKind.SOFT_LOCKUP


def test_cancel_from_another_thread_stops_a_running_call(m):
    m.load("f: spin: jmp spin")
    timer = threading.Timer(0.1, m.cpu.cancel)
    timer.start()
    try:
        with pytest.raises(CpuFault) as err:
            m.run("f", timeout_s=30)
    finally:
        timer.cancel()
    assert err.value.kind is FaultKind.CANCELLED
    m.load("g: mov $5, %eax\n ret")
    assert m.run("g") == 5  # the next call is not cancelled


def test_cancel_stops_a_call_that_has_neither_budget_nor_timeout(m):
    """Ctrl-C needs no watchdog limit: the call is stopped however it was started."""
    m.load("f: spin: jmp spin")
    timer = threading.Timer(0.1, m.cpu.cancel)
    timer.start()
    try:
        with pytest.raises(CpuFault) as err:
            m.run("f")
    finally:
        timer.cancel()
    assert err.value.kind is FaultKind.CANCELLED


def test_a_timed_out_call_leaves_the_next_calls_alone(m):
    """The watchdog keeps stopping an expired call until it ends, and no longer."""
    labels = m.load(
        "f: spin: jmp spin\n .p2align 4\n"
        "g: mov $3000000, %ecx\n loop: dec %rcx\n jnz loop\n mov $7, %eax\n ret"
    )
    with pytest.raises(CpuFault) as err:
        m.run("f", timeout_s=0.05)
    assert err.value.kind is FaultKind.SOFT_LOCKUP and err.value.rip == labels["spin"]
    assert err.value.summary() == "watchdog: BUG: soft lockup - no return within 0.05s"
    for _ in range(5):  # each long enough to meet a stale stop, were there one
        assert m.run("g", timeout_s=30) == 7


def test_ten_million_instructions_run_in_well_under_a_second(m):
    m.load("f: mov $5000000, %ecx\n loop: dec %rcx\n jnz loop\n mov $1, %eax\n ret")
    start = time.perf_counter()
    assert m.run("f", budget=20_000_000) == 1
    print(f"10M emulated instructions: {time.perf_counter() - start:.3f}s")


# -- Python exceptions and recovery --------------------------------------------


class Boom(Exception):
    pass


def test_an_exception_in_a_trap_handler_propagates_unchanged(m):
    m.load("f: " + call_slot(5) + " ret\n g: mov $9, %eax\n ret")
    problem = Boom("printk went wrong")

    def api(ctx):
        raise problem

    m.kapi[slot(5)] = api
    with pytest.raises(Boom) as err:
        m.run("f")
    assert err.value is problem
    assert m.run("g") == 9


def test_kernel_errors_from_handlers_keep_their_type(m):
    m.load("f: " + call_slot(6) + " ret")
    m.kapi[slot(6)] = lambda ctx: ctx.mem.read_u64(0)  # a handler touching bad memory
    with pytest.raises(KernelError) as err:
        m.run("f")
    assert err.value.errno == 14  # EFAULT


@pytest.mark.parametrize(
    "bad",
    [
        "mov (%rdi), %rax\n ret",
        "ud2",
        ".byte 0x06",
        "spin: jmp spin",
        "movl $1, (%rsi)\n ret",
        "xor %ecx, %ecx\n div %rcx\n ret",
    ],
)
def test_the_cpu_recovers_after_each_fault(m, bad):
    m.load("bad: " + bad + "\n .p2align 4\n good: lea 1(%rdi), %rax\n ret")
    with pytest.raises(CpuFault):
        m.run("bad", 0, RODATA, budget=10_000)
    assert m.run("good", 41) == 42
    assert m.cpu.depth == 0


# -- nesting -------------------------------------------------------------------


NESTED = (
    """
    outer: push %rbx
        mov %rdi, %rbx
        mov %rdi, %rdi
    """
    + call_slot(7)
    + """
        add %rbx, %rax
        pop %rbx
        ret
    inner: lea 100(%rdi), %rax
        ret
    crash: mov (%rdi), %rax
        ret
    then_spin: """
    + call_slot(7)
    + """
    spin: jmp spin
    """
)


def test_a_trap_handler_can_call_module_code_again(m):
    """request_module runs another module's init from inside a kernel call."""
    labels = m.load(NESTED)
    depths = []

    def request_module(ctx):
        depths.append(m.cpu.depth)
        return m.cpu.call(labels["inner"], [ctx.arg(0)])

    m.kapi[slot(7)] = request_module
    assert m.run("outer", 5) == 105 + 5
    assert depths == [1] and m.cpu.depth == 0


def test_a_nested_kernel_call_leaves_the_outer_calls_arguments_and_result_alone(m):
    """Both calls go through the one trap cell: the outer one's words are its own."""
    labels = m.load(
        "nest_outer: mov $11, %edi\n"
        + call_slot(7)
        + " ret\n nest_inner: mov $22, %edi\n"
        + call_slot(8)
        + " ret"
    )
    m.kapi[slot(8)] = lambda ctx: ctx.arg(0) + 1
    m.kapi[slot(7)] = lambda ctx: m.cpu.call(labels["nest_inner"]) + 1000 * ctx.arg(0)
    assert m.run("nest_outer") == 11 * 1000 + 23


def test_a_fault_in_a_nested_call_reaches_the_outer_caller(m):
    labels = m.load(NESTED)
    m.kapi[slot(7)] = lambda ctx: m.cpu.call(labels["crash"], [0])
    with pytest.raises(CpuFault) as err:
        m.run("outer", 1)
    assert err.value.kind is FaultKind.PAGE_FAULT and err.value.rip == labels["crash"]
    assert m.run("inner", 1) == 101


def test_a_nested_call_does_not_eat_the_outer_budget(m):
    labels = m.load(NESTED)
    m.kapi[slot(7)] = lambda ctx: m.cpu.call(labels["inner"], [0], budget=50)
    with pytest.raises(CpuFault) as err:
        m.run("then_spin", budget=200_000)
    assert err.value.kind is FaultKind.SOFT_LOCKUP and err.value.rip == labels["spin"]


def test_an_outer_call_past_its_deadline_stops_once_its_nested_call_returns(m):
    labels = m.load(NESTED)

    def slow_request_module(ctx):
        time.sleep(0.2)  # the outer deadline passes in here
        return m.cpu.call(labels["inner"], [1], timeout_s=30)

    m.kapi[slot(7)] = slow_request_module
    with pytest.raises(CpuFault) as err:
        m.run("then_spin", timeout_s=0.05)
    assert err.value.kind is FaultKind.SOFT_LOCKUP
    assert m.cpu.depth == 0 and m.run("inner", 1) == 101


def test_nesting_has_a_limit(m):
    labels = m.load(NESTED)
    m.kapi[slot(7)] = lambda ctx: m.cpu.call(labels["outer"], [ctx.arg(0)])
    with pytest.raises(KernelError, match="nested deeper than"):
        m.run("outer", 1)
    assert m.run("inner", 0) == 100


# -- memory changes while the CPU runs -----------------------------------------


def test_code_rewritten_by_the_kernel_runs_as_rewritten(m):
    m.load("f: mov $1, %eax\n ret")
    assert m.run("f") == 1
    m.load("f: mov $2, %eax\n ret")  # same address, new bytes (a new module)
    assert m.run("f") == 2


def test_protect_and_unmap_take_effect_on_the_next_access(m):
    m.load("store: mov %rsi, (%rdi)\n mov (%rdi), %rax\n ret")
    assert m.run("store", DATA, 7) == 7  # TLB now holds a writable entry
    m.mem.protect(DATA, PAGE, Perm.R)
    with pytest.raises(CpuFault) as err:
        m.run("store", DATA, 8)
    assert err.value.kind is FaultKind.PROTECTION_FAULT
    m.mem.unmap(DATA)
    with pytest.raises(CpuFault) as err:
        m.run("store", DATA, 9)
    assert err.value.kind is FaultKind.PAGE_FAULT and err.value.address == DATA


def test_a_region_mapped_again_shows_its_new_bytes(m):
    m.load("load: mov (%rdi), %rax\n ret")
    m.mem.write_u64(DATA, 1)
    assert m.run("load", DATA) == 1
    m.mem.unmap(DATA)
    m.mem.map(DATA, PAGE, Perm.RW, "t:data")
    m.mem.write_u64(DATA, 2)
    assert m.run("load", DATA) == 2


def test_calls_are_cheap_enough_to_make_often(m):
    m.load("f: mov %rdi, %rax\n ret")
    start = time.perf_counter()
    for i in range(1000):
        assert m.run("f", i) == i
    print(f"per call: {(time.perf_counter() - start) * 1000:.1f}us")


def test_closing_the_cpu_unmaps_its_stacks_and_return_page():
    machine = Machine()
    machine.load("f: ret")
    machine.run("f")
    assert any(r.owner == "cpu" for r in machine.mem.regions())
    machine.cpu.close()
    assert not any(r.owner == "cpu" for r in machine.mem.regions())
    with pytest.raises(KernelError):
        machine.run("f")


def test_a_return_slot_that_is_not_executable_is_refused():
    mem = AddressSpace()
    mem.map(KTEXT, PAGE, Perm.RW, "kernel:text")
    with pytest.raises(KernelError, match="not executable"):
        Cpu(mem, get_arch("x86_64"), lambda a, c: 0, (KTEXT, KTEXT + 16), KTEXT + 16)
