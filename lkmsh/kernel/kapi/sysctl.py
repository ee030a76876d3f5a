"""sysctl tables and their handlers (<linux/sysctl.h>): fs/proc/proc_sysctl.c, kernel/sysctl.c.

register_sysctl() checks a table as sysctl_check_table does (its pr_err
wording, then dump_stack and NULL), refuses a name already there ("sysctl
duplicate entry: /debug/x/y"), and publishes each entry under /proc/sys
(sysctl.py). The proc_do* handlers work on the kernel buffer they are given,
byte for byte as kernel/sysctl.c: proc_get_long's 21-character window and
permitted trailers, strtoul_lenient's overflow, the PAGE_SIZE - 1 cap on a
write, sysctl_writes_strict's rules for a write past position 0, the
tab-separated vectors, the string's truncation at maxlen - 1.
"""

from __future__ import annotations

import errno as E
from collections.abc import Callable
from typing import TYPE_CHECKING

from lkmsh.kernel import clock as C
from lkmsh.kernel.callctx import to_signed
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.data import INT_MAX
from lkmsh.kernel.kapi.kstrtox import fixup_radix, parse_integer
from lkmsh.kernel.kapi.printk import dump_stack
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.sysctl import (
    CTL_NODE_SIZE,
    CTL_TABLE,
    CTL_TABLE_HEADER,
    Registration,
    SysctlEntry,
)

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

PAGE_SIZE = 4096
UINT_MAX = (1 << 32) - 1
ULONG_MAX = (1 << 64) - 1
TMPBUFLEN = 22
WSPACE = b" \t\n"
SPACES = frozenset(b" \t\n\v\f\r")  # isspace()
HANDLER = "int {}(struct ctl_table *table, int write, void *buffer, size_t *lenp, loff_t *ppos)"
LOGLEVEL_ERR = 3
ENTRY = CTL_TABLE.size


# -- the text of kernel/sysctl.c --------------------------------------------------------


class Text:
    """A write's buffer being parsed: ``p`` the next byte, ``left`` how many remain."""

    def __init__(self, data: bytes):
        self.data, self.p, self.left = data, 0, len(data)

    def skip_spaces(self) -> None:
        while self.left and self.data[self.p] in SPACES:
            self.p += 1
            self.left -= 1

    def skip_char(self, c: int) -> None:
        while self.left and self.data[self.p] == c:
            self.p += 1
            self.left -= 1

    def get_long(self, trailers: bytes) -> tuple[int, int, bool, int]:
        """proc_get_long: (err, value, negative, trailer byte or -1)."""
        size = self.left
        if size <= 0:
            return -E.EINVAL, 0, False, -1
        tmp = self.data[self.p : self.p + min(size, TMPBUFLEN - 1)]
        at = 0
        neg = tmp[:1] == b"-" and size > 1
        if neg:
            at = 1
        if not tmp[at : at + 1].isdigit():
            return -E.EINVAL, 0, neg, -1
        off, base = fixup_radix(tmp[at:], 0)
        value, count, overflow = parse_integer(tmp, at + off, base)
        if overflow:
            return -E.EINVAL, 0, neg, -1
        n = at + off + count
        if n == TMPBUFLEN - 1:
            return -E.EINVAL, 0, neg, -1
        tr = tmp[n] if n < size else -1
        if tr >= 0 and trailers and tr not in trailers:
            return -E.EINVAL, 0, neg, -1
        self.p += n
        self.left -= n
        return 0, value, neg, tr


class Out:
    """A read's output, cut at the caller's size as proc_put_long/proc_put_char cut it."""

    def __init__(self, size: int):
        self.buf, self.size = bytearray(), size

    @property
    def left(self) -> int:
        return self.size - len(self.buf)

    def put(self, text: bytes) -> None:
        self.buf += text[: self.left]

    def put_long(self, value: int, neg: bool) -> None:
        self.put(f"{'-' if neg else ''}{value}".encode())


