"""How kernel API functions report misuse: a BUG that ends the call, or a WARNING.

A ``KernelBug`` raised from a kernel API function aborts the module call the
way an Oops does. It carries the report lines, worded as Linux words them
(KASAN for heap misuse, lock debugging for locks); the kernel writes them to
dmesg at ``level`` and adds its Oops framing. ``.lines`` already ends with the
symbolised "Call Trace:" of the module code that made the call.

A warning (``warn``) only logs a report, framed as Linux's ``__warn()``::

    ------------[ cut here ]------------
    <report lines>
    Call Trace:
     <TASK>
     hx_init+0x12/0x40 [hx]
     </TASK>
    ---[ end trace 0000000000000000 ]---

and the call continues.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from lkmsh.errors import BadAddress, ModuleFault
from lkmsh.kernel.oops import CUT_HERE, END_TRACE

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext
    from lkmsh.kernel.kernel import Kernel

LOGLEVEL_EMERG = 0
LOGLEVEL_ALERT = 1
LOGLEVEL_ERR = 3
LOGLEVEL_WARNING = 4


class KernelBug(ModuleFault):
    """A BUG()/Oops-class report raised by a kernel API function; the call fails."""

    def __init__(self, message: str, lines: list[str] | None = None, level: int = LOGLEVEL_ERR):
        super().__init__(message)
        self.lines = list(lines) if lines else [message]
        self.level = level


def caller_symbol(ctx: CallContext) -> str:
    """The module code that called the kernel function, as %pS prints it."""
    kernel = ctx.kernel
    if ctx.caller and kernel is not None and hasattr(kernel, "symbolize"):
        return kernel.symbolize(ctx.caller)
    return f"0x{ctx.caller:x}"


def _arm64(ctx: CallContext) -> bool:
    return getattr(getattr(ctx.kernel, "arch", None), "family", "") == "arm64"


def call_trace(ctx: CallContext, *, from_self: bool = False) -> list[str]:
    """The trace of the module code that made this call, down to the kernel path that ran it.

    @from_self starts it at the kernel function itself, as Linux's dump_stack()
    and panic() traces start in dump_stack_lvl / panic.
    """
    from lkmsh.kernel.stacktrace import module_trace

    kernel = ctx.kernel
    frames = module_trace(
        cast("Kernel", kernel),  # the whole kernel: only it has stacks to walk
        sp=ctx.sp, fp=ctx.fp, ret=ctx.caller or None, path=kernel.current_path,
    )  # fmt: skip
    addr = kernel.symbol_address(ctx.name) if from_self and ctx.name else None
    if addr is not None:
        frames.insert(0, f" {kernel.symbolize(addr)}")
    if _arm64(ctx):  # arm64 Linux: "Call trace:", no <TASK> markers
        return ["Call trace:", *frames]
    return ["Call Trace:", " <TASK>", *frames, " </TASK>"]


def warn(ctx: CallContext, lines: list[str], level: int = LOGLEVEL_WARNING) -> None:
    """Log a WARNING-style report with the caller's trace; execution continues."""
    log = ctx.kernel.log
    for line in [CUT_HERE, *lines, *call_trace(ctx), END_TRACE]:
        log.emit(level, line)
    ctx.kernel.add_taint("W")


def report(ctx: CallContext, lines: list[str], level: int = LOGLEVEL_ERR) -> None:
    """Log report lines plus the caller's trace, without the cut-here framing."""
    log = ctx.kernel.log
    for line in [*lines, *call_trace(ctx)]:
        log.emit(level, line)


def bug(ctx: CallContext, lines: list[str], level: int = LOGLEVEL_ERR) -> KernelBug:
    """Build (for the caller to raise) a KernelBug whose report ends with the call trace."""
    return KernelBug(lines[0], [*lines, *call_trace(ctx)], level)


