"""sscanf/vsscanf (lib/vsprintf.c's vsscanf) and the sized kstrto* a store() handler uses.

vsscanf follows Linux's rules: whitespace in the format matches any amount
(none included); ``%d %i %u %x %o`` (with ``hh h l ll L z j t`` sizes) skip
leading whitespace and parse with simple_strto* rules, a field width limiting
the digits; ``%s`` (a word, width-limited), ``%c`` (width characters,
default 1), ``%n`` and ``%*`` (suppressed) work as Linux; ``%[...]`` takes a
character set. It returns the number of fields assigned, stopping at the
first mismatch. Floating point does not exist in the kernel.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi import kstrtox
from lkmsh.kernel.kapi.common import cstr, put
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.string import va_list_args

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

_SPACE = b" \t\n\r\f\v"
_SIZES = {b"hh": 1, b"h": 2, b"l": 8, b"ll": 8, b"L": 8, b"z": 8, b"Z": 8, b"j": 8, b"t": 8}


def _digit_ok(c: int, base: int) -> bool:
    d = kstrtox._digit(c)
    return d < base


def _strntoull(s: bytes, max_chars: int, base: int) -> tuple[int, int]:
    """lib/vsprintf.c's simple_strntoull: (value, chars used) of at most @max_chars.

    The radix prefix is recognised on the whole text, as Linux does; a field
    too short for prefix and digit is skipped over unconverted (value 0).
    """
    off, b = kstrtox.fixup_radix(s, base)
    if off >= max_chars:
        return 0, max_chars
    value, used, _ = kstrtox.parse_integer(s[:max_chars], off, b)
    return value, off + used


def vsscanf(text: bytes, fmt: bytes, store: Iterator[int], write) -> int:
    """Scan ``text`` by ``fmt``; ``write(ptr, value_or_bytes, size)`` stores each field."""
    s = 0
    f = 0
    n = len(text)
    num = 0
    while f < len(fmt):
        fc = fmt[f]
        if fc in _SPACE:
            while f < len(fmt) and fmt[f] in _SPACE:
                f += 1
            while s < n and text[s] in _SPACE:
                s += 1
            continue
        if fc != 0x25:  # '%'
            if s >= n or text[s] != fc:
                return num
            s += 1
            f += 1
            continue
        f += 1
        if f < len(fmt) and fmt[f] == 0x25:
            while s < n and text[s] in _SPACE:
                s += 1
            if s >= n or text[s] != 0x25:
                return num
            s += 1
            f += 1
            continue
        suppress = f < len(fmt) and fmt[f] == 0x2A  # '*'
        if suppress:
            f += 1
        width = 0
        while f < len(fmt) and 0x30 <= fmt[f] <= 0x39:
            width = width * 10 + fmt[f] - 0x30
            f += 1
        size = 4
        for q in (b"hh", b"ll", b"h", b"l", b"L", b"z", b"Z", b"j", b"t"):
            if fmt[f : f + len(q)] == q:
                size = _SIZES[q]
                f += len(q)
                break
        if f >= len(fmt):
            break
        conv = fmt[f]
        f += 1
        if conv == ord("n"):
            if not suppress:
                write(next(store), s, 4)
            continue
        if s >= n:
            break  # input ended: what was assigned
        if conv == ord("c"):
            w = width or 1
            chunk = text[s : s + w]
            if not chunk:
                return num
            s += len(chunk)
            if not suppress:
                write(next(store), chunk, 0)
                num += 1
            continue
        if conv == ord("s"):
            while s < n and text[s] in _SPACE:
                s += 1
            start = s
            while s < n and text[s] not in _SPACE and (not width or s - start < width):
                s += 1
            if not suppress:
                write(next(store), text[start:s] + b"\0", 0)
                num += 1
            continue
        if conv == ord("["):
            negate = f < len(fmt) and fmt[f] == ord("^")
            if negate:
                f += 1
            chars = bytearray()
            if f < len(fmt) and fmt[f] == ord("]"):
                chars.append(fmt[f])
                f += 1
            while f < len(fmt) and fmt[f] != ord("]"):
                if fmt[f] == ord("-") and chars and f + 1 < len(fmt) and fmt[f + 1] != ord("]"):
                    chars.extend(range(chars[-1] + 1, fmt[f + 1] + 1))
                    f += 2
                    continue
                chars.append(fmt[f])
                f += 1
            f += 1
            start = s
            while s < n and ((text[s] in chars) != negate) and (not width or s - start < width):
                s += 1
            if s == start:
                return num
            if not suppress:
                write(next(store), text[start:s] + b"\0", 0)
                num += 1
            continue
        bases = {ord("d"): 10, ord("i"): 0, ord("u"): 10, ord("x"): 16, ord("X"): 16, ord("o"): 8}
        if conv not in bases:
            return num
        base = bases[conv]
        signed = conv in (ord("d"), ord("i"))
        while s < n and text[s] in _SPACE:
            s += 1
        rest = text[s:]
        neg = signed and rest[:1] == b"-"
        if neg and width == 1:
            return num
        # Linux checks only the first digit (after a '-') before converting
        first = rest[1:2] if neg else rest[:1]
        if not first or not _digit_ok(first[0], base if base in (8, 16) else 10):
            return num
        value, consumed = _strntoull(rest[1:] if neg else rest, (width or 1 << 31) - neg, base)
        consumed += neg
        s += consumed
        if neg:
            value = -value
        if not suppress:
            write(next(store), value, size)
            num += 1
    return num


def _scan(ctx: CallContext, args: Iterator[int]) -> int:
    text = cstr(ctx, ctx.arg(0))
    fmt = cstr(ctx, ctx.arg(1))

    def write(ptr: int, value, size: int) -> None:
        if isinstance(value, bytes):
            ctx.mem.write(ptr, value)
        else:
            put(ctx, ptr, value, size)

    return vsscanf(text, fmt, args, write)


@kapi("sscanf", "int sscanf(const char *buf, const char *fmt, ...)")
def sscanf(ctx: CallContext) -> int:
    return _scan(ctx, ctx.varargs(2))


@kapi("vsscanf", "int vsscanf(const char *buf, const char *fmt, va_list args)")
def vsscanf_(ctx: CallContext) -> int:
    return _scan(ctx, va_list_args(ctx, ctx.arg(2)))


def _kstrto(ctx: CallContext, bits: int, signed: bool) -> int:
    err, value = kstrtox.kstrto_bits(cstr(ctx, ctx.arg(0)), ctx.arg(1) & 0xFFFFFFFF, bits, signed)
    if err:
        return err
    put(ctx, ctx.arg(2), value, bits // 8)
    return 0


@kapi("kstrtou16", "int kstrtou16(const char *s, unsigned int base, u16 *res)")
def kstrtou16(ctx: CallContext) -> int:
    return _kstrto(ctx, 16, False)


@kapi("kstrtos16", "int kstrtos16(const char *s, unsigned int base, s16 *res)")
def kstrtos16(ctx: CallContext) -> int:
    return _kstrto(ctx, 16, True)


@kapi("kstrtou8", "int kstrtou8(const char *s, unsigned int base, u8 *res)")
def kstrtou8(ctx: CallContext) -> int:
    return _kstrto(ctx, 8, False)


@kapi("kstrtos8", "int kstrtos8(const char *s, unsigned int base, s8 *res)")
def kstrtos8(ctx: CallContext) -> int:
    return _kstrto(ctx, 8, True)
