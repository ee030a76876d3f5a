"""trace_printk() (<linux/kernel.h>): records in the tracing ring buffer.

The record is the caller (``%ps`` of the ip the macro passes) and the text,
formatted by the kernel's vsnprintf; ``cat /sys/kernel/tracing/trace`` shows
it with the task, the context flags (``d.h1.`` in hard-IRQ context) and the
time. Recorded while tracing_on is 1, as Linux's (it is 1 at boot). The
first use prints Linux's banner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import PRINTK_MAX, cstr, format_args
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.trace import TraceEntry, symbol_no_offset

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

#: kernel/trace/trace.c's trace_printk_init_buffers() banner, printed at KERN_WARNING
BANNER = (
    "",
    "**********************************************************",
    "**   NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE   **",
    "**                                                      **",
    "** trace_printk() being used. Allocating extra memory.  **",
    "**                                                      **",
    "** This means that this is a DEBUG kernel and it is     **",
    "** unsafe for production use.                           **",
    "**                                                      **",
    "** If you see this message and you are not debugging    **",
    "** the kernel, report this immediately to your vendor!  **",
    "**                                                      **",
    "**   NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE NOTICE   **",
    "**********************************************************",
)


def message_entry(k, ip: int, text: bytes, comm: str, pid: int, flags: str) -> TraceEntry:
    """A printk-style record (trace_printk, trace_array_printk) from the caller at @ip."""
    where = k.symbolize(ip)
    module = k.current_module
    return TraceEntry(
        k.clock.ns(), comm, pid, "", [], None, ip, symbol_no_offset(where), where,
        module.name if module is not None else None,
        message=text.decode("utf-8", "replace"), flags=flags,
    )  # fmt: skip


def _record(ctx: CallContext, ip: int, text: bytes) -> int:
    k = ctx.kernel
    ft = k.tracing.ftrace
    if not ft.printk_used:
        ft.printk_used = True
        for line in BANNER:
            k.log.emit(4, line)
    if not ft.on:
        return 0
    comm, pid = k.current_task_id()
    flags = "d.h1." if k.irqs.hardirq_depth else "....."
    ft.record(message_entry(k, ip, text, comm, pid, flags))
    return len(text)


@kapi("__trace_puts", "int __trace_puts(unsigned long ip, const char *str, int size)", gpl=True)
def __trace_puts(ctx: CallContext) -> int:
    size = max(0, min(ctx.arg(2) & 0xFFFFFFFF, PRINTK_MAX))
    return _record(ctx, ctx.arg(0), ctx.mem.read(ctx.arg(1), size))


@kapi("__trace_bputs", "int __trace_bputs(unsigned long ip, const char *str)", gpl=True)
def __trace_bputs(ctx: CallContext) -> int:
    return _record(ctx, ctx.arg(0), cstr(ctx, ctx.arg(1), PRINTK_MAX))


def _printf(ctx: CallContext) -> int:
    return _record(ctx, ctx.arg(0), format_args(ctx, ctx.arg(1), 2))


kapi("__trace_printk", "int __trace_printk(unsigned long ip, const char *fmt, ...)", gpl=True)(
    _printf
)
kapi("__trace_bprintk", "int __trace_bprintk(unsigned long ip, const char *fmt, ...)", gpl=True)(
    _printf
)
