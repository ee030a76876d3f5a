"""Workqueues, delayed work and tasklets (<linux/workqueue.h>, <linux/interrupt.h>).

The queues and kworkers are kernel/workqueue.py's; the waits (flush_work,
flush_workqueue, destroy_workqueue, cancel_*_sync) block on the scheduler
until the kworker finishes, with the result decided before the wait.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kapi.common import decode, format_args
from lkmsh.kernel.kapi.kthread import might_sleep, sched_of
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.workqueue import DWORK, PENDING, TASKLET, WORK

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

WQ_STRUCT_SIZE = 64


def _wq(ctx: CallContext):
    return ctx.kernel.workqueues


def _wait_on(ctx: CallContext, obj: int, wchan: str, result: int) -> int:
    """Block until @obj's waiters are woken; @result is what the call then returns."""
    sched = sched_of(ctx)
    if sched is None or sched.current is None or not might_sleep(ctx):
        return result
    return sched.block(wchan, obj=obj, caller=ctx.caller, result=result)


# -- workqueues ----------------------------------------------------------------------


@kapi(
    "alloc_workqueue",
    "struct workqueue_struct *alloc_workqueue(const char *fmt, unsigned int flags,"
    " int max_active, ...)",
    gpl=True,
)
def alloc_workqueue(ctx: CallContext) -> int:
    name = decode(format_args(ctx, ctx.arg(0), 3))
    module = ctx.kernel.current_module
    owner = module.name if module is not None else KERNEL_OWNER
    addr = ctx.kernel.heap.alloc(WQ_STRUCT_SIZE, owner, caller=ctx.caller, zero=True, managed=True)
    if not addr:
        return 0
    _wq(ctx).create(addr, name, ctx.arg(1) & 0xFFFFFFFF, module.name if module else None)
    return addr


@kapi("destroy_workqueue", "void destroy_workqueue(struct workqueue_struct *wq)", gpl=True)
def destroy_workqueue(ctx: CallContext) -> None:
    wqs = _wq(ctx)
    addr = ctx.arg(0)
    wq = wqs.lookup(addr)
    if wq is None:
        return None
    wq.dying = True
    if not wqs.busy(addr):
        wqs.destroy(addr)
        return None
    _wait_on(ctx, addr, "destroy_workqueue", 0)  # the last item's end frees it
    return None


@kapi(
    "queue_work_on",
    "bool queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *work)",
)
def queue_work_on(ctx: CallContext) -> int:
    return 1 if _wq(ctx).queue(ctx.arg(1), ctx.arg(2)) else 0


def _arm_delayed(ctx: CallContext, wq: int, dwork: int, delay: int) -> None:
    mem = ctx.mem
    mem.write_u64(dwork + DWORK.off("wq"), wq)
    if delay == 0:
        _wq(ctx).enqueue(wq, dwork)
        return
    timer = dwork + DWORK.off("timer")
    ctx.kernel.timers.arm(timer, ctx.kernel.clock.jiffies() + delay)


@kapi(
    "queue_delayed_work_on",
    "bool queue_delayed_work_on(int cpu, struct workqueue_struct *wq,"
    " struct delayed_work *work, unsigned long delay)",
)
def queue_delayed_work_on(ctx: CallContext) -> int:
    wq, dwork, delay = ctx.arg(1), ctx.arg(2), ctx.arg(3)
    data = ctx.mem.read_u64(dwork + WORK.off("data"))
    if data & PENDING:
        return 0
    ctx.mem.write_u64(dwork + WORK.off("data"), data | PENDING)
    _arm_delayed(ctx, wq, dwork, delay)
    return 1


def _cancel(ctx: CallContext, dwork: int, delayed: bool) -> bool:
    """Take the item off its timer and its queue; whether it was pending."""
    was = False
    if delayed:
        was = ctx.kernel.timers.disarm(dwork + DWORK.off("timer"))
    was = _wq(ctx).unqueue(dwork) or was
    data = ctx.mem.read_u64(dwork + WORK.off("data"))
    ctx.mem.write_u64(dwork + WORK.off("data"), data & ~PENDING)
    return was


@kapi(
    "mod_delayed_work_on",
    "bool mod_delayed_work_on(int cpu, struct workqueue_struct *wq,"
    " struct delayed_work *dwork, unsigned long delay)",
    gpl=True,
)
def mod_delayed_work_on(ctx: CallContext) -> int:
    wq, dwork, delay = ctx.arg(1), ctx.arg(2), ctx.arg(3)
    was = _cancel(ctx, dwork, True)
    data = ctx.mem.read_u64(dwork + WORK.off("data"))
    ctx.mem.write_u64(dwork + WORK.off("data"), data | PENDING)
    _arm_delayed(ctx, wq, dwork, delay)
    return 1 if was else 0


@kapi("delayed_work_timer_fn", "void delayed_work_timer_fn(struct timer_list *t)")
def delayed_work_timer_fn(ctx: CallContext) -> None:
    """The timer of a delayed work expired: queue the work (it is still pending)."""
    dwork = ctx.arg(0) - DWORK.off("timer")
    _wq(ctx).enqueue(ctx.mem.read_u64(dwork + DWORK.off("wq")), dwork)


