"""<linux/rslib.h>: init_rs_gfp, init_rs_non_canonical and free_rs (lib/reed_solomon/reed_solomon.c).

Building a codec (the field's tables and the generator polynomial) is once per
set of parameters; the coders that run per word are the kernel library's C
(lkmsh/klib/rslib.c). Codecs are shared and counted (rscodecs.py).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import _free
from lkmsh.kernel.rscodecs import Codec
from lkmsh.kernel.sysfs import call_module_code

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

GFP_KERNEL = 0xCC0
#: struct rs_codec: mm, nn, alpha_to, index_of, genpoly, nroots, fcr, prim, iprim,
#: gfpoly, gffunc, users, list (next, prev)
CODEC = struct.Struct("<iiQQQiiiiiiQiiQQ")
USERS = 64
LIST = 72
#: struct rs_control: the codec pointer, then RS_DECODE_NUM_BUFFERS (8) scratch
#: arrays of nroots + 1 symbols for the decoder
DECODE_BUFFERS = 8
#: widest symbol: the tables hold u16 logs (Linux's comment says 1-15 bits; past 16
#: its shifts overflow)
MAX_SYMSIZE = 16


def _alloc(ctx: CallContext, size: int, gfp: int, who: str) -> int:
    return ctx.kernel.heap.alloc(size, who, ctx.caller, True, gfp)


def _field(
    ctx: CallContext, symsize: int, gfpoly: int, gffunc: int
) -> tuple[list[int], list[int]] | None:
    """alpha_to and index_of of GF(2^symsize), or None when the generator is not primitive."""
    nn = (1 << symsize) - 1
    alpha_to, index_of = [0] * (nn + 1), [0] * (nn + 1)
    index_of[0] = nn  # log(0) = -inf
    step = (
        (lambda x: call_module_code(ctx.kernel, gffunc, [x]) & 0xFFFFFFFF) if not gfpoly else None
    )
    sr = step(0) if step else 1
    for i in range(nn):
        index_of[sr & nn] = i
        alpha_to[i] = sr & 0xFFFF
        if step:
            sr = step(sr)
        else:
            sr <<= 1
            if sr & (1 << symsize):
                sr ^= gfpoly
            sr &= nn
    if sr != alpha_to[0]:
        return None
    return alpha_to, index_of


def _genpoly(
    alpha_to: list[int], index_of: list[int], nn: int, fcr: int, prim: int, nroots: int
) -> list[int]:
    """prod (x + alpha^(prim (fcr + i))) for i < nroots, in index form."""
    g = [1] + [0] * nroots
    for i in range(nroots):
        root = prim * (fcr + i)
        g[i + 1] = 1
        for j in range(i, 0, -1):
            g[j] = g[j - 1] ^ (alpha_to[(index_of[g[j]] + root) % nn] if g[j] else 0)
        g[0] = alpha_to[(index_of[g[0]] + root) % nn]
    return [index_of[v] for v in g]


def _iprim(nn: int, prim: int) -> int | None:
    """The prim-th root of 1: (1 + k nn) / prim for the first k that divides; None when
    prim shares a factor with nn (Linux's loop would never end)."""
    for k in range(prim):
        if (1 + k * nn) % prim == 0:
            return (1 + k * nn) // prim
    return None


def _new_codec(ctx: CallContext, params: tuple[int, ...], gfp: int) -> int:
    symsize, gfpoly, gffunc, fcr, prim, nroots = params
    nn = (1 << symsize) - 1
    iprim = _iprim(nn, prim)
    tables = _field(ctx, symsize, gfpoly, gffunc) if iprim is not None else None
    if tables is None:
        return 0
    alpha_to, index_of = tables
    genpoly = _genpoly(alpha_to, index_of, nn, fcr, prim, nroots)
    arrays = [(nn + 1) * 2, (nn + 1) * 2, (nroots + 1) * 2]
    got = [_alloc(ctx, n, gfp, KERNEL_OWNER) for n in [CODEC.size, *arrays]]
    if not all(got):
        for addr in got:
            if addr:
                _free(ctx, addr)
        return 0
    cd, a_addr, i_addr, g_addr = got
    mem = ctx.mem
    mem.write(a_addr, struct.pack(f"<{nn + 1}H", *alpha_to))
    mem.write(i_addr, struct.pack(f"<{nn + 1}H", *index_of))
    mem.write(g_addr, struct.pack(f"<{nroots + 1}H", *genpoly))
    mem.write(
        cd,
        CODEC.pack(
            symsize, nn, a_addr, i_addr, g_addr, nroots, fcr, prim, iprim,
            gfpoly, 0, gffunc, 1, 0, cd + LIST, cd + LIST,
        ),
    )  # fmt: skip
    return cd


def _init(ctx: CallContext, symsize: int, gfpoly: int, gffunc: int, gfp: int) -> int:
    fcr, prim, nroots = ctx.sarg(2, 32), ctx.sarg(3, 32), ctx.sarg(4, 32)
    if not 1 <= symsize <= MAX_SYMSIZE:
        return 0
    limit = 1 << symsize
    if not (0 <= fcr < limit and 0 < prim < limit and 0 <= nroots < limit):
        return 0
    rs = _alloc(ctx, 8 + 2 * DECODE_BUFFERS * (nroots + 1), gfp, owner(ctx))
    if not rs:
        return 0
    codecs = ctx.kernel.rs_codecs
    params = (symsize, gfpoly, gffunc, fcr, prim, nroots)
    codec = codecs.find(params)
    if codec is not None:
        codec.users += 1
        ctx.mem.write_u32(codec.addr + USERS, codec.users)
        cd = codec.addr
    else:
        cd = _new_codec(ctx, params, gfp)
        if not cd:
            _free(ctx, rs)
            return 0
        codecs.codecs.insert(0, Codec(cd, *params, users=1))
    ctx.mem.write_u64(rs, cd)
    return rs


@kapi(
    "init_rs_gfp",
    "struct rs_control *init_rs_gfp(int symsize, int gfpoly, int fcr, int prim, int nroots, gfp_t gfp)",
    gpl=True,
)
def init_rs_gfp(ctx: CallContext) -> int:
    return _init(ctx, ctx.sarg(0, 32), ctx.sarg(1, 32), 0, ctx.arg(5) & 0xFFFFFFFF)


@kapi(
    "init_rs_non_canonical",
    "struct rs_control *init_rs_non_canonical(int symsize, int (*func)(int), int fcr, int prim, int nroots)",
    gpl=True,
)
def init_rs_non_canonical(ctx: CallContext) -> int:
    return _init(ctx, ctx.sarg(0, 32), 0, ctx.arg(1), GFP_KERNEL)


@kapi("free_rs", "void free_rs(struct rs_control *rs)", gpl=True)
def free_rs(ctx: CallContext) -> None:
    rs = ctx.arg(0)
    if not rs:
        return
    codecs = ctx.kernel.rs_codecs
    codec = codecs.at(ctx.mem.read_u64(rs))
    if codec is not None:
        codec.users -= 1
        if codec.users > 0:
            ctx.mem.write_u32(codec.addr + USERS, codec.users)
        else:
            codecs.codecs.remove(codec)
            fields = CODEC.unpack(ctx.mem.read(codec.addr, CODEC.size))
            for table in fields[2:5]:  # alpha_to, index_of, genpoly
                _free(ctx, table)
            _free(ctx, codec.addr)
    _free(ctx, rs)
