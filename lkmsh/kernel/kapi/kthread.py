"""Tasks from module code: current, schedule(), kthreads, sleeping (sched.py does the work).

Every blocking function here ends in ``Scheduler.block`` (or ``yield_cpu``):
a kthread parks there and resumes at the call's return with the result the
waker chose; the command's own task waits there, nested. Nothing may follow
``block`` in these functions, since a parked task never comes back to it.

With no scheduler (kernel API tests on a bare composition) sleeps only move
the clock.
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel import clock as C
from lkmsh.kernel.kapi.common import cstr, format_args
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.task import (
    OFF_COMM,
    TASK_COMM_LEN,
    TASK_IDLE,
    TASK_INTERRUPTIBLE,
    TASK_KILLABLE,
    TASK_RUNNING,
    TASK_UNINTERRUPTIBLE,
    Kind,
    Run,
)

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext
    from lkmsh.kernel.sched import Scheduler

MAX_SCHEDULE_TIMEOUT = (1 << 63) - 1
MASK64 = (1 << 64) - 1


def sched_of(ctx: CallContext) -> Scheduler | None:
    return getattr(ctx.kernel, "sched", None)


def sync_jiffies(ctx: CallContext) -> None:
    """Rewrite the jiffies variable, so module code polling it sees time move."""
    kernel = ctx.kernel
    addr = kernel.symbol_address("jiffies")
    if addr:
        value = kernel.clock.jiffies().to_bytes(8, "little")
        hw = kernel.part_in_use("hw_breakpoints")
        changed = hw is not None and bool(hw.by_event) and ctx.mem.read(addr, 8) != value
        ctx.mem.write(addr, value)
        if changed and hw is not None:  # the tick's write, as a breakpoint sees it
            hw.kernel_wrote(addr, 8)


def might_sleep(ctx: CallContext) -> bool:
    """May the caller sleep here? Reports it in Linux's words when it may not."""
    check = getattr(ctx.kernel, "might_sleep", None)
    return True if check is None else check(ctx)


def sleep_ns(
    ctx: CallContext,
    ns: int,
    wchan: str,
    *,
    state: int = TASK_UNINTERRUPTIBLE,
    timer_only: bool = True,
    timeout_result: int = 0,
) -> int:
    """Sleep @ns of virtual time in @wchan; what the call returns (see ``Scheduler.block``)."""
    sched = sched_of(ctx)
    if sched is None:
        ctx.kernel.clock.advance(ns)
        sync_jiffies(ctx)
        return timeout_result
    if not might_sleep(ctx) or sched.current is None:
        return timeout_result  # a timer or tasklet: reported, and it does not sleep
    return sched.block(
        wchan,
        state=state,
        timeout_ns=ns,
        timer_only=timer_only,
        timeout_result=timeout_result,
        caller=ctx.caller,
    )


def _jiffies_ns(j: int) -> int:
    return j * C.NSEC_PER_JIFFY


# -- current and the task state --------------------------------------------------


@kapi("get_current", "struct task_struct *get_current(void)")
def get_current(ctx: CallContext) -> int:
    sched = sched_of(ctx)
    task = sched.current if sched is not None else None
    return task.struct_addr if task is not None else 0


@kapi(
    "__get_task_comm",
    "char *__get_task_comm(char *to, size_t len, struct task_struct *tsk)",
    gpl=True,
)
def get_task_comm(ctx: CallContext) -> int:
    to, size, tsk = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    comm = cstr(ctx, tsk + OFF_COMM, TASK_COMM_LEN)
    n = min(len(comm), max(size, 1) - 1)
    ctx.mem.write(to, comm[:n] + b"\0")
    return to


@kapi("schedule", "void schedule(void)")
def schedule(ctx: CallContext) -> None:
    """Sleep in the state current->__state says (set_current_state); TASK_RUNNING yields."""
    sched = sched_of(ctx)
    if sched is None or sched.current is None:
        sync_jiffies(ctx)
        return None
    task = sched.current
    state = sched.state_word(task)
    if state == TASK_RUNNING:
        sched.yield_cpu(ctx.caller)
        sync_jiffies(ctx)
        return None
    if not might_sleep(ctx):
        return None
    if state & TASK_INTERRUPTIBLE and _signal_pending(ctx, task.struct_addr):
        sched.set_state_word(task, TASK_RUNNING)
        return None
    sched.block(caller_function(ctx), state=state, caller=ctx.caller)
    return None


