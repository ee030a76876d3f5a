"""Counting semaphores and reader-writer semaphores (<linux/semaphore.h>, <linux/rwsem.h>).

A task that cannot take one waits on its address. The releaser hands it on
(as ``mutex_unlock`` does): ``up`` gives its count to the first waiter,
``up_write``/``up_read`` give an rwsem to the first waiting writer, or to
every reader queued before the next writer. The wchan says which a waiter
wants (Linux's slow-path names). rwsems are lockdep-checked like mutexes.
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import put, u32
from lkmsh.kernel.kapi.kthread import might_sleep, sched_of
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.sync import lockdep_of
from lkmsh.kernel.task import TASK_INTERRUPTIBLE, TASK_KILLABLE, TASK_UNINTERRUPTIBLE

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1
OFF_SEM_COUNT = 8  # struct semaphore { raw_spinlock_t lock; unsigned int count; ... }
READ_WAIT = "rwsem_down_read_slowpath"
WRITE_WAIT = "rwsem_down_write_slowpath"


def _signalled(ctx: CallContext, state: int) -> bool:
    sched = sched_of(ctx)
    task = sched.current if sched is not None else None
    return bool(
        task is not None
        and state & TASK_INTERRUPTIBLE
        and ctx.mem.read_u64(task.struct_addr) >> 2 & 1
    )


def _sleep_on(
    ctx: CallContext,
    obj: int,
    wchan: str,
    state: int,
    timeout_j: int | None = None,
    timeout_result: int = 0,
) -> int | None:
    """Wait on @obj; None when there is no task to put to sleep (reported)."""
    sched = sched_of(ctx)
    if sched is None or sched.current is None or not might_sleep(ctx):
        return None
    ns = None if timeout_j is None else timeout_j * 4_000_000
    return sched.block(
        wchan, state=state, obj=obj, timeout_ns=ns, timeout_result=timeout_result, caller=ctx.caller
    )


# -- semaphores -----------------------------------------------------------------------


def _down(ctx: CallContext, state: int, timeout_j: int | None = None) -> int:
    sem = ctx.arg(0)
    count = u32(ctx, sem + OFF_SEM_COUNT)
    if count:
        put(ctx, sem + OFF_SEM_COUNT, count - 1, 4)
        return 0
    if _signalled(ctx, state):
        return -E.EINTR & MASK64
    ret = _sleep_on(ctx, sem, "down", state, timeout_j, -E.ETIME & MASK64)
    return 0 if ret is None else ret


@kapi("down", "void down(struct semaphore *sem)")
def down(ctx: CallContext) -> None:
    _down(ctx, TASK_UNINTERRUPTIBLE)


@kapi("down_interruptible", "int down_interruptible(struct semaphore *sem)")
def down_interruptible(ctx: CallContext) -> int:
    return _down(ctx, TASK_INTERRUPTIBLE)


@kapi("down_killable", "int down_killable(struct semaphore *sem)")
def down_killable(ctx: CallContext) -> int:
    return _down(ctx, TASK_KILLABLE)


@kapi("down_timeout", "int down_timeout(struct semaphore *sem, long jiffies)")
def down_timeout(ctx: CallContext) -> int:
    return _down(ctx, TASK_UNINTERRUPTIBLE, max(ctx.sarg(1), 0))


@kapi("down_trylock", "int down_trylock(struct semaphore *sem)")
def down_trylock(ctx: CallContext) -> int:
    """0 when it took the semaphore, 1 when it did not (the opposite of mutex_trylock)."""
    sem = ctx.arg(0)
    count = u32(ctx, sem + OFF_SEM_COUNT)
    if not count:
        return 1
    put(ctx, sem + OFF_SEM_COUNT, count - 1, 4)
    return 0


@kapi("up", "void up(struct semaphore *sem)")
def up(ctx: CallContext) -> None:
    sem = ctx.arg(0)
    sched = sched_of(ctx)
    if sched is not None and sched.wake_up(sem, nr=1, result=0):
        return  # the count goes straight to the waiter
    put(ctx, sem + OFF_SEM_COUNT, u32(ctx, sem + OFF_SEM_COUNT) + 1, 4)


# -- rw_semaphores ----------------------------------------------------------------------


def _count(ctx: CallContext, sem: int) -> int:
    return _s64(ctx.mem.read_u64(sem))


def _s64(v: int) -> int:
    return v - (1 << 64) if v >> 63 else v


def _set_count(ctx: CallContext, sem: int, value: int) -> None:
    put(ctx, sem, value, 8)


def _acquired(ctx: CallContext, sem: int, pid: int | None = None, ip: int | None = None) -> None:
    ld = lockdep_of(ctx)
    if ld is not None:
        ld.acquire(ctx, sem, "rwsem", pid=pid, ip=ip)


def _released(ctx: CallContext, sem: int) -> None:
    ld = lockdep_of(ctx)
    if ld is not None:
        ld.release(sem)


def _hand_on(ctx: CallContext, sem: int) -> None:
    """The rwsem became free: give it to the first writer, or the readers ahead of one."""
    sched = sched_of(ctx)
    if sched is None:
        return
    waiters = sched.waiters(sem)
    if not waiters:
        return
    if waiters[0].wchan == WRITE_WAIT:
        _set_count(ctx, sem, -1)
        _acquired(ctx, sem, waiters[0].pid, waiters[0].caller)
        sched.wake(waiters[0], 0)
        return
    readers = []
    for w in waiters:
        if w.wchan != READ_WAIT:
            break
        readers.append(w)
    _set_count(ctx, sem, _count(ctx, sem) + len(readers))
    for w in readers:
        _acquired(ctx, sem, w.pid, w.caller)
        sched.wake(w, 0)


def _down_read(ctx: CallContext, state: int) -> int:
    sem = ctx.arg(0)
    sched = sched_of(ctx)
    count = _count(ctx, sem)
    writer_waits = sched is not None and any(w.wchan == WRITE_WAIT for w in sched.waiters(sem))
    if count >= 0 and not writer_waits:
        _set_count(ctx, sem, count + 1)
        _acquired(ctx, sem)
        return 0
    if _signalled(ctx, state):
        return -E.EINTR & MASK64
    ld = lockdep_of(ctx)
    if ld is not None:  # the order is checked before waiting
        ld.acquire(ctx, sem, "rwsem")
        ld.release(sem)
    ret = _sleep_on(ctx, sem, READ_WAIT, state)
    return 0 if ret is None else ret


def _down_write(ctx: CallContext, state: int) -> int:
    sem = ctx.arg(0)
    if _count(ctx, sem) == 0:
        _set_count(ctx, sem, -1)
        _acquired(ctx, sem)
        return 0
    if _signalled(ctx, state):
        return -E.EINTR & MASK64
    ld = lockdep_of(ctx)
    if ld is not None:
        ld.acquire(ctx, sem, "rwsem")
        ld.release(sem)
    ret = _sleep_on(ctx, sem, WRITE_WAIT, state)
    return 0 if ret is None else ret


@kapi("down_read", "void down_read(struct rw_semaphore *sem)")
def down_read(ctx: CallContext) -> None:
    _down_read(ctx, TASK_UNINTERRUPTIBLE)


@kapi("down_read_interruptible", "int down_read_interruptible(struct rw_semaphore *sem)")
def down_read_interruptible(ctx: CallContext) -> int:
    return _down_read(ctx, TASK_INTERRUPTIBLE)


@kapi("down_read_killable", "int down_read_killable(struct rw_semaphore *sem)")
def down_read_killable(ctx: CallContext) -> int:
    return _down_read(ctx, TASK_KILLABLE)


@kapi("down_read_trylock", "int down_read_trylock(struct rw_semaphore *sem)")
def down_read_trylock(ctx: CallContext) -> int:
    sem = ctx.arg(0)
    count = _count(ctx, sem)
    if count < 0:
        return 0
    _set_count(ctx, sem, count + 1)
    _acquired(ctx, sem)
    return 1


@kapi("down_write", "void down_write(struct rw_semaphore *sem)")
def down_write(ctx: CallContext) -> None:
    _down_write(ctx, TASK_UNINTERRUPTIBLE)


@kapi("down_write_killable", "int down_write_killable(struct rw_semaphore *sem)")
def down_write_killable(ctx: CallContext) -> int:
    return _down_write(ctx, TASK_KILLABLE)


@kapi("down_write_trylock", "int down_write_trylock(struct rw_semaphore *sem)")
def down_write_trylock(ctx: CallContext) -> int:
    sem = ctx.arg(0)
    if _count(ctx, sem) != 0:
        return 0
    _set_count(ctx, sem, -1)
    _acquired(ctx, sem)
    return 1


@kapi("up_read", "void up_read(struct rw_semaphore *sem)")
def up_read(ctx: CallContext) -> None:
    sem = ctx.arg(0)
    count = _count(ctx, sem)
    _released(ctx, sem)
    if count <= 0:
        return  # not read-held: Linux's DEBUG_RWSEMS would warn
    _set_count(ctx, sem, count - 1)
    if count == 1:
        _hand_on(ctx, sem)


@kapi("up_write", "void up_write(struct rw_semaphore *sem)")
def up_write(ctx: CallContext) -> None:
    sem = ctx.arg(0)
    _released(ctx, sem)
    _set_count(ctx, sem, 0)
    _hand_on(ctx, sem)


@kapi("downgrade_write", "void downgrade_write(struct rw_semaphore *sem)")
def downgrade_write(ctx: CallContext) -> None:
    """The writer becomes a reader; readers waiting behind it come in too."""
    sem = ctx.arg(0)
    _set_count(ctx, sem, 1)
    sched = sched_of(ctx)
    if sched is None:
        return
    for w in sched.waiters(sem):
        if w.wchan != READ_WAIT:
            break
        _set_count(ctx, sem, _count(ctx, sem) + 1)
        _acquired(ctx, sem, w.pid, w.caller)
        sched.wake(w, 0)
