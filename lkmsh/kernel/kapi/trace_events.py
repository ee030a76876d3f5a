"""<linux/trace_events.h>: what an event's generated code calls (trace_events.c, trace_output.c).

The probe's trace_event_buffer_reserve()/_commit() put a record in the ring
of the trace array its trace_event_file belongs to; the output function's
trace_raw_output_prep() and trace_event_printf() write its line into
iter->seq. trace_event_raw_init() and trace_event_reg() are what the class
points at; the kernel does their work itself when the event comes and when
it is enabled, and does the same when module code calls them.
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import cstr
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.trace_seq import seq_format, seq_put
from lkmsh.kernel.trace_events import EVENT_CALL
from lkmsh.kernel.trace_output import EVENT_BUFFER, ITERATOR, OFF_SEQ_FULL

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

TRACE_TYPE_HANDLED, TRACE_TYPE_UNHANDLED, TRACE_TYPE_PARTIAL_LINE = 1, 2, 0
TRACE_REG_REGISTER, TRACE_REG_UNREGISTER = 0, 1
_TYPE_IN_EVENT = EVENT_CALL.off("event__type") - EVENT_CALL.off(
    "event"
)  # struct trace_event's type


@kapi("trace_event_raw_init", "int trace_event_raw_init(struct trace_event_call *call)", gpl=True)
def trace_event_raw_init(ctx: CallContext) -> int:
    """The event's id is given when its module comes (register_trace_event())."""
    return 0 if ctx.kernel.trace_events.registry.events.get(ctx.arg(0)) else -E.ENODEV


@kapi(
    "trace_event_reg",
    "int trace_event_reg(struct trace_event_call *event, enum trace_reg type, void *data)",
    gpl=True,
)
def trace_event_reg(ctx: CallContext) -> int:
    evs = ctx.kernel.trace_events
    ev = evs.registry.events.get(ctx.arg(0))
    kind = ctx.arg(1) & 0xFFFFFFFF
    if ev is None or kind not in (TRACE_REG_REGISTER, TRACE_REG_UNREGISTER):
        return 0
    return evs.registry.reg(ev, ctx.arg(2), kind == TRACE_REG_REGISTER)


@kapi(
    "trace_event_buffer_reserve",
    "void *trace_event_buffer_reserve(struct trace_event_buffer *fbuffer,"
    " struct trace_event_file *trace_file, unsigned long len)",
    gpl=True,
)
def trace_event_buffer_reserve(ctx: CallContext) -> int:
    fbuffer, file, size = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    evs = ctx.kernel.trace_events
    found = evs.array_of_file(file)
    ctx.mem.write_u64(fbuffer + EVENT_BUFFER.off("trace_file"), file)
    ctx.mem.write_u64(fbuffer + EVENT_BUFFER.off("entry"), 0)
    if found is None:
        return 0
    arr, ev = found
    if not arr.ring_of(ctx.kernel).on:  # the ring buffer records nothing
        return 0
    return evs.recorder.reserve(fbuffer, arr, ev.id, size)


@kapi(
    "trace_event_buffer_commit",
    "void trace_event_buffer_commit(struct trace_event_buffer *fbuffer)",
    gpl=True,
)
def trace_event_buffer_commit(ctx: CallContext) -> None:
    ctx.kernel.trace_events.recorder.commit(ctx.arg(0))


def _seq(ctx: CallContext) -> int:
    return ctx.arg(0) + ITERATOR.off("seq")


@kapi(
    "trace_raw_output_prep",
    "int trace_raw_output_prep(struct trace_iterator *iter, struct trace_event *event)",
)
def trace_raw_output_prep(ctx: CallContext) -> int:
    """The record is the event's: "NAME: " starts its line, tmp_seq starts empty (a
    record of another type is left to others: TRACE_TYPE_UNHANDLED)."""
    from lkmsh.kernel.trace_output import seq_init

    it, event = ctx.arg(0), ctx.arg(1)
    mem = ctx.mem
    ev = ctx.kernel.trace_events.registry.by_event(event)
    ent = mem.read_u64(it + ITERATOR.off("ent"))
    type_ = mem.read_u16(ent) if ent else -1
    if ev is None or type_ != mem.read_u32(event + _TYPE_IN_EVENT):
        return TRACE_TYPE_UNHANDLED
    seq_init(mem, it + ITERATOR.off("tmp_seq"))
    seq = _seq(ctx)
    seq_put(ctx, seq, f"{ev.name}: ".encode())
    return TRACE_TYPE_PARTIAL_LINE if mem.read_u32(seq + OFF_SEQ_FULL) else TRACE_TYPE_HANDLED


@kapi(
    "trace_event_printf",
    "void trace_event_printf(struct trace_iterator *iter, const char *fmt, ...)",
)
def trace_event_printf(ctx: CallContext) -> None:
    seq_format(ctx, _seq(ctx), ctx.arg(1), ctx.varargs(2))


@kapi(
    "trace_output_call",
    "int trace_output_call(struct trace_iterator *iter, char *name, char *fmt, ...)",
    gpl=True,
)
def trace_output_call(ctx: CallContext) -> int:
    seq = _seq(ctx)
    seq_put(ctx, seq, cstr(ctx, ctx.arg(1), 256) + b": ")
    seq_format(ctx, seq, ctx.arg(2), ctx.varargs(3))
    return TRACE_TYPE_PARTIAL_LINE if ctx.mem.read_u32(seq + OFF_SEQ_FULL) else TRACE_TYPE_HANDLED


def _name(ctx: CallContext, addr: int) -> str | None:
    return cstr(ctx, addr, 256).decode("utf-8", "replace") if addr else None


@kapi(
    "trace_set_clr_event",
    "int trace_set_clr_event(const char *system, const char *event, int set)",
    gpl=True,
)
def trace_set_clr_event(ctx: CallContext) -> int:
    evs = ctx.kernel.trace_events
    return evs.set_clr(evs.top, _name(ctx, ctx.arg(0)), _name(ctx, ctx.arg(1)), bool(ctx.arg(2)))


@kapi(
    "trace_array_set_clr_event",
    "int trace_array_set_clr_event(struct trace_array *tr, const char *system,"
    " const char *event, bool enable)",
    gpl=True,
)
def trace_array_set_clr_event(ctx: CallContext) -> int:
    evs = ctx.kernel.trace_events
    arr = evs.by_addr(ctx.arg(0)) if ctx.arg(0) else None
    if arr is None:
        return -E.ENOENT
    on = bool(ctx.arg(3) & 0xFF)
    return evs.set_clr(arr, _name(ctx, ctx.arg(1)), _name(ctx, ctx.arg(2)), on)
