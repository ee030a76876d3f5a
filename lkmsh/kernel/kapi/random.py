"""<linux/random.h> and <linux/prandom.h>: get_random_*, and prandom_bytes_state (its word step is klib C)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.memory import Perm

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK32 = 0xFFFFFFFF
#: bytes get_random_bytes draws per call at most (the rest is read in further calls)
MAX_BYTES = 1 << 24
#: prandom_bytes_state's piece (a multiple of its 4-byte words): Ctrl-C may stop it between
PRANDOM_PIECE = 1 << 16


# get_random_* are lkmsh/klib/get_random.c's on the emulated CPU; these are their slow
# paths (nothing lent, the function tracer on), which then lend the stream's next bytes.


@kapi("get_random_bytes", "void get_random_bytes(void *buf, size_t len)")
def get_random_bytes(ctx: CallContext) -> None:
    buf, n = ctx.arg(0), ctx.arg(1)
    done = 0
    while done < n:
        if done:
            ctx.mem.pause()
        part = min(n - done, MAX_BYTES)
        ctx.mem.write(buf + done, ctx.kernel.random.bytes(part))
        done += part
    ctx.kernel.random.lend()


def _drawn(ctx: CallContext, n: int) -> int:
    random = ctx.kernel.random
    v = int.from_bytes(random.bytes(n), "little")
    random.lend()
    return v


@kapi("get_random_u8", "u8 get_random_u8(void)")
def get_random_u8(ctx: CallContext) -> int:
    return _drawn(ctx, 1)


@kapi("get_random_u16", "u16 get_random_u16(void)")
def get_random_u16(ctx: CallContext) -> int:
    return _drawn(ctx, 2)


@kapi("get_random_u32", "u32 get_random_u32(void)")
def get_random_u32(ctx: CallContext) -> int:
    return _drawn(ctx, 4)


@kapi("get_random_u64", "u64 get_random_u64(void)")
def get_random_u64(ctx: CallContext) -> int:
    return _drawn(ctx, 8)


def _taus(s: int, a: int, b: int, c: int, d: int) -> int:
    return (((s & c) << d) & MASK32) ^ ((((s << a) & MASK32) ^ s) >> b)


def taus113(state: list[int]) -> int:
    """One step of lib/random32.c's generator over its four words (changed in place).

    prandom_u32_state is the same step in C (lkmsh/klib/random32.c): module code
    draws single words in loops; whole buffers are filled here.
    """
    s1, s2, s3, s4 = state
    s1 = _taus(s1, 6, 13, 4294967294, 18)
    s2 = _taus(s2, 2, 27, 4294967288, 2)
    s3 = _taus(s3, 13, 21, 4294967280, 7)
    s4 = _taus(s4, 3, 12, 4294967168, 13)
    state[:] = [s1, s2, s3, s4]
    return s1 ^ s2 ^ s3 ^ s4


def _state(ctx: CallContext, addr: int) -> list[int]:
    raw = ctx.mem.read(addr, 16)
    return [int.from_bytes(raw[i : i + 4], "little") for i in range(0, 16, 4)]


def _store(ctx: CallContext, addr: int, state: list[int]) -> None:
    ctx.mem.write(addr, b"".join(v.to_bytes(4, "little") for v in state))


@kapi(
    "prandom_bytes_state",
    "void prandom_bytes_state(struct rnd_state *state, void *buf, size_t nbytes)",
)
def prandom_bytes_state(ctx: CallContext) -> None:
    addr, buf, n = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    state = _state(ctx, addr)
    ctx.mem.check(buf, n, Perm.W)  # the whole range first: no count sizes host memory
    done = 0
    while done < n:
        if done:
            ctx.mem.pause()
        step = min(n - done, PRANDOM_PIECE)
        words = [taus113(state).to_bytes(4, "little") for _ in range((step + 3) // 4)]
        ctx.mem.write(buf + done, b"".join(words)[:step])
        done += step
    _store(ctx, addr, state)
