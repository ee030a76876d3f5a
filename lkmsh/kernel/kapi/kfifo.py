"""lib/kfifo.c's allocating half: __kfifo_alloc and __kfifo_free (the ring itself is klib's)."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import _alloc, _free

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

#: struct __kfifo: in 0, out 4, mask 8, esize 12, data 16
F_IN, F_OUT, F_MASK, F_ESIZE, F_DATA = 0, 4, 8, 12, 16


def _roundup_pow_of_two(n: int) -> int:
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


@kapi(
    "__kfifo_alloc",
    "int __kfifo_alloc(struct __kfifo *fifo, unsigned int size, size_t esize, gfp_t gfp_mask)",
)
def kfifo_alloc(ctx: CallContext) -> int:
    fifo, size, esize = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2)
    size = _roundup_pow_of_two(size)
    mem = ctx.mem
    mem.write_u32(fifo + F_IN, 0)
    mem.write_u32(fifo + F_OUT, 0)
    mem.write_u32(fifo + F_ESIZE, esize & 0xFFFFFFFF)
    if size < 2:
        mem.write_u64(fifo + F_DATA, 0)
        mem.write_u32(fifo + F_MASK, 0)
        return -errno.EINVAL
    data = _alloc(ctx, size * esize, ctx.arg(3) & 0xFFFFFFFF) if esize else 0
    mem.write_u64(fifo + F_DATA, data)
    if not data:
        mem.write_u32(fifo + F_MASK, 0)
        return -errno.ENOMEM
    mem.write_u32(fifo + F_MASK, size - 1)
    return 0


@kapi("__kfifo_free", "void __kfifo_free(struct __kfifo *fifo)")
def kfifo_free(ctx: CallContext) -> None:
    fifo = ctx.arg(0)
    data = ctx.mem.read_u64(fifo + F_DATA)
    if data > 16:
        _free(ctx, data)
    for off in (F_IN, F_OUT, F_ESIZE, F_MASK):
        ctx.mem.write_u32(fifo + off, 0)
    ctx.mem.write_u64(fifo + F_DATA, 0)
