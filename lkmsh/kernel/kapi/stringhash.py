"""fs/namei.c's name hashes (<linux/stringhash.h>): full_name_hash and hashlen_string.

The 64-bit word-at-a-time versions Linux uses on x86-64 and arm64
(CONFIG_DCACHE_WORD_ACCESS): eight little-endian bytes mixed at a time,
the last partial word masked, then folded to 32 bits, so the values are
Linux's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import cstr
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1
GOLDEN_RATIO_64 = 0x61C8864680B583EB


def _rol64(w: int, s: int) -> int:
    return ((w << s) | (w >> (64 - s))) & MASK64


def _name_hash(salt: int, name: bytes) -> int:
    """HASH_MIX over each whole word, the partial tail xor-ed in, fold_hash()."""
    x, y = 0, salt & MASK64
    whole = len(name) - len(name) % 8
    for i in range(0, whole, 8):
        x ^= int.from_bytes(name[i : i + 8], "little")
        y ^= x
        x = _rol64(x, 12)
        x = (x + y) & MASK64
        y = _rol64(y, 45)
        y = (y * 9) & MASK64
    x ^= int.from_bytes(name[whole:], "little")
    y ^= (x * GOLDEN_RATIO_64) & MASK64
    y = (y * GOLDEN_RATIO_64) & MASK64
    return y >> 32


@kapi(
    "full_name_hash",
    "unsigned int full_name_hash(const void *salt, const char *name, unsigned int len)",
)
def full_name_hash(ctx: CallContext) -> int:
    len_ = ctx.arg(2) & 0xFFFFFFFF
    name = ctx.mem.read(ctx.arg(1), len_) if len_ else b""
    return _name_hash(ctx.arg(0), name)


@kapi("hashlen_string", "u64 hashlen_string(const void *salt, const char *name)")
def hashlen_string(ctx: CallContext) -> int:
    name = cstr(ctx, ctx.arg(1))
    return len(name) << 32 | _name_hash(ctx.arg(0), name)
