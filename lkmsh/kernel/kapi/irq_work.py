"""irq_work (<linux/irq_work.h>): work in hard-IRQ context, raised by a self-IPI.

Linux claims the work (PENDING|BUSY; an already pending one is not queued
again), raises an IPI to itself and, in the interrupt, clears PENDING, runs
``func`` and clears BUSY. lkmsh's one CPU takes that interrupt before
irq_work_queue() returns: the work runs inside the call, in hard-IRQ context.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

IRQ_WORK_PENDING, IRQ_WORK_BUSY = 1, 2
IRQ_WORK = cstruct("struct irq_work", "linux/irq_work.h", 32, node__a_flags=(8, 4), func=(16, 8))


def _run(ctx: CallContext, work: int) -> bool:
    mem = ctx.mem
    flags_at = work + IRQ_WORK.off("node__a_flags")
    flags = mem.read_u32(flags_at)
    if flags & IRQ_WORK_PENDING:
        return False  # already queued: it will run once
    mem.write_u32(flags_at, flags | IRQ_WORK_PENDING | IRQ_WORK_BUSY)
    irqs = ctx.kernel.irqs
    mem.write_u32(flags_at, mem.read_u32(flags_at) & ~IRQ_WORK_PENDING)
    irqs.hardirq_depth += 1
    try:
        ctx.kernel.call(mem.read_u64(work + IRQ_WORK.off("func")), [work])
    finally:
        irqs.hardirq_depth -= 1
        mem.write_u32(flags_at, mem.read_u32(flags_at) & ~IRQ_WORK_BUSY)
        ctx.kernel.kernel_data_changed()  # __preempt_count: out of the interrupt
    return True


@kapi("irq_work_queue", "bool irq_work_queue(struct irq_work *work)", gpl=True)
def irq_work_queue(ctx: CallContext) -> int:
    return int(_run(ctx, ctx.arg(0)))


@kapi("irq_work_sync", "void irq_work_sync(struct irq_work *work)", gpl=True)
def irq_work_sync(ctx: CallContext) -> None:
    """Waits while the work is BUSY: it never is once irq_work_queue() has returned."""


@kapi("irq_work_run", "void irq_work_run(void)", gpl=True)
def irq_work_run(ctx: CallContext) -> None:
    """Runs the works queued on this CPU: none is left waiting in lkmsh."""
