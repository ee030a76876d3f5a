"""The scheduler: tasks on one CPU, cooperative and deterministic, in virtual time.

Module code runs in tasks (task.py). The command's own task (insmod, rmmod,
cat) runs its module calls from Python; kthreads and kworkers run from here,
each on its own stack. A blocking kernel function calls ``block``: a task
the scheduler started parks (its registers saved, the engine stopped) and
the scheduler picks another; the command's task waits nested, the scheduler
running the others inside the call until it is woken.

Time is virtual (clock.py): it moves only when every task waits, to the next
event (a sleep's end, a timer), by a small fixed tick per command, by a yield,
or when the user lets it pass (``Kernel.sleep``). The choice among runnable
tasks is the first in line, or a random one drawn from ``seed``: the same
seed gives the same interleaving, timestamps included.

Events (a task's timeout, a timer, a delayed work) are ``(when, seq, kind,
key)`` in one heap; a component that owns a kind registers a handler and
decides on firing whether the event still stands (del_timer leaves a stale
entry behind). Softirq work (tasklets) runs between tasks.
"""

from __future__ import annotations

import errno as E
import heapq
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError, ModuleFault
from lkmsh.kernel.clock import NSEC_PER_JIFFY, NSEC_PER_SEC
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.heap import KERNEL_OWNER, KIND_VMALLOC
from lkmsh.kernel.snapshot import an_int, ints
from lkmsh.kernel.stacktrace import KernelPath
from lkmsh.kernel.task import (
    MAX_PRIO,
    OFF_COMM,
    OFF_CPUS_PTR,
    OFF_EXIT_CODE,
    OFF_FLAGS,
    OFF_MM,
    OFF_PID,
    OFF_PRIO,
    OFF_SIGNAL,
    OFF_STACK,
    OFF_STATE,
    OFF_TGID,
    OFF_TI_FLAGS,
    PF_EXITING,
    PF_KTHREAD,
    TASK_COMM_LEN,
    TASK_DEAD,
    TASK_IDLE,
    TASK_INTERRUPTIBLE,
    TASK_RUNNING,
    TASK_STRUCT_SIZE,
    TASK_UNINTERRUPTIBLE,
    THREAD_SIZE,
    TIF_SIGPENDING,
    Kind,
    Park,
    Run,
    Task,
    TaskExit,
)
from lkmsh.kernel.tty import OFF_SIGNAL_KTHREAD, OFF_SIGNAL_USER

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module

#: Virtual time one command lets pass (one tick), so new threads get to run.
COMMAND_TICK_NS = NSEC_PER_JIFFY
#: Virtual time a yield (schedule() while running, cond_resched) costs.
YIELD_NS = 100_000
#: khungtaskd's default: /proc/sys/kernel/hung_task_timeout_secs
HUNG_TASK_TIMEOUT_S = 120
#: ... and its hung_task_warnings: only the first 10 reports are printed
HUNG_TASK_WARNINGS = 10
ERESTARTSYS = 512
#: the pid of the command's own task (insmod, rmmod, cat)
USER_PID = 1
FIRST_KTHREAD_PID = 2
#: kthreadd's pid, as Linux's (lkmsh has no kthreadd task: it stands in while forking)
KTHREADD_PID = 2

EventHandler = Callable[[int, int], None]  # (key, when)
#: the kernel code below a task's own, as its call traces show it
_KERNEL_PATHS = {Kind.KTHREAD: KernelPath.KTHREAD, Kind.WORKER: KernelPath.WORKER}
Softirq = Callable[[], bool]  # runs pending work; True when it ran some


class Deadlock(ModuleFault):
    """The command's task waits for something nothing will ever do (as if Ctrl-C ended it)."""

    errno = E.EINTR