@kapi("flush_workqueue", "void flush_workqueue(struct workqueue_struct *wq)")
def flush_workqueue(ctx: CallContext) -> None:
    if _wq(ctx).busy(ctx.arg(0)):
        _wait_on(ctx, ctx.arg(0), "flush_workqueue", 0)


@kapi("drain_workqueue", "void drain_workqueue(struct workqueue_struct *wq)", gpl=True)
def drain_workqueue(ctx: CallContext) -> None:
    flush_workqueue(ctx)


def _flush(ctx: CallContext, work: int, result_if_waited: int) -> int:
    wqs = _wq(ctx)
    queued = any(work in wq.works for wq in wqs.wqs.values())
    if not queued and wqs.running(work) is None:
        return 0
    return _wait_on(ctx, work, "flush_work", result_if_waited)


@kapi("flush_work", "bool flush_work(struct work_struct *work)", gpl=True)
def flush_work(ctx: CallContext) -> int:
    return _flush(ctx, ctx.arg(0), 1)


@kapi("cancel_work", "bool cancel_work(struct work_struct *work)")
def cancel_work(ctx: CallContext) -> int:
    return 1 if _cancel(ctx, ctx.arg(0), False) else 0


def _cancel_sync(ctx: CallContext, delayed: bool) -> int:
    """Take the item off, then wait if its function is running; whether it was pending."""
    work = ctx.arg(0)
    was = 1 if _cancel(ctx, work, delayed) else 0
    if _wq(ctx).running(work) is not None:
        return _wait_on(ctx, work, ctx.name or "cancel_work_sync", was)
    return was


@kapi("cancel_work_sync", "bool cancel_work_sync(struct work_struct *work)", gpl=True)
def cancel_work_sync(ctx: CallContext) -> int:
    return _cancel_sync(ctx, False)


@kapi("flush_delayed_work", "bool flush_delayed_work(struct delayed_work *dwork)")
def flush_delayed_work(ctx: CallContext) -> int:
    dwork = ctx.arg(0)
    if ctx.kernel.timers.disarm(dwork + DWORK.off("timer")):
        _wq(ctx).enqueue(ctx.mem.read_u64(dwork + DWORK.off("wq")), dwork)
    return _flush(ctx, dwork, 1)


@kapi("cancel_delayed_work", "bool cancel_delayed_work(struct delayed_work *dwork)")
def cancel_delayed_work(ctx: CallContext) -> int:
    return 1 if _cancel(ctx, ctx.arg(0), True) else 0


@kapi("cancel_delayed_work_sync", "bool cancel_delayed_work_sync(struct delayed_work *dwork)")
def cancel_delayed_work_sync(ctx: CallContext) -> int:
    return _cancel_sync(ctx, True)


# -- tasklets ------------------------------------------------------------------------


@kapi(
    "tasklet_init",
    "void tasklet_init(struct tasklet_struct *t, void (*func)(unsigned long), unsigned long data)",
)
def tasklet_init(ctx: CallContext) -> None:
    t = ctx.arg(0)
    ctx.mem.write(t, bytes(TASKLET.size))
    ctx.mem.write_u64(t + TASKLET.off("func"), ctx.arg(1))
    ctx.mem.write_u64(t + TASKLET.off("data"), ctx.arg(2))


@kapi(
    "tasklet_setup",
    "void tasklet_setup(struct tasklet_struct *t, void (*callback)(struct tasklet_struct *))",
)
def tasklet_setup(ctx: CallContext) -> None:
    t = ctx.arg(0)
    ctx.mem.write(t, bytes(TASKLET.size))
    ctx.mem.write_u64(t + TASKLET.off("func"), ctx.arg(1))
    ctx.mem.write_u8(t + TASKLET.off("use_callback"), 1)


@kapi("__tasklet_schedule", "void __tasklet_schedule(struct tasklet_struct *t)")
def tasklet_schedule(ctx: CallContext) -> None:
    _wq(ctx).schedule_tasklet(ctx.arg(0))


@kapi("__tasklet_hi_schedule", "void __tasklet_hi_schedule(struct tasklet_struct *t)")
def tasklet_hi_schedule(ctx: CallContext) -> None:
    _wq(ctx).schedule_tasklet(ctx.arg(0))


@kapi("tasklet_kill", "void tasklet_kill(struct tasklet_struct *t)")
def tasklet_kill(ctx: CallContext) -> None:
    """Wait until a scheduled tasklet has run (here: run it now), then it stays idle."""
    wqs = _wq(ctx)
    t = ctx.arg(0)
    if t in wqs.tasklets:
        wqs.tasklets.remove(t)
        if wqs._enabled(t):
            wqs.run_one(t)
    state = ctx.mem.read_u64(t + TASKLET.off("state"))
    ctx.mem.write_u64(t + TASKLET.off("state"), state & ~1)
