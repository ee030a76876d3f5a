"""Oops and soft-lockup reports worded and laid out as arm64 Linux prints them.

arm64 describes a fault by its ESR (exception syndrome): "Unable to handle
kernel NULL pointer dereference at virtual address ...", the decoded
"Mem abort info:", "Internal error: Oops: <ESR> [#1] PREEMPT SMP", then
pstate/pc/lr/sp and x29..x0, the frame-record call trace and the "Code:"
line of A64 words (arch/arm64/mm/fault.c, arch/arm64/kernel/traps.c).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.fault import CpuFault, FaultKind
from lkmsh.kernel.layout import PAGE_SIZE
from lkmsh.kernel.oops import CUT_HERE, END_TRACE

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

EMERG, ALERT, DEFAULT = 0, 1, 4
SMP = "PREEMPT SMP"

EC_IABT_CUR = 0x21
EC_DABT_CUR = 0x25
EC_BRK64 = 0x3C
ESR_IL = 1 << 25
ESR_WNR = 1 << 6
BUG_BRK_IMM = 0x800
USER_TOP = 1 << 48
PSR_PAN = 1 << 22


def _abort_fsc(fault: CpuFault) -> tuple[int, str]:
    """The fault status code and its name, as esr_to_fault_info describes it."""
    if fault.kind is FaultKind.PROTECTION_FAULT:
        return 0x0F, "level 3 permission fault"
    if (fault.address or 0) < USER_TOP:
        return 0x04, "level 0 translation fault"  # TTBR0 is empty in kernel mode
    return 0x07, "level 3 translation fault"


def _is_abort(fault: CpuFault) -> bool:
    return fault.address is not None and fault.kind in (
        FaultKind.PAGE_FAULT,
        FaultKind.PROTECTION_FAULT,
        FaultKind.GENERAL_PROTECTION,
        FaultKind.STACK_GUARD,
    )


def esr(fault: CpuFault) -> int:
    """The ESR_EL1 value Linux would have read for this fault."""
    if _is_abort(fault):
        fsc, _ = _abort_fsc(fault)
        if fault.access == "exec":
            return (EC_IABT_CUR << 26) | ESR_IL | fsc
        wnr = ESR_WNR if fault.access == "write" else 0
        return (EC_DABT_CUR << 26) | ESR_IL | wnr | fsc
    if fault.kind is FaultKind.BUG:
        return (EC_BRK64 << 26) | ESR_IL | BUG_BRK_IMM
    if fault.kind is FaultKind.BREAKPOINT:
        imm = int.from_bytes(fault.code[:4], "little") >> 5 & 0xFFFF if fault.code else 0
        return (EC_BRK64 << 26) | ESR_IL | imm
    return ESR_IL  # EC 0: unknown reason (an undefined instruction)


def _abort_message(fault: CpuFault) -> str:
    if fault.user_page:  # PAN: do_page_fault's die_kernel_fault for a user page
        if fault.access == "exec":
            return "execution of user memory"
        return "access to user memory outside uaccess routines"
    if fault.kind is FaultKind.PROTECTION_FAULT:
        if fault.access == "write":
            return "write to read-only memory"
        if fault.access == "exec":
            return "execute from non-executable memory"
        return "read from unreadable memory"
    if (fault.address or 0) < PAGE_SIZE:
        return "NULL pointer dereference"
    return "paging request"


def headline(fault: CpuFault) -> str:
    """The first line of the report, also the failing command's message."""
    k = fault.kind
    if k is FaultKind.STACK_GUARD:
        return "Insufficient stack space to handle exception!"
    if _is_abort(fault):
        return (
            f"Unable to handle kernel {_abort_message(fault)} at virtual address "
            f"{fault.address:016x}"
        )
    if k is FaultKind.BUG:
        return "kernel BUG"
    if k is FaultKind.SOFT_LOCKUP:
        return f"watchdog: BUG: soft lockup - {fault.detail}"
    if k is FaultKind.CANCELLED:
        return "module code interrupted"
    return f"Internal error: {_die_reason(fault)}: {esr(fault):016x} [#1] {SMP}"


def _die_reason(fault: CpuFault) -> str:
    return {
        FaultKind.BUG: "Oops - BUG",
        FaultKind.BREAKPOINT: "Oops - BRK",
        FaultKind.INVALID_OPCODE: "Oops - Undefined instruction",
    }.get(fault.kind, "Oops")


