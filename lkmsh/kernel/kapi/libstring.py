"""lib/string.c and lib/string_helpers.c beyond the basics, simple_strtoull/ll, lib/hexdump.c's
hex helpers, and the allocating printers (kasprintf, kvasprintf, kmemdup_nul).

Each follows Linux 6.1's return conventions: pointers into the caller's
buffer, -EINVAL / -E2BIG / -ERANGE as Linux returns them.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi import kstrtox
from lkmsh.kernel.kapi.common import STRING_MAX, cstr, formatter, put
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import _alloc
from lkmsh.kernel.kapi.string import va_list_args

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

E2BIG = -errno.E2BIG
EINVAL = -errno.EINVAL
MASK64 = (1 << 64) - 1
SPACES = b" \t\n\v\f\r"
#: how much a bounded scan reads at once (strsep, memchr_inv)
CHUNK = 4096
GFP_KERNEL = 0xCC0
#: __memcat_p reads at most this many pointers (a kmalloc'd array's worth)
MEMCAT_MAX = 1 << 19
#: bytes (or array entries) a loop over a module-given count handles between two
#: pauses (``CheckedAccess.pause``: where Ctrl-C may stop it)
HEX_PIECE = 1 << 16


# -- old-style parsers -------------------------------------------------------


def _simple(ctx: CallContext, signed: bool) -> int:
    cp, endp, base = ctx.arg(0), ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF
    fn = kstrtox.simple_strtoll if signed else kstrtox.simple_strtoull
    value, used = fn(cstr(ctx, cp), base)
    if endp:
        put(ctx, endp, cp + used, 8)
    return value


@kapi(
    "simple_strtoull",
    "unsigned long long simple_strtoull(const char *cp, char **endp, unsigned int base)",
)
def simple_strtoull(ctx: CallContext) -> int:
    return _simple(ctx, signed=False)


@kapi("simple_strtoll", "long long simple_strtoll(const char *cp, char **endp, unsigned int base)")
def simple_strtoll(ctx: CallContext) -> int:
    return _simple(ctx, signed=True)


# -- memory ------------------------------------------------------------------


def _memset_n(ctx: CallContext, width: int) -> int:
    s, v, count = ctx.arg(0), ctx.arg(1) & ((1 << (8 * width)) - 1), ctx.arg(2)
    if count:
        if count * width > 1 << 28:
            ctx.mem.read(s + count * width - 1, 1)  # fault where Linux's loop would
        ctx.mem.write(s, v.to_bytes(width, "little") * count)
    return s


@kapi("memset16", "void *memset16(uint16_t *s, uint16_t v, size_t count)")
def memset16(ctx: CallContext) -> int:
    return _memset_n(ctx, 2)


@kapi("memset32", "void *memset32(uint32_t *s, uint32_t v, size_t count)")
def memset32(ctx: CallContext) -> int:
    return _memset_n(ctx, 4)


@kapi("memset64", "void *memset64(uint64_t *s, uint64_t v, size_t count)")
def memset64(ctx: CallContext) -> int:
    return _memset_n(ctx, 8)


# -- strings -----------------------------------------------------------------


@kapi("strsep", "char *strsep(char **s, const char *ct)")
def strsep(ctx: CallContext) -> int:
    sp = ctx.arg(0)
    start = ctx.mem.read_u64(sp)
    if not start:
        return 0
    text, delims = cstr(ctx, start), cstr(ctx, ctx.arg(1))
    for i, ch in enumerate(text):
        if ch in delims:
            ctx.mem.write(start + i, b"\0")
            put(ctx, sp, start + i + 1, 8)
            return start
    put(ctx, sp, 0, 8)
    return start


@kapi("skip_spaces", "char *skip_spaces(const char *str)")
def skip_spaces(ctx: CallContext) -> int:
    s = ctx.arg(0)
    text = cstr(ctx, s)
    return s + len(text) - len(text.lstrip(SPACES))


@kapi("strim", "char *strim(char *s)")
def strim(ctx: CallContext) -> int:
    s = ctx.arg(0)
    text = cstr(ctx, s)
    if not text:
        return s
    end = len(text.rstrip(SPACES))
    if end < len(text):
        ctx.mem.write(s + end, b"\0")
    return s + len(text[:end]) - len(text[:end].lstrip(SPACES))


def _sysfs_streq(a: bytes, b: bytes) -> bool:
    return a.removesuffix(b"\n") == b.removesuffix(b"\n")


@kapi("sysfs_streq", "bool sysfs_streq(const char *s1, const char *s2)")
def sysfs_streq(ctx: CallContext) -> int:
    return int(_sysfs_streq(cstr(ctx, ctx.arg(0)), cstr(ctx, ctx.arg(1))))


def _match(ctx: CallContext, sysfs: bool) -> int:
    array, n, want = ctx.arg(0), ctx.arg(1), cstr(ctx, ctx.arg(2))
    i = 0
    while i < n:
        if i and i % HEX_PIECE == 0:
            ctx.mem.pause()
        item = ctx.mem.read_u64(array + 8 * i)
        if not item:
            if n == MASK64:  # (size_t)-1: a NULL-terminated array
                break
            i += 1
            continue
        text = cstr(ctx, item)
        if _sysfs_streq(text, want) if sysfs else text == want:
            return i
        i += 1
    return EINVAL


@kapi("match_string", "int match_string(const char *const *array, size_t n, const char *string)")
def match_string(ctx: CallContext) -> int:
    return _match(ctx, sysfs=False)


@kapi(
    "__sysfs_match_string",
    "int __sysfs_match_string(const char *const *array, size_t n, const char *str)",
)
def sysfs_match_string(ctx: CallContext) -> int:
    return _match(ctx, sysfs=True)


@kapi("strreplace", "char *strreplace(char *str, char old, char new)")
def strreplace(ctx: CallContext) -> int:
    s, old, new = ctx.arg(0), ctx.arg(1) & 0xFF, ctx.arg(2) & 0xFF
    text = cstr(ctx, s)
    if old in text:
        ctx.mem.write(s, text.replace(bytes((old,)), bytes((new,))))
    return s + len(text)


@kapi("strscpy_pad", "ssize_t strscpy_pad(char *dest, const char *src, size_t count)")
def strscpy_pad(ctx: CallContext) -> int:
    dest, src, count = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    if count == 0 or count > 1 << 31:
        return E2BIG
    text = cstr(ctx, src, count)
    if len(text) >= count:
        ctx.mem.write(dest, text[: count - 1] + b"\0")
        return E2BIG
    ctx.mem.write(dest, text + bytes(count - len(text)))
    return len(text)


@kapi("strlcpy", "size_t strlcpy(char *dest, const char *src, size_t size)")
def strlcpy(ctx: CallContext) -> int:
    dest, src, size = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    text = cstr(ctx, src)
    if size:
        n = min(len(text), size - 1)
        ctx.mem.write(dest, text[:n] + b"\0")
    return len(text)


@kapi("strlcat", "size_t strlcat(char *dest, const char *src, size_t count)")
def strlcat(ctx: CallContext) -> int:
    dest, src, count = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    have, text = cstr(ctx, dest, count), cstr(ctx, src)
    if len(have) >= count:
        return len(have) + len(text)  # Linux BUG()s here; lkmsh reports the would-be length
    room = count - len(have) - 1
    ctx.mem.write(dest + len(have), text[:room] + b"\0")
    return len(have) + len(text)


@kapi("strncasecmp", "int strncasecmp(const char *s1, const char *s2, size_t len)")
def strncasecmp(ctx: CallContext) -> int:
    n = ctx.arg(2)
    a, b = cstr(ctx, ctx.arg(0), n).lower(), cstr(ctx, ctx.arg(1), n).lower()
    for x, y in zip(a + b"\0", b + b"\0", strict=False):
        if x != y or not x:
            return x - y
    return 0


@kapi("strnchr", "char *strnchr(const char *s, size_t count, int c)")
def strnchr(ctx: CallContext) -> int:
    s, count, c = ctx.arg(0), ctx.arg(1), ctx.arg(2) & 0xFF
    if not count:
        return 0
    text = cstr(ctx, s, count)
    if c == 0:  # the terminator itself counts, when it is within count
        return s + len(text) if len(text) < count else 0
    i = text.find(bytes((c,)))
    return s + i if i >= 0 else 0


@kapi("strchrnul", "char *strchrnul(const char *s, int c)")
def strchrnul(ctx: CallContext) -> int:
    s, c = ctx.arg(0), ctx.arg(1) & 0xFF
    text = cstr(ctx, s)
    i = text.find(bytes((c,)))
    return s + (i if i >= 0 else len(text))


@kapi("strpbrk", "char *strpbrk(const char *cs, const char *ct)")
def strpbrk(ctx: CallContext) -> int:
    s = ctx.arg(0)
    text, accept = cstr(ctx, s), cstr(ctx, ctx.arg(1))
    for i, ch in enumerate(text):
        if ch in accept:
            return s + i
    return 0


@kapi("strspn", "size_t strspn(const char *s, const char *accept)")
def strspn(ctx: CallContext) -> int:
    text, accept = cstr(ctx, ctx.arg(0)), cstr(ctx, ctx.arg(1))
    n = 0
    while n < len(text) and text[n] in accept:
        n += 1
    return n


@kapi("strcspn", "size_t strcspn(const char *s, const char *reject)")
def strcspn(ctx: CallContext) -> int:
    text, reject = cstr(ctx, ctx.arg(0)), cstr(ctx, ctx.arg(1))
    n = 0
    while n < len(text) and text[n] not in reject:
        n += 1
    return n


@kapi("strnstr", "char *strnstr(const char *s1, const char *s2, size_t len)")
def strnstr(ctx: CallContext) -> int:
    s1, n = ctx.arg(0), ctx.arg(2)
    needle = cstr(ctx, ctx.arg(1))
    hay = cstr(ctx, s1, n)[:n]
    if not needle:
        return s1
    i = hay.find(needle)
    return s1 + i if i >= 0 else 0


# -- allocating --------------------------------------------------------------


def _dup(ctx: CallContext, data: bytes, gfp: int) -> int:
    addr = _alloc(ctx, len(data) + 1, gfp)
    if addr:
        ctx.mem.write(addr, data + b"\0")
    return addr


@kapi("kmemdup_nul", "char *kmemdup_nul(const char *s, size_t len, gfp_t gfp)")
def kmemdup_nul(ctx: CallContext) -> int:
    s, n = ctx.arg(0), ctx.arg(1)
    if not s:
        return 0
    return _dup(ctx, ctx.mem.read(s, min(n, STRING_MAX)), ctx.arg(2) & 0xFFFFFFFF)


@kapi("kasprintf", "char *kasprintf(gfp_t gfp, const char *fmt, ...)")
def kasprintf(ctx: CallContext) -> int:
    text = formatter(ctx).format(cstr(ctx, ctx.arg(1)), ctx.varargs(2))
    return _dup(ctx, text, ctx.arg(0) & 0xFFFFFFFF)


@kapi("kvasprintf", "char *kvasprintf(gfp_t gfp, const char *fmt, va_list args)")
def kvasprintf(ctx: CallContext) -> int:
    text = formatter(ctx).format(cstr(ctx, ctx.arg(1)), va_list_args(ctx, ctx.arg(2)))
    return _dup(ctx, text, ctx.arg(0) & 0xFFFFFFFF)


# -- hex ---------------------------------------------------------------------


def hex_value(ch: int) -> int:
    """hex_to_bin(): 0..15, or -1."""
    if 0x30 <= ch <= 0x39:
        return ch - 0x30
    ch |= 0x20
    if 0x61 <= ch <= 0x66:
        return ch - 0x61 + 10
    return -1


@kapi("hex_to_bin", "int hex_to_bin(unsigned char ch)")
def hex_to_bin(ctx: CallContext) -> int:
    return hex_value(ctx.arg(0) & 0xFF)


@kapi("hex2bin", "int hex2bin(u8 *dst, const char *src, size_t count)")
def hex2bin(ctx: CallContext) -> int:
    dst, src, count = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    done = 0
    while done < count:
        if done:
            ctx.mem.pause()
        step = min(count - done, HEX_PIECE)
        text = ctx.mem.read(src + 2 * done, 2 * step)
        out = bytearray()
        for i in range(step):
            hi, lo = hex_value(text[2 * i]), hex_value(text[2 * i + 1])
            if hi < 0 or lo < 0:
                if out:
                    ctx.mem.write(dst + done, bytes(out))
                return EINVAL
            out.append(hi << 4 | lo)
        ctx.mem.write(dst + done, bytes(out))
        done += step
    return 0


@kapi("bin2hex", "char *bin2hex(char *dst, const void *src, size_t count)")
def bin2hex(ctx: CallContext) -> int:
    dst, src, count = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    done = 0
    while done < count:
        if done:
            ctx.mem.pause()
        step = min(count - done, HEX_PIECE)
        ctx.mem.write(dst + 2 * done, ctx.mem.read(src + done, step).hex().encode())
        done += step
    return dst + 2 * count


@kapi("__memcat_p", "void **__memcat_p(void **a, void **b)", gpl=True)
def memcat_p(ctx: CallContext) -> int:
    """lib/memcat_p.c: a new NULL-terminated array of @a's pointers then @b's (kmalloc'd)."""
    ptrs: list[int] = []
    for array in (ctx.arg(0), ctx.arg(1)):
        while len(ptrs) < MEMCAT_MAX and (p := int.from_bytes(ctx.mem.read(array, 8), "little")):
            ptrs.append(p)
            array += 8
    addr = _alloc(ctx, 8 * (len(ptrs) + 1), GFP_KERNEL)
    if addr:
        ctx.mem.write(addr, b"".join(p.to_bytes(8, "little") for p in [*ptrs, 0]))
    return addr


@kapi("memscan", "void *memscan(void *addr, int c, size_t size)")
def memscan(ctx: CallContext) -> int:
    """lib/string.c: the first byte equal to @c, or the end of the area (never NULL)."""
    addr, byte, size = ctx.arg(0), ctx.arg(1) & 0xFF, ctx.arg(2)
    done = 0
    while done < size:
        if done:
            ctx.mem.pause()
        step = min(size - done, CHUNK)
        at = ctx.mem.read(addr + done, step).find(bytes((byte,)))
        if at >= 0:
            return addr + done + at
        done += step
    return addr + size


# -- CONFIG_FORTIFY_SOURCE (lib/string_helpers.c) ------------------------------------------


@kapi("fortify_panic", "void fortify_panic(const char *name)")
def fortify_panic(ctx: CallContext) -> int:
    """A fortified string function found an overflow at run time: Linux's line, then BUG()."""
    from lkmsh.kernel.kapi.bug import LOGLEVEL_EMERG, kernel_bug

    name = cstr(ctx, ctx.arg(0), 64).decode(errors="replace")
    ctx.kernel.log.emit(LOGLEVEL_EMERG, f"detected buffer overflow in {name}")
    raise kernel_bug(ctx, "lib/string_helpers.c:1027")


@kapi("__read_overflow2_field", "void __read_overflow2_field(size_t avail, size_t wanted)")
def read_overflow2_field(ctx: CallContext) -> int:
    """A build-time warning's placeholder: nothing happens at run time, as in Linux."""
    return 0


@kapi("__write_overflow_field", "void __write_overflow_field(size_t avail, size_t wanted)")
def write_overflow_field(ctx: CallContext) -> int:
    """A build-time warning's placeholder: nothing happens at run time, as in Linux."""
    return 0
