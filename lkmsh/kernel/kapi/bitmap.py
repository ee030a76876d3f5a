"""lib/bitmap.c's allocating helpers; the bit arithmetic itself is lkmsh/klib/bitmap.c."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.heap import ZERO_SIZE_PTR
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import _alloc, _free

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext


def _bytes(nbits: int) -> int:
    return (nbits + 63) // 64 * 8


@kapi("bitmap_alloc", "unsigned long *bitmap_alloc(unsigned int nbits, gfp_t flags)")
def bitmap_alloc(ctx: CallContext) -> int:
    return _alloc(ctx, _bytes(ctx.arg(0) & 0xFFFFFFFF), ctx.arg(1) & 0xFFFFFFFF)


@kapi("bitmap_zalloc", "unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t flags)")
def bitmap_zalloc(ctx: CallContext) -> int:
    return _alloc(ctx, _bytes(ctx.arg(0) & 0xFFFFFFFF), ctx.arg(1) & 0xFFFFFFFF, zero=True)


@kapi("bitmap_free", "void bitmap_free(const unsigned long *bitmap)")
def bitmap_free(ctx: CallContext) -> None:
    if ctx.arg(0) > ZERO_SIZE_PTR:  # as kfree(): NULL and ZERO_SIZE_PTR do nothing
        _free(ctx, ctx.arg(0))
