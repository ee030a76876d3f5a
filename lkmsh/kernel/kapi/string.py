"""The str* functions not in the kernel library, the sprintf family and kstrto*.

mem*, strlen/strnlen, strcmp/strncmp, strcpy, strchr/strrchr are lkmsh/klib/
string.c (C on the emulated CPU: no Python round trip per call). These work on
module memory through the checked view; a bad pointer faults as it would in
Linux (the kernel turns it into an Oops). Results follow Linux, which differs
from libc in places: strscpy returns -E2BIG on truncation, simple_strtoul
neither skips spaces nor clamps.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi import kstrtox
from lkmsh.kernel.kapi.common import STRING_MAX, cstr, format_sink, put, u32, u64
from lkmsh.kernel.kapi.data import INT_MAX
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.vsprintf import Sink
from lkmsh.kernel.memory import Perm

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

E2BIG = -errno.E2BIG


# -- strings ----------------------------------------------------------------


@kapi("strncpy", "char *strncpy(char *dest, const char *src, size_t count)")
def strncpy(ctx: CallContext) -> int:
    dest, n = ctx.arg(0), ctx.arg(2)
    if n:
        ctx.mem.check(dest, n, Perm.W)  # the whole destination, before any byte changes
        src = cstr(ctx, ctx.arg(1), min(n, STRING_MAX))
        ctx.mem.write(dest, src)
        ctx.mem.fill(dest + len(src), 0, n - len(src))  # pads with NULs, as C
    return dest


@kapi("strscpy", "ssize_t strscpy(char *dest, const char *src, size_t count)")
def strscpy(ctx: CallContext) -> int:
    dest, n = ctx.arg(0), ctx.arg(2)
    if n == 0 or n > INT_MAX:
        return E2BIG
    src = cstr(ctx, ctx.arg(1), n)
    if len(src) == n:  # no NUL within count: truncate, still terminate
        ctx.mem.write(dest, src[: n - 1] + b"\0")
        return E2BIG
    ctx.mem.write(dest, src + b"\0")
    return len(src)


@kapi("strcat", "char *strcat(char *dest, const char *src)")
def strcat(ctx: CallContext) -> int:
    dest = ctx.arg(0)
    end = dest + len(cstr(ctx, dest))
    ctx.mem.write(end, cstr(ctx, ctx.arg(1)) + b"\0")
    return dest


@kapi("strncat", "char *strncat(char *dest, const char *src, size_t count)")
def strncat(ctx: CallContext) -> int:
    dest, n = ctx.arg(0), ctx.arg(2)
    if n:
        end = dest + len(cstr(ctx, dest))
        ctx.mem.write(end, cstr(ctx, ctx.arg(1), n) + b"\0")
    return dest


def _tolower(c: int) -> int:
    """Linux's ctype: ASCII and Latin-1 upper case letters."""
    if 0x41 <= c <= 0x5A or (0xC0 <= c <= 0xDE and c != 0xD7):
        return c + 0x20
    return c


@kapi("strcasecmp", "int strcasecmp(const char *s1, const char *s2)")
def strcasecmp(ctx: CallContext) -> int:
    a = cstr(ctx, ctx.arg(0)) + b"\0"
    b = cstr(ctx, ctx.arg(1)) + b"\0"
    for x, y in zip(a, b, strict=False):
        c1, c2 = _tolower(x), _tolower(y)
        if c1 != c2 or c1 == 0:
            return c1 - c2
    return 0


@kapi("strstr", "char *strstr(const char *s1, const char *s2)")
def strstr(ctx: CallContext) -> int:
    s1 = ctx.arg(0)
    needle = cstr(ctx, ctx.arg(1))
    if not needle:
        return s1
    i = cstr(ctx, s1).find(needle)
    return s1 + i if i >= 0 else 0


# -- the printf family ------------------------------------------------------


def va_list_args(ctx: CallContext, ap: int) -> Iterator[int]:
    """Integer arguments of the va_list at ``ap``, laid out as the kernel's architecture has it."""
    abi = getattr(getattr(ctx.kernel, "arch", None), "va_list_abi", "sysv-x86_64")
    return _VA_LIST[abi](ctx, ap)


def _aarch64_va_list_args(ctx: CallContext, ap: int) -> Iterator[int]:
    """AAPCS64's va_list (a 32-byte struct, passed by reference).

    ``__gr_offs`` (s32 at 24) is a negative offset from ``__gr_top`` (at 8)
    into the saved x registers; once it reaches 0, arguments come from
    ``__stack`` (at 0), 8 bytes each.
    """
    stack = u64(ctx, ap)
    gr_top = u64(ctx, ap + 8)
    gr_offs = u32(ctx, ap + 24)
    if gr_offs >> 31:
        gr_offs -= 1 << 32
    while True:
        if gr_offs < 0:
            yield u64(ctx, gr_top + gr_offs)
            gr_offs += 8
        else:
            yield u64(ctx, stack)
            stack += 8


def _x86_64_va_list_args(ctx: CallContext, ap: int) -> Iterator[int]:
    """Integer arguments of an x86-64 va_list (struct __va_list_tag at ``ap``).

    ``gp_offset`` (u32 at 0) indexes the 48-byte general register save area
    (``reg_save_area``, at 16); past it, arguments come from
    ``overflow_arg_area`` (at 8), 8 bytes each.
    """
    gp = u32(ctx, ap)
    overflow = u64(ctx, ap + 8)
    reg_save = u64(ctx, ap + 16)
    while True:
        if gp < 48:
            yield u64(ctx, reg_save + gp)
            gp += 8
        else:
            yield u64(ctx, overflow)
            overflow += 8


