"""Oops and soft-lockup reports, worded and laid out as x86-64 Linux prints them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel import taint as T
from lkmsh.kernel.bugtable import NO_CUT_HERE, BugEntry
from lkmsh.kernel.fault import CpuFault, FaultKind
from lkmsh.kernel.release import KERNEL_RELEASE

if TYPE_CHECKING:
    from lkmsh.arch.base import Arch
    from lkmsh.kernel.contract import KernelApi
    from lkmsh.kernel.kernel import Kernel

ALERT, CRIT, WARNING, DEFAULT = 1, 2, 4, 4
#: the lines every report starts and ends with (lib/bug.c, kernel/panic.c)
CUT_HERE = "------------[ cut here ]------------"
END_TRACE = "---[ end trace 0000000000000000 ]---"
REG_ROWS = (
    ("rax", "rbx", "rcx"),
    ("rdx", "rsi", "rdi"),
    ("rbp", "r8", "r9"),
    ("r10", "r11", "r12"),
    ("r13", "r14", "r15"),
)


def report_kind(fault: CpuFault) -> T.Taint:
    """The taint a fault leaves: D for an Oops, L for a soft lockup."""
    return (
        T.Taint.SOFTLOCKUP
        if fault.kind in (FaultKind.SOFT_LOCKUP, FaultKind.CANCELLED)
        else T.Taint.DIE
    )


def fault_summary(fault: CpuFault, arch: Arch) -> str:
    """The report's first line, in the words of @arch's Linux."""
    return _writer(arch)[0](fault)


def _writer(arch: Arch):
    """(headline, report) in the words of the architecture family's Linux (Arch.family)."""
    if arch.family == "arm64":
        from lkmsh.kernel import oops_aarch64

        return oops_aarch64.headline, oops_aarch64.oops_lines
    return CpuFault.describe, x86_oops_lines


def _task_tag(kernel: Kernel) -> str:
    """The running task as the soft-lockup line names it: comm:pid."""
    comm, pid = kernel.current_task_id()
    return f"{comm}:{pid}"


def _header(kernel: Kernel, fault: CpuFault) -> list[tuple[int, str]]:
    k = fault.kind
    lines: list[tuple[int, str]] = []
    if k in (FaultKind.PAGE_FAULT, FaultKind.PROTECTION_FAULT):
        addr = fault.address
        access = fault.access or "read"
        code = (1 if k is FaultKind.PROTECTION_FAULT else 0) | (2 if access == "write" else 0)
        if access == "exec":
            code |= 0x10
            if fault.user_page:  # SMEP
                lines.append((CRIT, "unable to execute userspace code (SMEP?) (uid: 0)"))
            elif k is FaultKind.PROTECTION_FAULT:
                lines.append(
                    (ALERT, "kernel tried to execute NX-protected page - exploit attempt? (uid: 0)")
                )
        if addr < 4096:
            lines.append((ALERT, f"BUG: kernel NULL pointer dereference, address: {addr:016x}"))
        else:
            lines.append((ALERT, f"BUG: unable to handle page fault for address: {addr:016x}"))
        kind = {"exec": "instruction fetch", "write": "write access"}.get(access, "read access")
        lines.append((ALERT, f"#PF: supervisor {kind} in kernel mode"))
        why = "permissions violation" if code & 1 else "not-present page"
        lines.append((ALERT, f"#PF: error_code(0x{code:04x}) - {why}"))
        lines.append((DEFAULT, f"Oops: {code:04x} [#1] PREEMPT SMP NOPTI"))
    elif k is FaultKind.BUG:
        lines.append((DEFAULT, CUT_HERE))
        lines.append((DEFAULT, f"kernel BUG at {fault.detail or kernel.symbolize(fault.rip)}!"))
        lines.append((DEFAULT, "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI"))
    elif k is FaultKind.INVALID_OPCODE:
        lines.append((DEFAULT, "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI"))
    elif k is FaultKind.DIVIDE_ERROR:
        lines.append((DEFAULT, "divide error: 0000 [#1] PREEMPT SMP NOPTI"))
    elif k is FaultKind.STACK_GUARD:
        # Linux 6.1 handle_stack_overflow(): pointers hashed as %p prints them.
        begin, end = (int(x, 16) for x in fault.detail.split(".."))
        at, lo, hi = (_hashed(x) for x in (fault.address or 0, begin, end))
        lines.append((0, f"BUG: TASK stack guard page was hit at {at} (stack is {lo}..{hi})"))
        lines.append((DEFAULT, "stack guard page: 0000 [#1] PREEMPT SMP NOPTI"))
    elif k is FaultKind.BREAKPOINT:
        lines.append((DEFAULT, "int3: 0000 [#1] PREEMPT SMP NOPTI"))
    elif k is FaultKind.GENERAL_PROTECTION and fault.address is not None:
        lines.append(
            (
                DEFAULT,
                "general protection fault, probably for non-canonical address "
                f"{fault.address:#x}: 0000 [#1] PREEMPT SMP NOPTI",
            )
        )
    elif k in (FaultKind.SOFT_LOCKUP, FaultKind.CANCELLED):
        secs = stuck_seconds(fault)
        lines.append(
            (0, f"watchdog: BUG: soft lockup - CPU#0 stuck for {secs}s! [{_task_tag(kernel)}]")
        )
    else:
        lines.append((DEFAULT, "general protection fault: 0000 [#1] PREEMPT SMP NOPTI"))
    return lines


