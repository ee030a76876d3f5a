"""Spinlocks and mutexes: words in module memory the kernel checks on every use.

Layouts (docs/abi.md, <linux/spinlock_types.h>, <linux/mutex.h>)::

    spinlock_t   { u32 locked; u32 magic; }              magic 0xdead4ead
    struct mutex { u32 locked; u32 magic; u64 owner; }   magic 0x4d555458

lkmsh stores in ``owner`` the address of the mutex_lock() call that took the
mutex, so a recursive-locking report can say where it was taken.

A mutex held by another task blocks: the task waits on the mutex's address
and ``mutex_unlock`` hands the mutex to the first waiter (owner and lockdep's
held list set on its behalf: a parked waiter runs no code at its wake-up).
Spinlocks never sleep: one CPU means a held spinlock can never be released
while its taker spins, so taking one that is held is reported and ends the
call (KernelBug), worded as Linux's lock debugging words it. Lock order,
recursion and sleeping under a spinlock are lockdep's (kernel/lockdep.py).
Releasing a free lock, or using a lock never initialised, warns and goes on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.bug import KernelBug, call_trace, caller_symbol, report, warn
from lkmsh.kernel.kapi.common import put, task, u32, u64
from lkmsh.kernel.kapi.kthread import might_sleep, sched_of
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.task import TASK_INTERRUPTIBLE, TASK_KILLABLE, TASK_UNINTERRUPTIBLE

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

SPINLOCK_MAGIC = 0xDEAD4EAD
MUTEX_MAGIC = 0x4D555458
MASK64 = (1 << 64) - 1
IRQ_FLAGS = 0x246  # EFLAGS with IF set: what irqsave saves on a CPU with interrupts on

_OFFSET = re.compile(r"\+0x[0-9a-f]+/0x[0-9a-f]+")


def _lock_name(ctx: CallContext, lock: int) -> str:
    """A lock's symbol ("my_lock [hx]" -> "my_lock"), or its address."""
    text = _OFFSET.sub("", ctx.kernel.symbolize(lock), count=1)
    return text.split(" [", 1)[0]


# -- spinlocks --------------------------------------------------------------


def _spin_dump(ctx: CallContext, lock: int, msg: str) -> list[str]:
    """Linux's spin_dump() lines."""
    locked, magic = u32(ctx, lock), u32(ctx, lock + 4)
    owner = task(ctx) if locked else "<none>/-1"
    owner_cpu = 0 if locked else -1
    return [
        f"BUG: spinlock {msg} on CPU#0, {task(ctx)}",
        f" lock: {ctx.kernel.symbolize(lock)}, .magic: {magic:08x}, .owner: {owner}, "
        f".owner_cpu: {owner_cpu}",
    ]


def _check_spin_magic(ctx: CallContext, lock: int) -> None:
    if u32(ctx, lock + 4) != SPINLOCK_MAGIC:
        report(ctx, _spin_dump(ctx, lock, "bad magic"))


def _spin_acquire(ctx: CallContext, lock: int) -> None:
    _check_spin_magic(ctx, lock)
    if u32(ctx, lock):
        lines = _spin_dump(ctx, lock, "recursion")
        lines.append("watchdog: BUG: soft lockup - CPU#0 stuck (spinlock already held)")
        raise KernelBug(lines[0], [*lines, *call_trace(ctx)])
    put(ctx, lock, 1, 4)
    _lockdep_acquire(ctx, lock, "spin")


def _spin_release(ctx: CallContext, lock: int) -> None:
    _check_spin_magic(ctx, lock)
    if not u32(ctx, lock):
        warn(ctx, _spin_dump(ctx, lock, "already unlocked"))
        return
    put(ctx, lock, 0, 4)
    _lockdep_release(ctx, lock)


def lockdep_of(ctx: CallContext):
    return getattr(ctx.kernel, "lockdep", None)


def _lockdep_acquire(ctx: CallContext, lock: int, kind: str) -> None:
    ld = lockdep_of(ctx)
    if ld is not None:
        ld.acquire(ctx, lock, kind)


