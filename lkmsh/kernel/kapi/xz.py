"""<linux/xz.h>: xz_dec_init, xz_dec_run, xz_dec_reset and xz_dec_end (lib/xz).

The decoder itself is lkmsh/kernel/xzdec.py (XZ Embedded's container rules over
the host's liblzma). Here are its kernel objects, allocated as lib/xz does: the
``struct xz_dec`` with kmalloc for the module that calls xz_dec_init(), the
dictionary with vmalloc (of dict_max bytes at init in XZ_PREALLOC, of the
stream's size when a block needs it in XZ_DYNALLOC), so a module that never
calls xz_dec_end() leaves them to the leak report and a dictionary past the
heap is XZ_MEM_ERROR. The module's ``struct xz_buf`` is read and its in_pos and
out_pos written back; input and output are read and written where they are,
a page at a time, so a bad buffer faults where XZ Embedded would touch it.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KIND_VMALLOC
from lkmsh.kernel.kapi.bug import KernelBug, call_trace
from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import _free
from lkmsh.kernel.xzdec import Decoder, XzDec, XzMode

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

#: struct xz_buf: in, in_pos, in_size, out, out_pos, out_size
XZ_BUF = struct.Struct("<QQQQQQ")
IN_POS, OUT_POS = 8, 32
#: kmalloc(sizeof(struct xz_dec)): its fields and the 1 KiB temp buffer
XZ_DEC_SIZE = 1160
PAGE = 4096


def _decoder(ctx: CallContext, s: int) -> Decoder:
    d = ctx.kernel.xz.get(s)
    if d is None:
        ctx.mem.read(s, 8)  # read it as lib/xz would (and fault if unmapped)
        msg = f"xz: {s:#x} is not a struct xz_dec from xz_dec_init()"
        raise KernelBug(msg, [msg, *call_trace(ctx)])
    return d


@kapi("xz_dec_init", "struct xz_dec *xz_dec_init(enum xz_mode mode, uint32_t dict_max)")
def xz_dec_init(ctx: CallContext) -> int:
    mode, dict_max = ctx.arg(0) & 0xFFFFFFFF, ctx.arg(1) & 0xFFFFFFFF
    if mode > XzMode.DYNALLOC:
        return 0  # lib/xz knows three modes; another would run on uninitialised state
    heap, who = ctx.kernel.heap, owner(ctx)
    s = heap.alloc(XZ_DEC_SIZE, who, ctx.caller, gfp=0xCC0)
    if not s:
        return 0
    dict_addr = 0
    if mode == XzMode.PREALLOC:
        dict_addr = heap.alloc(dict_max, who, ctx.caller, kind=KIND_VMALLOC)
        if not dict_addr:
            _free(ctx, s)
            return 0
    ctx.kernel.xz.add(Decoder(s, who, dict_addr, XzDec(XzMode(mode), dict_max)))
    return s


@kapi("xz_dec_run", "enum xz_ret xz_dec_run(struct xz_dec *s, struct xz_buf *b)")
def xz_dec_run(ctx: CallContext) -> int:
    d = _decoder(ctx, ctx.arg(0))
    b = ctx.arg(1)
    mem = ctx.mem
    in_ptr, in_pos, in_size, out_ptr, out_pos, out_size = XZ_BUF.unpack(mem.read(b, XZ_BUF.size))
    in_at, out_at = in_ptr + in_pos, out_ptr + out_pos

    def fetch(off: int, n: int) -> bytes:
        at = in_at + off
        return mem.read(at, min(n, PAGE - (at & (PAGE - 1)))) if n > 0 else b""

    def emit(off: int, data: bytes) -> None:
        mem.write(out_at + off, data)

    def grow(size: int) -> bool:
        """XZ_DYNALLOC: vfree() the dictionary, vmalloc() one of @size bytes."""
        if d.dict_addr:
            _free(ctx, d.dict_addr, KIND_VMALLOC)
        d.dict_addr = ctx.kernel.heap.alloc(size, owner(ctx), ctx.caller, kind=KIND_VMALLOC)
        return bool(d.dict_addr)

    d.dec.grow = grow
    ret, used_in, used_out = d.dec.run(
        fetch, max(0, in_size - in_pos), max(0, out_size - out_pos), emit
    )
    mem.write_u64(b + IN_POS, in_pos + used_in)
    mem.write_u64(b + OUT_POS, out_pos + used_out)
    return int(ret)


@kapi("xz_dec_reset", "void xz_dec_reset(struct xz_dec *s)")
def xz_dec_reset(ctx: CallContext) -> None:
    _decoder(ctx, ctx.arg(0)).dec.reset()


@kapi("xz_dec_end", "void xz_dec_end(struct xz_dec *s)")
def xz_dec_end(ctx: CallContext) -> None:
    s = ctx.arg(0)
    if not s:
        return
    d = _decoder(ctx, s)
    ctx.kernel.xz.remove(s)
    if d.dict_addr:
        _free(ctx, d.dict_addr, KIND_VMALLOC)
    _free(ctx, s)
