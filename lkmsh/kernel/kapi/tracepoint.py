"""<linux/tracepoint.h>: probes on tracepoints (kernel/tracepoint.c), as Linux 6.1.

The probes live in the Tracepoints component (tracepoints.py), which
rewrites each tracepoint's probe array in memory; trace_NAME() in module code
walks that array.
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.sysfs import call_module_code
from lkmsh.kernel.tracepoints import DEFAULT_PRIO

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext


def _register(ctx: CallContext, prio: int, may_exist: bool = False) -> int:
    tp, probe, data = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    ret = ctx.kernel.tracepoints.register(tp, probe, data, prio)
    return 0 if may_exist and ret == -E.EEXIST else ret


@kapi(
    "tracepoint_probe_register",
    "int tracepoint_probe_register(struct tracepoint *tp, void *probe, void *data)",
    gpl=True,
)
def tracepoint_probe_register(ctx: CallContext) -> int:
    return _register(ctx, DEFAULT_PRIO)


@kapi(
    "tracepoint_probe_register_prio",
    "int tracepoint_probe_register_prio(struct tracepoint *tp, void *probe, void *data, int prio)",
    gpl=True,
)
def tracepoint_probe_register_prio(ctx: CallContext) -> int:
    return _register(ctx, ctx.sarg(3, 32))


@kapi(
    "tracepoint_probe_register_prio_may_exist",
    "int tracepoint_probe_register_prio_may_exist(struct tracepoint *tp, void *probe,"
    " void *data, int prio)",
    gpl=True,
)
def tracepoint_probe_register_prio_may_exist(ctx: CallContext) -> int:
    return _register(ctx, ctx.sarg(3, 32), may_exist=True)


@kapi(
    "tracepoint_probe_unregister",
    "int tracepoint_probe_unregister(struct tracepoint *tp, void *probe, void *data)",
    gpl=True,
)
def tracepoint_probe_unregister(ctx: CallContext) -> int:
    return ctx.kernel.tracepoints.unregister(ctx.arg(0), ctx.arg(1), ctx.arg(2))


@kapi(
    "for_each_kernel_tracepoint",
    "void for_each_kernel_tracepoint(void (*fct)(struct tracepoint *tp, void *priv), void *priv)",
    gpl=True,
)
def for_each_kernel_tracepoint(ctx: CallContext) -> None:
    """The kernel's own tracepoints (not the modules'), each given to @fct."""
    fct, priv = ctx.arg(0), ctx.arg(1)
    for tp in list(ctx.kernel.tracepoints.kernel_tracepoints().values()):
        call_module_code(ctx.kernel, fct, [tp, priv])