def _header(kernel: Kernel, fault: CpuFault) -> list[tuple[int, str]]:
    from lkmsh.kernel.oops import _task_tag, stuck_seconds

    k = fault.kind
    lines: list[tuple[int, str]] = []
    if k in (FaultKind.SOFT_LOCKUP, FaultKind.CANCELLED):
        secs = stuck_seconds(fault)
        return [
            (EMERG, f"watchdog: BUG: soft lockup - CPU#0 stuck for {secs}s! [{_task_tag(kernel)}]")
        ]
    if k is FaultKind.STACK_GUARD:
        lines.append((EMERG, headline(fault)))
        lines.append((EMERG, f"ESR: 0x{esr(fault):016x} -- DABT (current EL)"))
        lines.append((EMERG, f"FAR: 0x{fault.address or 0:016x}"))
        lines.append((EMERG, "Kernel panic - not syncing: kernel stack overflow"))
        return lines
    if _is_abort(fault):
        value = esr(fault)
        fsc, fsc_name = _abort_fsc(fault)
        lines.append((ALERT, headline(fault)))
        lines.append((ALERT, "Mem abort info:"))
        lines.append((ALERT, f"  ESR = 0x{value:016x}"))
        if fault.access == "exec":
            lines.append((ALERT, "  EC = 0x21: IABT (current EL), IL = 32 bits"))
        else:
            lines.append((ALERT, "  EC = 0x25: DABT (current EL), IL = 32 bits"))
        lines.append((ALERT, "  SET = 0, FnV = 0"))
        lines.append((ALERT, "  EA = 0, S1PTW = 0"))
        lines.append((ALERT, f"  FSC = 0x{fsc:02x}: {fsc_name}"))
        if fault.access != "exec":
            wnr = 1 if value & ESR_WNR else 0
            lines.append((ALERT, "Data abort info:"))
            lines.append((ALERT, f"  ISV = 0, ISS = 0x{value & 0x1FFFFFF:08x}, ISS2 = 0x00000000"))
            lines.append((ALERT, f"  CM = 0, WnR = {wnr}, TnD = 0, TagAccess = 0"))
            lines.append((ALERT, "  GCS = 0, Overlay = 0, DirtyBit = 0, Xs = 0"))
        if fault.user_page:  # the caller's buffer: its process's page tables
            lines.append((ALERT, "user pgtable: 4k pages, 48-bit VAs"))
        elif fault.address < USER_TOP:
            lines.append((ALERT, f"[{fault.address:016x}] user address but active_mm is swapper"))
        else:
            lines.append((ALERT, "swapper pgtable: 4k pages, 48-bit VAs"))
        lines.append((EMERG, f"Internal error: Oops: {value:016x} [#1] {SMP}"))
        return lines
    if k is FaultKind.BUG:
        lines.append((DEFAULT, CUT_HERE))
        lines.append((DEFAULT, f"kernel BUG at {fault.detail or kernel.symbolize(fault.rip)}!"))
    lines.append((EMERG, f"Internal error: {_die_reason(fault)}: {esr(fault):016x} [#1] {SMP}"))
    return lines


def _pstate(nzcv: int) -> str:
    """print_pstate: EL1h with interrupts enabled, as module init runs; PAN set
    (module code cannot touch user pages: only the uaccess routines can)."""
    value = (nzcv & 0xF0000000) | PSR_PAN | 0x5
    flags = "".join(
        c.upper() if value >> bit & 1 else c
        for c, bit in zip("nzcv", (31, 30, 29, 28), strict=True)
    )
    return f"pstate: {value:08x} ({flags} daif +PAN -UAO -TCO -DIT -SSBS BTYPE=--)"


def register_lines(regs: dict[str, int]) -> list[str]:
    """x29 down to x0, three to a line, as __show_regs prints them."""
    out = []
    i = 29
    while i >= 0:
        parts = [f"x{i:<2d}: {regs.get(f'x{i}', 0):016x}"]
        while i % 3:
            i -= 1
            parts.append(f"x{i:<2d}: {regs.get(f'x{i}', 0):016x}")
        out.append(" ".join(parts))
        i -= 1
    return out


def call_trace(kernel: Kernel, fault: CpuFault) -> list[str]:
    """The pc, then the frame records x29 points to, then the kernel's frames."""
    from lkmsh.kernel.stacktrace import module_trace

    r = fault.regs
    frames = module_trace(
        kernel, sp=r.get("sp", 0), fp=r.get("x29", 0), link=r.get("x30"), path=kernel.current_path
    )
    return [f" {kernel.symbolize(fault.rip)}", *frames]


def code_line(fault: CpuFault) -> str:
    """dump_kernel_instr: four words before the pc and the faulting one in parentheses."""
    words = []
    before = fault.code_before
    for i in range(4, 0, -1):
        chunk = before[len(before) - 4 * i : len(before) - 4 * (i - 1) or None]
        ok = len(before) >= 4 * i and len(chunk) == 4
        words.append(f"{int.from_bytes(chunk, 'little'):08x}" if ok else "????????")
    at = fault.code[:4]
    words.append(f"({int.from_bytes(at, 'little'):08x})" if len(at) == 4 else "(????????)")
    return "Code: " + " ".join(words)


def oops_lines(
    kernel: Kernel, fault: CpuFault, head: list[tuple[int, str]] | None = None
) -> list[tuple[int, str]]:
    """The Oops of @fault, or (@head given) a warning's report under that headline."""
    from lkmsh.kernel.oops import machine_lines, report_kind

    lines = _header(kernel, fault) if head is None else list(head)
    taint = report_kind(fault) if head is None else None
    lines.extend((DEFAULT, line) for line in machine_lines(kernel, taint))
    r = fault.regs
    lines.append((DEFAULT, _pstate(r.get("nzcv", 0))))
    lines.append((DEFAULT, f"pc : {kernel.symbolize(fault.rip)}"))
    lines.append((DEFAULT, f"lr : {kernel.symbolize(r.get('x30', 0))}"))
    lines.append((DEFAULT, f"sp : {r.get('sp', 0):016x}"))
    lines.extend((DEFAULT, line) for line in register_lines(r))
    lines.append((DEFAULT, "Call trace:"))
    lines.extend((DEFAULT, f) for f in call_trace(kernel, fault))
    if fault.code:
        lines.append((DEFAULT, code_line(fault)))
    lines.append((DEFAULT, END_TRACE))
    return lines