def caller_function(ctx: CallContext) -> str:
    """The function that called schedule(): ps's WCHAN for an open-coded wait."""
    text = ctx.kernel.symbolize(ctx.caller) if ctx.caller else ""
    name = text.split("+", 1)[0].split(" ", 1)[0]
    return name if name and not name.startswith("0x") else "schedule"


def _signal_pending(ctx: CallContext, tsk: int) -> bool:
    return bool(ctx.mem.read_u64(tsk) >> 2 & 1)


def _schedule_timeout(ctx: CallContext, timeout: int, state: int | None) -> int:
    """schedule_timeout(): the jiffies left when woken early, 0 when the time ran out."""
    sched = sched_of(ctx)
    if timeout < 0:  # Linux: "schedule_timeout: wrong timeout value", then returns 0
        ctx.kernel.log.emit(3, f"schedule_timeout: wrong timeout value {timeout:x}")
        return 0
    if sched is None or sched.current is None:
        if timeout != MAX_SCHEDULE_TIMEOUT:
            ctx.kernel.clock.advance(_jiffies_ns(timeout))
        sync_jiffies(ctx)
        return 0
    task = sched.current
    if state is not None:
        sched.set_state_word(task, state)
    state = sched.state_word(task)
    if state == TASK_RUNNING:  # nothing makes it sleep: it returns at once
        sched.yield_cpu(ctx.caller)
        return timeout
    if not might_sleep(ctx):
        return timeout
    if state & TASK_INTERRUPTIBLE and _signal_pending(ctx, task.struct_addr):
        sched.set_state_word(task, TASK_RUNNING)
        return timeout
    if timeout == MAX_SCHEDULE_TIMEOUT:
        ret = sched.block("schedule_timeout", state=state, caller=ctx.caller) or timeout
    else:
        ret = sched.block(
            "schedule_timeout", state=state, timeout_ns=_jiffies_ns(timeout), caller=ctx.caller
        )
    sync_jiffies(ctx)  # a nested wait returns here: its caller reads jiffies next
    return ret


@kapi("schedule_timeout", "long schedule_timeout(long timeout)")
def schedule_timeout(ctx: CallContext) -> int:
    return _schedule_timeout(ctx, ctx.sarg(0), None)


@kapi("schedule_timeout_interruptible", "long schedule_timeout_interruptible(long timeout)")
def schedule_timeout_interruptible(ctx: CallContext) -> int:
    return _schedule_timeout(ctx, ctx.sarg(0), TASK_INTERRUPTIBLE)


@kapi("schedule_timeout_killable", "long schedule_timeout_killable(long timeout)")
def schedule_timeout_killable(ctx: CallContext) -> int:
    return _schedule_timeout(ctx, ctx.sarg(0), TASK_KILLABLE)


@kapi("schedule_timeout_uninterruptible", "long schedule_timeout_uninterruptible(long timeout)")
def schedule_timeout_uninterruptible(ctx: CallContext) -> int:
    return _schedule_timeout(ctx, ctx.sarg(0), TASK_UNINTERRUPTIBLE)


@kapi("schedule_timeout_idle", "long schedule_timeout_idle(long timeout)")
def schedule_timeout_idle(ctx: CallContext) -> int:
    return _schedule_timeout(ctx, ctx.sarg(0), TASK_IDLE)


@kapi("cond_resched", "int cond_resched(void)")
def cond_resched(ctx: CallContext) -> int:
    sched = sched_of(ctx)
    if sched is not None:
        sched.yield_cpu(ctx.caller)
    sync_jiffies(ctx)
    return 0


@kapi("__sched_yield", "void __sched_yield(void)")
def sched_yield(ctx: CallContext) -> None:
    cond_resched(ctx)


@kapi("wake_up_process", "int wake_up_process(struct task_struct *tsk)")
def wake_up_process(ctx: CallContext) -> int:
    sched = sched_of(ctx)
    task = sched.by_struct(ctx.arg(0)) if sched is not None else None
    return 1 if task is not None and sched.wake(task) else 0


# -- kthreads ------------------------------------------------------------------------


def _task_at(ctx: CallContext, addr: int):
    sched = sched_of(ctx)
    task = sched.by_struct(addr) if sched is not None else None
    if task is None or task.kind is Kind.USER:
        from lkmsh.kernel.kapi.bug import bug

        raise bug(ctx, [f"BUG: {ctx.name}() on {addr:#x}, which is no kernel thread"])
    return sched, task


