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


class _Ring:
    """A struct __kfifo read from module memory, for the user-copy functions."""

    def __init__(self, ctx: CallContext, fifo: int):
        mem = ctx.mem
        self.ctx, self.fifo = ctx, fifo
        self.inp, self.out = mem.read_u32(fifo + F_IN), mem.read_u32(fifo + F_OUT)
        self.mask, self.esize = mem.read_u32(fifo + F_MASK), mem.read_u32(fifo + F_ESIZE)
        self.data = mem.read_u64(fifo + F_DATA)

    @property
    def unused(self) -> int:
        return (self.mask + 1) - ((self.inp - self.out) & 0xFFFFFFFF)

    def pieces(self, off: int, n: int) -> list[tuple[int, int]]:
        """(address, bytes) of n elements from element offset off, wrapping at the end."""
        size, esize = (self.mask + 1) * self.esize, self.esize
        start = (off & self.mask) * esize
        first = min(n * esize, size - start)
        return [(self.data + start, first), (self.data, n * esize - first)]

    def copy_user(self, user: int, n: int, off: int, to_user: bool) -> int:
        """Copy n elements between the ring and user memory; the bytes NOT copied."""
        um = self.ctx.kernel.user
        left, at = 0, user
        for addr, m in self.pieces(off, n):
            if not m:
                continue
            if left:
                left += m
                continue
            left = um.copy_to_user(at, addr, m) if to_user else um.copy_from_user(addr, at, m)
            at += m
        return left

    def store(self) -> None:
        self.ctx.mem.write_u32(self.fifo + F_IN, self.inp & 0xFFFFFFFF)
        self.ctx.mem.write_u32(self.fifo + F_OUT, self.out & 0xFFFFFFFF)

    def peek_n(self, recsize: int) -> int:
        base = self.data
        n = self.ctx.mem.read_u8(base + (self.out & self.mask))
        if recsize > 1:
            n |= self.ctx.mem.read_u8(base + ((self.out + 1) & self.mask)) << 8
        return n


def _copied(ctx: CallContext, addr: int, n: int) -> None:
    ctx.mem.write_u32(addr, n & 0xFFFFFFFF)


def _user_copy(ctx: CallContext, to_user: bool) -> int:
    """__kfifo_to_user / __kfifo_from_user: as many whole elements as fit and are there."""
    r = _Ring(ctx, ctx.arg(0))
    esize = r.esize or 1
    room = (r.inp - r.out) & 0xFFFFFFFF if to_user else r.unused
    n = min(ctx.arg(2) // esize, room)
    left = r.copy_user(ctx.arg(1), n, r.out if to_user else r.inp, to_user)
    done = n - -(-left // esize)
    _copied(ctx, ctx.arg(3), n * esize - left)
    if to_user:
        r.out += done
    else:
        r.inp += done
    r.store()
    return -errno.EFAULT if left else 0


@kapi(
    "__kfifo_from_user",
    "int __kfifo_from_user(struct __kfifo *fifo, const void __user *from, unsigned long len,"
    " unsigned int *copied)",
)
def kfifo_from_user(ctx: CallContext) -> int:
    return _user_copy(ctx, to_user=False)


@kapi(
    "__kfifo_to_user",
    "int __kfifo_to_user(struct __kfifo *fifo, void __user *to, unsigned long len,"
    " unsigned int *copied)",
)
def kfifo_to_user(ctx: CallContext) -> int:
    return _user_copy(ctx, to_user=True)


@kapi(
    "__kfifo_from_user_r",
    "int __kfifo_from_user_r(struct __kfifo *fifo, const void __user *from, unsigned long len,"
    " unsigned int *copied, size_t recsize)",
)
def kfifo_from_user_r(ctx: CallContext) -> int:
    r, recsize = _Ring(ctx, ctx.arg(0)), ctx.arg(4)
    n = min(ctx.arg(2), (1 << (8 * recsize)) - 1)
    if n + recsize > r.unused:
        _copied(ctx, ctx.arg(3), 0)
        return 0
    base = r.data
    ctx.mem.write_u8(base + (r.inp & r.mask), n & 0xFF)
    if recsize > 1:
        ctx.mem.write_u8(base + ((r.inp + 1) & r.mask), (n >> 8) & 0xFF)
    if r.copy_user(ctx.arg(1), n, r.inp + recsize, to_user=False):
        _copied(ctx, ctx.arg(3), 0)
        return -errno.EFAULT
    _copied(ctx, ctx.arg(3), n)
    r.inp += n + recsize
    r.store()
    return 0


@kapi(
    "__kfifo_to_user_r",
    "int __kfifo_to_user_r(struct __kfifo *fifo, void __user *to, unsigned long len,"
    " unsigned int *copied, size_t recsize)",
)
def kfifo_to_user_r(ctx: CallContext) -> int:
    r, recsize = _Ring(ctx, ctx.arg(0)), ctx.arg(4)
    if r.inp == r.out:
        _copied(ctx, ctx.arg(3), 0)
        return 0
    rec = r.peek_n(recsize)
    n = min(ctx.arg(2), rec)
    if r.copy_user(ctx.arg(1), n, r.out + recsize, to_user=True):
        _copied(ctx, ctx.arg(3), 0)
        return -errno.EFAULT
    _copied(ctx, ctx.arg(3), n)
    r.out += rec + recsize
    r.store()
    return 0