class Call:
    """One handler call: the table's fields, *lenp and *ppos."""

    def __init__(self, ctx: CallContext, table: int | None = None):
        self.ctx, self.mem = ctx, ctx.mem
        self.table = ctx.arg(0) if table is None else table
        self.write = ctx.arg(1) & 0xFFFFFFFF != 0
        self.buffer, self.lenp, self.ppos = ctx.arg(2), ctx.arg(3), ctx.arg(4)
        self.length = self.mem.read_u64(self.lenp)
        self.pos = to_signed(self.mem.read_u64(self.ppos))

    def field(self, name: str) -> int:
        f = CTL_TABLE.field(name)
        raw = self.mem.read(self.table + f.offset, f.size)
        return int.from_bytes(raw, "little", signed=name == "maxlen")

    @property
    def strict(self) -> int:
        return self.ctx.kernel.sysctl.writes_strict

    def first_pos_ignored(self) -> bool:
        """proc_first_pos_non_zero_ignore (WARN mode's warning is not modelled)."""
        return self.pos != 0 and self.strict == 1

    def text(self, cap: bool = True) -> Text:
        n = min(self.length, PAGE_SIZE - 1) if cap else self.length
        return Text(self.mem.read(self.buffer, n))

    def finish(self, length: int, out: bytes | None = None) -> int:
        """*lenp = @length, *ppos += it, the read's bytes into the buffer; returns 0."""
        if out:
            self.mem.write(self.buffer, out)
        self.mem.write_u64(self.lenp, length)
        self.mem.write_u64(self.ppos, (self.pos + length) & ULONG_MAX)
        return 0

    def nothing(self) -> int:
        self.mem.write_u64(self.lenp, 0)
        return 0


# conv(neg, lval) -> the value to store, or None to refuse; show(value) -> (neg, lval)
Conv = Callable[[bool, int], "int | None"]
Show = Callable[[int], "tuple[bool, int]"]


def _int_conv(neg: bool, lval: int) -> int | None:
    if neg:
        return None if lval > INT_MAX + 1 else -lval
    return None if lval > INT_MAX else lval


def _int_show(val: int) -> tuple[bool, int]:
    return (True, -val) if val < 0 else (False, val)


def _minmax(conv: Conv, lo: int | None, hi: int | None) -> Conv:
    def check(neg: bool, lval: int) -> int | None:
        v = conv(neg, lval)
        if v is None or (lo is not None and lo > v) or (hi is not None and hi < v):
            return None
        return v

    return check


def _ptr_int(c: Call, name: str, size: int = 4, signed: bool = True) -> int | None:
    addr = c.field(name)
    if not addr:
        return None
    return int.from_bytes(c.mem.read(addr, size), "little", signed=signed)


def _show_vector(c: Call, count: int, value: Callable[[int], tuple[int, bool]]) -> int:
    """The read side of __do_proc_dointvec and __do_proc_doulongvec_minmax: up to @count
    values (``value(i)``: magnitude, negative) tab-separated, then a newline, cut at the
    read's length; only the values printed are read."""
    out = Out(c.length)
    i = 0
    while out.left and i < count:
        if i:
            out.put(b"\t")
        out.put_long(*value(i))
        i += 1
    if i and out.left:
        out.put(b"\n")
    return c.finish(len(out.buf), bytes(out.buf))


def do_intvec(c: Call, data: int, conv: Conv, show: Show, elem: int = 4) -> int:
    """__do_proc_dointvec over @elem-byte slots (4: int; a bool is written in an int's slot)."""
    maxlen = c.field("maxlen")
    if not data or not maxlen or not c.length or (c.pos and not c.write):
        return c.nothing()
    vleft = maxlen // 4
    mem = c.mem
    if not c.write:

        def value(i: int) -> tuple[int, bool]:
            neg, lval = show(
                int.from_bytes(mem.read(data + 4 * i, elem), "little", signed=elem == 4)
            )
            return lval, neg

        return _show_vector(c, vleft, value)
    if c.first_pos_ignored():
        return c.finish(c.length)
    t = c.text()
    first, err, i = True, 0, 0
    while t.left and vleft:
        vleft -= 1
        t.skip_spaces()
        if not t.left:
            break
        err, lval, neg, _ = t.get_long(WSPACE)
        if err:
            break
        v = conv(neg, lval)
        if v is None:
            err = -E.EINVAL
            break
        mem.write(data + 4 * i, (v & ((1 << 8 * elem) - 1)).to_bytes(elem, "little"))
        i += 1
        first = False
    if not err and t.left:
        t.skip_spaces()
    if first:
        return err or -E.EINVAL
    c.finish(c.length - t.left)
    return err


