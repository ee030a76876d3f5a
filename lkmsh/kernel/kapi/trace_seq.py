"""<linux/trace_seq.h> and the __print_*() helpers of trace events (trace_output.c).

A struct trace_seq is a page of text in kernel memory with its length and a
"full" flag: what does not fit sets full and leaves the text as it was
(seq_buf's rule: a write needs room for its NUL). The helpers write into
iter->tmp_seq and return where their NUL-terminated text starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import cstr, formatter
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.string import va_list_args
from lkmsh.kernel.trace_output import OFF_SEQ_FULL, OFF_SEQ_LEN, OFF_SEQ_SIZE, SEQ_PAGE, seq_init

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lkmsh.kernel.callctx import CallContext

MAX_FLAGS = 256  # entries a flag or symbol array may have before its { -1, NULL }


def _ready(ctx: CallContext, s: int) -> tuple[int, int]:
    """(len, size) of @s, initialised first if it never was (__trace_seq_init)."""
    mem = ctx.mem
    size = mem.read_u64(s + OFF_SEQ_SIZE)
    if not size:
        seq_init(mem, s)
        size = SEQ_PAGE
    return mem.read_u64(s + OFF_SEQ_LEN), min(size, SEQ_PAGE)


def seq_put(ctx: CallContext, s: int, data: bytes, nul: bool = True) -> bool:
    """Append @data (with room for a NUL after it, unless @nul is False)."""
    mem = ctx.mem
    length, size = _ready(ctx, s)
    if mem.read_u32(s + OFF_SEQ_FULL):
        return False
    if length + len(data) + (1 if nul else 0) > size:
        mem.write_u32(s + OFF_SEQ_FULL, 1)
        return False
    mem.write(s + length, data + (b"\0" if nul else b""))
    mem.write_u64(s + OFF_SEQ_LEN, length + len(data))
    return True


def seq_ptr(ctx: CallContext, s: int) -> int:
    length, size = _ready(ctx, s)
    return s + min(length, size)


def seq_format(ctx: CallContext, s: int, fmt: int, args: Iterator[int]) -> None:
    seq_put(ctx, s, formatter(ctx).format(cstr(ctx, fmt), args))


@kapi(
    "trace_seq_printf",
    "void trace_seq_printf(struct trace_seq *s, const char *fmt, ...)",
    gpl=True,
)
def trace_seq_printf(ctx: CallContext) -> None:
    seq_format(ctx, ctx.arg(0), ctx.arg(1), ctx.varargs(2))


@kapi(
    "trace_seq_vprintf",
    "void trace_seq_vprintf(struct trace_seq *s, const char *fmt, va_list args)",
    gpl=True,
)
def trace_seq_vprintf(ctx: CallContext) -> None:
    seq_format(ctx, ctx.arg(0), ctx.arg(1), va_list_args(ctx, ctx.arg(2)))


@kapi(
    "trace_seq_puts",
    "void trace_seq_puts(struct trace_seq *s, const char *str)",
    gpl=True,
)
def trace_seq_puts(ctx: CallContext) -> None:
    seq_put(ctx, ctx.arg(0), cstr(ctx, ctx.arg(1)))


@kapi(
    "trace_seq_putc",
    "void trace_seq_putc(struct trace_seq *s, unsigned char c)",
    gpl=True,
)
def trace_seq_putc(ctx: CallContext) -> None:
    seq_put(ctx, ctx.arg(0), bytes([ctx.arg(1) & 0xFF]), nul=False)


@kapi(
    "trace_seq_putmem",
    "void trace_seq_putmem(struct trace_seq *s, const void *mem, unsigned int len)",
    gpl=True,
)
def trace_seq_putmem(ctx: CallContext) -> None:
    n = min(ctx.arg(2) & 0xFFFFFFFF, SEQ_PAGE)
    seq_put(ctx, ctx.arg(0), ctx.mem.read(ctx.arg(1), n), nul=False)


def _bitmask(ctx: CallContext, s: int, mask: int, nbits: int) -> None:
    fmt = formatter(ctx)
    seq_put(ctx, s, fmt.format(b"%*pb", iter([nbits, mask])))


@kapi(
    "trace_seq_bitmask",
    "void trace_seq_bitmask(struct trace_seq *s, const unsigned long *maskp, int nmaskbits)",
    gpl=True,
)
def trace_seq_bitmask(ctx: CallContext) -> None:
    _bitmask(ctx, ctx.arg(0), ctx.arg(1), ctx.sarg(2, 32))


def _flag_array(ctx: CallContext, array: int) -> list[tuple[int, bytes]]:
    """{ mask, name } pairs up to the one with a NULL name."""
    out = []
    mem = ctx.mem
    for i in range(MAX_FLAGS):
        mask, name = mem.read_u64(array + 16 * i), mem.read_u64(array + 16 * i + 8)
        if not name:
            break
        out.append((mask, cstr(ctx, name)))
    return out


@kapi(
    "trace_print_flags_seq",
    "const char *trace_print_flags_seq(struct trace_seq *p, const char *delim,"
    " unsigned long flags, const struct trace_print_flags *flag_array)",
)
def trace_print_flags_seq(ctx: CallContext) -> int:
    p, delim_at, flags, array = ctx.arg(0), ctx.arg(1), ctx.arg(2), ctx.arg(3)
    ret = seq_ptr(ctx, p)
    delim = cstr(ctx, delim_at) if delim_at else b""
    first = True
    for mask, name in _flag_array(ctx, array):
        if not flags:
            break
        if flags & mask != mask:
            continue
        flags &= ~mask
        if not first and delim_at:
            seq_put(ctx, p, delim)
        first = False
        seq_put(ctx, p, name)
    if flags:
        if not first and delim_at:
            seq_put(ctx, p, delim)
        seq_put(ctx, p, f"0x{flags:x}".encode())
    seq_put(ctx, p, b"\0", nul=False)
    return ret


@kapi(
    "trace_print_symbols_seq",
    "const char *trace_print_symbols_seq(struct trace_seq *p, unsigned long val,"
    " const struct trace_print_flags *symbol_array)",
)
def trace_print_symbols_seq(ctx: CallContext) -> int:
    p, val, array = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    ret = seq_ptr(ctx, p)
    name = next((n for mask, n in _flag_array(ctx, array) if mask == val), None)
    seq_put(ctx, p, name if name is not None else f"0x{val:x}".encode())
    seq_put(ctx, p, b"\0", nul=False)
    return ret


@kapi(
    "trace_print_bitmask_seq",
    "const char *trace_print_bitmask_seq(struct trace_seq *p, void *bitmask_ptr,"
    " unsigned int bitmask_size)",
)
def trace_print_bitmask_seq(ctx: CallContext) -> int:
    p = ctx.arg(0)
    ret = seq_ptr(ctx, p)
    _bitmask(ctx, p, ctx.arg(1), (ctx.arg(2) & 0xFFFFFFFF) * 8)
    seq_put(ctx, p, b"\0", nul=False)
    return ret


@kapi(
    "trace_print_hex_seq",
    "const char *trace_print_hex_seq(struct trace_seq *p, const unsigned char *buf,"
    " int len, bool concatenate)",
)
def trace_print_hex_seq(ctx: CallContext) -> int:
    p, buf, n, concat = ctx.arg(0), ctx.arg(1), max(0, ctx.sarg(2, 32)), ctx.arg(3) & 0xFF
    ret = seq_ptr(ctx, p)
    data = ctx.mem.read(buf, min(n, SEQ_PAGE))
    for i, b in enumerate(data):
        seq_put(ctx, p, (b"" if concat or i == 0 else b" ") + f"{b:02x}".encode())
    seq_put(ctx, p, b"\0", nul=False)
    return ret


@kapi(
    "trace_print_array_seq",
    "const char *trace_print_array_seq(struct trace_seq *p, const void *buf, int count,"
    " size_t el_size)",
)
def trace_print_array_seq(ctx: CallContext) -> int:
    p, buf, count, el_size = ctx.arg(0), ctx.arg(1), max(0, ctx.sarg(2, 32)), ctx.arg(3)
    ret = seq_ptr(ctx, p)
    total = min(count * el_size, SEQ_PAGE * 8)
    data = ctx.mem.read(buf, total) if total else b""
    seq_put(ctx, p, b"{", nul=False)
    at, prefix = 0, ""
    while at < total:
        if el_size in (1, 2, 4, 8):
            v = int.from_bytes(data[at : at + el_size], "little")
            seq_put(ctx, p, f"{prefix}0x{v:x}".encode())
            at += el_size
        else:
            seq_put(ctx, p, f"BAD SIZE:{el_size} 0x{data[at]:x}".encode())
            el_size = 1
            at += 1
        prefix = ","
    seq_put(ctx, p, b"}", nul=False)
    seq_put(ctx, p, b"\0", nul=False)
    return ret