def stuck_seconds(fault: CpuFault) -> int:
    """ "stuck for Ns!": the watchdog's virtual reckoning, or host time for a Ctrl-C."""
    if fault.watch is not None and fault.kind is FaultKind.SOFT_LOCKUP:
        return fault.watch.stuck_s
    return max(int(round(fault.elapsed_s)), 0)


def _hashed(addr: int) -> str:
    from lkmsh.kernel.kapi.vsprintf import DEFAULT_PTR_KEY, Formatter

    def no_memory(addr: int, n: int) -> bytes | None:
        return None  # hashing a pointer reads nothing

    return f"{Formatter(no_memory, ptr_key=DEFAULT_PTR_KEY).hash_pointer(addr):016x}"


def _modules_linked_in(kernel: KernelApi) -> str:
    names = []
    for m in kernel.module_list_all():
        flags = T.module_flags(T.from_letters(m.taints)).strip("()")
        state = {"loaded": "+", "unloading": "-"}.get(m.state.value, "")
        names.append(f"{m.name}({flags}{state})" if flags or state else m.name)
    return "Modules linked in: " + " ".join(names)


def call_trace(kernel: Kernel, fault: CpuFault) -> list[str]:
    """Every frame below the faulting RIP: the module's, then the kernel's."""
    from lkmsh.kernel.stacktrace import module_trace

    r = fault.regs
    return module_trace(kernel, sp=r.get("rsp", 0), fp=r.get("rbp", 0), path=kernel.current_path)


def oops_lines(kernel: Kernel, fault: CpuFault) -> list[tuple[int, str]]:
    return _writer(kernel.arch)[1](kernel, fault)


def machine_lines(kernel: KernelApi, taint: T.Taint | None) -> list[str]:
    """What every report prints after its headline: the modules, the task, the machine
    (the taints with @taint, which the report adds)."""
    comm, pid = kernel.current_task_id()
    taints = T.from_letters("".join(kernel.taints)) | ({taint} if taint is not None else set())
    hardware = " (arm64)" if kernel.arch.family == "arm64" else ""
    return [
        _modules_linked_in(kernel),
        f"CPU: 0 PID: {pid} Comm: {comm} {T.tainted_field(taints)} {KERNEL_RELEASE} #1",
        f"Hardware name: lkmsh emulated machine{hardware}",
    ]


def warning_lines(kernel: Kernel, fault: CpuFault, entry: BugEntry) -> list[tuple[int, str]]:
    """__warn()'s report of a WARN trap (kernel/panic.c): its location and caller, then
    the registers and the trace as an Oops shows them; no taint is added before it."""
    comm, pid = kernel.current_task_id()
    head = [] if entry.flags & NO_CUT_HERE else [(WARNING, CUT_HERE)]
    head.append(
        (WARNING, f"WARNING: CPU: 0 PID: {pid} at {entry.where} {kernel.symbolize(fault.rip)}")
    )
    return _writer(kernel.arch)[1](kernel, fault, head)


def x86_oops_lines(
    kernel: Kernel, fault: CpuFault, head: list[tuple[int, str]] | None = None
) -> list[tuple[int, str]]:
    """The Oops of @fault, or (@head given) a warning's report under that headline."""
    lines = _header(kernel, fault) if head is None else list(head)
    taint = report_kind(fault) if head is None else None
    lines.extend((DEFAULT, line) for line in machine_lines(kernel, taint))
    lines.append((DEFAULT, f"RIP: 0010:{kernel.symbolize(fault.rip)}"))
    if fault.code:
        before = " ".join(f"{b:02x}" for b in fault.code_before)
        at = f"<{fault.code[0]:02x}>"
        after = " ".join(f"{b:02x}" for b in fault.code[1:22])
        lines.append((DEFAULT, "Code: " + " ".join(p for p in (before, at, after) if p)))
    r = fault.regs
    lines.append((DEFAULT, f"RSP: 0018:{r.get('rsp', 0):016x} EFLAGS: {r.get('eflags', 0):08x}"))
    for row in REG_ROWS:
        lines.append((DEFAULT, " ".join(f"{n.upper()}: {r.get(n, 0):016x}" for n in row)))
    if fault.address is not None and (
        fault.kind.name.endswith("FAULT") or fault.kind is FaultKind.STACK_GUARD
    ):
        lines.append((DEFAULT, f"CR2: {fault.address:016x}"))
    lines.append((DEFAULT, "Call Trace:"))
    lines.append((DEFAULT, " <TASK>"))
    lines.extend((DEFAULT, f) for f in call_trace(kernel, fault))
    lines.append((DEFAULT, " </TASK>"))
    lines.append((DEFAULT, END_TRACE))
    return lines
