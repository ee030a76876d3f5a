"""<linux/idr.h>: ID allocation (IDR, IDA), as Linux 6.1 answers.

The entries live in the idmaps component (lkmsh/kernel/idmaps.py), keyed by
the address of the struct xarray at the start of an IDR or IDA (xa_head only
says whether there are any); the xarray itself is lkmsh/klib/xarray.c.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.data import INT_MAX
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext
    from lkmsh.kernel.idmaps import IndexMap

MASK64 = (1 << 64) - 1
ULONG_MAX = MASK64
XA_HEAD = 16  # struct xarray: xa_lock 0, xa_flags 8, xa_head 16
IDR_BASE, IDR_NEXT = 24, 28  # struct idr: idr_rt (an xarray), idr_base, idr_next
NONEMPTY = 2  # what xa_head holds while the array has entries (an internal entry)


def _err_entry(e: int) -> int:
    """xa_mk_err(-e): an internal entry carrying an errno."""
    return ((-e << 2) | 2) & MASK64


def _map(ctx: CallContext, xa: int) -> IndexMap:
    return ctx.kernel.idmaps.get(xa, owner(ctx))


def _sync(ctx: CallContext, xa: int, m: IndexMap) -> None:
    ctx.mem.write_u64(xa + XA_HEAD, NONEMPTY if m.entries else 0)


def _store(ctx: CallContext, xa: int, index: int, entry: int) -> int:
    m = _map(ctx, xa)
    old = m.drop(index)
    if entry:
        m.put(index, entry)
    _sync(ctx, xa, m)
    return old


def _destroy(ctx: CallContext) -> None:
    ctx.kernel.idmaps.maps.pop(ctx.arg(0), None)
    ctx.mem.write_u64(ctx.arg(0) + XA_HEAD, 0)


# -- IDR ---------------------------------------------------------------------


def _idr_range(ctx: CallContext, start: int, end: int) -> tuple[int, int]:
    base = ctx.mem.read_u32(ctx.arg(0) + IDR_BASE)
    hi = INT_MAX if end <= 0 else end - 1
    return max(start, base), hi


def _signed(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


@kapi(
    "idr_alloc",
    "int idr_alloc(struct idr *idr, void *ptr, int start, int end, gfp_t gfp)",
    gpl=True,
)
def idr_alloc(ctx: CallContext) -> int:
    idr, ptr, start, end = ctx.arg(0), ctx.arg(1), _signed(ctx.arg(2)), _signed(ctx.arg(3))
    if start < 0:
        return -errno.EINVAL
    lo, hi = _idr_range(ctx, start, end)
    found = _map(ctx, idr).first_free(lo, hi)
    if found is None:
        return -errno.ENOSPC
    # an IDR may hold NULL at an allocated ID: the ID stays taken
    _map(ctx, idr).put(found, ptr)
    _sync(ctx, idr, _map(ctx, idr))
    return found


@kapi(
    "idr_alloc_cyclic",
    "int idr_alloc_cyclic(struct idr *idr, void *ptr, int start, int end, gfp_t gfp)",
)
def idr_alloc_cyclic(ctx: CallContext) -> int:
    idr, ptr, start, end = ctx.arg(0), ctx.arg(1), _signed(ctx.arg(2)), _signed(ctx.arg(3))
    lo, hi = _idr_range(ctx, start, end)
    nxt = max(ctx.mem.read_u32(idr + IDR_NEXT), lo)
    m = _map(ctx, idr)
    found = m.first_free(nxt, hi)
    if found is None:
        found = m.first_free(lo, hi)
    if found is None:
        return -errno.ENOSPC
    m.put(found, ptr)
    _sync(ctx, idr, m)
    ctx.mem.write_u32(idr + IDR_NEXT, (found + 1) & 0xFFFFFFFF)
    return found


@kapi("idr_find", "void *idr_find(const struct idr *idr, unsigned long id)", gpl=True)
def idr_find(ctx: CallContext) -> int:
    return _map(ctx, ctx.arg(0)).entries.get(ctx.arg(1), 0)


@kapi("idr_remove", "void *idr_remove(struct idr *idr, unsigned long id)", gpl=True)
def idr_remove(ctx: CallContext) -> int:
    return _store(ctx, ctx.arg(0), ctx.arg(1), 0)


@kapi("idr_replace", "void *idr_replace(struct idr *idr, void *ptr, unsigned long id)")
def idr_replace(ctx: CallContext) -> int:
    m = _map(ctx, ctx.arg(0))
    if ctx.arg(2) not in m.entries:
        return (-errno.ENOENT) & MASK64
    old = m.entries[ctx.arg(2)]
    m.entries[ctx.arg(2)] = ctx.arg(1)
    return old


@kapi("idr_get_next", "void *idr_get_next(struct idr *idr, int *nextid)")
def idr_get_next(ctx: CallContext) -> int:
    m = _map(ctx, ctx.arg(0))
    start = _signed(ctx.mem.read_u32(ctx.arg(1)))
    found = m.next_at_or_after(max(start, 0), INT_MAX)
    if found is None:
        return 0
    ctx.mem.write_u32(ctx.arg(1), found)
    return m.entries[found]


@kapi(
    "idr_for_each",
    "int idr_for_each(const struct idr *idr, int (*fn)(int id, void *p, void *data), void *data)",
)
def idr_for_each(ctx: CallContext) -> int:
    m, fn, data = _map(ctx, ctx.arg(0)), ctx.arg(1), ctx.arg(2)
    for i in sorted(m.entries):
        ret = _signed(ctx.kernel.call(fn, [i, m.entries[i], data]))
        if ret:
            return ret
    return 0


@kapi("idr_destroy", "void idr_destroy(struct idr *idr)")
def idr_destroy(ctx: CallContext) -> None:
    _destroy(ctx)


@kapi("idr_is_empty", "bool idr_is_empty(const struct idr *idr)")
def idr_is_empty(ctx: CallContext) -> int:
    return int(not _map(ctx, ctx.arg(0)).entries)


# -- IDA ---------------------------------------------------------------------


@kapi(
    "ida_alloc_range",
    "int ida_alloc_range(struct ida *ida, unsigned int min, unsigned int max, gfp_t gfp)",
)
def ida_alloc_range(ctx: CallContext) -> int:
    ida, lo, hi = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2) & 0xFFFFFFFF
    if lo > INT_MAX:
        return -errno.ENOSPC
    found = _map(ctx, ida).first_free(lo, min(hi, INT_MAX))
    if found is None:
        return -errno.ENOSPC
    _store(ctx, ida, found, 1)
    return found


@kapi("ida_free", "void ida_free(struct ida *ida, unsigned int id)")
def ida_free(ctx: CallContext) -> None:
    from lkmsh.kernel.kapi.bug import warn

    ida, ident = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF
    if ident not in _map(ctx, ida).entries:
        warn(ctx, [f"ida_free called for id={ident} which is not allocated."])
        return
    _store(ctx, ida, ident, 0)


@kapi("ida_destroy", "void ida_destroy(struct ida *ida)")
def ida_destroy(ctx: CallContext) -> None:
    _destroy(ctx)
