"""lib/siphash.c: SipHash-2-4 and (64-bit) hsiphash, SipHash-1-3 truncated to 32 bits.

The word forms (siphash_3u64, hsiphash_2u32, ...) hash their arguments' little-endian
bytes, as the C does. Only the _unaligned buffer forms exist: lkmsh's architectures
have efficient unaligned access (Linux exports __siphash_aligned only without it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

M64 = (1 << 64) - 1
CONSTS = (0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573)
#: what one call may hash (the module's buffer is read in one piece)
MAX_LEN = 1 << 24


def _rol(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & M64


def _round(v: list[int]) -> None:
    v[0] = (v[0] + v[1]) & M64
    v[1] = _rol(v[1], 13) ^ v[0]
    v[0] = _rol(v[0], 32)
    v[2] = (v[2] + v[3]) & M64
    v[3] = _rol(v[3], 16) ^ v[2]
    v[0] = (v[0] + v[3]) & M64
    v[3] = _rol(v[3], 21) ^ v[0]
    v[2] = (v[2] + v[1]) & M64
    v[1] = _rol(v[1], 17) ^ v[2]
    v[2] = _rol(v[2], 32)


def sip(data: bytes, k0: int, k1: int, c_rounds: int = 2, d_rounds: int = 4) -> int:
    """SipHash-c-d of @data under the key (k0, k1)."""
    v = [CONSTS[0] ^ k0, CONSTS[1] ^ k1, CONSTS[2] ^ k0, CONSTS[3] ^ k1]
    full = len(data) - len(data) % 8
    for i in range(0, full, 8):
        m = int.from_bytes(data[i : i + 8], "little")
        v[3] ^= m
        for _ in range(c_rounds):
            _round(v)
        v[0] ^= m
    b = (len(data) & 0xFF) << 56 | int.from_bytes(data[full:], "little")
    v[3] ^= b
    for _ in range(c_rounds):
        _round(v)
    v[0] ^= b
    v[2] ^= 0xFF
    for _ in range(d_rounds):
        _round(v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def _key(ctx: CallContext, addr: int) -> tuple[int, int]:
    raw = ctx.mem.read(addr, 16)
    return int.from_bytes(raw[:8], "little"), int.from_bytes(raw[8:], "little")


def _words(ctx: CallContext, n: int, size: int) -> bytes:
    return b"".join(
        (ctx.arg(i) & ((1 << (8 * size)) - 1)).to_bytes(size, "little") for i in range(n)
    )


def _buffer(ctx: CallContext) -> bytes:
    n = ctx.arg(1)
    return ctx.mem.read(ctx.arg(0), min(n, MAX_LEN)) if n else b""


@kapi(
    "__siphash_unaligned",
    "u64 __siphash_unaligned(const void *data, size_t len, const siphash_key_t *key)",
)
def siphash_unaligned(ctx: CallContext) -> int:
    return sip(_buffer(ctx), *_key(ctx, ctx.arg(2)))


@kapi(
    "__hsiphash_unaligned",
    "u32 __hsiphash_unaligned(const void *data, size_t len, const hsiphash_key_t *key)",
)
def hsiphash_unaligned(ctx: CallContext) -> int:
    return sip(_buffer(ctx), *_key(ctx, ctx.arg(2)), 1, 3) & 0xFFFFFFFF


def _register_words() -> None:
    """siphash_{1,2,3,4}u64, siphash_{1,3}u32 and hsiphash_{1,2,3,4}u32."""
    forms = [("siphash", n, 8, "u64", "u64") for n in (1, 2, 3, 4)]
    forms += [("siphash", n, 4, "u32", "u64") for n in (1, 3)]
    forms += [("hsiphash", n, 4, "u32", "u32") for n in (1, 2, 3, 4)]
    for family, n, size, arg_type, ret in forms:
        letters = "abcd"[:n]
        key_type = "siphash_key_t" if family == "siphash" else "hsiphash_key_t"
        params = ", ".join(f"const {arg_type} {c}" for c in letters)
        name = f"{family}_{n}{arg_type}"
        half = family == "hsiphash"

        def body(ctx: CallContext, n=n, size=size, half=half) -> int:
            value = sip(_words(ctx, n, size), *_key(ctx, ctx.arg(n)), *((1, 3) if half else ()))
            return value & 0xFFFFFFFF if half else value

        body.__name__ = name
        kapi(name, f"{ret} {name}({params}, const {key_type} *key)")(body)


_register_words()