#: va_list decoders by the architecture's ABI (Arch.va_list_abi)
_VA_LIST = {"sysv-x86_64": _x86_64_va_list_args, "aapcs64": _aarch64_va_list_args}


def _into(ctx: CallContext, buf: int, limit: int, fmt_addr: int, args: Iterator[int]) -> int:
    """vsnprintf into module memory at ``buf``: at most ``limit`` bytes of text,
    written as they are produced (a piece at a time, as Linux writes them), then
    the NUL; returns the length the whole output would have."""
    at = buf

    def flush(data: bytes) -> None:
        nonlocal at
        ctx.mem.write(at, data)
        at += len(data)

    sink = format_sink(ctx, fmt_addr, args, Sink(limit, flush))
    sink.drain()
    ctx.mem.write(at, b"\0")
    return sink.total


@kapi("sprintf", "int sprintf(char *buf, const char *fmt, ...)")
def sprintf(ctx: CallContext) -> int:
    return _into(ctx, ctx.arg(0), INT_MAX, ctx.arg(1), ctx.varargs(2))


def _snprintf(ctx: CallContext, args: Iterator[int]) -> int:
    buf, size = ctx.arg(0), ctx.arg(1)
    if size > INT_MAX:  # WARN_ON_ONCE(size > INT_MAX) in Linux: nothing written
        return 0
    if size == 0:  # nothing stored, the length still counted
        return format_sink(ctx, ctx.arg(2), args, Sink(0)).total
    return _into(ctx, buf, size - 1, ctx.arg(2), args)


@kapi("snprintf", "int snprintf(char *buf, size_t size, const char *fmt, ...)")
def snprintf(ctx: CallContext) -> int:
    return _snprintf(ctx, ctx.varargs(3))


@kapi("vsnprintf", "int vsnprintf(char *buf, size_t size, const char *fmt, va_list args)")
def vsnprintf(ctx: CallContext) -> int:
    return _snprintf(ctx, va_list_args(ctx, ctx.arg(3)))


@kapi("scnprintf", "int scnprintf(char *buf, size_t size, const char *fmt, ...)")
def scnprintf(ctx: CallContext) -> int:
    size = ctx.arg(1)
    n = _snprintf(ctx, ctx.varargs(3))
    if n < size:
        return n
    return size - 1 if size else 0


# -- string to integer ------------------------------------------------------


def _kstrto(ctx: CallContext, bits: int, signed: bool, size: int) -> int:
    s, base, res = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2)
    err, value = kstrtox.kstrto_bits(cstr(ctx, s), base, bits, signed)
    if err:
        return err
    put(ctx, res, value, size)
    return 0


@kapi("kstrtoint", "int kstrtoint(const char *s, unsigned int base, int *res)")
def kstrtoint(ctx: CallContext) -> int:
    return _kstrto(ctx, 32, True, 4)


@kapi("kstrtouint", "int kstrtouint(const char *s, unsigned int base, unsigned int *res)")
def kstrtouint(ctx: CallContext) -> int:
    return _kstrto(ctx, 32, False, 4)


@kapi("kstrtol", "int kstrtol(const char *s, unsigned int base, long *res)")
def kstrtol(ctx: CallContext) -> int:
    return _kstrto(ctx, 64, True, 8)


@kapi("kstrtoul", "int kstrtoul(const char *s, unsigned int base, unsigned long *res)")
def kstrtoul(ctx: CallContext) -> int:
    return _kstrto(ctx, 64, False, 8)


@kapi("kstrtoll", "int kstrtoll(const char *s, unsigned int base, long long *res)")
def kstrtoll(ctx: CallContext) -> int:
    return _kstrto(ctx, 64, True, 8)


@kapi("kstrtoull", "int kstrtoull(const char *s, unsigned int base, unsigned long long *res)")
def kstrtoull(ctx: CallContext) -> int:
    return _kstrto(ctx, 64, False, 8)


@kapi("kstrtobool", "int kstrtobool(const char *s, bool *res)")
def kstrtobool(ctx: CallContext) -> int:
    s = ctx.arg(0)
    if not s:
        return kstrtox.EINVAL
    err, value = kstrtox.kstrtobool(cstr(ctx, s, 2))
    if err:
        return err
    put(ctx, ctx.arg(1), int(value), 1)
    return 0


def _simple(ctx: CallContext, signed: bool) -> int:
    cp, endp, base = ctx.arg(0), ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF
    text = cstr(ctx, cp, STRING_MAX)
    fn = kstrtox.simple_strtoll if signed else kstrtox.simple_strtoull
    value, used = fn(text, base)
    if endp:
        put(ctx, endp, cp + used, 8)
    return value


@kapi(
    "simple_strtoul", "unsigned long simple_strtoul(const char *cp, char **endp, unsigned int base)"
)
def simple_strtoul(ctx: CallContext) -> int:
    return _simple(ctx, signed=False)


@kapi("simple_strtol", "long simple_strtol(const char *cp, char **endp, unsigned int base)")
def simple_strtol(ctx: CallContext) -> int:
    return _simple(ctx, signed=True)
