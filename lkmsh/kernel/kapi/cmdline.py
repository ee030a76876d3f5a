"""lib/cmdline.c: get_option, get_options, memparse, as Linux 6.1 exports them.

parse_option_str is declared in <linux/kernel.h> but not exported: a module
using it is refused, as on Linux."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi import kstrtox
from lkmsh.kernel.kapi.common import cstr, put
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK32 = 0xFFFFFFFF


def _int(v: int) -> int:
    v &= MASK32
    return v - (1 << 32) if v >> 31 else v


class _Cursor:
    """A read position in a NUL-terminated kernel string (``char *`` with its bytes)."""

    def __init__(self, ctx: CallContext, addr: int):
        self.addr = addr
        self.text = cstr(ctx, addr)
        self.pos = 0

    def at(self, i: int = 0) -> int:
        j = self.pos + i
        return self.text[j] if j < len(self.text) else 0


def _get_option(cur: _Cursor) -> tuple[int, int | None]:
    """(get_option's return, the value it stores or None when it stores nothing)."""
    if not cur.at():
        return 0, None
    neg = cur.at() == 0x2D
    start = cur.pos + 1 if neg else cur.pos
    value, used = kstrtox.simple_strtoull(cur.text[start:], 0)
    value = _int(-value if neg else value)
    cur.pos = start + used
    if used == 0:
        return 0, value
    if cur.at() == 0x2C:
        cur.pos += 1
        return 2, value
    if cur.at() == 0x2D:
        return 3, value
    return 1, value


@kapi("get_option", "int get_option(char **str, int *pint)")
def get_option(ctx: CallContext) -> int:
    strp, pint = ctx.arg(0), ctx.arg(1)
    addr = ctx.mem.read_u64(strp)
    if not addr:
        return 0
    cur = _Cursor(ctx, addr)
    res, value = _get_option(cur)
    if value is not None and pint:
        put(ctx, pint, value, 4)
    put(ctx, strp, addr + cur.pos, 8)
    return res


@kapi("get_options", "char *get_options(const char *str, int nints, int *ints)")
def get_options(ctx: CallContext) -> int:
    addr, nints, ints = ctx.arg(0), _int(ctx.arg(1)), ctx.arg(2)
    cur = _Cursor(ctx, addr)
    validate = nints == 0
    i = 1
    scratch = 0  # what *ints holds while validating
    while i < nints or validate:
        slot = 0 if validate else i
        res, value = _get_option(cur)
        if value is not None:
            if validate:
                scratch = value
            else:
                put(ctx, ints + 4 * slot, value, 4)
        if res == 0:
            break
        if res == 3:
            n = 0 if validate else nints - i
            cur.pos += 1  # get_range(): past the '-'
            upper, _ = kstrtox.simple_strtoll(cur.text[cur.pos :], 0)
            upper = _int(upper)
            low = scratch if validate else _int(ctx.mem.read_u32(ints + 4 * slot))
            count = upper - low
            x, k = low, slot
            while n and x < upper:
                if not validate:
                    put(ctx, ints + 4 * k, x, 4)
                k, x, n = k + 1, x + 1, n - 1
            if count < 0:
                break
            i += count - 1
        i += 1
        if res == 1:
            break
    put(ctx, ints, i - 1, 4)
    return addr + cur.pos


@kapi("memparse", "unsigned long long memparse(const char *ptr, char **retptr)")
def memparse(ctx: CallContext) -> int:
    ptr, retptr = ctx.arg(0), ctx.arg(1)
    text = cstr(ctx, ptr)
    value, used = kstrtox.simple_strtoull(text, 0)
    suffix = text[used : used + 1].upper()
    shifts = {b"E": 6, b"P": 5, b"T": 4, b"G": 3, b"M": 2, b"K": 1}.get(suffix, 0)
    if shifts:
        value = (value << (10 * shifts)) & ((1 << 64) - 1)
        used += 1
    if retptr:
        put(ctx, retptr, ptr + used, 8)
    return value
