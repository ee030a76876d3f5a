"""lib/hexdump.c: hex_dump_to_buffer and print_hex_dump, as Linux 6.1 formats them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import cstr, decode
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

DUMP_PREFIX_NONE, DUMP_PREFIX_ADDRESS, DUMP_PREFIX_OFFSET = 0, 1, 2
#: print_hex_dump pauses every so many lines, where Ctrl-C may stop a long dump
PAUSE_ROWS = 256


def _printable(b: int) -> bool:
    """isascii(c) && isprint(c), as hex_dump_to_buffer's ASCII column."""
    return 0x20 <= b < 0x7F


def hex_dump_line(buf: bytes, rowsize: int, groupsize: int, ascii: bool) -> bytes:
    """The whole line hex_dump_to_buffer writes for ``buf`` (before truncation to linebuflen)."""
    if rowsize not in (16, 32):
        rowsize = 16
    length = min(len(buf), rowsize)
    if groupsize not in (1, 2, 4, 8) or length % groupsize:
        groupsize = 1
    if not length:
        return b""
    ngroups = length // groupsize
    parts = []
    for j in range(ngroups):
        chunk = buf[j * groupsize : (j + 1) * groupsize]
        parts.append(chunk[::-1].hex())  # the groups are read as little-endian integers
    text = " ".join(parts)
    if ascii:
        ascii_column = groupsize * 2 * (rowsize // groupsize) + rowsize // groupsize + 1
        text = text.ljust(ascii_column)
        text += "".join(chr(b) if _printable(b) else "." for b in buf[:length])
    return text.encode()


@kapi(
    "hex_dump_to_buffer",
    "int hex_dump_to_buffer(const void *buf, size_t len, int rowsize, int groupsize,"
    " char *linebuf, size_t linebuflen, bool ascii)",
)
def hex_dump_to_buffer(ctx: CallContext) -> int:
    src, n = ctx.arg(0), ctx.arg(1)
    rowsize, groupsize = ctx.sarg(2, 32), ctx.sarg(3, 32)
    linebuf, linebuflen, ascii = ctx.arg(4), ctx.arg(5), bool(ctx.arg(6) & 0xFF)
    rs = rowsize if rowsize in (16, 32) else 16
    data = ctx.mem.read(src, min(n, rs)) if n else b""
    line = hex_dump_line(data, rowsize, groupsize, ascii)
    if linebuflen:
        out = line[: linebuflen - 1]
        ctx.mem.write(linebuf, out + b"\0")
    return len(line)


@kapi(
    "print_hex_dump",
    "void print_hex_dump(const char *level, const char *prefix_str, int prefix_type,"
    " int rowsize, int groupsize, const void *buf, size_t len, bool ascii)",
)
def print_hex_dump(ctx: CallContext) -> None:
    from lkmsh.kernel.dmesg import DEFAULT_LEVEL
    from lkmsh.kernel.kapi.printk import split_level

    level_text, prefix = cstr(ctx, ctx.arg(0), 8), decode(cstr(ctx, ctx.arg(1)))
    prefix_type, rowsize, groupsize = ctx.sarg(2, 32), ctx.sarg(3, 32), ctx.sarg(4, 32)
    buf, n, ascii = ctx.arg(5), ctx.arg(6), bool(ctx.arg(7) & 0xFF)
    level, _, _ = split_level(level_text)
    if rowsize not in (16, 32):
        rowsize = 16
    for row, i in enumerate(range(0, n, rowsize)):
        if row and row % PAUSE_ROWS == 0:
            ctx.mem.pause()
        data = ctx.mem.read(buf + i, min(rowsize, n - i))
        line = decode(hex_dump_line(data, rowsize, groupsize, ascii))
        if prefix_type == DUMP_PREFIX_ADDRESS:
            head = f"{prefix}{buf + i:016x}: "
        elif prefix_type == DUMP_PREFIX_OFFSET:
            head = f"{prefix}{i:08x}: "
        else:
            head = prefix
        ctx.kernel.log.emit(DEFAULT_LEVEL if level is None else level, head + line)
