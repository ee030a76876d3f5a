"""The tty calls of <linux/tty.h> over the shell's terminal (kernel/tty.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel import tty as T
from lkmsh.kernel.kapi.kthread import sched_of
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.task import Kind

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

#: a tty write longer than this is cut (n_tty's own writes go in such chunks)
MAX_WRITE = 1 << 16


def _console_base(ctx: CallContext) -> int:
    return ctx.kernel.symbol_address("__lkmsh_console") or 0


@kapi("get_current_tty", "struct tty_struct *get_current_tty(void)", gpl=True)
def get_current_tty(ctx: CallContext) -> int:
    """The running task's controlling tty (a reference taken), NULL for kernel threads."""
    sched = sched_of(ctx)
    task = sched.current if sched is not None else None
    if task is None or task.kind is not Kind.USER:
        return 0
    base = _console_base(ctx)
    kref = base + T.TTY_STRUCT.off("kref")
    ctx.mem.write_u32(kref, ctx.mem.read_u32(kref) + 1)
    return base


@kapi("tty_kref_put", "void tty_kref_put(struct tty_struct *tty)")
def tty_kref_put(ctx: CallContext) -> None:
    tty = ctx.arg(0)
    if tty and tty == _console_base(ctx):
        kref = tty + T.TTY_STRUCT.off("kref")
        ctx.mem.write_u32(kref, max(1, ctx.mem.read_u32(kref) - 1))  # the console never goes


@kapi("tty_name", "const char *tty_name(const struct tty_struct *tty)")
def tty_name(ctx: CallContext) -> int:
    tty = ctx.arg(0)
    if not tty:
        return _console_base(ctx) + T.OFF_NAMES  # Linux says "NULL tty"; the driver name will do
    return tty + T.TTY_STRUCT.off("name")


@kapi(
    "__lkmsh_pty_write",
    "int __lkmsh_pty_write(struct tty_struct *tty, const unsigned char *buf, int count)",
)
def pty_write(ctx: CallContext) -> int:
    """The pty's write op: the bytes go to the shell's terminal as they are."""
    buf, count = ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF
    if count >= 1 << 31:  # a negative int count writes nothing
        return 0
    count = min(count, MAX_WRITE)
    return ctx.kernel.console.write(ctx.mem.read(buf, count) if count else b"")
