"""Interrupt handlers (<linux/interrupt.h>, <linux/irq.h>, <linux/preempt.h>) over irq.py.

``request_irq`` is the header's inline over ``request_threaded_irq``, as in
Linux 6.1; the checks, errnos and genirq messages are Linux's.
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.irq import IrqAction, IrqError
from lkmsh.kernel.kapi.bug import warn
from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

IRQ_NOTCONNECTED = 1 << 31
IRQC_IS_HARDIRQ = 0


def _request(ctx: CallContext, irq: int, handler: int, thread_fn: int, flags: int) -> int:
    if irq == IRQ_NOTCONNECTED:
        return -E.ENOTCONN
    name_addr = ctx.arg(4)
    action = IrqAction(
        handler, thread_fn, flags, decode(cstr(ctx, name_addr, 256)), name_addr,
        ctx.arg(5), owner(ctx),
    )  # fmt: skip
    try:
        ctx.kernel.irqs.request(irq, action)
    except IrqError as exc:
        return -exc.errno
    return 0


@kapi(
    "request_threaded_irq",
    "int request_threaded_irq(unsigned int irq, irq_handler_t handler, irq_handler_t thread_fn, "
    "unsigned long irqflags, const char *devname, void *dev_id)",
)
def request_threaded_irq(ctx: CallContext) -> int:
    return _request(ctx, ctx.arg(0) & 0xFFFFFFFF, ctx.arg(1), ctx.arg(2), ctx.arg(3))


@kapi(
    "request_any_context_irq",
    "int request_any_context_irq(unsigned int irq, irq_handler_t handler, unsigned long flags, "
    "const char *name, void *dev_id)",
    gpl=True,
)
def request_any_context_irq(ctx: CallContext) -> int:
    irq, handler, flags = ctx.arg(0) & 0xFFFFFFFF, ctx.arg(1), ctx.arg(2)
    # the arguments sit one register earlier than request_threaded_irq's
    name_addr, dev_id = ctx.arg(3), ctx.arg(4)
    if irq == IRQ_NOTCONNECTED:
        return -E.ENOTCONN
    action = IrqAction(
        handler, 0, flags, decode(cstr(ctx, name_addr, 256)), name_addr, dev_id, owner(ctx)
    )
    try:
        ctx.kernel.irqs.request(irq, action)
    except IrqError as exc:
        return -exc.errno
    return IRQC_IS_HARDIRQ


@kapi("free_irq", "const void *free_irq(unsigned int irq, void *dev_id)")
def free_irq(ctx: CallContext) -> int:
    irq = ctx.arg(0) & 0xFFFFFFFF
    action = ctx.kernel.irqs.free(irq, ctx.arg(1))
    if action is None:
        warn(ctx, [f"Trying to free already-free IRQ {irq}"])
        return 0
    return action.name_addr


@kapi("disable_irq", "void disable_irq(unsigned int irq)")
def disable_irq(ctx: CallContext) -> None:
    ctx.kernel.irqs.disable(ctx.arg(0) & 0xFFFFFFFF)


@kapi("disable_irq_nosync", "void disable_irq_nosync(unsigned int irq)")
def disable_irq_nosync(ctx: CallContext) -> None:
    ctx.kernel.irqs.disable(ctx.arg(0) & 0xFFFFFFFF)


@kapi("disable_hardirq", "bool disable_hardirq(unsigned int irq)", gpl=True)
def disable_hardirq(ctx: CallContext) -> int:
    ctx.kernel.irqs.disable(ctx.arg(0) & 0xFFFFFFFF)
    return 1  # no handler is running on another CPU


@kapi("enable_irq", "void enable_irq(unsigned int irq)")
def enable_irq(ctx: CallContext) -> None:
    irq = ctx.arg(0) & 0xFFFFFFFF
    if not ctx.kernel.irqs.enable(irq):
        warn(ctx, [f"Unbalanced enable for IRQ {irq}"])


@kapi("synchronize_irq", "void synchronize_irq(unsigned int irq)")
def synchronize_irq(ctx: CallContext) -> None:
    """One CPU, handlers run to completion: nothing is ever in flight."""


@kapi("irq_set_irq_type", "int irq_set_irq_type(unsigned int irq, unsigned int type)")
def irq_set_irq_type(ctx: CallContext) -> int:
    desc = ctx.kernel.irqs.descs.get(ctx.arg(0) & 0xFFFFFFFF)
    if desc is None:
        return -E.EINVAL
    for act in desc.actions:
        act.flags = (act.flags & ~0xF) | (ctx.arg(1) & 0xF)
    return 0


@kapi("no_action", "irqreturn_t no_action(int cpl, void *dev_id)", gpl=True)
def no_action(ctx: CallContext) -> int:
    return 0  # IRQ_NONE