def do_uintvec(
    c: Call, data: int, lo: int | None = None, hi: int | None = None, maxlen: int | None = None
) -> int:
    """__do_proc_douintvec: one unsigned int, no arrays; a write leaves *ppos alone.
    @maxlen: a temporary table's (proc_dou8vec_minmax's), else the table's."""
    maxlen = c.field("maxlen") if maxlen is None else maxlen
    if not data or not maxlen or not c.length or (c.pos and not c.write):
        return c.nothing()
    if maxlen // 4 != 1:
        c.nothing()
        return -E.EINVAL
    mem = c.mem
    if not c.write:
        out = Out(c.length)
        out.put_long(mem.read_u32(data), False)
        if out.left:
            out.put(b"\n")
        return c.finish(len(out.buf), bytes(out.buf))
    if c.first_pos_ignored():
        return c.finish(c.length)
    t = c.text()
    t.skip_spaces()
    if not t.left:
        return -E.EINVAL
    err, lval, neg, _ = t.get_long(WSPACE)
    if err or neg or lval > UINT_MAX:
        return -E.EINVAL
    if (lo is not None and lo > lval) or (hi is not None and hi < lval):
        return -E.EINVAL  # conv's -ERANGE, which do_proc_douintvec_w makes -EINVAL
    mem.write_u32(data, lval)
    return 0


