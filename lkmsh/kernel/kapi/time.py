"""Time: jiffies, sleeping and delays on the kernel clock (lkmsh/kernel/clock.py).

Sleeps and busy-waits advance the clock virtually instead of blocking the
host. ``msleep(m)`` sleeps msecs_to_jiffies(m) + 1 jiffies, as Linux's does;
``usleep_range`` sleeps its minimum. After any of them the ``jiffies``
variable in kernel data is rewritten, so module code polling it sees time move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel import clock as C
from lkmsh.kernel.kapi.registry import kapi, kdata

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

NSEC_PER_USEC = 1000
NSEC_PER_MSEC = 1_000_000


@kdata("jiffies", 8)
def jiffies(kernel) -> bytes:
    return kernel.clock.jiffies().to_bytes(8, "little")


def _sync_jiffies(ctx: CallContext) -> None:
    kernel = ctx.kernel
    addr = kernel.symbol_address("jiffies")
    if addr:
        ctx.mem.write(addr, jiffies(kernel))


def _sleep_ns(ctx: CallContext, ns: int) -> None:
    ctx.kernel.clock.advance(ns)
    _sync_jiffies(ctx)


@kapi("msleep", "void msleep(unsigned int msecs)")
def msleep(ctx: CallContext) -> None:
    ticks = C.msecs_to_jiffies(ctx.arg(0) & 0xFFFFFFFF) + 1
    _sleep_ns(ctx, ticks * C.NSEC_PER_JIFFY)


@kapi("ssleep", "void ssleep(unsigned int seconds)")
def ssleep(ctx: CallContext) -> None:
    ticks = C.msecs_to_jiffies((ctx.arg(0) * 1000) & 0xFFFFFFFF) + 1
    _sleep_ns(ctx, ticks * C.NSEC_PER_JIFFY)


@kapi("usleep_range", "void usleep_range(unsigned long min, unsigned long max)")
def usleep_range(ctx: CallContext) -> None:
    _sleep_ns(ctx, ctx.arg(0) * NSEC_PER_USEC)


@kapi("udelay", "void udelay(unsigned long usecs)")
def udelay(ctx: CallContext) -> None:
    _sleep_ns(ctx, ctx.arg(0) * NSEC_PER_USEC)


@kapi("ndelay", "void ndelay(unsigned long nsecs)")
def ndelay(ctx: CallContext) -> None:
    _sleep_ns(ctx, ctx.arg(0))


@kapi("mdelay", "void mdelay(unsigned long msecs)")
def mdelay(ctx: CallContext) -> None:
    _sleep_ns(ctx, ctx.arg(0) * NSEC_PER_MSEC)


@kapi("ktime_get_ns", "u64 ktime_get_ns(void)")
def ktime_get_ns(ctx: CallContext) -> int:
    return ctx.kernel.clock.ns()


@kapi("ktime_get", "ktime_t ktime_get(void)")
def ktime_get(ctx: CallContext) -> int:
    return ctx.kernel.clock.ns()


@kapi("ktime_get_real_ns", "u64 ktime_get_real_ns(void)")
def ktime_get_real_ns(ctx: CallContext) -> int:
    return ctx.kernel.clock.real_ns()


@kapi("msecs_to_jiffies", "unsigned long msecs_to_jiffies(const unsigned int m)")
def msecs_to_jiffies(ctx: CallContext) -> int:
    return C.msecs_to_jiffies(ctx.arg(0) & 0xFFFFFFFF)


@kapi("jiffies_to_msecs", "unsigned int jiffies_to_msecs(const unsigned long j)")
def jiffies_to_msecs(ctx: CallContext) -> int:
    return C.jiffies_to_msecs(ctx.arg(0))


@kapi("get_jiffies_64", "u64 get_jiffies_64(void)")
def get_jiffies_64(ctx: CallContext) -> int:
    return ctx.kernel.clock.jiffies()


@kapi("schedule", "void schedule(void)")
def schedule(ctx: CallContext) -> None:
    """One task: nothing else to run; jiffies is refreshed for pollers."""
    _sync_jiffies(ctx)


@kapi("cond_resched", "int cond_resched(void)")
def cond_resched(ctx: CallContext) -> int:
    _sync_jiffies(ctx)
    return 0
