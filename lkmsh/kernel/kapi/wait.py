"""Wait queues and completions (<linux/wait.h>, <linux/completion.h>) on the scheduler.

The wait_event() macros are Linux's loop in C; these are the functions it
calls. Who waits on which queue is the scheduler's (``Scheduler.queues``);
a completion's waiters are the tasks blocked on its address. A waiter that
is parked cannot run code after it wakes, so ``complete()`` consumes the
``done`` count on behalf of the waiter it wakes, as Linux's waiter would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import put, u32
from lkmsh.kernel.kapi.kthread import might_sleep, sched_of
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.sched import ERESTARTSYS
from lkmsh.kernel.task import (
    TASK_INTERRUPTIBLE,
    TASK_KILLABLE,
    TASK_RUNNING,
    TASK_UNINTERRUPTIBLE,
)

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1
UINT_MAX = 0xFFFFFFFF
WQ_FLAG_EXCLUSIVE = 0x01
TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE
OFF_WQ_ENTRY_FLAGS = 0
OFF_WQ_HEAD_LIST = 8  # struct wait_queue_head { spinlock_t lock; struct list_head head; }


def _init_list(ctx: CallContext, head: int) -> None:
    put(ctx, head, head, 8)
    put(ctx, head + 8, head, 8)


# -- wait queues ---------------------------------------------------------------------


@kapi(
    "__init_waitqueue_head",
    "void __init_waitqueue_head(struct wait_queue_head *wq_head, const char *name,"
    " struct lock_class_key *key)",
)
def init_waitqueue_head(ctx: CallContext) -> None:
    wq = ctx.arg(0)
    put(ctx, wq, 0, 4)
    put(ctx, wq + 4, 0xDEAD4EAD, 4)
    _init_list(ctx, wq + OFF_WQ_HEAD_LIST)
    sched = sched_of(ctx)
    if sched is not None:
        sched.queues.pop(wq, None)


def _queue(ctx: CallContext, exclusive: bool, state: int | None) -> int:
    """Put current on the queue (and in @state); -ERESTARTSYS when a signal is pending."""
    sched = sched_of(ctx)
    task = sched.current if sched is not None else None
    if task is None:
        return 0
    wq = ctx.arg(0)
    interruptible = state is not None and state & (TASK_INTERRUPTIBLE | 0x0100)
    if interruptible and ctx.mem.read_u64(task.struct_addr) >> 2 & 1:  # signal_pending()
        sched.queue_remove(wq, task)
        return -ERESTARTSYS
    sched.queue_add(wq, task, exclusive)
    if state is not None:
        sched.set_state_word(task, state)
    return 0


@kapi(
    "add_wait_queue",
    "void add_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)",
)
def add_wait_queue(ctx: CallContext) -> None:
    _queue(ctx, False, None)


@kapi(
    "add_wait_queue_exclusive",
    "void add_wait_queue_exclusive(struct wait_queue_head *wq_head,"
    " struct wait_queue_entry *wq_entry)",
)
def add_wait_queue_exclusive(ctx: CallContext) -> None:
    _queue(ctx, True, None)


@kapi(
    "remove_wait_queue",
    "void remove_wait_queue(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)",
)
def remove_wait_queue(ctx: CallContext) -> None:
    sched = sched_of(ctx)
    if sched is not None and sched.current is not None:
        sched.queue_remove(ctx.arg(0), sched.current)


@kapi(
    "prepare_to_wait",
    "void prepare_to_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry,"
    " int state)",
)
def prepare_to_wait(ctx: CallContext) -> None:
    _queue(ctx, False, ctx.arg(2) & UINT_MAX)


@kapi(
    "prepare_to_wait_exclusive",
    "bool prepare_to_wait_exclusive(struct wait_queue_head *wq_head,"
    " struct wait_queue_entry *wq_entry, int state)",
)
def prepare_to_wait_exclusive(ctx: CallContext) -> int:
    sched = sched_of(ctx)
    was_empty = sched is None or not sched.queues.get(ctx.arg(0))
    _queue(ctx, True, ctx.arg(2) & UINT_MAX)
    return 1 if was_empty else 0


@kapi(
    "prepare_to_wait_event",
    "long prepare_to_wait_event(struct wait_queue_head *wq_head,"
    " struct wait_queue_entry *wq_entry, int state)",
)
def prepare_to_wait_event(ctx: CallContext) -> int:
    entry = ctx.arg(1)
    exclusive = bool(u32(ctx, entry + OFF_WQ_ENTRY_FLAGS) & WQ_FLAG_EXCLUSIVE) if entry else False
    return _queue(ctx, exclusive, ctx.arg(2) & UINT_MAX) & MASK64


@kapi(
    "finish_wait",
    "void finish_wait(struct wait_queue_head *wq_head, struct wait_queue_entry *wq_entry)",
)
def finish_wait(ctx: CallContext) -> None:
    sched = sched_of(ctx)
    task = sched.current if sched is not None else None
    if task is not None:
        sched.set_state_word(task, TASK_RUNNING)
        sched.queue_remove(ctx.arg(0), task)


@kapi("waitqueue_active", "int waitqueue_active(struct wait_queue_head *wq_head)")
def waitqueue_active(ctx: CallContext) -> int:
    sched = sched_of(ctx)
    return 1 if sched is not None and sched.queues.get(ctx.arg(0)) else 0


@kapi(
    "__wake_up",
    "void __wake_up(struct wait_queue_head *wq_head, unsigned int mode, int nr, void *key)",
)
def wake_up(ctx: CallContext) -> None:
    sched = sched_of(ctx)
    if sched is not None:
        sched.queue_wake(ctx.arg(0), ctx.arg(1) & UINT_MAX, ctx.sarg(2, 32))


@kapi(
    "autoremove_wake_function",
    "int autoremove_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int sync,"
    " void *key)",
)
def autoremove_wake_function(ctx: CallContext) -> int:
    """Named by DEFINE_WAIT; the kernel wakes the entry's task itself."""
    return 1