def _lockdep_release(ctx: CallContext, lock: int) -> None:
    ld = lockdep_of(ctx)
    if ld is not None:
        ld.release(lock)


@kapi("spin_lock_init", "void spin_lock_init(spinlock_t *lock)")
def spin_lock_init(ctx: CallContext) -> None:
    lock = ctx.arg(0)
    put(ctx, lock, 0, 4)
    put(ctx, lock + 4, SPINLOCK_MAGIC, 4)


@kapi("spin_lock", "void spin_lock(spinlock_t *lock)")
def spin_lock(ctx: CallContext) -> None:
    _spin_acquire(ctx, ctx.arg(0))


@kapi("spin_unlock", "void spin_unlock(spinlock_t *lock)")
def spin_unlock(ctx: CallContext) -> None:
    _spin_release(ctx, ctx.arg(0))


@kapi("spin_trylock", "int spin_trylock(spinlock_t *lock)")
def spin_trylock(ctx: CallContext) -> int:
    lock = ctx.arg(0)
    _check_spin_magic(ctx, lock)
    if u32(ctx, lock):
        return 0
    put(ctx, lock, 1, 4)
    _lockdep_acquire(ctx, lock, "spin")
    return 1


@kapi("_raw_spin_lock_irqsave", "unsigned long _raw_spin_lock_irqsave(raw_spinlock_t *lock)")
def raw_spin_lock_irqsave(ctx: CallContext) -> int:
    _spin_acquire(ctx, ctx.arg(0))
    return IRQ_FLAGS


@kapi(
    "_raw_spin_unlock_irqrestore",
    "void _raw_spin_unlock_irqrestore(raw_spinlock_t *lock, unsigned long flags)",
)
def raw_spin_unlock_irqrestore(ctx: CallContext) -> None:
    _spin_release(ctx, ctx.arg(0))


# -- mutexes ----------------------------------------------------------------


def _check_mutex_magic(ctx: CallContext, lock: int) -> None:
    if u32(ctx, lock + 4) != MUTEX_MAGIC:
        warn(ctx, ["DEBUG_LOCKS_WARN_ON(lock->magic != lock)"])


@kapi(
    "__mutex_init",
    "void __mutex_init(struct mutex *lock, const char *name, struct lock_class_key *key)",
)
def mutex_init(ctx: CallContext) -> None:
    lock = ctx.arg(0)
    ctx.mem.write(lock, (0).to_bytes(4, "little") + MUTEX_MAGIC.to_bytes(4, "little") + bytes(8))


def _mutex_owner(ctx: CallContext, lock: int) -> int | None:
    """The pid holding @lock as lockdep knows it (None: no record, e.g. no scheduler)."""
    ld = lockdep_of(ctx)
    if ld is None:
        return None
    for pid, held in ld.held.items():
        if any(h.lock == lock for h in held):
            return pid
    return None


def _recursive(ctx: CallContext, lock: int) -> KernelBug:
    ld = lockdep_of(ctx)
    if ld is not None and ld.holding(ld._pid(), lock):
        lines = ld.recursive_lines(ctx, lock, "mutex")
    else:
        name = _lock_name(ctx, lock)
        held_at = u64(ctx, lock + 8)
        where = ctx.kernel.symbolize(held_at) if held_at else "(unknown)"
        lines = [
            "",
            "============================================",
            "WARNING: possible recursive locking detected",
            "--------------------------------------------",
            f"{task(ctx)} is trying to acquire lock:",
            f"{lock:016x} ({name}){{+.+.}}-{{3:3}}, at: {caller_symbol(ctx)}",
            "",
            "but task is already holding lock:",
            f"{lock:016x} ({name}){{+.+.}}-{{3:3}}, at: {where}",
            "",
            " *** DEADLOCK ***",
            "",
        ]
    return KernelBug("WARNING: possible recursive locking detected", [*lines, *call_trace(ctx)])


