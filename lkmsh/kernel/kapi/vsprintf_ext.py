"""More of lib/vsprintf.c's %p extensions, as Linux 6.1 prints them.

``%pU[bBlL]`` UUIDs/GUIDs, ``%pa[p]``/``%pad`` physical and DMA addresses by
reference, ``%pI6c`` compressed IPv6 (RFC 5952, IPv4-mapped as dotted quad),
``%*pE[achnops]`` escaped buffers, ``%*pb[l]`` bitmaps (the field width is
the length, as in Linux) and ``%pV`` (a struct va_format: a format and its
va_list, formatted in place). A NULL pointer prints "(null)", an unreadable one
"(efault)". ``extension()`` returns None for the ones vsprintf.py handles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lkmsh.kernel.kapi import vsprintf_flags as flags
from lkmsh.kernel.kapi.ctype import CTYPE, SP, D, L, P, U
from lkmsh.kernel.kapi.vsprintf import Formatter

PAGE_SIZE = 4096
MASK64 = (1 << 64) - 1
GUID_ORDER = (3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15)
#: lib/string_helpers.c's ESCAPE_* classes
SPACE, SPECIAL, NULL, OCTAL, NP, HEX, NA, NAP = 1, 2, 4, 8, 0x10, 0x20, 0x40, 0x80
ANY = SPACE | OCTAL | SPECIAL | NULL
_ESCAPE_FLAGS = {
    ord("a"): ANY,
    ord("c"): SPACE | SPECIAL,
    ord("h"): HEX,
    ord("n"): NULL,
    ord("o"): OCTAL,
    ord("p"): NP,
    ord("s"): SPACE,
}
_SPACE_ESC = {0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x0B: b"\\v", 0x0C: b"\\f"}
_SPECIAL_ESC = {0x5C: b"\\\\", 0x07: b"\\a", 0x1B: b"\\e", 0x22: b'\\"'}


def _bad(ptr: int) -> bytes | None:
    if ptr == 0:
        return b"(null)"
    if ptr < PAGE_SIZE or ptr > MASK64 - 4095:
        return b"(efault)"
    return None


class VaFormatter(Formatter):
    """A Formatter that can also read a va_list (for %pV): ``va_args(address)``."""

    va_args: Callable[[int], Iterator[int]] | None = None
    #: %pfw: a registered software node's names, root first (None: not one)
    fwnode_names: Callable[[int], list[bytes] | None] | None = None


def extension(f: Formatter, ext: bytes, ptr: int, width: int) -> bytes | None:
    """The text of ``%p<ext>`` for the extensions this module knows, else None."""
    kind = ext[:1]
    if kind == b"V":
        return _guarded(f, ptr, 16, lambda raw: _va_format(f, raw))
    if kind == b"U":
        return _guarded(f, ptr, 16, lambda raw: _uuid(raw, ext[1:2]))
    if kind == b"a":
        return _guarded(f, ptr, 8, lambda raw: f"0x{int.from_bytes(raw, 'little'):016x}".encode())
    if ext[:3] in (b"I6c", b"i6c"):
        return _guarded(f, ptr, 16, _ip6_compressed)
    if kind == b"E":
        n = 1 if width < 0 else width
        if n == 0:
            return b""
        return _guarded(f, ptr, n, lambda raw: _escape(raw, ext[1:]))
    if kind == b"t":
        size = 36 if ext[1:2] == b"R" else 8  # a struct rtc_time, a time64_t
        return _guarded(f, ptr, size, lambda raw: _time_and_date(raw, ext))
    if kind == b"G":
        return _guarded(f, ptr, 8, lambda raw: _flags(raw, ext))
    if kind == b"4":
        if ext[1:3] != b"cc":
            return b"(%p4?)"
        return _guarded(f, ptr, 4, _fourcc)
    if kind == b"f":
        if ext[1:2] != b"w":
            return b"(%pf?)"
        return _guarded(f, ptr, 8, lambda raw: _fwnode(f, ptr, ext[2:3]))
    if kind in (b"I", b"i") and ext[1:2] == b"S":
        return _guarded(f, ptr, 28, lambda raw: _sockaddr(raw, ext))
    if kind == b"b":
        nbits = max(width, 0)
        nbytes = (nbits + 63) // 64 * 8
        if nbits == 0:
            return b""
        as_list = ext[1:2] == b"l"
        return _guarded(f, ptr, nbytes, lambda raw: _bitmap(raw, nbits, as_list))
    return None


def _guarded(f: Formatter, ptr: int, n: int, render) -> bytes:
    bad = _bad(ptr)
    if bad:
        return bad
    raw = f.read_bytes(ptr, n) if f.read_bytes is not None else None
    if raw is None:
        return b"(efault)"
    return render(raw)


def _va_format(f: Formatter, raw: bytes) -> bytes:
    """struct va_format { const char *fmt; va_list *va; }: vsnprintf of fmt over *va."""
    va_args = getattr(f, "va_args", None)
    fmt_ptr, va = int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:16], "little")
    fmt = f.read_cstr(fmt_ptr, 1 << 20) if fmt_ptr else None
    if fmt is None or va_args is None:
        return b"(efault)"
    return f.format(fmt, va_args(va))


def _uuid(raw: bytes, variant: bytes) -> bytes:
    order = GUID_ORDER if variant in (b"l", b"L") else range(16)
    digits = "".join(f"{raw[i]:02x}" for i in order)
    text = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
    return (text.upper() if variant in (b"B", b"L") else text).encode()


def _ip6_compressed(raw: bytes) -> bytes:
    words = [raw[i] << 8 | raw[i + 1] for i in range(0, 16, 2)]
    v4 = raw[:10] == bytes(10) and raw[10:12] == b"\xff\xff"
    count = 6 if v4 else 8
    # the longest run of zero words (at least two), the first one on ties
    best, best_len, i = -1, 1, 0
    while i < count:
        j = i
        while j < count and words[j] == 0:
            j += 1
        if j - i > best_len:
            best, best_len = i, j - i
        i = j + 1 if j == i else j
    i = 0
    out = ""
    while i < count:
        if i == best:
            out += "::"
            i += best_len
            continue
        if out and not out.endswith(":"):
            out += ":"
        out += f"{words[i]:x}"
        i += 1
    if v4:
        if out and not out.endswith(":"):
            out += ":"
        out += ".".join(str(b) for b in raw[12:])
    return out.encode()


#: <linux/ctype.h>'s isprint(): punctuation, letters, digits, the hard space
PRINT = P | U | L | D | SP


def _escape(raw: bytes, flag_text: bytes) -> bytes:
    flags = 0
    for c in flag_text:
        flags |= _ESCAPE_FLAGS.get(c, 0)
    if not flags:
        flags = ANY | NP
    out = bytearray()
    for c in raw:
        if flags & NP and CTYPE[c] & PRINT:  # isprint() of Linux's Latin-1 _ctype
            out.append(c)
            continue
        if flags & SPACE and c in _SPACE_ESC:
            out += _SPACE_ESC[c]
        elif flags & SPECIAL and c in _SPECIAL_ESC:
            out += _SPECIAL_ESC[c]
        elif flags & NULL and c == 0:
            out += b"\\0"
        elif flags & OCTAL:
            out += f"\\{c:03o}".encode()
        elif flags & HEX:
            out += f"\\x{c:02x}".encode()
        else:
            out.append(c)
    return bytes(out)


def _bitmap(raw: bytes, nbits: int, as_list: bool) -> bytes:
    value = int.from_bytes(raw, "little") & ((1 << nbits) - 1)
    if as_list:
        ranges, bit = [], 0
        while bit < nbits:
            if value >> bit & 1:
                start = bit
                while bit + 1 < nbits and value >> (bit + 1) & 1:
                    bit += 1
                ranges.append(str(start) if start == bit else f"{start}-{bit}")
            bit += 1
        return ",".join(ranges).encode()
    chunks = []
    first = nbits % 32 or 32
    top = (nbits + 31) // 32 * 32 - 32
    size = first
    for at in range(top, -1, -32):
        chunk = value >> at & ((1 << size) - 1)
        chunks.append(f"{chunk:0{(size + 3) // 4}x}")
        size = 32
    return ",".join(chunks).encode()


def _civil(days: int) -> tuple[int, int, int]:
    """(year, month 1-12, day) of a day count since 1970-01-01 (proleptic Gregorian)."""
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, doy - (153 * mp + 2) // 5 + 1


def _time_and_date(raw: bytes, ext: bytes) -> bytes:
    """%ptR (a struct rtc_time) and %ptT (a time64_t), with [dt][r][s] as rtc_str()."""
    if ext[1:2] == b"R":
        sec, mins, hour, mday, mon, year = (
            int.from_bytes(raw[i : i + 4], "little", signed=True) for i in range(0, 24, 4)
        )
    elif ext[1:2] == b"T":
        t = int.from_bytes(raw[:8], "little", signed=True)
        days, secs = divmod(t, 86400)
        y, m, mday = _civil(days)
        year, mon, hour, mins, sec = y - 1900, m - 1, secs // 3600, secs % 3600 // 60, secs % 60
    else:
        return b"(%pt?)"
    have_d, have_t, rest = True, True, ext[2:]
    if rest[:1] == b"d":
        have_t, rest = False, rest[1:]
    elif rest[:1] == b"t":
        have_d, rest = False, rest[1:]
    raw_fmt = space = False
    for c in rest:
        if c == ord("r"):
            raw_fmt = True
        elif c == ord("s"):
            space = True
        else:
            break
    date = f"{year + (0 if raw_fmt else 1900):04d}-{mon + (0 if raw_fmt else 1):02d}-{mday:02d}"
    clock = f"{hour:02d}:{mins:02d}:{sec:02d}"
    parts = ([date] if have_d else []) + ([clock] if have_t else [])
    return (" " if space else "T").join(parts).encode()


def _flags(raw: bytes, ext: bytes) -> bytes:
    kind = ext[1:2]
    if kind == b"p":
        return flags.page_flags(int.from_bytes(raw, "little")).encode()
    if kind == b"v":
        return flags.format_flags(int.from_bytes(raw, "little"), flags.VMA_FLAG_NAMES).encode()
    if kind == b"g":
        return flags.format_flags(int.from_bytes(raw[:4], "little"), flags.GFP_FLAG_NAMES).encode()
    return b"(%pG?)"


def _fourcc(raw: bytes) -> bytes:
    """A V4L2/DRM four-character code: its characters, endianness and value."""
    orig = int.from_bytes(raw, "little")
    val = orig & ~(1 << 31)
    chars = "".join(
        chr(c) if 0x20 <= c < 0x7F else "." for c in (val >> (8 * i) & 0xFF for i in range(4))
    )
    endian = "big-endian" if orig & (1 << 31) else "little-endian"
    return f"{chars} {endian} (0x{orig:08x})".encode()


def _fwnode(f: Formatter, fwnode: int, which: bytes) -> bytes:
    """%pfw[fP]: a software node's full path (first/second/third) or own name."""
    names = getattr(f, "fwnode_names", None)
    chain = names(fwnode) if names is not None else None  # not a software node: no name
    if not chain:
        return b""
    if which == b"P":
        return chain[-1]
    return b"/".join(chain)


def _sockaddr(raw: bytes, ext: bytes) -> bytes:
    """%pIS/%piS[p][c...]: a struct sockaddr_in or sockaddr_in6, by its family."""
    family = int.from_bytes(raw[:2], "little")
    opts = ext[2:]
    port = int.from_bytes(raw[2:4], "big")
    if family == 2:  # AF_INET
        fmt = "{:03d}" if ext[:1] == b"i" else "{:d}"
        text = ".".join(fmt.format(b) for b in raw[4:8])
        return (text + (f":{port}" if b"p" in opts else "")).encode()
    if family == 10:  # AF_INET6
        addr = raw[8:24]
        if ext[:1] == b"I" and b"c" in opts:
            text = _ip6_compressed(addr).decode()
        else:
            groups = [f"{addr[i]:02x}{addr[i + 1]:02x}" for i in range(0, 16, 2)]
            text = "".join(groups) if ext[:1] == b"i" else ":".join(groups)
        if any(o in opts for o in b"psf"):
            text = f"[{text}]"
        if b"p" in opts:
            text += f":{port}"
        return text.encode()
    return b"(einval)"