@kapi(
    "default_wake_function",
    "int default_wake_function(struct wait_queue_entry *wq_entry, unsigned mode, int flags,"
    " void *key)",
)
def default_wake_function(ctx: CallContext) -> int:
    return 1


# -- completions ---------------------------------------------------------------------


def complete_at(ctx: CallContext, x: int, *, all_: bool) -> None:
    """complete()/complete_all(): wake waiters; a woken waiter's share of done is taken here."""
    sched = sched_of(ctx)
    done = u32(ctx, x)
    if all_:
        put(ctx, x, UINT_MAX, 4)
        if sched is not None:
            sched.wake_up(x)
        return
    if sched is not None and sched.wake_up(x, nr=1):
        return  # done goes up by one and the waiter takes it back down
    if done != UINT_MAX:
        put(ctx, x, done + 1, 4)


@kapi("complete", "void complete(struct completion *x)")
def complete(ctx: CallContext) -> None:
    complete_at(ctx, ctx.arg(0), all_=False)


@kapi("complete_all", "void complete_all(struct completion *x)")
def complete_all(ctx: CallContext) -> None:
    complete_at(ctx, ctx.arg(0), all_=True)


def _take(ctx: CallContext, x: int) -> bool:
    done = u32(ctx, x)
    if not done:
        return False
    if done != UINT_MAX:
        put(ctx, x, done - 1, 4)
    return True


def _wait(
    ctx: CallContext, state: int, timeout: int | None, *, on_signal: int = -ERESTARTSYS
) -> int:
    """The common wait: 0 (or jiffies left, at least 1) when completed, 0 at timeout."""
    x = ctx.arg(0)
    if _take(ctx, x):
        return 0 if timeout is None else max(timeout, 1)
    sched = sched_of(ctx)
    if sched is None or sched.current is None or not might_sleep(ctx):
        return 0
    task = sched.current
    if state & TASK_INTERRUPTIBLE and ctx.mem.read_u64(task.struct_addr) >> 2 & 1:
        return on_signal & MASK64
    ns = None if timeout is None else timeout * 4_000_000
    return sched.block("wait_for_completion", state=state, obj=x, timeout_ns=ns, caller=ctx.caller)


@kapi("wait_for_completion", "void wait_for_completion(struct completion *x)")
def wait_for_completion(ctx: CallContext) -> None:
    _wait(ctx, TASK_UNINTERRUPTIBLE, None)


@kapi("wait_for_completion_io", "void wait_for_completion_io(struct completion *x)")
def wait_for_completion_io(ctx: CallContext) -> None:
    _wait(ctx, TASK_UNINTERRUPTIBLE, None)


@kapi(
    "wait_for_completion_interruptible",
    "int wait_for_completion_interruptible(struct completion *x)",
)
def wait_for_completion_interruptible(ctx: CallContext) -> int:
    return _wait(ctx, TASK_INTERRUPTIBLE, None)


@kapi("wait_for_completion_killable", "int wait_for_completion_killable(struct completion *x)")
def wait_for_completion_killable(ctx: CallContext) -> int:
    return _wait(ctx, TASK_KILLABLE, None)


@kapi(
    "wait_for_completion_timeout",
    "unsigned long wait_for_completion_timeout(struct completion *x, unsigned long timeout)",
)
def wait_for_completion_timeout(ctx: CallContext) -> int:
    return _wait(ctx, TASK_UNINTERRUPTIBLE, ctx.arg(1) & ((1 << 63) - 1))


@kapi(
    "wait_for_completion_interruptible_timeout",
    "long wait_for_completion_interruptible_timeout(struct completion *x, unsigned long timeout)",
)
def wait_for_completion_interruptible_timeout(ctx: CallContext) -> int:
    return _wait(ctx, TASK_INTERRUPTIBLE, ctx.arg(1) & ((1 << 63) - 1))


@kapi(
    "wait_for_completion_killable_timeout",
    "long wait_for_completion_killable_timeout(struct completion *x, unsigned long timeout)",
)
def wait_for_completion_killable_timeout(ctx: CallContext) -> int:
    return _wait(ctx, TASK_KILLABLE, ctx.arg(1) & ((1 << 63) - 1))


@kapi("try_wait_for_completion", "bool try_wait_for_completion(struct completion *x)")
def try_wait_for_completion(ctx: CallContext) -> int:
    return 1 if _take(ctx, ctx.arg(0)) else 0


@kapi("completion_done", "bool completion_done(struct completion *x)")
def completion_done(ctx: CallContext) -> int:
    return 1 if u32(ctx, ctx.arg(0)) else 0
