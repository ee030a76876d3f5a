"""<linux/trace.h>: a module's own ftrace instance (kernel/trace/trace.c), as Linux 6.1.

trace_array_get_by_name() finds or makes /sys/kernel/tracing/instances/NAME
and takes a reference; trace_array_put() drops it; trace_array_destroy()
removes the instance unless someone else still holds it (-EBUSY).
trace_array_printk() writes a printk record into the instance's buffer, shown
as trace_printk()'s are ("caller: text").
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import PRINTK_MAX, cstr, format_args
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.trace_printk import message_entry
from lkmsh.kernel.trace_output import context_flags, current_context, current_task

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext


@kapi(
    "trace_array_get_by_name",
    "struct trace_array *trace_array_get_by_name(const char *name)",
    gpl=True,
)
def trace_array_get_by_name(ctx: CallContext) -> int:
    name = cstr(ctx, ctx.arg(0), 256).decode("utf-8", "replace")
    arr = ctx.kernel.trace_events.get_by_name(name)
    return arr.addr if arr is not None else 0


@kapi("trace_array_put", "void trace_array_put(struct trace_array *tr)", gpl=True)
def trace_array_put(ctx: CallContext) -> None:
    """A count already at 0 stays there (Linux WARNs and goes below)."""
    evs = ctx.kernel.trace_events
    arr = evs.by_addr(ctx.arg(0)) if ctx.arg(0) else None
    if arr is not None:
        evs.put(arr)


@kapi("trace_array_destroy", "int trace_array_destroy(struct trace_array *tr)", gpl=True)
def trace_array_destroy(ctx: CallContext) -> int:
    if not ctx.arg(0):
        return -E.EINVAL
    evs = ctx.kernel.trace_events
    arr = evs.by_addr(ctx.arg(0))
    if arr is None:
        return -E.ENODEV
    return evs.destroy(arr)


@kapi("trace_array_init_printk", "int trace_array_init_printk(struct trace_array *tr)", gpl=True)
def trace_array_init_printk(ctx: CallContext) -> int:
    if not ctx.arg(0):
        return -E.ENOENT
    arr = ctx.kernel.trace_events.by_addr(ctx.arg(0))
    return 0 if arr is not None else -E.EINVAL  # the top level's is not the module's to set up


@kapi(
    "trace_array_printk",
    "int trace_array_printk(struct trace_array *tr, unsigned long ip, const char *fmt, ...)",
    gpl=True,
)
def trace_array_printk(ctx: CallContext) -> int:
    if not ctx.arg(0):
        return -E.ENOENT
    k = ctx.kernel
    arr = k.trace_events.by_addr(ctx.arg(0))
    if arr is None:  # only created instances take it (the top level's returns 0)
        return 0
    ring = arr.ring_of(k)
    if not ring.on:
        return 0
    text = format_args(ctx, ctx.arg(2), 3, PRINTK_MAX)
    comm, pid = current_task(k)
    ring.record(message_entry(k, ctx.arg(1), text, comm, pid, context_flags(*current_context(k))))
    return len(text)
