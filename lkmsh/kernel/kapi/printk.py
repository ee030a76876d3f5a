"""printk and friends: formatted text into the kernel log.

printk formats first, then reads the level prefix from the result (as
Linux's vprintk_store): ``"\\001" '0'..'7'`` sets the level, ``"\\001c"``
(KERN_CONT) continues the previous line, ``"\\001d"`` (KERN_DEFAULT) and no
prefix mean default_message_loglevel (4 at boot). The return value is the
length of the stored text (no prefix, no trailing newline).

``console_printk[4]`` is kernel data, as kernel/printk/printk.c's (GPL export):
console_loglevel, default_message_loglevel, minimum_console_loglevel and
default_console_loglevel, which <linux/printk.h> names by macro. It is the one
store of the four levels: ``dmesg -n``, /proc/sys/kernel/printk and a module
writing ``console_loglevel`` change the same ints (dmesg.py's bind_levels).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.dmesg import LINE_MAX
from lkmsh.kernel.kapi.bug import LOGLEVEL_EMERG, LOGLEVEL_WARNING, KernelBug, call_trace
from lkmsh.kernel.kapi.common import decode, format_args
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.oops import CUT_HERE, END_TRACE

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

SOH = 0x01


def split_level(text: bytes) -> tuple[int | None, bool, bytes]:
    """(level or None for default, is KERN_CONT, text without the prefixes)."""
    level: int | None = None
    cont = False
    while len(text) >= 2 and text[0] == SOH:
        c = text[1]
        if 0x30 <= c <= 0x37:
            if level is None:
                level = c - 0x30
        elif c == 0x63:  # 'c'
            cont = True
        elif c != 0x64:  # 'd' is KERN_DEFAULT; anything else is not a prefix
            break
        text = text[2:]
    return level, cont, text


def log_text(ctx: CallContext, text: bytes) -> int:
    """Store already-formatted printk output; returns printk's return value."""
    level, cont, body = split_level(text)
    if level is None:
        level = ctx.kernel.log.default_message_loglevel
    body = body[:LINE_MAX]
    stored = len(body) - (1 if body.endswith(b"\n") else 0)
    ctx.kernel.log.emit(level, decode(body), cont)
    return stored


@kapi("printk", "int printk(const char *fmt, ...)")
def printk(ctx: CallContext) -> int:
    return log_text(ctx, format_args(ctx, ctx.arg(0), 1))


@kapi("_printk", "int _printk(const char *fmt, ...)")
def _printk(ctx: CallContext) -> int:
    """Linux 6.x's real name for printk: modules built by kbuild call this one."""
    return printk(ctx)


@kapi("__warn_printk", "void __warn_printk(const char *fmt, ...)")
def warn_printk(ctx: CallContext) -> None:
    """WARN(cond, fmt...)'s first half: the cut-here line and the message. The trap
    that follows it in the module's code writes the report (Kernel.report_warning)."""
    ctx.kernel.log.emit(LOGLEVEL_WARNING, CUT_HERE)
    log_text(ctx, format_args(ctx, ctx.arg(0), 1))


@kapi(
    "warn_slowpath_fmt",
    "void warn_slowpath_fmt(const char *file, int line, unsigned int taint, const char *fmt, ...)",
)
def warn_slowpath_fmt(ctx: CallContext) -> None:
    """A WARN without a trap of its own (the kernel library's C; not exported where, as on
    x86 and arm64, WARN traps): kernel/panic.c's __warn() with no registers, the message
    after the WARNING line and dump_stack()'s trace."""
    from lkmsh.kernel import taint as T
    from lkmsh.kernel.oops import machine_lines

    kernel = ctx.kernel
    file = decode(ctx.mem.read_cstr(ctx.arg(0), 256)) if ctx.arg(0) else None
    line, taint, fmt = ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2) & 0xFFFFFFFF, ctx.arg(3)
    caller = kernel.symbolize(ctx.caller, ret=True)
    pid = kernel.current_task_id()[1]
    where = f"{file}:{line} " if file else ""
    log = kernel.log
    log.emit(LOGLEVEL_WARNING, CUT_HERE)
    log.emit(LOGLEVEL_WARNING, f"WARNING: CPU: 0 PID: {pid} at {where}{caller}")
    if fmt:
        log_text(ctx, format_args(ctx, fmt, 4))
    for text in [*machine_lines(kernel, None), *call_trace(ctx, from_self=True), END_TRACE]:
        log.emit(log.default_message_loglevel, text)
    flag = T.by_bit(taint)
    if flag is not None:
        kernel.add_taint(flag.letter)


@kapi("dump_stack", "void dump_stack(void)")
def dump_stack(ctx: CallContext) -> None:
    for line in call_trace(ctx, from_self=True):
        ctx.kernel.log.emit(ctx.kernel.log.default_message_loglevel, line)


@kapi("panic", "void panic(const char *fmt, ...)")
def panic(ctx: CallContext) -> None:
    """An Oops that fails the current call; lkmsh's kernel itself lives on."""
    msg = decode(format_args(ctx, ctx.arg(0), 1)).rstrip("\n")
    head = f"Kernel panic - not syncing: {msg}"
    lines = [
        head,
        *call_trace(ctx, from_self=True),
        "Kernel Offset: disabled",
        f"---[ end {head} ]---",
    ]
    raise KernelBug(head, lines, LOGLEVEL_EMERG)
