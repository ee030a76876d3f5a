"""Helpers every kernel API family shares: who is calling, strings, formatting."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.errors import KernelError
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kapi.vsprintf import Formatter, Sink

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1
STRING_MAX = 1 << 20  # longest C string a kernel function scans
#: printk formats into a buffer of this size (Linux: PRINTKRB_RECORD_MAX)
PRINTK_MAX = 1024


def owner(ctx: CallContext) -> str:
    """The module on whose behalf the call runs (heap ownership), or the kernel."""
    module = ctx.kernel.current_module
    return module.name if module is not None else KERNEL_OWNER


def task(ctx: CallContext) -> str:
    """``comm/pid`` of the running task, for reports (module loading is done by insmod)."""
    who = getattr(ctx.kernel, "current_task_id", None)
    if who is not None:
        comm, pid = who()
        return f"{comm}/{pid}"
    module = ctx.kernel.current_module
    state = getattr(getattr(module, "state", None), "value", "")
    return "rmmod/1" if state == "unloading" else "insmod/1"


def cstr(ctx: CallContext, addr: int, limit: int = STRING_MAX) -> bytes:
    """The NUL-terminated string at ``addr`` (a fault propagates, as Linux would oops)."""
    return ctx.mem.read_cstr(addr, limit)


def _safe_cstr(ctx: CallContext):
    mem = ctx.mem

    def read(addr: int, limit: int) -> bytes | None:
        try:
            return mem.read_cstr(addr, limit)
        except KernelError as e:
            if e.errno == errno.EFAULT:
                return None
            raise

    return read


def _safe_bytes(ctx: CallContext):
    mem = ctx.mem

    def read(addr: int, n: int) -> bytes | None:
        try:
            return mem.read(addr, n)
        except KernelError as e:
            if e.errno == errno.EFAULT:
                return None
            raise

    return read


def _warn_once(ctx: CallContext):
    """WARN_ONCE of format_decode for an unsupported conversion (%n among them)."""

    def on_invalid(message: str) -> None:
        from lkmsh.kernel.kapi.bug import warn

        done = ctx.kernel.__dict__.setdefault("_format_warned", set())
        if message in done:
            return
        done.add(message)
        warn(ctx, [message, "WARNING: CPU: 0 PID: 1 at lib/vsprintf.c:2600 format_decode"])

    return on_invalid


def formatter(ctx: CallContext) -> Formatter:
    """A vsprintf Formatter reading this call's memory and symbolising with its kernel."""
    from lkmsh.kernel.kapi.vsprintf_ext import VaFormatter

    kernel = ctx.kernel
    f = VaFormatter(_safe_cstr(ctx), _safe_bytes(ctx), kernel.symbolize, on_invalid=_warn_once(ctx))
    f.poll = getattr(ctx.mem, "poll", None)  # Ctrl-C between the fields of a long format

    def va_args(ap: int):
        from lkmsh.kernel.kapi.string import va_list_args

        return va_list_args(ctx, ap)

    f.va_args = va_args  # %pV reads a va_list of this call's architecture
    f.fwnode_names = lambda fwnode: _fwnode_names(ctx, fwnode)  # %pfw
    return f


def _fwnode_names(ctx: CallContext, fwnode: int) -> list[bytes] | None:
    """The names from the root down to a registered software node's fwnode (swnode.py)."""
    n = ctx.kernel.swnodes.by_fwnode.get(fwnode)
    if n is None:
        return None
    read_bytes, read_cstr = _safe_bytes(ctx), _safe_cstr(ctx)
    names: list[bytes] = []
    node = n.node
    while node and len(names) < 64:
        raw = read_bytes(node, 16)
        if raw is None:
            return None
        name = int.from_bytes(raw[:8], "little")
        names.append((read_cstr(name, 256) or b"") if name else b"")
        node = int.from_bytes(raw[8:], "little")
    return names[::-1]


def format_sink(ctx: CallContext, fmt_addr: int, args, sink: Sink) -> Sink:
    """vsnprintf of the format at ``fmt_addr`` into ``sink`` (which bounds what is kept).

    A NULL format is read like any pointer, so it faults as in Linux's vsnprintf.
    """
    fmt = cstr(ctx, fmt_addr)
    formatter(ctx).format_into(sink, fmt, args)
    return sink


def format_args(
    ctx: CallContext, fmt_addr: int, first_vararg: int, limit: int = PRINTK_MAX
) -> bytes:
    """The first ``limit`` bytes of the format at ``fmt_addr`` with the call's varargs."""
    return format_sink(ctx, fmt_addr, ctx.varargs(first_vararg), Sink(limit)).getvalue()


def u32(ctx: CallContext, addr: int) -> int:
    return int.from_bytes(ctx.mem.read(addr, 4), "little")


def u64(ctx: CallContext, addr: int) -> int:
    return int.from_bytes(ctx.mem.read(addr, 8), "little")


def put(ctx: CallContext, addr: int, value: int, size: int) -> None:
    ctx.mem.write(addr, (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))


def decode(text: bytes) -> str:
    """Kernel text for dmesg: undecodable bytes shown as \\xNN, as dmesg escapes them."""
    return text.decode("utf-8", "backslashreplace")