@kapi(
    "kthread_create_on_node",
    "struct task_struct *kthread_create_on_node(int (*threadfn)(void *data), void *data,"
    " int node, const char namefmt[], ...)",
)
def kthread_create_on_node(ctx: CallContext) -> int:
    from lkmsh.errors import KernelError
    from lkmsh.kernel.kapi.common import decode

    sched = sched_of(ctx)
    if sched is None:
        return -E.ENOSYS & MASK64
    name = decode(format_args(ctx, ctx.arg(3), 4))
    module = ctx.kernel.current_module
    try:
        task = sched.create(
            name,
            Kind.KTHREAD,
            entry=ctx.arg(0),
            arg=ctx.arg(1),
            module=module.name if module is not None else None,
        )
    except KernelError as exc:
        return -exc.errno & MASK64
    return task.struct_addr


@kapi("kthread_should_stop", "bool kthread_should_stop(void)")
def kthread_should_stop(ctx: CallContext) -> int:
    sched = sched_of(ctx)
    task = sched.current if sched is not None else None
    return 1 if task is not None and task.should_stop else 0


@kapi("kthread_stop", "int kthread_stop(struct task_struct *k)")
def kthread_stop(ctx: CallContext) -> int:
    """Ask the thread to stop, wake it, wait for it to exit: its exit code."""
    sched, task = _task_at(ctx, ctx.arg(0))
    task.should_stop = True
    task.should_park = False
    if task.run is Run.DEAD:
        code = task.exit_code or 0
        sched.reap(task)
        return code & MASK64
    if task.parked:
        task.parked = False
    sched.wake(task)
    if not might_sleep(ctx):
        return 0
    return sched.block("kthread_stop", obj=task.struct_addr, caller=ctx.caller)


@kapi("kthread_should_park", "bool kthread_should_park(void)", gpl=True)
def kthread_should_park(ctx: CallContext) -> int:
    sched = sched_of(ctx)
    task = sched.current if sched is not None else None
    return 1 if task is not None and task.should_park else 0


def _park_key(task) -> int:
    return task.struct_addr + 1  # what kthread_park() waits on: the thread being parked


@kapi("kthread_park", "int kthread_park(struct task_struct *k)", gpl=True)
def kthread_park(ctx: CallContext) -> int:
    sched, task = _task_at(ctx, ctx.arg(0))
    if task.run is Run.DEAD:
        return -E.ENOSYS & MASK64
    if task.parked:
        return -E.EBUSY & MASK64
    task.should_park = True
    sched.wake(task)
    if not might_sleep(ctx):
        return 0
    return sched.block("kthread_park", obj=_park_key(task), caller=ctx.caller)


@kapi("kthread_parkme", "void kthread_parkme(void)", gpl=True)
def kthread_parkme(ctx: CallContext) -> None:
    sched = sched_of(ctx)
    task = sched.current if sched is not None else None
    if task is None or not task.should_park:
        return None
    task.parked = True
    sched.wake_up(_park_key(task))
    sched.block("kthread_parkme", state=0x0040, obj=task.struct_addr + 2, caller=ctx.caller)
    return None


@kapi("kthread_unpark", "void kthread_unpark(struct task_struct *k)", gpl=True)
def kthread_unpark(ctx: CallContext) -> None:
    sched, task = _task_at(ctx, ctx.arg(0))
    task.should_park = False
    if task.parked:
        task.parked = False
        sched.wake_up(task.struct_addr + 2)


@kapi("kthread_bind", "void kthread_bind(struct task_struct *k, unsigned int cpu)")
def kthread_bind(ctx: CallContext) -> None:
    """One CPU: every thread is bound to CPU 0 already."""


@kapi(
    "__module_put_and_kthread_exit",
    "void __module_put_and_kthread_exit(struct module *mod, long code)",
)
def module_put_and_kthread_exit(ctx: CallContext) -> None:
    """module_put_and_kthread_exit(): Linux exports this, not kthread_exit itself."""
    from lkmsh.kernel.kapi.modref import module_put

    module_put(ctx)
    sched = sched_of(ctx)
    if sched is not None:
        sched.exit_current(ctx.sarg(1))


@kapi(
    "kthread_complete_and_exit",
    "void kthread_complete_and_exit(struct completion *comp, long code)",
)
def kthread_complete_and_exit(ctx: CallContext) -> None:
    from lkmsh.kernel.kapi.wait import complete_at

    if ctx.arg(0):
        complete_at(ctx, ctx.arg(0), all_=False)
    kthread_exit_code = ctx.sarg(1)
    sched = sched_of(ctx)
    if sched is not None:
        sched.exit_current(kthread_exit_code)


