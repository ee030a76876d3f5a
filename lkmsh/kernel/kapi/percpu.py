"""Dynamic per-CPU memory (<linux/percpu.h>, mm/percpu.c): alloc_percpu and free_percpu.

lkmsh has one CPU, so a per-CPU area is one zeroed object of the heap (kind
"percpu": freeing it with kfree, or a kmalloc'd pointer with free_percpu, is
an invalid free) and per_cpu_ptr() of it is the pointer itself. As Linux's
kmemleak, which tracks per-CPU areas with min_count 0, they are scanned for
pointers but never reported as leaks; a module's are given back when it goes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KIND_PERCPU
from lkmsh.kernel.kapi.bug import warn
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import GFP_NOWARN, _alloc, _free
from lkmsh.kernel.layout import PAGE_SIZE

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

#: mm/percpu.c's limits: a unit's least size, the least alignment handed out
PCPU_MIN_UNIT_SIZE = 32 << 10
PCPU_MIN_ALLOC_SIZE = 4
GFP_KERNEL = 0xCC0


def _pcpu_alloc(ctx: CallContext, size: int, align: int, gfp: int) -> int:
    align = max(align, PCPU_MIN_ALLOC_SIZE)
    if not size or size > PCPU_MIN_UNIT_SIZE or align > PAGE_SIZE or align & (align - 1):
        if not gfp & GFP_NOWARN:
            warn(ctx, [f"illegal size ({size}) or align ({align}) for percpu allocation"])
        return 0
    return _alloc(ctx, size, gfp, KIND_PERCPU, zero=True)


@kapi("__alloc_percpu", "void *__alloc_percpu(size_t size, size_t align)", gpl=True)
def __alloc_percpu(ctx: CallContext) -> int:
    return _pcpu_alloc(ctx, ctx.arg(0), ctx.arg(1), GFP_KERNEL)


@kapi(
    "__alloc_percpu_gfp",
    "void *__alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp)",
    gpl=True,
)
def __alloc_percpu_gfp(ctx: CallContext) -> int:
    return _pcpu_alloc(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF)


@kapi("free_percpu", "void free_percpu(void *pdata)", gpl=True)
def free_percpu(ctx: CallContext) -> None:
    if ctx.arg(0):
        _free(ctx, ctx.arg(0), KIND_PERCPU)
