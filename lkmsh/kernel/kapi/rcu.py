"""RCU (<linux/rcupdate.h>): read-side sections for lockdep, grace periods in kernel/rcu.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.kthread import might_sleep, sched_of
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.lockdep import RCU_LOCK
from lkmsh.kernel.rcu import BARRIER, GRACE_PERIOD_NS
from lkmsh.kernel.task import TASK_UNINTERRUPTIBLE

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext


@kapi("__rcu_read_lock", "void __rcu_read_lock(void)", gpl=True)
def rcu_read_lock(ctx: CallContext) -> None:
    ld = getattr(ctx.kernel, "lockdep", None)
    if ld is not None:
        ld.held.setdefault(ld._pid(), []).append(_held(ctx))


def _held(ctx: CallContext):
    from lkmsh.kernel.lockdep import Held

    return Held(RCU_LOCK, "rcu", ctx.caller)


@kapi("__rcu_read_unlock", "void __rcu_read_unlock(void)", gpl=True)
def rcu_read_unlock(ctx: CallContext) -> None:
    ld = getattr(ctx.kernel, "lockdep", None)
    if ld is not None:
        ld.release(RCU_LOCK)


@kapi("synchronize_rcu", "void synchronize_rcu(void)", gpl=True)
def synchronize_rcu(ctx: CallContext) -> None:
    """Wait one grace period (one tick of virtual time)."""
    sched = sched_of(ctx)
    if sched is None:
        ctx.kernel.clock.advance(GRACE_PERIOD_NS)
        return None
    if not might_sleep(ctx) or sched.current is None:
        return None
    sched.block(
        "synchronize_rcu",
        state=TASK_UNINTERRUPTIBLE,
        timeout_ns=GRACE_PERIOD_NS,
        timer_only=True,
        caller=ctx.caller,
    )
    return None


@kapi("call_rcu", "void call_rcu(struct rcu_head *head, rcu_callback_t func)", gpl=True)
def call_rcu(ctx: CallContext) -> None:
    ctx.kernel.rcu.queue(ctx.arg(0), func=ctx.arg(1))


@kapi("kvfree_call_rcu", "void kvfree_call_rcu(struct rcu_head *head, void *ptr)", gpl=True)
def kvfree_call_rcu(ctx: CallContext) -> None:
    ctx.kernel.rcu.queue(ctx.arg(0), ptr=ctx.arg(1))


@kapi("rcu_barrier", "void rcu_barrier(void)", gpl=True)
def rcu_barrier(ctx: CallContext) -> None:
    """Wait until every queued callback has run."""
    sched = sched_of(ctx)
    if not ctx.kernel.rcu.pending or sched is None or sched.current is None:
        return None
    if not might_sleep(ctx):
        return None
    sched.block("rcu_barrier", obj=BARRIER, caller=ctx.caller)
    return None
