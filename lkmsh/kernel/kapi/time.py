"""Time: jiffies, the clock and busy-waits (lkmsh/kernel/clock.py).

The busy-waits (udelay, mdelay, ndelay) advance the virtual clock without
letting another task run; sleeping is in kthread.py (it is the scheduler's).
After any of them the ``jiffies`` variable in kernel data is rewritten, so
module code polling it sees time move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel import clock as C
from lkmsh.kernel.kapi.kthread import sync_jiffies
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

NSEC_PER_USEC = 1000
NSEC_PER_MSEC = 1_000_000


def _busy_wait(ctx: CallContext, ns: int) -> None:
    """udelay and friends spin: time passes, nothing else runs."""
    ctx.kernel.clock.advance(ns)
    busy = getattr(ctx.kernel, "softlockup_busy", None)
    if busy is not None:
        busy(ns)  # spinning is running, for the soft-lockup watchdog
    sync_jiffies(ctx)


@kapi("udelay", "void udelay(unsigned long usecs)")
def udelay(ctx: CallContext) -> None:
    _busy_wait(ctx, ctx.arg(0) * NSEC_PER_USEC)


@kapi("ndelay", "void ndelay(unsigned long nsecs)")
def ndelay(ctx: CallContext) -> None:
    _busy_wait(ctx, ctx.arg(0))


@kapi("mdelay", "void mdelay(unsigned long msecs)")
def mdelay(ctx: CallContext) -> None:
    _busy_wait(ctx, ctx.arg(0) * NSEC_PER_MSEC)


@kapi("ktime_get_ns", "u64 ktime_get_ns(void)", gpl=True)
def ktime_get_ns(ctx: CallContext) -> int:
    return ctx.kernel.clock.ns()


@kapi("get_cycles", "cycles_t get_cycles(void)")
def get_cycles(ctx: CallContext) -> int:
    """<asm/timex.h>'s cycle counter: a 1 GHz CPU's cycles of virtual time (inline in Linux)."""
    return ctx.kernel.clock.ns()


@kapi("ktime_get", "ktime_t ktime_get(void)", gpl=True)
def ktime_get(ctx: CallContext) -> int:
    return ctx.kernel.clock.ns()


@kapi("ktime_get_real_ns", "u64 ktime_get_real_ns(void)", gpl=True)
def ktime_get_real_ns(ctx: CallContext) -> int:
    return ctx.kernel.clock.real_ns()


def _put_timespec64(ctx: CallContext, addr: int, ns: int) -> None:
    sec, nsec = divmod(ns, 1_000_000_000)
    ctx.mem.write(addr, sec.to_bytes(8, "little", signed=True) + nsec.to_bytes(8, "little"))


@kapi("ktime_get_ts64", "void ktime_get_ts64(struct timespec64 *ts)", gpl=True)
def ktime_get_ts64(ctx: CallContext) -> None:
    _put_timespec64(ctx, ctx.arg(0), ctx.kernel.clock.ns())


@kapi("ktime_get_real_ts64", "void ktime_get_real_ts64(struct timespec64 *tv)")
def ktime_get_real_ts64(ctx: CallContext) -> None:
    _put_timespec64(ctx, ctx.arg(0), ctx.kernel.clock.real_ns())


@kapi("msecs_to_jiffies", "unsigned long msecs_to_jiffies(const unsigned int m)")
def msecs_to_jiffies(ctx: CallContext) -> int:
    return C.msecs_to_jiffies(ctx.arg(0) & 0xFFFFFFFF)


@kapi("jiffies_to_msecs", "unsigned int jiffies_to_msecs(const unsigned long j)")
def jiffies_to_msecs(ctx: CallContext) -> int:
    return C.jiffies_to_msecs(ctx.arg(0))


@kapi("get_jiffies_64", "u64 get_jiffies_64(void)")
def get_jiffies_64(ctx: CallContext) -> int:
    return ctx.kernel.clock.jiffies()


@kapi("sched_clock", "unsigned long long sched_clock(void)", gpl=True)
def sched_clock(ctx: CallContext) -> int:
    """<linux/sched/clock.h>: local_clock() and cpu_clock() are it, inline."""
    return ctx.kernel.clock.ns()


@kapi("sched_clock_cpu", "u64 sched_clock_cpu(int cpu)", gpl=True)
def sched_clock_cpu(ctx: CallContext) -> int:
    return ctx.kernel.clock.ns()


@kapi("touch_softlockup_watchdog", "void touch_softlockup_watchdog(void)")
def touch_softlockup_watchdog(ctx: CallContext) -> None:
    """<linux/nmi.h>: the running code's soft-lockup count starts again."""
    ctx.kernel.touch_softlockup_watchdog()


@kapi("nsecs_to_jiffies", "unsigned long nsecs_to_jiffies(u64 n)", gpl=True)
def nsecs_to_jiffies(ctx: CallContext) -> int:
    """kernel/time/time.c's nsecs_to_jiffies64 for HZ dividing NSEC_PER_SEC: n / (1e9 / HZ)."""
    return ctx.arg(0) // C.NSEC_PER_JIFFY
