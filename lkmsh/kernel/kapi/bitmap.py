"""lib/bitmap.c's allocating, parsing and printing helpers; the bit arithmetic itself is
lkmsh/klib/bitmap.c."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.kernel.heap import ZERO_SIZE_PTR
from lkmsh.kernel.kapi import kstrtox
from lkmsh.kernel.kapi.common import STRING_MAX, cstr
from lkmsh.kernel.kapi.libstring import hex_value
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


# -- parsing and printing (lib/bitmap.c's text forms) ----------------------------
#
# Lists ("0-3,8,10-20:2/5", "N" the last bit, "all") and hex masks in 32-bit
# chunks ("ff,00000001"), with Linux's errors: -EINVAL for bad syntax, -ERANGE
# for a bit past the map, -EOVERFLOW for a number or a mask that does not fit.

PAGE_SIZE = 4096
_SPACE = b" \t\n\v\f\r"


class _Bad(Exception):
    def __init__(self, err: int):
        self.err = err


def _region_end(c: int | None) -> bool:
    return c is None or c in _SPACE or c in b",\0"


def _number(text: bytes, at: int, last: int) -> tuple[int, int]:
    if text[at : at + 1] == b"N":
        return last, at + 1
    value, count, overflow = kstrtox.parse_integer(text, at, 10)
    if not count:
        raise _Bad(-errno.EINVAL)
    if overflow or value > 0xFFFFFFFF:
        raise _Bad(-errno.EOVERFLOW)
    return value, at + count


def _parse_list(text: bytes, nbits: int) -> int:
    """The bits a list names (bitmap_parselist()), or raises _Bad."""
    value, at, last = 0, 0, nbits - 1

    def peek(i: int) -> int | None:
        return text[i] if i < len(text) else None

    while True:
        while peek(at) is not None and (peek(at) in _SPACE or peek(at) == ord(",")):
            at += 1
        if peek(at) in (None, 0):
            return value
        if text[at : at + 3].lower() == b"all":
            start, end, at = 0, last, at + 3
        else:
            start, at = _number(text, at, last)
            end = start
            if not _region_end(peek(at)):
                if peek(at) != ord("-"):
                    raise _Bad(-errno.EINVAL)
                end, at = _number(text, at + 1, last)
        used, group = end + 1, end + 1
        if not _region_end(peek(at)):
            if peek(at) != ord(":"):
                raise _Bad(-errno.EINVAL)
            used, at = _number(text, at + 1, last)
            if peek(at) != ord("/"):
                raise _Bad(-errno.EINVAL)
            group, at = _number(text, at + 1, last)
        if start > end or group == 0 or used > group:
            raise _Bad(-errno.EINVAL)
        if end >= nbits:
            raise _Bad(-errno.ERANGE)
        for base in range(start, end + 1, group):
            n = min(end - base + 1, used)
            value |= ((1 << n) - 1) << base
        if peek(at) in (None, 0, ord("\n")):  # the end of the string ends the list
            return value


def _parse_mask(text: bytes, nbits: int) -> int:
    """A hex mask in comma-separated 32-bit chunks, last chunk lowest (bitmap_parse())."""
    text = text.split(b"\n", 1)[0]
    chunks, value, shift = (nbits + 31) // 32, 0, 0
    end = len(text) - 1
    while True:
        while end >= 0 and (text[end] in _SPACE or text[end] == ord(",")):
            end -= 1
        if end < 0:
            break
        if not chunks:
            raise _Bad(-errno.EOVERFLOW)
        chunks -= 1
        word, digits = 0, 0
        while end >= 0 and not (text[end] in _SPACE or text[end] == ord(",")):
            d = hex_value(text[end])
            if d < 0:
                raise _Bad(-errno.EINVAL)
            if digits == 8:
                raise _Bad(-errno.EOVERFLOW)
            word |= d << (4 * digits)
            digits += 1
            end -= 1
        value |= word << shift
        shift += 32
    if value >> nbits:
        raise _Bad(-errno.EOVERFLOW)
    return value


def _store(ctx: CallContext, addr: int, value: int, nbits: int) -> None:
    nbytes = _bytes(nbits)
    if nbytes:
        ctx.mem.write(addr, value.to_bytes(nbytes, "little"))


def _load(ctx: CallContext, addr: int, nbits: int) -> int:
    nbytes = _bytes(nbits)
    raw = ctx.mem.read(addr, nbytes) if nbytes else b""
    return int.from_bytes(raw, "little") & ((1 << nbits) - 1)


@kapi(
    "bitmap_parselist",
    "int bitmap_parselist(const char *buf, unsigned long *maskp, int nmaskbits)",
)
def bitmap_parselist(ctx: CallContext) -> int:
    nbits = ctx.sarg(2, 32)
    if nbits < 0:
        return -errno.EINVAL
    _store(ctx, ctx.arg(1), 0, nbits)  # bitmap_zero() first, as Linux
    try:
        value = _parse_list(cstr(ctx, ctx.arg(0), STRING_MAX), nbits)
    except _Bad as bad:
        return bad.err
    _store(ctx, ctx.arg(1), value, nbits)
    return 0


@kapi(
    "bitmap_parse",
    "int bitmap_parse(const char *buf, unsigned int buflen, unsigned long *maskp, int nmaskbits)",
)
def bitmap_parse(ctx: CallContext) -> int:
    nbits = ctx.sarg(3, 32)
    if nbits < 0:
        return -errno.EINVAL
    text = cstr(ctx, ctx.arg(0), min(ctx.arg(1) & 0xFFFFFFFF, STRING_MAX))
    try:
        value = _parse_mask(text, nbits)
    except _Bad as bad:
        return bad.err
    _store(ctx, ctx.arg(2), value, nbits)
    return 0


def _text(ctx: CallContext, addr: int, nbits: int, as_list: bool) -> bytes:
    from lkmsh.kernel.kapi.vsprintf_ext import _bitmap

    if nbits <= 0:
        return b"\n"
    return _bitmap(ctx.mem.read(addr, _bytes(nbits)), nbits, as_list) + b"\n"


@kapi(
    "bitmap_print_to_pagebuf",
    "int bitmap_print_to_pagebuf(bool list, char *buf, const unsigned long *maskp, int nmaskbits)",
)
def bitmap_print_to_pagebuf(ctx: CallContext) -> int:
    buf = ctx.arg(1)
    room = PAGE_SIZE - buf % PAGE_SIZE  # the rest of @buf's page, as scnprintf(buf, len)
    text = _text(ctx, ctx.arg(2), ctx.sarg(3, 32), bool(ctx.arg(0) & 0xFF))[: room - 1]
    ctx.mem.write(buf, text + b"\0")
    return len(text)


def _print_to_buf(ctx: CallContext, as_list: bool) -> int:
    """@count bytes of the text (with its NUL) from offset @off, as memory_read_from_buffer()."""
    buf, off, count = ctx.arg(0), ctx.sarg(3), ctx.arg(4)
    text = _text(ctx, ctx.arg(1), ctx.sarg(2, 32), as_list) + b"\0"
    if off < 0:
        return -errno.EINVAL
    piece = text[off : off + count]
    if piece:
        ctx.mem.write(buf, piece)
    return len(piece)


@kapi(
    "bitmap_print_bitmask_to_buf",
    "int bitmap_print_bitmask_to_buf(char *buf, const unsigned long *maskp, int nmaskbits,"
    " loff_t off, size_t count)",
)
def bitmap_print_bitmask_to_buf(ctx: CallContext) -> int:
    return _print_to_buf(ctx, False)


@kapi(
    "bitmap_print_list_to_buf",
    "int bitmap_print_list_to_buf(char *buf, const unsigned long *maskp, int nmaskbits,"
    " loff_t off, size_t count)",
)
def bitmap_print_list_to_buf(ctx: CallContext) -> int:
    return _print_to_buf(ctx, True)