# -- sleeping ------------------------------------------------------------------------


@kapi("msleep", "void msleep(unsigned int msecs)")
def msleep(ctx: CallContext) -> None:
    ticks = C.msecs_to_jiffies(ctx.arg(0) & 0xFFFFFFFF) + 1
    sleep_ns(ctx, _jiffies_ns(ticks), "msleep")


@kapi("msleep_interruptible", "unsigned long msleep_interruptible(unsigned int msecs)")
def msleep_interruptible(ctx: CallContext) -> int:
    """Returns the milliseconds left when a signal cut the sleep short (else 0)."""
    ticks = C.msecs_to_jiffies(ctx.arg(0) & 0xFFFFFFFF) + 1
    return sleep_ns(ctx, _jiffies_ns(ticks), "msleep_interruptible", state=TASK_INTERRUPTIBLE)


@kapi("ssleep", "void ssleep(unsigned int seconds)")
def ssleep(ctx: CallContext) -> None:
    ticks = C.msecs_to_jiffies((ctx.arg(0) * 1000) & 0xFFFFFFFF) + 1
    sleep_ns(ctx, _jiffies_ns(ticks), "msleep")


@kapi(
    "usleep_range_state",
    "void usleep_range_state(unsigned long min, unsigned long max, unsigned int state)",
)
def usleep_range_state(ctx: CallContext) -> None:
    """Sleeps its minimum (the hrtimer slack is never used: time is exact)."""
    state = ctx.arg(2) & 0xFFFFFFFF or TASK_UNINTERRUPTIBLE
    sleep_ns(ctx, ctx.arg(0) * 1000, "usleep_range_state", state=state)


@kapi("usleep_range", "void usleep_range(unsigned long min, unsigned long max)")
def usleep_range(ctx: CallContext) -> None:
    sleep_ns(ctx, ctx.arg(0) * 1000, "usleep_range_state")


HRTIMER_MODE_REL = 0x01


@kapi(
    "schedule_hrtimeout_range",
    "int schedule_hrtimeout_range(ktime_t *expires, u64 delta, const enum hrtimer_mode mode)",
    gpl=True,
)
def schedule_hrtimeout_range(ctx: CallContext) -> int:
    return _schedule_hrtimeout(ctx, ctx.arg(0), ctx.arg(2) & 0xFFFFFFFF)


@kapi(
    "schedule_hrtimeout",
    "int schedule_hrtimeout(ktime_t *expires, const enum hrtimer_mode mode)",
    gpl=True,
)
def schedule_hrtimeout(ctx: CallContext) -> int:
    """Sleep in current->__state until *expires (relative with HRTIMER_MODE_REL, else an
    absolute ktime_get() time; NULL: until woken): 0 when the time came, -EINTR when
    woken before, as kernel/time/hrtimer.c's."""
    return _schedule_hrtimeout(ctx, ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF)


def _schedule_hrtimeout(ctx: CallContext, expires: int, mode: int) -> int:
    from lkmsh.kernel.callctx import to_signed

    sched = sched_of(ctx)
    ns = None
    if expires:
        ns = to_signed(ctx.mem.read_u64(expires))
        if not mode & HRTIMER_MODE_REL:
            ns -= ctx.kernel.clock.ns()
        if ns <= 0:  # already expired: __set_current_state(TASK_RUNNING), 0
            if sched is not None and sched.current is not None:
                sched.set_state_word(sched.current, TASK_RUNNING)
            return 0
    if sched is None or sched.current is None:
        if ns is not None:
            ctx.kernel.clock.advance(ns)
        sync_jiffies(ctx)
        return 0
    task = sched.current
    state = sched.state_word(task)
    if state == TASK_RUNNING:  # schedule() returns at once; the timer has not fired
        sched.yield_cpu(ctx.caller)
        return -E.EINTR & (1 << 64) - 1
    if not might_sleep(ctx):
        return 0
    if state & TASK_INTERRUPTIBLE and _signal_pending(ctx, task.struct_addr):
        sched.set_state_word(task, TASK_RUNNING)
        return -E.EINTR & (1 << 64) - 1
    ret = sched.block(
        "schedule_hrtimeout",
        state=state,
        timeout_ns=ns,
        timeout_result=0,
        result=-E.EINTR & (1 << 64) - 1,
        caller=ctx.caller,
    )
    sync_jiffies(ctx)  # the caller reads jiffies next (a parked task's resume does it too)
    return ret
