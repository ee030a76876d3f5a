"""timer_list and hrtimer functions (<linux/timer.h>, <linux/hrtimer.h>); kernel/timers.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.clock import HZ
from lkmsh.kernel.kapi.common import put
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.timers import HRTIMER, TIMER

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1
HRTIMER_MODE_REL = 0x01


def _timers(ctx: CallContext):
    return ctx.kernel.timers


@kapi(
    "init_timer_key",
    "void init_timer_key(struct timer_list *timer, void (*func)(struct timer_list *),"
    " unsigned int flags, const char *name, struct lock_class_key *key)",
)
def init_timer_key(ctx: CallContext) -> None:
    timer = ctx.arg(0)
    timers = _timers(ctx)
    if timer in timers.armed:  # re-initialising an armed timer: debugobjects complains
        ctx.kernel.log.emit(
            *_odebug(ctx, "init", "timer_list", ctx.mem.read_u64(timer + TIMER.off("function")))
        )
        timers.disarm(timer)
    ctx.mem.write(timer, bytes(TIMER.size))
    put(ctx, timer + TIMER.off("function"), ctx.arg(1), 8)
    put(ctx, timer + TIMER.off("flags"), ctx.arg(2), 4)


def _odebug(ctx: CallContext, msg: str, kind: str, func: int):
    from lkmsh.kernel.timers import debugobjects_line

    return debugobjects_line(msg, kind, ctx.kernel.symbolize(func))


@kapi("add_timer", "void add_timer(struct timer_list *timer)")
def add_timer(ctx: CallContext) -> None:
    timer = ctx.arg(0)
    _timers(ctx).arm(timer, ctx.mem.read_u64(timer + TIMER.off("expires")))


@kapi("mod_timer", "int mod_timer(struct timer_list *timer, unsigned long expires)")
def mod_timer(ctx: CallContext) -> int:
    return 1 if _timers(ctx).arm(ctx.arg(0), ctx.arg(1)) else 0


@kapi("mod_timer_pending", "int mod_timer_pending(struct timer_list *timer, unsigned long expires)")
def mod_timer_pending(ctx: CallContext) -> int:
    timers = _timers(ctx)
    if ctx.arg(0) not in timers.armed:
        return 0
    timers.arm(ctx.arg(0), ctx.arg(1))
    return 1


@kapi("timer_reduce", "int timer_reduce(struct timer_list *timer, unsigned long expires)")
def timer_reduce(ctx: CallContext) -> int:
    timer, expires = ctx.arg(0), ctx.arg(1)
    timers = _timers(ctx)
    if timer in timers.armed:
        current = ctx.mem.read_u64(timer + TIMER.off("expires"))
        if ((current - expires) & MASK64) >= 1 << 63 or current == expires:
            return 1  # already sooner
    return 1 if timers.arm(timer, expires) else 0


@kapi("del_timer", "int del_timer(struct timer_list *timer)")
def del_timer(ctx: CallContext) -> int:
    return 1 if _timers(ctx).disarm(ctx.arg(0)) else 0


@kapi("del_timer_sync", "int del_timer_sync(struct timer_list *timer)")
def del_timer_sync(ctx: CallContext) -> int:
    """One CPU: a callback is never running on another; nothing to wait for."""
    return 1 if _timers(ctx).disarm(ctx.arg(0)) else 0


@kapi("try_to_del_timer_sync", "int try_to_del_timer_sync(struct timer_list *timer)")
def try_to_del_timer_sync(ctx: CallContext) -> int:
    return 1 if _timers(ctx).disarm(ctx.arg(0)) else 0


@kapi("round_jiffies", "unsigned long round_jiffies(unsigned long j)", gpl=True)
def round_jiffies(ctx: CallContext) -> int:
    j = ctx.arg(0)
    return (j + HZ // 2) // HZ * HZ


@kapi("round_jiffies_relative", "unsigned long round_jiffies_relative(unsigned long j)", gpl=True)
def round_jiffies_relative(ctx: CallContext) -> int:
    now = ctx.kernel.clock.jiffies()
    j = ctx.arg(0) + now
    return ((j + HZ // 2) // HZ * HZ - now) & MASK64


# -- hrtimers ------------------------------------------------------------------------


@kapi(
    "hrtimer_init",
    "void hrtimer_init(struct hrtimer *timer, int which_clock, enum hrtimer_mode mode)",
    gpl=True,
)
def hrtimer_init(ctx: CallContext) -> None:
    timer = ctx.arg(0)
    _timers(ctx).hr_disarm(timer)
    ctx.mem.write(timer, bytes(HRTIMER.size))
    put(ctx, timer + HRTIMER.off("is_rel"), 1 if ctx.arg(2) & HRTIMER_MODE_REL else 0, 1)


@kapi(
    "hrtimer_start_range_ns",
    "void hrtimer_start_range_ns(struct hrtimer *timer, ktime_t tim, u64 range_ns,"
    " const enum hrtimer_mode mode)",
    gpl=True,
)
def hrtimer_start_range_ns(ctx: CallContext) -> None:
    timer, tim = ctx.arg(0), ctx.sarg(1)
    if ctx.arg(3) & HRTIMER_MODE_REL:
        tim += ctx.kernel.clock.ns()
    timers = _timers(ctx)
    timers.hr_disarm(timer)
    timers.hr_arm(timer, max(tim, 0))


@kapi("hrtimer_cancel", "int hrtimer_cancel(struct hrtimer *timer)", gpl=True)
def hrtimer_cancel(ctx: CallContext) -> int:
    return 1 if _timers(ctx).hr_disarm(ctx.arg(0)) else 0


@kapi("hrtimer_try_to_cancel", "int hrtimer_try_to_cancel(struct hrtimer *timer)", gpl=True)
def hrtimer_try_to_cancel(ctx: CallContext) -> int:
    return 1 if _timers(ctx).hr_disarm(ctx.arg(0)) else 0


@kapi(
    "hrtimer_forward",
    "u64 hrtimer_forward(struct hrtimer *timer, ktime_t now, ktime_t interval)",
    gpl=True,
)
def hrtimer_forward(ctx: CallContext) -> int:
    """Move the expiry past @now by whole @intervals; how many (the overruns)."""
    timer, now, interval = ctx.arg(0), ctx.sarg(1), ctx.sarg(2)
    expires = ctx.mem.read_u64(timer + HRTIMER.off("node__expires"))
    delta = now - expires
    if delta < 0 or interval <= 0:
        return 0
    orun = delta // interval + 1
    expires += orun * interval
    put(ctx, timer + HRTIMER.off("node__expires"), expires, 8)
    put(ctx, timer + HRTIMER.off("_softexpires"), expires, 8)
    return orun


@kapi(
    "__hrtimer_get_remaining",
    "ktime_t __hrtimer_get_remaining(const struct hrtimer *timer, bool adjust)",
    gpl=True,
)
def hrtimer_get_remaining(ctx: CallContext) -> int:
    expires = ctx.mem.read_u64(ctx.arg(0) + HRTIMER.off("node__expires"))
    return (expires - ctx.kernel.clock.ns()) & MASK64