def _mutex_take(ctx: CallContext, lock: int, state: int) -> int:
    """mutex_lock*(): take it, or wait for the holder to hand it over; 0 or -EINTR."""
    _check_mutex_magic(ctx, lock)
    sched = sched_of(ctx)
    current = sched.current if sched is not None else None
    if u32(ctx, lock):
        owner = _mutex_owner(ctx, lock)
        if current is None or owner is None or owner == current.pid or sched.in_softirq:
            raise _recursive(ctx, lock)
        ld = lockdep_of(ctx)
        if ld is not None:  # lockdep checks the order before waiting, as Linux's
            ld.acquire(ctx, lock, "mutex")
            ld.release(lock)
        if not might_sleep(ctx):
            raise _recursive(ctx, lock)
        if state & TASK_INTERRUPTIBLE and ctx.mem.read_u64(current.struct_addr) >> 2 & 1:
            return -4 & MASK64  # -EINTR: a signal is pending
        return sched.block("__mutex_lock", state=state, obj=lock, caller=ctx.caller, result=0)
    might_sleep(ctx)
    put(ctx, lock, 1, 4)
    put(ctx, lock + 8, ctx.caller or 1, 8)
    _lockdep_acquire(ctx, lock, "mutex")
    return 0


@kapi("mutex_lock", "void mutex_lock(struct mutex *lock)")
def mutex_lock(ctx: CallContext) -> None:
    _mutex_take(ctx, ctx.arg(0), TASK_UNINTERRUPTIBLE)


@kapi("mutex_lock_interruptible", "int mutex_lock_interruptible(struct mutex *lock)")
def mutex_lock_interruptible(ctx: CallContext) -> int:
    return _mutex_take(ctx, ctx.arg(0), TASK_INTERRUPTIBLE)


@kapi("mutex_lock_killable", "int mutex_lock_killable(struct mutex *lock)")
def mutex_lock_killable(ctx: CallContext) -> int:
    return _mutex_take(ctx, ctx.arg(0), TASK_KILLABLE)


def _bad_unlock(ctx: CallContext, lock: int) -> None:
    name = _lock_name(ctx, lock)
    warn(
        ctx,
        [
            "=====================================",
            "WARNING: bad unlock balance detected!",
            "-------------------------------------",
            f"{task(ctx)} is trying to release lock ({name}) at:",
            caller_symbol(ctx),
            "but there are no more locks to release!",
        ],
    )


@kapi("mutex_unlock", "void mutex_unlock(struct mutex *lock)")
def mutex_unlock(ctx: CallContext) -> None:
    lock = ctx.arg(0)
    _check_mutex_magic(ctx, lock)
    if not u32(ctx, lock):
        _bad_unlock(ctx, lock)
        return
    _lockdep_release(ctx, lock)
    sched = sched_of(ctx)
    waiters = sched.waiters(lock) if sched is not None else []
    if waiters:  # hand it over: the first waiter owns it when it wakes
        nxt = waiters[0]
        put(ctx, lock + 8, nxt.caller or 1, 8)
        ld = lockdep_of(ctx)
        if ld is not None:
            ld.acquire(ctx, lock, "mutex", pid=nxt.pid, ip=nxt.caller)
        sched.wake(nxt, 0)
        return
    put(ctx, lock, 0, 4)
    put(ctx, lock + 8, 0, 8)


@kapi("mutex_trylock", "int mutex_trylock(struct mutex *lock)")
def mutex_trylock(ctx: CallContext) -> int:
    lock = ctx.arg(0)
    _check_mutex_magic(ctx, lock)
    if u32(ctx, lock):
        return 0
    put(ctx, lock, 1, 4)
    put(ctx, lock + 8, ctx.caller or 1, 8)
    _lockdep_acquire(ctx, lock, "mutex")
    return 1


@kapi("mutex_is_locked", "bool mutex_is_locked(struct mutex *lock)")
def mutex_is_locked(ctx: CallContext) -> int:
    return 1 if u32(ctx, ctx.arg(0)) else 0