class Scheduler(Component):
    name = "sched"

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.tasks: dict[int, Task] = {}
        self.current: Task | None = None
        self.seed: int | None = None
        self._next_pid = FIRST_KTHREAD_PID
        self._runqueue: list[int] = []
        self._events: list[tuple[int, int, str, int]] = []
        self._seq = 0
        self._handlers: dict[str, EventHandler] = {"wake": self._timeout}
        self._softirqs: list[tuple[Softirq, Callable[[], bool]]] = []
        #: atomic context depth (timer callbacks, tasklets: no task to put to sleep)
        self.in_softirq = 0
        #: context switches so far (saved: the seed's draws depend on it)
        self.switches = 0
        #: /proc/sys/kernel/hung_task_warnings: reports khungtaskd still prints
        self.hung_warnings = HUNG_TASK_WARNINGS
        self._foreground: list[Task] = []
        self._struct_due = False  # the foreground task still needs its task_struct
        self.idle_struct = 0  # swapper/0's task_struct, made for the first tracepoint
        #: kworker hooks (workqueue component): start(task) -> (func, arg), done(task)
        self._worker_start: Callable[[Task], tuple[int, int]] | None = None
        self._worker_done: Callable[[Task], None] | None = None
        self._exit_hooks: list[Callable[[Task], list[Report]]] = []
        #: wait_queue_head address -> [(pid, exclusive)], in the order they queued
        self.queues: dict[int, list[tuple[int, bool]]] = {}

    # -- registration by other components ---------------------------------------
    def on_event(self, kind: str, handler: EventHandler) -> None:
        self._handlers[kind] = handler

    def on_softirq(self, run: Softirq, pending: Callable[[], bool]) -> None:
        """@run does pending softirq work (True if it did some); @pending tells if any waits."""
        self._softirqs.append((run, pending))

    def add_event(self, when: int, kind: str, key: int) -> None:
        self._seq += 1
        heapq.heappush(self._events, (when, self._seq, kind, key))

    def set_seed(self, seed: int | None) -> None:
        """--sched-seed: None takes runnable tasks in order; a number, in its random order."""
        self.seed = seed

    # -- tasks -------------------------------------------------------------------
    @property
    def now(self) -> int:
        return self.kernel.clock.ns()

    def create(
        self, comm: str, kind: Kind, *, entry: int = 0, arg: int = 0, module: str | None = None
    ) -> Task:
        """A new kernel thread (NEW until woken), with a task_struct and a stack of its own."""
        heap = self.kernel.heap
        struct = heap.alloc(TASK_STRUCT_SIZE, KERNEL_OWNER, zero=True)
        stack = heap.alloc(THREAD_SIZE, KERNEL_OWNER, zero=True, kind=KIND_VMALLOC)
        if not struct or not stack:
            for addr in (struct, stack):
                if addr:
                    heap.free(addr, kind=KIND_VMALLOC if addr == stack else "kmalloc")
            raise KernelError("out of memory for a new task", E.ENOMEM)
        pid = self._next_pid
        self._next_pid += 1
        task = Task(pid, comm[: TASK_COMM_LEN - 1], kind, struct, stack, module, Run.NEW)
        task.entry, task.arg = entry, arg
        task.sleep = TASK_UNINTERRUPTIBLE
        self.tasks[pid] = task
        self._write_struct(task)
        self._publish(task)
        kprobes = self.kernel.part_in_use("kprobes")
        if kprobes is not None and kprobes.armed("kernel_clone"):
            with self._kthreadd():  # kthreadd forked it
                kprobes.kernel_function("kernel_clone", [0], lambda: pid)
        return task

    @contextmanager
    def _kthreadd(self) -> Iterator[None]:
        """kthreadd is current: it forks every kernel thread (a kernel thread: no mm)."""
        heap = self.kernel.heap
        task = Task(KTHREADD_PID, "kthreadd", Kind.KTHREAD, 0, run=Run.RUNNABLE)
        task.sleep = TASK_RUNNING
        task.on_stack = True
        task.struct_addr = heap.alloc(TASK_STRUCT_SIZE, KERNEL_OWNER, zero=True)
        if not task.struct_addr:
            raise KernelError("out of memory for kthreadd's task_struct", E.ENOMEM)
        self._write_struct(task)
        saved, self.current = self.current, task
        try:
            yield
        finally:
            self.current = saved
            heap.free(task.struct_addr)

    def _publish(self, task: Task) -> None:
        """/proc/PID/stack in the file tree, as long as the task lives."""
        from lkmsh.kernel.vfs import TextFile

        vfs = getattr(self.kernel, "vfs", None)
        if vfs is not None:
            pid = task.pid
            vfs.add(f"/proc/{pid}/stack", TextFile(lambda k: k.task_stack(pid).encode()), 0o400)

    def _write_struct(self, task: Task) -> None:
        mem = self.kernel.mem
        a = task.struct_addr
        flags = PF_KTHREAD if task.kind is not Kind.USER else 0
        if task.run is Run.DEAD:
            flags |= PF_EXITING
        mem.write_u32(a + OFF_STATE, TASK_DEAD if task.run is Run.DEAD else task.sleep)
        mem.write_u32(a + OFF_FLAGS, flags)
        mem.write_u64(a + OFF_STACK, task.stack)
        mem.write_u32(a + OFF_PRIO, MAX_PRIO)
        mem.write_u32(a + OFF_PID, task.pid)
        mem.write_u32(a + OFF_TGID, task.pid)
        mem.write_u32(a + OFF_EXIT_CODE, (task.exit_code or 0) & 0xFFFFFFFF)
        mem.write(a + OFF_COMM, task.comm.encode()[: TASK_COMM_LEN - 1].ljust(TASK_COMM_LEN, b"\0"))
        mem.write_u64(a + OFF_MM, task.mm)
        mem.write_u64(a + OFF_CPUS_PTR, self.kernel.symbol_address("__cpu_possible_mask") or 0)
        console = self.kernel.symbol_address("__lkmsh_console")
        if console:  # a command's task has the shell's terminal as its tty; kthreads none
            user = task.kind is Kind.USER
            mem.write_u64(
                a + OFF_SIGNAL, console + (OFF_SIGNAL_USER if user else OFF_SIGNAL_KTHREAD)
            )

    def state_word(self, task: Task) -> int:
        """current->__state as module code left it (set_current_state writes memory)."""
        return self.kernel.mem.read_u32(task.struct_addr + OFF_STATE)

    def set_state_word(self, task: Task, state: int) -> None:
        self.kernel.mem.write_u32(task.struct_addr + OFF_STATE, state)

    def by_struct(self, addr: int) -> Task | None:
        for task in self.tasks.values():
            if task.struct_addr == addr:
                return task
        cur = self.current
        return cur if cur is not None and cur.struct_addr == addr else None

    def all_tasks(self) -> list[Task]:
        """Every live task, the command's own first when there is one, then by pid.

        A kthread that has exited is not listed: kthreadd ignores SIGCHLD, so
        Linux reaps its children at once and ps never shows them as zombies.
        Its task_struct stays until kthread_stop() (or its module's unload),
        as if the creator held a reference.
        """
        out = sorted((t for t in self.tasks.values() if t.run is not Run.DEAD), key=lambda t: t.pid)
        cur = self._user
        return [cur, *out] if cur is not None else out

    @property
    def _user(self) -> Task | None:
        return self._foreground[0] if self._foreground else None

    @contextmanager
    def foreground(self, comm: str) -> Iterator[Task]:
        """Run a command's module calls as task @comm (nested calls reuse the running one)."""
        if self.current is not None:
            yield self.current
            return
        task = Task(USER_PID, comm, Kind.USER, 0, run=Run.RUNNABLE)
        task.sleep = TASK_RUNNING
        task.on_stack = True
        self._foreground = [task]
        self.current = task
        self._struct_due = True  # allocated when module code first runs (give_struct)
        try:
            yield task
        finally:
            self.current = None
            self._foreground = []
            self._struct_due = False
            for wq in list(self.queues):
                self.queue_remove(wq, task)
            if task.mm:  # the process exits: exit_mm()
                self.kernel.mm.put(task.mm)
            if task.struct_addr:
                self.kernel.heap.free(task.struct_addr)

    def give_struct(self) -> None:
        """The command's task gets its task_struct before module code first runs: a
        command that runs none (``cat /proc/modules``) never touches the heap."""
        if not self._struct_due:
            return
        self._struct_due = False
        task = self._foreground[0]
        task.struct_addr = self.kernel.heap.alloc(TASK_STRUCT_SIZE, KERNEL_OWNER, zero=True)
        if task.struct_addr:
            task.mm = self.kernel.mm.new()
            self._write_struct(task)

    # -- the scheduler's tracepoints ----------------------------------------------
    @property
    def _traced(self) -> bool:
        tps = getattr(self.kernel, "tracepoints", None)
        return tps is not None and bool(tps.probes) and bool(tps.kernel_tps)

    def _struct_of(self, task: Task | None) -> int:
        """A task_struct for a tracepoint's argument: the idle task's when @task is None."""
        if task is None:
            if not self.idle_struct:
                heap = self.kernel.heap
                self.idle_struct = heap.alloc(TASK_STRUCT_SIZE, KERNEL_OWNER, zero=True)
                if self.idle_struct:
                    idle = Task(0, "swapper/0", Kind.KTHREAD, self.idle_struct, run=Run.RUNNABLE)
                    idle.sleep = TASK_RUNNING
                    self._write_struct(idle)
            return self.idle_struct
        if not task.struct_addr and task.kind is Kind.USER:
            self.give_struct()
        return task.struct_addr

    def _trace_switch(self, prev: Task | None, next_: Task | None) -> None:
        """sched_switch, from __schedule() (interrupts off, the run queue locked)."""
        tps = self.kernel.tracepoints
        if not tps.has_probes("sched_switch"):
            return
        state = 0
        if prev is not None and prev.run is Run.DEAD:
            state = TASK_DEAD
        elif prev is not None and prev.run is Run.BLOCKED:
            state = prev.sleep
        args = [0, self._struct_of(prev), self._struct_of(next_), state]
        tps.fire("sched_switch", args, context=(0x01, 2))

    def _trace_wake(self, task: Task, new: bool) -> None:
        """try_to_wake_up()'s sched_waking and sched_wakeup; wake_up_new_task()'s."""
        tps = self.kernel.tracepoints
        p = [self._struct_of(task)]
        for name in ("sched_wakeup_new",) if new else ("sched_waking", "sched_wakeup"):
            if tps.has_probes(name):
                tps.fire(name, p, context=(0x01, 2))

    # -- waking ------------------------------------------------------------------
    def wake(self, task: Task, result: int | None = None, *, timer: bool = False) -> bool:
        """Make a blocked (or new) task runnable; @result is what its blocking call returns."""
        if task.run is Run.RUNNABLE:
            # between prepare_to_wait() and schedule(): schedule() will not sleep
            if task.struct_addr and self.state_word(task) != TASK_RUNNING:
                self.set_state_word(task, TASK_RUNNING)
            return False
        if task.run is Run.DEAD:
            return False
        if task.timer_only and not timer:
            return False
        if result is None:
            result = task.wake_result
            if task.wake_at is not None:  # schedule_timeout: the jiffies left, at least 1
                left = task.wake_at - self.now
                result = max(1, -(-left // NSEC_PER_JIFFY))
        task.result = result
        new = task.run is Run.NEW
        task.run = Run.RUNNABLE
        task.sleep = TASK_RUNNING
        task.wake_at = None
        task.timer_only = False
        task.hung_reported = False
        task.waits_on = 0
        task.wchan = ""
        if task.struct_addr:
            self.set_state_word(task, TASK_RUNNING)
        if not task.on_stack and task.pid not in self._runqueue:
            self._runqueue.append(task.pid)
        if self._traced:
            self._trace_wake(task, new)
        return True

    def waiters(self, obj: int) -> list[Task]:
        """Tasks blocked on @obj, in the order they began to wait."""
        ts = [t for t in self.tasks.values() if t.run is Run.BLOCKED and t.waits_on == obj]
        user = self._user
        if user is not None and user.run is Run.BLOCKED and user.waits_on == obj:
            ts.append(user)
        return sorted(ts, key=lambda t: (t.blocked_since, t.pid))

    def wake_up(self, obj: int, nr: int = 0, result: int | None = None) -> int:
        """Wake the tasks waiting on @obj (@nr of them, 0: all); how many woke."""
        n = 0
        for t in self.waiters(obj):
            if self.wake(t, result):
                n += 1
                if nr and n >= nr:
                    break
        return n

    # -- wait queues (the kernel's list of who waits on which wait_queue_head) ------
    def task(self, pid: int) -> Task | None:
        user = self._user
        if user is not None and pid == user.pid:
            return user
        return self.tasks.get(pid)

    def queue_add(self, wq: int, task: Task, exclusive: bool = False) -> None:
        entries = self.queues.setdefault(wq, [])
        if not any(pid == task.pid for pid, _ in entries):
            entries.append((task.pid, exclusive))

    def queue_remove(self, wq: int, task: Task) -> None:
        entries = [e for e in self.queues.get(wq, []) if e[0] != task.pid]
        if entries:
            self.queues[wq] = entries
        else:
            self.queues.pop(wq, None)

    def queue_wake(self, wq: int, mode: int, nr: int, result: int | None = None) -> int:
        """__wake_up(): every non-exclusive waiter and @nr exclusive ones (0: all)."""
        woken = exclusive = 0
        for pid, excl in list(self.queues.get(wq, [])):
            task = self.task(pid)
            if task is None:
                continue
            if task.run is Run.BLOCKED and not task.sleep & mode:
                continue  # wake_up_interruptible leaves TASK_UNINTERRUPTIBLE sleepers
            self.queue_remove(wq, task)  # autoremove_wake_function
            self.wake(task, result)
            woken += 1
            if excl:
                exclusive += 1
                if nr and exclusive >= nr:
                    break
        return woken

    def _timeout(self, pid: int, when: int) -> None:
        task = self.tasks.get(pid)
        if pid == USER_PID and self._user is not None:
            task = self._user
        if task is not None and task.run is Run.BLOCKED and task.wake_at == when:
            self.wake(task, task.timeout_result, timer=True)

    # -- blocking ----------------------------------------------------------------
    def block(
        self,
        wchan: str,
        *,
        state: int = TASK_UNINTERRUPTIBLE,
        obj: int = 0,
        timeout_ns: int | None = None,
        timeout_result: int = 0,
        timer_only: bool = False,
        caller: int = 0,
        result: int = 0,
        nested: bool = False,
    ) -> int:
        """Put the current task to sleep in @wchan until woken; what the call returns.

        A parked task never comes back here: it resumes at the call's return
        with ``result`` in its return register. @nested: the kernel function has
        work left after the wait, so even a kthread waits nested (KUnit's try-catch).
        """
        task = self.current
        if task is None or self.in_softirq:
            return 0  # no task to put to sleep: the caller reported it
        task.run = Run.BLOCKED
        task.sleep = state
        task.wchan = wchan
        task.waits_on = obj
        task.caller = caller
        task.timer_only = timer_only
        task.timeout_result = timeout_result
        task.wake_result = result
        task.blocked_since = self.now
        task.hung_reported = False
        task.wake_at = None
        if timeout_ns is not None:
            task.wake_at = self.now + max(0, timeout_ns)
            self.add_event(task.wake_at, "wake", task.pid)
        if task.struct_addr:
            self.set_state_word(task, state)
        if task.pid in self._runqueue:
            self._runqueue.remove(task.pid)
        return self._wait(task, nested)

    def yield_cpu(self, caller: int = 0) -> None:
        """schedule() while TASK_RUNNING, cond_resched(), yield(): let the others run."""
        task = self.current
        if task is None or self.in_softirq:
            return
        self.kernel.clock.advance(YIELD_NS)
        self._fire_due()
        if not self._runqueue and not self._softirq_pending():
            # Nobody else to run, but a schedule point all the same: on Linux the
            # watchdog's per-CPU stopper thread, woken by its sample timer, runs here
            # and restarts the soft-lockup count (softlockup_fn). Not with a spinlock
            # held: cond_resched() in atomic context does not schedule.
            if not self._atomic(task):
                self.kernel.touch_softlockup_watchdog()
            return
        task.caller = caller
        if self._parkable(task):
            if task.pid not in self._runqueue:
                self._runqueue.append(task.pid)
            task.result = 0
            raise Park()
        self.kernel.touch_softlockup_watchdog()
        self._run_others_once()

    def _atomic(self, task: Task) -> bool:
        """@task holds a spinlock (or is in an RCU read side): it cannot schedule."""
        lockdep = getattr(self.kernel, "lockdep", None)
        if lockdep is None:
            return False
        return bool(lockdep.preempt_count(task.pid) or lockdep.rcu_depth(task.pid))

    def exit_current(self, code: int) -> None:
        """do_exit() from a kernel function: the kthread ends here, at any call depth."""
        task = self.current
        if task is None or task.kind is Kind.USER:
            raise KernelError("do_exit outside a kernel thread", E.EINVAL)
        if self._parkable(task):
            raise Park(exit_code=code)
        raise TaskExit(code)

    def _parkable(self, task: Task) -> bool:
        return task.kind is not Kind.USER and task.run_depth == self.kernel.cpu.depth

    def _wait(self, task: Task, nested: bool = False) -> int:
        if not nested and self._parkable(task):
            raise Park()
        self.kernel.touch_softlockup_watchdog()  # the CPU schedules: not a lockup
        if not self.run_until(lambda: task.run is Run.RUNNABLE):
            self._stuck(task)
        task.run = Run.RUNNABLE
        return task.result

    def _stuck(self, task: Task) -> None:
        """Nothing can ever wake @task: report it as khungtaskd would, then end the wait."""
        self.kernel.clock.advance(HUNG_TASK_TIMEOUT_S * NSEC_PER_SEC)
        self._check_hung()
        if task.sleep & TASK_INTERRUPTIBLE:  # the user's Ctrl-C: a signal ends the wait
            self.signal(task)
            return
        wchan = task.wchan or "schedule"
        self.wake(task)
        raise Deadlock(f"task {task.comm}:{task.pid} blocked in {wchan} and nothing can wake it")

    # -- running -----------------------------------------------------------------
    def run_until(self, done: Callable[[], bool], deadline: int | None = None) -> bool:
        """Run tasks, softirqs and events until done(), or the clock reaches @deadline.

        Without a deadline, returns False when nothing is left that could
        make done() true (every task waits and no event is pending).
        """
        while not done():
            if self._run_softirqs():
                continue
            task = self._pick()
            if task is not None:
                self._switch_to(task)
                continue
            nxt = self._next_event()
            if nxt is None or (deadline is not None and nxt > deadline):
                if deadline is not None and deadline > self.now:
                    self._advance_to(deadline)
                return done()
            self._advance_to(nxt)
            self._fire_due()
        return True

    def run_for(self, ns: int) -> None:
        """Let @ns of virtual time pass, running whatever becomes due (``sleep``)."""
        self.run_until(lambda: False, self.now + max(0, ns))

    def settle(self) -> None:
        """End of a command: one tick passes, so threads just woken get to run."""
        if self.tasks or self._events or self._softirq_pending():
            self.run_for(COMMAND_TICK_NS)
        else:
            self.kernel.clock.advance(COMMAND_TICK_NS)

    def _run_others_once(self) -> None:
        self._run_softirqs()
        for _ in range(len(self._runqueue)):
            task = self._pick()
            if task is None:
                break
            self._switch_to(task)

    def _advance_to(self, when: int) -> None:
        """Move the clock to @when; a task reaching the hung-task timeout on the way is
        reported at that moment (khungtaskd samples while the clock runs)."""
        while (due := self._hung_due(when)) is not None:
            self.kernel.clock.advance(due - self.now)
            self._check_hung()
        if when > self.now:
            self.kernel.clock.advance(when - self.now)
        self._check_hung()

    def _next_event(self) -> int | None:
        return self._events[0][0] if self._events else None

    def _fire_due(self) -> None:
        now = self.now
        while self._events and self._events[0][0] <= now:
            when, _seq, kind, key = heapq.heappop(self._events)
            handler = self._handlers.get(kind)
            if handler is not None:
                handler(key, when)

    def _softirq_pending(self) -> bool:
        return any(pending() for _run, pending in self._softirqs)

    def _run_softirqs(self) -> bool:
        ran = False
        for run, _pending in self._softirqs:
            ran = run() or ran
        return ran

    def _pick(self) -> Task | None:
        queue = [
            p
            for p in self._runqueue
            if p in self.tasks and not self.tasks[p].on_stack and self.tasks[p].run is Run.RUNNABLE
        ]
        self._runqueue = queue
        if not queue:
            return None
        i = 0
        if self.seed is not None and len(queue) > 1:  # one draw per switch, from the seed
            i = random.Random(self.seed * 1_000_003 + self.switches).randrange(len(queue))
        return self.tasks[queue.pop(i)]

    def _switch_to(self, task: Task) -> None:
        """Run @task until it parks, exits or faults."""
        kernel = self.kernel
        if task.kind is Kind.WORKER and task.regs is None and not self._next_work(task):
            return  # nothing queued: the kworker goes idle
        prev = self.current
        kernel.heap.settle()  # the fast path's allocations so far were @prev's
        if self._traced:
            self._trace_switch(prev, task)
        self.current = task
        self.switches += 1
        task.on_stack = True
        task.run_depth = kernel.cpu.depth + 1
        program = task.program
        path = program.path if program is not None else _KERNEL_PATHS.get(task.kind)
        try:
            with kernel.running_for(task.module):
                if task.regs is not None:
                    kernel.cpu.set_result(task.regs, task.result)
                    outcome = kernel.run_task_code(task.stack, path=path, regs=task.regs)
                elif task.should_stop and task.kind is Kind.KTHREAD:
                    outcome = Park(exit_code=-E.EINTR)  # stopped before it ever ran
                else:
                    outcome = kernel.run_task_code(
                        task.stack, path=path, entry=task.entry, args=[task.arg]
                    )
                while program is not None and not isinstance(outcome, Park):
                    step = program.returned(task, outcome)  # the kernel's code between calls
                    if step is None:
                        outcome = Park(exit_code=0)
                        break
                    task.entry, task.arg = step
                    outcome = kernel.run_task_code(
                        task.stack, path=path, entry=step[0], args=[step[1]]
                    )
        except ModuleFault:
            outcome = None  # the Oops is in dmesg; Linux kills the task
        except TaskExit as exc:
            outcome = Park(exit_code=exc.exit_code)  # do_exit() below the task's own code
        finally:
            task.on_stack = False
            kernel.heap.settle()
            if self._traced:
                self._trace_switch(task, prev)
            self.current = prev
        if outcome is None:
            self._exited(task, -E.EFAULT)
        elif isinstance(outcome, Park):
            if outcome.exit_code is not None:
                self._exited(task, outcome.exit_code)
            else:
                task.regs = outcome.regs
                if task.run is Run.RUNNABLE and task.pid not in self._runqueue:
                    self._runqueue.append(task.pid)
        else:
            self._returned(task, outcome)

    def _next_work(self, task: Task) -> bool:
        """A kworker between items: take the next one (entry/arg), or go idle."""
        entry, arg = self._worker_start(task) if self._worker_start else (0, 0)
        if entry:
            task.entry, task.arg = entry, arg
            return True
        task.run = Run.BLOCKED
        task.sleep = TASK_IDLE
        task.wchan = "worker_thread"
        task.blocked_since = self.now
        return False

    def set_worker_hooks(
        self, start: Callable[[Task], tuple[int, int]], done: Callable[[Task], None]
    ) -> None:
        self._worker_start = start
        self._worker_done = done

    def _returned(self, task: Task, value: int) -> None:
        if task.kind is Kind.WORKER:
            task.regs = None
            if self._worker_done is not None:
                self._worker_done(task)
            if task.run is not Run.DEAD:
                task.run = Run.RUNNABLE  # look for more work
                if task.pid not in self._runqueue:
                    self._runqueue.append(task.pid)
            return
        self._exited(task, _to_int(value))

    def _exited(self, task: Task, code: int) -> None:
        for report in self._exit_hooks:
            for level, line in report(task):
                self.kernel.log.emit(level, line)
        task.run = Run.DEAD
        task.exit_code = code
        task.regs = None
        task.wchan = ""
        self._write_struct(task)
        if task.pid in self._runqueue:
            self._runqueue.remove(task.pid)
        vfs = getattr(self.kernel, "vfs", None)
        if vfs is not None:
            vfs.remove(f"/proc/{task.pid}")  # reaped at once: see all_tasks
        # kthread_stop() waits on the task itself and gets the exit code; it reaps it
        if self.wake_up(task.struct_addr, result=code & 0xFFFFFFFFFFFFFFFF):
            self.reap(task)

    def on_exit(self, hook: Callable[[Task], list[Report]]) -> None:
        self._exit_hooks = [*self._exit_hooks, hook]

    def reap(self, task: Task) -> None:
        """Free a dead task's task_struct and stack (after kthread_stop read its code)."""
        self.tasks.pop(task.pid, None)
        vfs = getattr(self.kernel, "vfs", None)
        if vfs is not None:
            vfs.remove(f"/proc/{task.pid}")
        heap = self.kernel.heap
        if task.stack:
            heap.free(task.stack, kind=KIND_VMALLOC)
        if task.struct_addr:
            heap.free(task.struct_addr)

    def kill(self, task: Task) -> None:
        """End a task that would never end by itself (a KUnit case's kthread past its
        timeout, which Linux 6.1's kthread_stop() would wait for forever), and free it."""
        for wq in list(self.queues):
            self.queue_remove(wq, task)
        task.run = Run.DEAD
        self.reap(task)

    def signal(self, task: Task) -> None:
        """Make a signal pending (signal_pending() true) and wake an interruptible sleep."""
        mem = self.kernel.mem
        if task.struct_addr:
            flags = mem.read_u64(task.struct_addr + OFF_TI_FLAGS)
            mem.write_u64(task.struct_addr + OFF_TI_FLAGS, flags | 1 << TIF_SIGPENDING)
        if task.run is Run.BLOCKED and task.sleep & TASK_INTERRUPTIBLE:
            self.wake(task, -ERESTARTSYS)

    # -- watchdogs ---------------------------------------------------------------
    @staticmethod
    def _may_hang(task: Task) -> bool:
        return (
            task.run is Run.BLOCKED
            and bool(task.sleep & TASK_UNINTERRUPTIBLE)
            and not task.sleep & 0x0400  # TASK_NOLOAD (TASK_IDLE) is never hung
            and not task.hung_reported
        )

    def _hung_due(self, before: int) -> int | None:
        """The first moment before @before that a task reaches the hung-task timeout."""
        limit = HUNG_TASK_TIMEOUT_S * NSEC_PER_SEC
        now = self.now
        dues = [t.blocked_since + limit for t in self.all_tasks() if self._may_hang(t)]
        dues = [d for d in dues if now < d < before]
        return min(dues) if dues else None

    def _check_hung(self) -> None:
        """khungtaskd: a task in D state for more than the timeout is reported once."""
        limit = HUNG_TASK_TIMEOUT_S * NSEC_PER_SEC
        for task in self.all_tasks():
            if self._may_hang(task) and self.now - task.blocked_since >= limit:
                task.hung_reported = True
                if not self.hung_warnings:
                    continue
                self.hung_warnings -= 1
                for line in self.hung_lines(task):
                    self.kernel.log.emit(3, line)

    def hung_lines(self, task: Task) -> list[str]:
        from lkmsh.kernel.release import KERNEL_RELEASE

        secs = (self.now - task.blocked_since) // NSEC_PER_SEC
        taints = self.kernel.tainted_field()
        return [
            f"INFO: task {task.comm}:{task.pid} blocked for more than {secs} seconds.",
            f"      {taints} {KERNEL_RELEASE} #1",
            '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.',
            f"task:{task.comm:<15} state:{task.state_letter} stack:0     pid:{task.pid:<5}"
            f" ppid:{0 if task.kind is Kind.USER else 2:<6} flags:"
            f"{0 if task.kind is Kind.USER else 0x4000:#010x}",
            *self.stack_lines(task, "Call Trace:"),
        ]

    def stack_lines(self, task: Task, head: str | None = None) -> list[str]:
        """The task's kernel stack as /proc/PID/stack and hung-task reports show it."""
        kernel = self.kernel
        lines = [head] if head else []
        if task.run is Run.BLOCKED or task.run is Run.NEW:
            frames = ["__schedule", "schedule"]
            if task.wchan and task.wchan not in frames:
                frames.append(task.wchan)
            lines += [f" {f}+0x0/0x10" for f in frames]
            if task.caller:
                lines.append(f" {kernel.symbolize(task.caller)}")
            if task.program is not None:  # the kernel code it runs module code for
                from lkmsh.kernel.stacktrace import kernel_frames

                lines += kernel_frames(kernel.arch.name, task.program.path)
            elif task.kind is Kind.KTHREAD:
                lines += [" kthread+0x0/0x10", " ret_from_fork+0x0/0x10"]
            elif task.kind is Kind.WORKER:
                lines += [" worker_thread+0x0/0x10", " kthread+0x0/0x10"]
        return lines

    # -- unload --------------------------------------------------------------------
    def module_going(self, module: Module) -> list[Report]:
        """Kill the threads still running a going module's code, and say so."""
        out: list[Report] = []
        for task in sorted(self.tasks.values(), key=lambda t: t.pid):
            if task.kind is Kind.WORKER:
                continue
            pc = self.kernel.cpu.saved_pc(task.regs) if task.regs else 0
            if task.module != module.name and not module.contains(pc or task.entry):
                continue
            if task.run is not Run.DEAD:
                out.append(
                    (
                        4,
                        f"{module.name}: kthread {task.comm}:{task.pid} still running at"
                        " module unload; killed",
                    )
                )
            self.reap(task)
        return out

    # -- state -----------------------------------------------------------------------
    def to_data(self) -> dict[str, Any]:
        return {
            "next_pid": self._next_pid,
            "tasks": [t.to_data() for t in sorted(self.tasks.values(), key=lambda t: t.pid)],
            "runqueue": list(self._runqueue),
            "events": [list(e) for e in sorted(self._events)],
            "seq": self._seq,
            "seed": self.seed,
            "switches": self.switches,
            "hung_warnings": self.hung_warnings,
            "idle_struct": self.idle_struct,
            "queues": [[wq, [list(e) for e in entries]] for wq, entries in self.queues.items()],
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        if not data:
            return
        self._next_pid = an_int(data["next_pid"], "next pid")
        self.tasks = {d["pid"]: Task.from_data(d) for d in data["tasks"]}
        for task in self.tasks.values():
            self._publish(task)
        self._runqueue = ints(data["runqueue"], "run queue")
        self._events = []
        for when, seq, kind, key in data["events"]:  # (when, seq, kind, key), a heap
            ints([when, seq, key], "timer event")
            if not isinstance(kind, str):
                raise ValueError("bad timer event")
            self._events.append((when, seq, kind, key))
        heapq.heapify(self._events)
        (self._seq, self.switches, self.hung_warnings) = ints(
            [data["seq"], data.get("switches", 0), data.get("hung_warnings", HUNG_TASK_WARNINGS)],
            "scheduler counters",
        )
        self.queues = {wq: [(p, bool(x)) for p, x in es] for wq, es in data.get("queues", [])}
        self.idle_struct = int(data.get("idle_struct", 0))
        if self.seed is None:
            self.seed = data.get("seed")


def _to_int(value: int) -> int:
    v = value & 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v
