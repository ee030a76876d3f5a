"""Linux's string-to-integer rules (lib/kstrtox.c) as pure functions over bytes.

Shared by the kstrto*/simple_strto* kernel functions and module parameter
parsing. Errors are returned as negative errno, exactly as Linux returns them.
"""

from __future__ import annotations

import errno

MASK64 = (1 << 64) - 1
EINVAL = -errno.EINVAL
ERANGE = -errno.ERANGE


def _digit(c: int) -> int:
    if 0x30 <= c <= 0x39:
        return c - 0x30
    c |= 0x20
    if 0x61 <= c <= 0x66:
        return c - 0x61 + 10
    return 99


def fixup_radix(s: bytes, base: int) -> tuple[int, int]:
    """(offset past any "0x", base): base 0 means 0x.. hex, 0.. octal, else decimal."""
    if base == 0:
        if s[:1] != b"0":
            base = 10
        elif s[1:2] in (b"x", b"X") and len(s) > 2 and _digit(s[2]) < 16:
            base = 16
        else:
            base = 8
    if base == 16 and s[:1] == b"0" and s[1:2] in (b"x", b"X"):
        return 2, base
    return 0, base


def parse_integer(s: bytes, start: int, base: int) -> tuple[int, int, bool]:
    """(value mod 2**64, digits consumed, overflowed)."""
    res = 0
    overflow = False
    i = start
    n = len(s)
    while i < n:
        val = _digit(s[i])
        if val >= base:
            break
        res = res * base + val
        if res > MASK64:
            overflow = True
            res &= MASK64
        i += 1
    return res, i - start, overflow


def _kstrtoull(s: bytes, base: int) -> int:
    off, base = fixup_radix(s, base)
    value, count, overflow = parse_integer(s, off, base)
    if overflow:
        return ERANGE
    if count == 0:
        return EINVAL
    rest = s[off + count :]
    if rest[:1] == b"\n":
        rest = rest[1:]
    if rest:
        return EINVAL
    return value


def kstrtoull(s: bytes, base: int) -> tuple[int, int]:
    """(0 or -errno, value)."""
    if s[:1] == b"+":
        s = s[1:]
    r = _kstrtoull(s, base)
    return (r, 0) if r < 0 else (0, r)


def kstrtoll(s: bytes, base: int) -> tuple[int, int]:
    if s[:1] == b"-":
        r = _kstrtoull(s[1:], base)
        if r < 0:
            return r, 0
        if r > 1 << 63:
            return ERANGE, 0
        return 0, -r
    err, value = kstrtoull(s, base)
    if err:
        return err, 0
    if value >= 1 << 63:
        return ERANGE, 0
    return 0, value


def kstrto_bits(s: bytes, base: int, bits: int, signed: bool) -> tuple[int, int]:
    """kstrto{s,u}{8,16,32,64}: parse then range-check to ``bits``."""
    if signed:
        err, value = kstrtoll(s, base)
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    else:
        err, value = kstrtoull(s, base)
        lo, hi = 0, (1 << bits) - 1
    if err:
        return err, 0
    if not lo <= value <= hi:
        return ERANGE, 0
    return 0, value


def kstrtobool(s: bytes) -> tuple[int, bool]:
    """Only the first one or two characters count, as Linux: "yes", "on", "0"."""
    c = s[:1]
    if c in (b"y", b"Y", b"1", b"t", b"T", b"e", b"E"):
        return 0, True
    if c in (b"n", b"N", b"0", b"f", b"F", b"d", b"D"):
        return 0, False
    if c in (b"o", b"O"):
        c2 = s[1:2]
        if c2 in (b"n", b"N"):
            return 0, True
        if c2 in (b"f", b"F"):
            return 0, False
    return EINVAL, False


def simple_strtoull(s: bytes, base: int) -> tuple[int, int]:
    """(value mod 2**64, bytes consumed): no sign, no whitespace, wraps on overflow."""
    off, base = fixup_radix(s, base)
    value, count, _ = parse_integer(s, off, base)
    return value, off + count


def simple_strtoll(s: bytes, base: int) -> tuple[int, int]:
    if s[:1] == b"-":
        value, used = simple_strtoull(s[1:], base)
        return (-value) & MASK64, used + 1
    return simple_strtoull(s, base)