def kernel_bug(ctx: CallContext, where: str) -> KernelBug:
    """BUG() in a kernel function (@where is its file:line): Linux's whole report for it.

    As lib/bug.c and die() print it: the cut-here line, "kernel BUG at
    @where!", the die line, the machine, the kernel function as RIP/pc and
    the module code that called it.
    """
    from lkmsh.kernel import taint as T
    from lkmsh.kernel.oops import machine_lines

    kernel = ctx.kernel
    addr = kernel.symbol_address(ctx.name) if ctx.name else None
    at = kernel.symbolize(addr) if addr is not None else ctx.name or "kernel"
    if _arm64(ctx):  # brk #0x800: ESR 0xf2000800
        die, regs = (
            "Internal error: Oops - BUG: 00000000f2000800 [#1] PREEMPT SMP",
            [
                f"pc : {at}",
                f"lr : {caller_symbol(ctx)}",
            ],
        )
    else:
        die, regs = "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", [f"RIP: 0010:{at}"]
    head = f"kernel BUG at {where}!"
    lines = [CUT_HERE, head, die, *machine_lines(kernel, T.Taint.DIE), *regs]
    trace = call_trace(ctx, from_self=_arm64(ctx))  # arm64's trace starts at the pc
    return KernelBug(head, [*lines, *trace, END_TRACE], LOGLEVEL_EMERG)


_BAD = re.compile(r"kernel (read|write) of unmapped address (0x[0-9a-f]+)")


def page_fault(ctx: CallContext, err: BadAddress) -> KernelBug:
    """A kernel function dereferenced a bad pointer it was given: Linux's Oops for it.

    The RIP is the kernel function itself ("strlen+0x0/0x10"), the trace the
    module code that passed the pointer.
    """
    if err.address is not None:
        access, addr, protection = err.access, err.address, err.protection
    else:
        m = _BAD.search(err.message)
        access, addr = (m.group(1), int(m.group(2), 16)) if m else ("read", 0)
        protection = False
    code = (2 if access == "write" else 0) | (1 if protection else 0)
    if _arm64(ctx):
        return _arm64_page_fault(ctx, access, addr, protection)
    if addr < 4096:
        head = f"BUG: kernel NULL pointer dereference, address: {addr:016x}"
    else:
        head = f"BUG: unable to handle page fault for address: {addr:016x}"
    why = "permissions violation" if protection else "not-present page"
    lines = [
        head,
        f"#PF: supervisor {access} access in kernel mode",
        f"#PF: error_code(0x{code:04x}) - {why}",
        f"Oops: {code:04x} [#1] PREEMPT SMP NOPTI",
        f"RIP: 0010:{ctx.name or 'kernel'}+0x0/0x10",
        *call_trace(ctx),
    ]
    return KernelBug(head, lines, LOGLEVEL_ALERT)


def _arm64_page_fault(ctx: CallContext, access: str, addr: int, protection: bool) -> KernelBug:
    """The same fault in arm64 Linux's words (arch/arm64/mm/fault.c)."""
    what = "NULL pointer dereference" if addr < 4096 else "paging request"
    if protection and addr < 1 << 48:  # a user page: PAN
        what = "access to user memory outside uaccess routines"
    elif protection:  # arm64 Linux: a write to a read-only mapping
        what = "write to read-only memory" if access == "write" else "read from unreadable memory"
    head = f"Unable to handle kernel {what} at virtual address {addr:016x}"
    # FSC: translation fault (level 0 / 3), or a level-3 permission fault
    fsc = 0x0F if protection else (0x04 if addr < 1 << 48 else 0x07)
    esr = 0x96000000 | (0x40 if access == "write" else 0) | fsc
    lines = [
        head,
        "Mem abort info:",
        f"  ESR = 0x{esr:016x}",
        "  EC = 0x25: DABT (current EL), IL = 32 bits",
        f"Internal error: Oops: {esr:016x} [#1] PREEMPT SMP",
        f"pc : {ctx.name or 'kernel'}+0x0/0x10",
        f"lr : {caller_symbol(ctx)}",
        *call_trace(ctx),
    ]
    return KernelBug(head, lines, LOGLEVEL_ALERT)
