"""Lock checking as Linux's lockdep words it, across tasks.

Every lock a task takes is on its held list (with where it took it); the
order in which locks were taken while others were held is remembered, so an
inversion (A then B in one task, B then A in another) is reported the first
time it is *seen*, whether or not the interleaving deadlocked. Also: a task
that exits, or a command that returns to user space, holding locks; and
sleeping where no sleep is allowed (a spinlock held, a timer, a tasklet).

Lock classes are lock addresses (a static lock's symbol names it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.release import KERNEL_RELEASE

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext
    from lkmsh.kernel.module import Module
    from lkmsh.kernel.rcufast import RcuFast
    from lkmsh.kernel.task import Task

SOFTIRQ_PID = 0  # no task: timers and tasklets run "in" swapper/0
RCU_LOCK = 0x5C1  # the lock class held while in rcu_read_lock() (rcu_read_lock_map)
_OFFSET = re.compile(r"\+0x[0-9a-f]+/0x[0-9a-f]+")

#: lockdep's usage and wait-type marks per kind of lock, as it prints them
USAGE = {
    "mutex": "{+.+.}-{3:3}",
    "spin": "{+.+.}-{2:2}",
    "rwsem": "{++++}-{3:3}",
    "rwlock": "{++++}-{2:2}",
    "rcu": "{....}-{1:2}",
}
ATOMIC_KINDS = ("spin", "rwlock")
#: where Linux's might_sleep() sits for each sleeping function (6.1)
MIGHT_SLEEP_AT = {
    "mutex_lock": "kernel/locking/mutex.c:580",
    "mutex_lock_interruptible": "kernel/locking/mutex.c:580",
    "mutex_lock_killable": "kernel/locking/mutex.c:580",
    "down_read": "kernel/locking/rwsem.c:1520",
    "down_write": "kernel/locking/rwsem.c:1572",
    "wait_for_completion": "kernel/sched/completion.c:101",
    "msleep": "kernel/time/timer.c:2163",
    "kthread_stop": "kernel/kthread.c:709",
    "flush_work": "kernel/workqueue.c:3181",
    "synchronize_rcu": "kernel/rcu/tree.c:3549",
}


@dataclass
class Held:
    """A lock a task holds: its address, kind and where it was taken."""

    lock: int
    kind: str
    ip: int


class Lockdep(Component):
    name = "lockdep"

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.held: dict[int, list[Held]] = {}
        #: (a, b): b was taken while a was held; the ips of both, first time seen
        self.deps: dict[tuple[int, int], tuple[int, int]] = {}
        self.reported: set[tuple[int, int]] = set()
        self.sleep_reports: set[int] = set()  # call sites already reported
        #: rcu_read_lock()'s fast path in the kernel library (rcufast.py), once booted
        self.rcu_fast: RcuFast | None = None
        kernel.might_sleep = self.might_sleep
        kernel.sched.on_exit(self._task_exit)

    # -- bookkeeping ----------------------------------------------------------------
    def _pid(self) -> int:
        sched = self.kernel.sched
        if sched.in_softirq or sched.current is None:
            return SOFTIRQ_PID
        return sched.current.pid

    def _who(self, pid: int) -> str:
        task = self.kernel.sched.task(pid) if pid else None
        return f"{task.comm}/{pid}" if task is not None else "swapper/0"

    def lock_name(self, lock: int) -> str:
        text = _OFFSET.sub("", self.kernel.symbolize(lock), count=1)
        return text.split(" [", 1)[0]

    def _line(self, h: Held) -> str:
        return (
            f"{h.lock:016x} ({self.lock_name(h.lock)}){USAGE.get(h.kind, '')}, at:"
            f" {self.kernel.symbolize(h.ip)}"
        )

    def settle(self) -> None:
        """Hold the spinlock and the read-side levels the kernel library took (spinlock.c,
        rcu.c) for the current task, as if each had come through Python."""
        fast = self.rcu_fast
        if fast is not None and fast.pending():
            held = self.held.setdefault(self._pid(), [])
            spin = fast.take_spin()
            if spin is not None:
                held.append(Held(spin[0], "spin", spin[1]))  # nothing else was held
            depth, ip = fast.take()
            held.extend(Held(RCU_LOCK, "rcu", ip) for _ in range(depth))

    def holding(self, pid: int, lock: int) -> bool:
        return any(h.lock == lock for h in self.held.get(pid, []))

    def acquire(
        self, ctx: CallContext, lock: int, kind: str, pid: int | None = None, ip: int | None = None
    ) -> None:
        """@pid (the current task) takes @lock: check the order, then hold it."""
        pid = self._pid() if pid is None else pid
        ip = ctx.caller if ip is None else ip
        held = self.held.setdefault(pid, [])
        for h in held:
            if h.lock == lock:
                continue
            if (lock, h.lock) in self.deps and (h.lock, lock) not in self.reported:
                self.reported.add((h.lock, lock))
                self.reported.add((lock, h.lock))
                self._report_circular(ctx, pid, h, Held(lock, kind, ip))
        for h in held:
            if h.lock != lock:
                self.deps.setdefault((h.lock, lock), (h.ip, ip))
        held.append(Held(lock, kind, ip))

    def release(self, lock: int, pid: int | None = None) -> bool:
        pid = self._pid() if pid is None else pid
        held = self.held.get(pid, [])
        for i in range(len(held) - 1, -1, -1):
            if held[i].lock == lock:
                del held[i]
                if not held:
                    self.held.pop(pid, None)
                return True
        return False

    def preempt_count(self, pid: int) -> int:
        return sum(1 for h in self.held.get(pid, []) if h.kind in ATOMIC_KINDS)

    def rcu_depth(self, pid: int) -> int:
        return sum(1 for h in self.held.get(pid, []) if h.kind == "rcu")

    # -- reports ------------------------------------------------------------------------
    def _ident(self) -> str:
        return f"{KERNEL_RELEASE} #1 {self.kernel.tainted_field()}"

    def _held_lines(self, pid: int) -> list[str]:
        held = [h for h in self.held.get(pid, []) if h.kind != "rcu"]
        if not held:
            return []
        n = len(held)
        lines = [f"{n} lock{'s' if n > 1 else ''} held by {self._who(pid)}:"]
        lines += [f" #{i}: {self._line(h)}" for i, h in enumerate(held)]
        return lines

    def _trace(self, ctx: CallContext, pid: int) -> list[str]:
        from lkmsh.kernel.kapi.bug import call_trace

        task = self.kernel.sched.task(pid) if pid else None
        comm = task.comm if task is not None else "swapper/0"
        return [
            f"CPU: 0 PID: {pid} Comm: {comm} {self.kernel.tainted_field()} {KERNEL_RELEASE} #1",
            *call_trace(ctx),
        ]

    def _emit(self, lines: list[str], level: int = 4) -> None:
        for line in lines:
            self.kernel.log.emit(level, line)

    def _report_circular(self, ctx: CallContext, pid: int, held: Held, new: Held) -> None:
        a, b = self.lock_name(new.lock), self.lock_name(held.lock)
        first_ip_b = self.deps[(new.lock, held.lock)][1]
        dash = "-" * 54
        lines = [
            "",
            "=" * 54,
            "WARNING: possible circular locking dependency detected",
            self._ident(),
            dash,
            f"{self._who(pid)} is trying to acquire lock:",
            self._line(new),
            "",
            "but task is already holding lock:",
            self._line(held),
            "",
            "which lock already depends on the new lock.",
            "",
            "",
            "the existing dependency chain (in reverse order) is:",
            "",
            f"-> #1 ({b}){USAGE.get(held.kind, '')}:",
            f"       {self.kernel.symbolize(first_ip_b)}",
            "",
            f"-> #0 ({a}){USAGE.get(new.kind, '')}:",
            f"       {self.kernel.symbolize(new.ip)}",
            "",
            "other info that might help us debug this:",
            "",
            " Possible unsafe locking scenario:",
            "",
            "       CPU0                    CPU1",
            "       ----                    ----",
            f"  lock({b});",
            f"                               lock({a});",
            f"                               lock({b});",
            f"  lock({a});",
            "",
            " *** DEADLOCK ***",
            "",
            *self._held_lines(pid),
            "",
            "stack backtrace:",
            *self._trace(ctx, pid),
        ]
        self._emit(lines)

    def recursive_lines(self, ctx: CallContext, lock: int, kind: str) -> list[str]:
        pid = self._pid()
        held = next(h for h in self.held.get(pid, []) if h.lock == lock)
        return [
            "",
            "============================================",
            "WARNING: possible recursive locking detected",
            self._ident(),
            "--------------------------------------------",
            f"{self._who(pid)} is trying to acquire lock:",
            self._line(Held(lock, kind, ctx.caller)),
            "",
            "but task is already holding lock:",
            self._line(held),
            "",
            "other info that might help us debug this:",
            " Possible unsafe locking scenario:",
            "",
            "       CPU0",
            "       ----",
            f"  lock({self.lock_name(lock)});",
            f"  lock({self.lock_name(lock)});",
            "",
            " *** DEADLOCK ***",
            "",
            " May be due to missing lock nesting notation",
            "",
            *self._held_lines(pid),
            "",
            "stack backtrace:",
        ]

    def might_sleep(self, ctx: CallContext) -> bool:
        """__might_sleep(): report a sleep in atomic context; False when it cannot sleep."""
        sched = self.kernel.sched
        hardirq = getattr(self.kernel.part_in_use("irqs"), "hardirq_depth", 0)
        softirq = bool(sched.in_softirq or hardirq) or sched.current is None
        pid = self._pid()
        count = self.preempt_count(pid)
        rcu = self.rcu_depth(pid)
        if not softirq and not count and not rcu:
            return True
        if ctx.caller not in self.sleep_reports:
            self.sleep_reports.add(ctx.caller)
            task = sched.current if not softirq else None
            where = MIGHT_SLEEP_AT.get(ctx.name, "kernel/sched/core.c:9872")
            name = task.comm if task is not None else "swapper/0"
            lines = [
                f"BUG: sleeping function called from invalid context at {where}",
                f"in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: {pid}, name: {name}",
                f"preempt_count: {0x10000 if hardirq else 0x100 if softirq else count:x},"
                " expected: 0",
                f"RCU nest depth: {rcu}, expected: 0",
                *self._held_lines(pid),
                *self._trace(ctx, pid),
            ]
            self._emit(lines, 3)
            self.kernel.add_taint("W")
        return not softirq

    def _task_exit(self, task: Task) -> list[Report]:
        held = self.held.get(task.pid)
        if not held:
            return []
        lines = [
            "",
            "====================================",
            f"WARNING: {task.comm}/{task.pid} still has locks held!",
            self._ident(),
            "------------------------------------",
            *self._held_lines(task.pid),
        ]
        self.held.pop(task.pid, None)
        return [(4, line) for line in lines]

    def user_return(self, task: Task) -> list[Report]:
        """lockdep_sys_exit(): the command's task goes back to user space holding locks."""
        held = self.held.get(task.pid)
        if not held:
            return []
        lines = [
            "",
            "================================================",
            "WARNING: lock held when returning to user space!",
            self._ident(),
            "------------------------------------------------",
            f"{task.comm}/{task.pid} is leaving the kernel with locks still held!",
            *self._held_lines(task.pid),
        ]
        self.held.pop(task.pid, None)
        return [(4, line) for line in lines]

    # -- unload and state ----------------------------------------------------------------
    def module_going(self, module: Module) -> list[Report]:
        for pid in list(self.held):
            self.held[pid] = [h for h in self.held[pid] if not module.contains(h.lock)]
            if not self.held[pid]:
                del self.held[pid]
        self.deps = {k: v for k, v in self.deps.items() if not any(module.contains(x) for x in k)}
        return []

    def to_data(self) -> dict[str, Any]:
        return {
            "held": [[pid, [[h.lock, h.kind, h.ip] for h in hs]] for pid, hs in self.held.items()],
            "deps": [[a, b, ia, ib] for (a, b), (ia, ib) in self.deps.items()],
            "reported": sorted(list(p) for p in self.reported),
            "sleep_reports": sorted(self.sleep_reports),
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        if not data:
            return
        self.held = {pid: [Held(*h) for h in hs] for pid, hs in data["held"]}
        self.deps = {(a, b): (ia, ib) for a, b, ia, ib in data["deps"]}
        self.reported = {(a, b) for a, b in data["reported"]}
        self.sleep_reports = set(data["sleep_reports"])