def do_ulongvec(c: Call, data: int, mul: int, div: int) -> int:
    """__do_proc_doulongvec_minmax: unsigned longs, *extra1/*extra2 the range."""
    maxlen = c.field("maxlen")
    if not data or not maxlen or not c.length or (c.pos and not c.write):
        return c.nothing()
    lo, hi = (_ptr_int(c, n, 8, False) for n in ("extra1", "extra2"))
    vleft = maxlen // 8
    mem = c.mem
    if not c.write:
        return _show_vector(
            c, vleft, lambda i: ((div * mem.read_u64(data + 8 * i) & ULONG_MAX) // mul, False)
        )
    if c.first_pos_ignored():
        return c.finish(c.length)
    t = c.text()
    first, err, i = True, 0, 0
    while t.left and vleft:
        vleft -= 1
        t.skip_spaces()
        if not t.left:
            break
        err, val, neg, _ = t.get_long(WSPACE)
        if err or neg:
            err = -E.EINVAL
            break
        val = (mul * val & ULONG_MAX) // div
        if (lo is not None and val < lo) or (hi is not None and val > hi):
            err = -E.EINVAL
            break
        mem.write_u64(data + 8 * i, val)
        i += 1
        first = False
    if not err:
        t.skip_spaces()
    if first:
        return err or -E.EINVAL
    c.finish(c.length - t.left)
    return err


def do_string(c: Call) -> int:
    """_proc_do_string: maxlen - 1 characters and a NUL; a read adds a newline."""
    data, maxlen, mem = c.field("data"), c.field("maxlen"), c.mem
    if not data or not maxlen or not c.length:
        return c.nothing()
    current = mem.read_cstr(data, max(maxlen, 1))
    if c.write:
        if c.strict == 1:
            at = min(len(current), maxlen - 1)
            if c.pos > at:
                return 0
            at = c.pos
        else:
            at = 0
        mem.write_u64(c.ppos, (c.pos + c.length) & ULONG_MAX)
        text = mem.read(c.buffer, c.length)
        keep = bytearray()
        for ch in text:
            if at + len(keep) >= maxlen - 1 or ch in (0, 0x0A):
                break
            keep.append(ch)
        mem.write(data + at, bytes(keep) + b"\0")
        return 0
    size = min(len(current), maxlen)
    if c.pos > size:
        return c.nothing()
    piece = current[c.pos : size][: c.length]
    if len(piece) < c.length:
        piece += b"\n"
    return c.finish(len(piece), piece)


def do_large_bitmap(c: Call) -> int:
    """proc_do_large_bitmap: "1,3-4,10" ranges; a long write goes PAGE_SIZE - 1 at a time."""
    mem = c.mem
    nbits = c.field("maxlen")
    data = c.field("data")
    bitmap = mem.read_u64(data) if data else 0
    if not bitmap or not nbits or not c.length or (c.pos and not c.write):
        return c.nothing()
    nbytes = (nbits + 63) // 64 * 8
    if not c.write:
        bits = int.from_bytes(mem.read(bitmap, nbytes), "little") & ((1 << nbits) - 1)
        out = Out(c.length)
        first, b = True, 0
        while out.left:
            rest = bits >> b
            if not rest:
                break
            a = b + ((rest & -rest).bit_length() - 1)
            run = ~(bits >> a)
            end = a + ((run & -run).bit_length() - 1) - 1  # the last set bit of the run
            if not first:
                out.put(b",")
            out.put_long(a, False)
            if a != end:
                out.put(b"-")
                out.put_long(end, False)
            first = False
            b = end + 1
        out.put(b"\n")
        return c.finish(len(out.buf), bytes(out.buf))
    t = c.text()
    skipped = c.length - t.left
    new = 0
    err = 0
    c_tr = 0  # proc_do_large_bitmap's c: the last trailer seen
    t.skip_char(0x0A)
    while not err and t.left:
        saved = (t.p, t.left)
        err, a, neg, tr = t.get_long(b"-,\n")
        c_tr = tr if tr >= 0 else c_tr
        if t.left <= 1 and skipped:
            t.p, t.left = saved
            break
        if err:
            break
        if a >= nbits or neg:
            err = -E.EINVAL
            break
        end = a
        if t.left:
            t.p += 1
            t.left -= 1
        if c_tr == ord("-"):
            err, end, neg, tr = t.get_long(b",\n\0")
            c_tr = tr if tr >= 0 else c_tr
            if not t.left and skipped:
                t.p, t.left = saved
                break
            if err:
                break
            if end >= nbits or neg or a > end:
                err = -E.EINVAL
                break
            if t.left:
                t.p += 1
                t.left -= 1
        new |= ((1 << (end - a + 1)) - 1) << a
        t.skip_char(0x0A)
    if err:
        return err
    if c.pos:
        new |= int.from_bytes(mem.read(bitmap, nbytes), "little")
    mem.write(bitmap, new.to_bytes(nbytes, "little"))
    return c.finish(c.length - (t.left + skipped))


# -- the handlers -------------------------------------------------------------------


@kapi("proc_dostring", HANDLER.format("proc_dostring"))
def proc_dostring(ctx: CallContext) -> int:
    return do_string(Call(ctx))


@kapi("proc_dointvec", HANDLER.format("proc_dointvec"))
def proc_dointvec(ctx: CallContext) -> int:
    c = Call(ctx)
    return do_intvec(c, c.field("data"), _int_conv, _int_show)


@kapi("proc_dobool", HANDLER.format("proc_dobool"))
def proc_dobool(ctx: CallContext) -> int:
    c = Call(ctx)
    return do_intvec(c, c.field("data"), lambda neg, lval: int(lval != 0), _int_show, elem=1)


@kapi("proc_dointvec_minmax", HANDLER.format("proc_dointvec_minmax"))
def proc_dointvec_minmax(ctx: CallContext) -> int:
    c = Call(ctx)
    conv = _minmax(_int_conv, _ptr_int(c, "extra1"), _ptr_int(c, "extra2"))
    return do_intvec(c, c.field("data"), conv, _int_show)


@kapi("proc_douintvec", HANDLER.format("proc_douintvec"))
def proc_douintvec(ctx: CallContext) -> int:
    c = Call(ctx)
    return do_uintvec(c, c.field("data"))


@kapi("proc_douintvec_minmax", HANDLER.format("proc_douintvec_minmax"), gpl=True)
def proc_douintvec_minmax(ctx: CallContext) -> int:
    c = Call(ctx)
    lo, hi = (_ptr_int(c, n, 4, False) for n in ("extra1", "extra2"))
    return do_uintvec(c, c.field("data"), lo, hi)


@kapi("proc_dou8vec_minmax", HANDLER.format("proc_dou8vec_minmax"), gpl=True)
def proc_dou8vec_minmax(ctx: CallContext) -> int:
    """The u8 goes through a temporary unsigned int, as Linux's."""
    c = Call(ctx)
    if c.field("maxlen") != 1:
        return -E.EINVAL
    lo, hi = (_ptr_int(c, n, 4, False) for n in ("extra1", "extra2"))
    if (lo is not None and lo > 255) or (hi is not None and hi > 255):
        return -E.EINVAL
    data = c.field("data")
    heap = ctx.kernel.heap
    tmp = heap.alloc(4, KERNEL_OWNER, ctx.caller, zero=True, managed=True)
    if not tmp:
        return -E.ENOMEM
    try:
        c.mem.write_u32(tmp, c.mem.read_u8(data))
        res = do_uintvec(c, tmp, 0 if lo is None else lo, 255 if hi is None else hi, maxlen=4)
        if not res and c.write:
            c.mem.write_u8(data, c.mem.read_u32(tmp) & 0xFF)
        return res
    finally:
        heap.free(tmp)


def _jiffies_show(to_user: Callable[[int], int]) -> Show:
    def show(val: int) -> tuple[bool, int]:
        neg, lval = _int_show(val)
        return neg, to_user(lval)

    return show


def _jiffies_conv(neg: bool, lval: int) -> int | None:
    if lval > INT_MAX // C.HZ:
        return None
    return -lval * C.HZ if neg else lval * C.HZ


def _ms_jiffies_conv(neg: bool, lval: int) -> int | None:
    ms = (-lval if neg else lval) & 0xFFFFFFFF  # msecs_to_jiffies takes an unsigned int
    jif = C.msecs_to_jiffies(ms)
    return None if jif > INT_MAX else jif


def _userhz_conv(neg: bool, lval: int) -> int | None:
    x = (-lval if neg else lval) & ULONG_MAX
    j = x * C.HZ // 100 & ULONG_MAX  # clock_t_to_jiffies with USER_HZ 100
    return to_signed(j, 32)


@kapi("proc_dointvec_jiffies", HANDLER.format("proc_dointvec_jiffies"))
def proc_dointvec_jiffies(ctx: CallContext) -> int:
    c = Call(ctx)
    return do_intvec(c, c.field("data"), _jiffies_conv, _jiffies_show(lambda j: j // C.HZ))


@kapi("proc_dointvec_ms_jiffies", HANDLER.format("proc_dointvec_ms_jiffies"))
def proc_dointvec_ms_jiffies(ctx: CallContext) -> int:
    c = Call(ctx)
    show = _jiffies_show(C.jiffies_to_msecs)
    return do_intvec(c, c.field("data"), _ms_jiffies_conv, show)


@kapi("proc_dointvec_userhz_jiffies", HANDLER.format("proc_dointvec_userhz_jiffies"))
def proc_dointvec_userhz_jiffies(ctx: CallContext) -> int:
    c = Call(ctx)
    # jiffies_to_clock_t: x * TICK_NSEC / (NSEC_PER_SEC / USER_HZ)
    show = _jiffies_show(lambda j: j * ((10**9 + C.HZ // 2) // C.HZ) // (10**9 // 100))
    return do_intvec(c, c.field("data"), _userhz_conv, show)


@kapi("proc_doulongvec_minmax", HANDLER.format("proc_doulongvec_minmax"))
def proc_doulongvec_minmax(ctx: CallContext) -> int:
    c = Call(ctx)
    return do_ulongvec(c, c.field("data"), 1, 1)


@kapi("proc_doulongvec_ms_jiffies_minmax", HANDLER.format("proc_doulongvec_ms_jiffies_minmax"))
def proc_doulongvec_ms_jiffies_minmax(ctx: CallContext) -> int:
    c = Call(ctx)
    return do_ulongvec(c, c.field("data"), C.HZ, 1000)


@kapi("proc_do_large_bitmap", HANDLER.format("proc_do_large_bitmap"))
def proc_do_large_bitmap(ctx: CallContext) -> int:
    return do_large_bitmap(Call(ctx))


# -- registering tables ---------------------------------------------------------------

#: the handlers whose entries sysctl_check_table checks for data and maxlen
_DATA_HANDLERS = (
    "proc_dostring",
    "proc_dointvec",
    "proc_douintvec",
    "proc_douintvec_minmax",
    "proc_dointvec_minmax",
    "proc_dou8vec_minmax",
    "proc_dointvec_jiffies",
    "proc_dointvec_userhz_jiffies",
    "proc_dointvec_ms_jiffies",
    "proc_doulongvec_minmax",
    "proc_doulongvec_ms_jiffies_minmax",
)


class _Fail(Exception):
    """A registration that fails: what has been logged is logged; NULL is returned."""


def _entries(ctx: CallContext, table: int) -> list[int]:
    """The entries of a table up to its empty one (a procname of NULL ends it)."""
    out, mem = [], ctx.mem
    while mem.read_u64(table + CTL_TABLE.off("procname")):
        out.append(table)
        table += ENTRY
        if len(out) > 4096:
            raise _Fail
    return out


def _name(ctx: CallContext, entry: int) -> str:
    return decode(cstr(ctx, ctx.mem.read_u64(entry + CTL_TABLE.off("procname")), 256))


def _check_table(ctx: CallContext, path: str, entries: list[int]) -> bool:
    """sysctl_check_table: every problem logged; True if there was none."""
    mem, k = ctx.mem, ctx.kernel
    handlers = {k.symbol_address(n): n for n in _DATA_HANDLERS}
    ok = True

    def err(entry: int, what: str) -> None:
        nonlocal ok
        k.log.emit(LOGLEVEL_ERR, f"sysctl table check failed: {path}/{_name(ctx, entry)} {what}")
        ok = False

    def rd(e: int, f: str) -> int:
        return mem.read_u64(e + CTL_TABLE.off(f))

    for e in entries:
        if rd(e, "child"):
            err(e, "Not a file")
        handler = rd(e, "proc_handler")
        maxlen = mem.read_u32(e + CTL_TABLE.off("maxlen"))
        if handler in handlers:
            if not rd(e, "data"):
                err(e, "No data")
            if not maxlen:
                err(e, "No maxlen")
            elif (
                handlers[handler] in ("proc_douintvec", "proc_douintvec_minmax")
                and maxlen != 4
                or handlers[handler] == "proc_dou8vec_minmax"
                and maxlen != 1
            ):
                err(e, "array not allowed")
        if not handler:
            err(e, "No proc_handler")
        mode = mem.read_u16(e + CTL_TABLE.off("mode"))
        if mode & 0o666 != mode:
            err(e, f"bogus .mode 0{mode:o}")
    return ok


def _register_leaf(ctx: CallContext, reg: Registration, path: str, table: int) -> int:
    """__register_sysctl_table: a kzalloc'd header for the table's files in @path."""
    k = ctx.kernel
    sysctl, heap, mem = k.sysctl, k.heap, ctx.mem
    entries = _entries(ctx, table)
    size = CTL_TABLE_HEADER.size + CTL_NODE_SIZE * len(entries)
    header = heap.alloc(size, KERNEL_OWNER, ctx.caller, zero=True, managed=True)
    if not header:
        raise _Fail
    mem.write_u64(header + CTL_TABLE_HEADER.off("ctl_table"), table)
    mem.write_u64(header + CTL_TABLE_HEADER.off("ctl_table_arg"), table)
    try:
        if not _check_table(ctx, path, entries):
            raise _Fail
        names = [n for n in path.split("/") if n]
        for i in range(len(names)):
            d = "/".join(names[: i + 1])
            if sysctl.is_file(d):
                k.log.emit(
                    LOGLEVEL_ERR,
                    f"sysctl could not get directory: /{'/'.join(names[:i])}"
                    f"{'/' if i else ''}{names[i]} -{E.ENOTDIR}",
                )
                raise _Fail
        d = "/".join(names)
        made: list[SysctlEntry] = []
        for e in entries:
            name = _name(ctx, e)
            p = f"{d}/{name}" if d else name
            if sysctl.taken(p) or any(m.path == p for m in made) or reg_has(reg, p):
                k.log.emit(LOGLEVEL_ERR, f"sysctl duplicate entry: /{p}")
                raise _Fail
            mode = mem.read_u16(e + CTL_TABLE.off("mode"))
            made.append(SysctlEntry(p, e, mode))
    except _Fail:
        heap.free(header)
        raise
    reg.entries += made
    reg.dirs += ["/".join(names[: i + 1]) for i in range(len(names))]
    reg.objects.append(header)
    return header


def reg_has(reg: Registration, path: str) -> bool:
    return any(e.path == path for e in reg.entries)


def _register_tree(ctx: CallContext, reg: Registration, path: str, table: int) -> list[int]:
    """register_leaf_sysctl_tables: a directory's files, then each .child directory."""
    mem = ctx.mem
    entries = _entries(ctx, table)
    dirs = [e for e in entries if mem.read_u64(e + CTL_TABLE.off("child"))]
    files = [e for e in entries if e not in dirs]
    leaf = table
    if dirs and files:  # a new table of just the files (kcalloc'd, freed with the header)
        heap = ctx.kernel.heap
        leaf = heap.alloc(ENTRY * (len(files) + 1), KERNEL_OWNER, ctx.caller, zero=True)
        if not leaf:
            raise _Fail
        reg.objects.append(leaf)
        for i, e in enumerate(files):
            mem.write(leaf + i * ENTRY, mem.read(e, ENTRY))
    headers = [_register_leaf(ctx, reg, path, leaf)] if files or not dirs else []
    for e in dirs:
        child = mem.read_u64(e + CTL_TABLE.off("child"))
        sub = f"{path}/{_name(ctx, e)}" if path else _name(ctx, e)
        headers += _register_tree(ctx, reg, sub, child)
    return headers


def _register(ctx: CallContext, path: str, table: int, tree: bool) -> int:
    k = ctx.kernel
    reg = Registration(0, owner(ctx))
    try:
        if tree:
            mem = ctx.mem
            # a table of one directory is that directory's path
            while True:
                entries = _entries(ctx, table)
                child = mem.read_u64(table + CTL_TABLE.off("child")) if entries else 0
                if len(entries) != 1 or not child:
                    break
                path = f"{path}/{_name(ctx, table)}" if path else _name(ctx, table)
                table = child
            headers = _register_tree(ctx, reg, path, table)
            head = headers[0] if len(headers) == 1 else 0
            if not head:  # several subheaders: a header of their own holds them
                head = k.heap.alloc(CTL_TABLE_HEADER.size, KERNEL_OWNER, ctx.caller, zero=True)
                if not head:
                    raise _Fail
                reg.objects.append(head)
        else:
            head = _register_leaf(ctx, reg, path, table)
    except _Fail:
        for addr in reg.objects:
            if k.heap.lookup(addr) is not None:
                k.heap.free(addr)
        dump_stack(ctx)
        return 0
    reg.header = head
    k.sysctl.add(reg)
    return head


@kapi(
    "register_sysctl",
    "struct ctl_table_header *register_sysctl(const char *path, struct ctl_table *table)",
)
def register_sysctl(ctx: CallContext) -> int:
    return _register(ctx, decode(cstr(ctx, ctx.arg(0), 4096)), ctx.arg(1), tree=False)


@kapi(
    "register_sysctl_table",
    "struct ctl_table_header *register_sysctl_table(struct ctl_table *table)",
)
def register_sysctl_table(ctx: CallContext) -> int:
    return _register(ctx, "", ctx.arg(0), tree=True)


@kapi(
    "register_sysctl_paths",
    "struct ctl_table_header *register_sysctl_paths(const struct ctl_path *path, "
    "struct ctl_table *table)",
)
def register_sysctl_paths(ctx: CallContext) -> int:
    names, at, mem = [], ctx.arg(0), ctx.mem
    while (name := mem.read_u64(at)) and len(names) < 64:
        names.append(decode(cstr(ctx, name, 256)))
        at += 8
    return _register(ctx, "/".join(names), ctx.arg(1), tree=True)


@kapi("unregister_sysctl_table", "void unregister_sysctl_table(struct ctl_table_header *table)")
def unregister_sysctl_table(ctx: CallContext) -> None:
    header = ctx.arg(0)
    if header:
        ctx.kernel.sysctl.remove(header)


@kapi("async_synchronize_full", "void async_synchronize_full(void)", gpl=True)
def async_synchronize_full(ctx: CallContext) -> None:
    """Nothing is ever scheduled with async_schedule() in lkmsh: nothing to wait for."""
