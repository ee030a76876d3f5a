"""Reader-writer spinlocks (<linux/rwlock.h>), lock-checked as Linux's lockdep.

``read_lock()`` and friends are Linux's ``_raw_read_lock()`` family
(kernel/locking/spinlock.c). On one CPU nothing preempts the holder, so a
lock held incompatibly is never released while its taker spins: taking it
again in the same task is lockdep's recursive locking: a write, or anything
after a write, waits for itself and ends the call; a read after a read is
warned about and goes on (in task context a queued writer would block it;
softirq readers may nest, as Linux allows). Taking it while another task
holds it incompatibly is a lockup. Each acquisition joins lockdep's lock
order, so an AB-BA between an rwlock and another lock is reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.bug import KernelBug, call_trace, caller_symbol, warn
from lkmsh.kernel.kapi.common import put, task, u32
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.sync import IRQ_FLAGS, _lock_name, lockdep_of

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

RWLOCK_MAGIC = 0xDEAF1EED
WRITER = 0xFFFFFFFF  # cnts of a write-held lock (-1): readers count up from 0


def _rwlock_bug(ctx: CallContext, lock: int, msg: str) -> list[str]:
    """Linux's rwlock_bug() lines (lib/spinlock_debug.c)."""
    return [
        f"BUG: rwlock {msg} on CPU#0, {task(ctx)}",
        f" lock: {ctx.kernel.symbolize(lock)}, .magic: {u32(ctx, lock + 4):08x}",
    ]


def _take(ctx: CallContext, lock: int, write: bool) -> None:
    if u32(ctx, lock + 4) != RWLOCK_MAGIC:
        warn(ctx, _rwlock_bug(ctx, lock, "bad magic"))
    cnts = u32(ctx, lock)
    ld = lockdep_of(ctx)
    in_softirq = getattr(getattr(ctx.kernel, "sched", None), "in_softirq", False)
    if ld is not None and ld.holding(ld._pid(), lock) and (write or not in_softirq):
        lines = [*ld.recursive_lines(ctx, lock, "rwlock"), *call_trace(ctx)]
        if write or cnts == WRITER:  # it waits for itself: the call ends here
            raise KernelBug("WARNING: possible recursive locking detected", lines)
        ld._emit(lines)  # a second read goes through while no writer queues: a warning
    if cnts == WRITER or (write and cnts):
        lines = _rwlock_bug(ctx, lock, "lockup suspected")
        lines.append("watchdog: BUG: soft lockup - CPU#0 stuck (rwlock held)")
        raise KernelBug(lines[0], [*lines, *call_trace(ctx)])
    put(ctx, lock, WRITER if write else cnts + 1, 4)
    if ld is not None:
        ld.acquire(ctx, lock, "rwlock")


def _try(ctx: CallContext, lock: int, write: bool) -> int:
    cnts = u32(ctx, lock)
    if cnts == WRITER or (write and cnts):
        return 0
    put(ctx, lock, WRITER if write else cnts + 1, 4)
    ld = lockdep_of(ctx)
    if ld is not None:
        ld.acquire(ctx, lock, "rwlock")
    return 1


def _drop(ctx: CallContext, lock: int, write: bool) -> None:
    cnts = u32(ctx, lock)
    ld = lockdep_of(ctx)
    held = cnts == WRITER if write else 0 < cnts < WRITER
    if not held or (ld is not None and not ld.release(lock)):
        warn(
            ctx,
            [
                "=====================================",
                "WARNING: bad unlock balance detected!",
                "-------------------------------------",
                f"{task(ctx)} is trying to release lock ({_lock_name(ctx, lock)}) at:",
                caller_symbol(ctx),
                "but there are no more locks to release!",
            ],
        )
        if not held:
            return
    put(ctx, lock, 0 if write else cnts - 1, 4)


def _register(verb: str, write: bool) -> None:
    """_raw_{read,write}_{lock,unlock} with their _bh and _irq forms (the same here)."""
    for suffix in ("", "_bh", "_irq"):
        lock_name, unlock_name = f"_raw_{verb}_lock{suffix}", f"_raw_{verb}_unlock{suffix}"
        kapi(lock_name, f"void {lock_name}(rwlock_t *lock)")(
            lambda ctx: _take(ctx, ctx.arg(0), write)
        )
        kapi(unlock_name, f"void {unlock_name}(rwlock_t *lock)")(
            lambda ctx: _drop(ctx, ctx.arg(0), write)
        )
    trylock = f"_raw_{verb}_trylock"
    kapi(trylock, f"int {trylock}(rwlock_t *lock)")(lambda ctx: _try(ctx, ctx.arg(0), write))

    def irqsave(ctx: CallContext) -> int:
        _take(ctx, ctx.arg(0), write)
        return IRQ_FLAGS

    save, restore = f"_raw_{verb}_lock_irqsave", f"_raw_{verb}_unlock_irqrestore"
    kapi(save, f"unsigned long {save}(rwlock_t *lock)")(irqsave)
    kapi(restore, f"void {restore}(rwlock_t *lock, unsigned long flags)")(
        lambda ctx: _drop(ctx, ctx.arg(0), write)
    )


_register("read", write=False)
_register("write", write=True)
