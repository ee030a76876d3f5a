"""<linux/hw_breakpoint.h>: wide (every CPU: the one) data and execute breakpoints.

register_wide_hw_breakpoint() returns a per-CPU array of events, one per
online CPU, as kernel/events/hw_breakpoint.c; errors come back as ERR_PTR.
hwbreak.py checks the shape, arms the CPU and runs the handlers.
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1


def _warn_bad(ctx: CallContext, what: str, addr: int) -> None:
    """lkmsh's word for a pointer that is no breakpoint (Linux would corrupt memory)."""
    ctx.kernel.log.emit(4, f"{what}: 0x{addr:016x} is not a breakpoint; ignored")


@kapi(
    "register_wide_hw_breakpoint",
    "struct perf_event **register_wide_hw_breakpoint(struct perf_event_attr *attr,"
    " perf_overflow_handler_t triggered, void *context)",
    gpl=True,
)
def register_wide_hw_breakpoint(ctx: CallContext) -> int:
    k = ctx.kernel
    cpu_events = k.heap.alloc(8, KERNEL_OWNER, zero=True)  # alloc_percpu: one CPU
    if not cpu_events:
        return -E.ENOMEM & MASK64
    event = k.hw_breakpoints.register(ctx.arg(0), ctx.arg(1), ctx.arg(2), owner(ctx))
    if event < 0:
        k.heap.free(cpu_events)
        return event & MASK64
    k.hw_breakpoints.by_event[event].wide = cpu_events
    ctx.mem.write_u64(cpu_events, event)
    return cpu_events


@kapi(
    "unregister_wide_hw_breakpoint",
    "void unregister_wide_hw_breakpoint(struct perf_event **cpu_events)",
    gpl=True,
)
def unregister_wide_hw_breakpoint(ctx: CallContext) -> None:
    cpu_events = ctx.arg(0)
    hw = ctx.kernel.hw_breakpoints
    mine = [b for b in hw.by_event.values() if b.wide == cpu_events] if cpu_events else []
    if not mine:
        _warn_bad(ctx, "unregister_wide_hw_breakpoint", cpu_events)
        return
    for bp in mine:
        hw.unregister(bp.event)
    ctx.kernel.heap.free(cpu_events)


@kapi("unregister_hw_breakpoint", "void unregister_hw_breakpoint(struct perf_event *bp)", gpl=True)
def unregister_hw_breakpoint(ctx: CallContext) -> None:
    bp = ctx.arg(0)
    if bp and not ctx.kernel.hw_breakpoints.unregister(bp):
        _warn_bad(ctx, "unregister_hw_breakpoint", bp)
