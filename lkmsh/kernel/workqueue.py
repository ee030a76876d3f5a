"""Deferred work: workqueues run by kworker tasks, and tasklets run as softirqs.

A workqueue here is its queue of work_struct addresses and one kworker task
(``kworker/0:N``, made when work is first queued); the kworker runs each
item's function as task code, so work may sleep and parks like a kthread.
``work->data`` bit 0 is WORK_STRUCT_PENDING while queued, as Linux.
Delayed work is a timer whose callback is ``delayed_work_timer_fn``.
Tasklets wait in one list and run in softirq context between tasks.

A module that goes with work queued or a tasklet scheduled, whose code is
the module's, gets debugobjects' report and the item is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.snapshot import an_int, ints, typed
from lkmsh.kernel.task import Kind, Run, Task
from lkmsh.kernel.timers import debugobjects_line

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module

WORK = cstruct(
    "struct work_struct", "linux/workqueue.h", 32, data=(0, 8), entry=(8, 16), func=(24, 8)
)
DWORK = cstruct(
    "struct delayed_work", "linux/workqueue.h", 88, work=(0, 32), timer=(32, 40), wq=(72, 8)
)
TASKLET = cstruct(
    "struct tasklet_struct",
    "linux/interrupt.h",
    40,
    state=(8, 8),
    count=(16, 4),
    use_callback=(20, 1),
    func=(24, 8),
    data=(32, 8),
)
PENDING = 1  # WORK_STRUCT_PENDING
TASKLET_SCHED, TASKLET_RUN = 1, 2
#: the system workqueues (kernel data symbols) and the names Linux gives them
SYSTEM_WQS = {
    "system_wq": "events",
    "system_highpri_wq": "events_highpri",
    "system_long_wq": "events_long",
    "system_unbound_wq": "events_unbound",
    "system_freezable_wq": "events_freezable",
    "system_power_efficient_wq": "events_power_efficient",
}


@dataclass
class Workqueue:
    """A workqueue (alloc_workqueue): its queued works, kworker and owner."""

    name: str
    flags: int = 0
    works: list[int] = field(default_factory=list)
    worker: int = 0  # pid of its kworker
    dying: bool = False
    module: str | None = None


class Workqueues(Component):
    name = "workqueues"

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.wqs: dict[int, Workqueue] = {}
        self.tasklets: list[int] = []
        self._kworkers = 0
        self._system: dict[str, int] = {}
        kernel.sched.set_worker_hooks(self._start, self._done)
        kernel.sched.on_softirq(self.run_tasklets, self.pending)

    # -- workqueues ---------------------------------------------------------------
    def system(self, name: str) -> int:
        """The address of a system workqueue (the kernel data symbol itself)."""
        addr = self._system.get(name)
        if addr is None:
            addr = self._system[name] = self.kernel.symbol_address(name) or 0
        return addr

    def lookup(self, wq: int) -> Workqueue | None:
        found = self.wqs.get(wq)
        if found is None:
            for sym, label in SYSTEM_WQS.items():
                if wq and wq == self.system(sym):
                    found = self.wqs[wq] = Workqueue(label)
        return found

    def create(self, addr: int, name: str, flags: int, module: str | None) -> None:
        self.wqs[addr] = Workqueue(name, flags, module=module)

    def queue(self, wq_addr: int, work: int) -> bool:
        """queue_work(): False when it is pending already."""
        mem = self.kernel.mem
        data = mem.read_u64(work + WORK.off("data"))
        if data & PENDING:
            return False
        wq = self.lookup(wq_addr)
        if wq is None or wq.dying:
            return False
        mem.write_u64(work + WORK.off("data"), data | PENDING)
        self.enqueue(wq_addr, work)
        return True

    def enqueue(self, wq_addr: int, work: int) -> None:
        """Put an item already marked pending on the queue and wake its kworker."""
        wq = self.lookup(wq_addr)
        if wq is None:
            return
        wq.works.append(work)
        sched = self.kernel.sched
        worker = sched.tasks.get(wq.worker)
        if worker is None:
            self._kworkers += 1
            worker = sched.create(f"kworker/0:{self._kworkers}", Kind.WORKER)
            worker.workqueue = wq_addr
            wq.worker = worker.pid
        if worker.run is not Run.RUNNABLE and not worker.work:
            sched.wake(worker)

    def unqueue(self, work: int) -> bool:
        """Take a pending item off its queue; whether it was queued."""
        for wq in self.wqs.values():
            if work in wq.works:
                wq.works.remove(work)
                self._clear_pending(work)
                return True
        return False

    def running(self, work: int) -> Task | None:
        for task in self.kernel.sched.tasks.values():
            if task.kind is Kind.WORKER and task.work == work:
                return task
        return None

    def busy(self, wq_addr: int) -> bool:
        wq = self.lookup(wq_addr)
        if wq is None:
            return False
        worker = self.kernel.sched.tasks.get(wq.worker)
        return bool(wq.works) or (worker is not None and bool(worker.work))

    def _clear_pending(self, work: int) -> None:
        mem = self.kernel.mem
        data = mem.read_u64(work + WORK.off("data"))
        mem.write_u64(work + WORK.off("data"), data & ~PENDING)

    def _start(self, task: Task) -> tuple[int, int]:
        wq = self.wqs.get(task.workqueue)
        if wq is None or not wq.works:
            return 0, 0
        work = wq.works.pop(0)
        self._clear_pending(work)  # as Linux: cleared before the function runs
        task.work = work
        func = self.kernel.mem.read_u64(work + WORK.off("func"))
        task.module = self._owner(func, work)
        return func, work

    def _owner(self, func: int, work: int) -> str | None:
        """The module a work item runs for: its function's, or, for a kernel-library
        function (the rhashtable's deferred worker), the module whose memory holds
        the work item, so what the worker allocates is that module's."""
        owner = self.kernel.module_containing(func) or self.kernel.module_containing(work)
        if owner is not None:
            return owner.name
        found = self.kernel.heap.find(work)
        if found is None or self.kernel.module_find(found.owner) is None:
            return None
        return found.owner

    def _done(self, task: Task) -> None:
        work, task.work = task.work, 0
        task.module = None
        sched = self.kernel.sched
        sched.wake_up(work)  # flush_work() and cancel_work_sync() wait on the item
        wq_addr = task.workqueue
        if not self.busy(wq_addr):
            sched.wake_up(wq_addr)  # flush_workqueue() and destroy_workqueue()
            wq = self.wqs.get(wq_addr)
            if wq is not None and wq.dying:
                self.destroy(wq_addr)

    def destroy(self, wq_addr: int) -> None:
        """Free a drained workqueue: its kworker goes, its struct is freed."""
        wq = self.wqs.pop(wq_addr, None)
        if wq is None:
            return
        sched = self.kernel.sched
        worker = sched.tasks.get(wq.worker)
        if worker is not None:
            worker.run = Run.DEAD
            sched.reap(worker)
        self.kernel.heap.free(wq_addr)

    # -- tasklets ----------------------------------------------------------------
    def schedule_tasklet(self, t: int) -> None:
        mem = self.kernel.mem
        state = mem.read_u64(t + TASKLET.off("state"))
        mem.write_u64(t + TASKLET.off("state"), state | TASKLET_SCHED)
        if t not in self.tasklets:
            self.tasklets.append(t)

    def pending(self) -> bool:
        return any(self._enabled(t) for t in self.tasklets)

    def _enabled(self, t: int) -> bool:
        return self.kernel.mem.read_u32(t + TASKLET.off("count")) == 0

    def run_tasklets(self) -> bool:
        """The tasklet softirq: run each enabled scheduled tasklet once."""
        ran = False
        for t in list(self.tasklets):
            if t not in self.tasklets or not self._enabled(t):
                continue  # tasklet_disable()d: it stays scheduled
            self.tasklets.remove(t)
            ran = True
            self.run_one(t)
        return ran

    def run_one(self, t: int) -> None:
        kernel = self.kernel
        mem = kernel.mem
        state = mem.read_u64(t + TASKLET.off("state"))
        mem.write_u64(t + TASKLET.off("state"), (state & ~TASKLET_SCHED) | TASKLET_RUN)
        func = mem.read_u64(t + TASKLET.off("func"))
        callback = mem.read_u8(t + TASKLET.off("use_callback"))
        arg = t if callback else mem.read_u64(t + TASKLET.off("data"))
        kernel.timers.run_softirq(func, arg)
        state = mem.read_u64(t + TASKLET.off("state"))
        mem.write_u64(t + TASKLET.off("state"), state & ~TASKLET_RUN)

    # -- unload ------------------------------------------------------------------
    def module_going(self, module: Module) -> list[Report]:
        out: list[Report] = []
        mem = self.kernel.mem
        for wq_addr, wq in list(self.wqs.items()):
            for work in list(wq.works):
                func = mem.read_u64(work + WORK.off("func"))
                if module.contains(work) or module.contains(func):
                    out.append(
                        debugobjects_line("free", "work_struct", self.kernel.symbolize(func))
                    )
                    wq.works.remove(work)
            if wq.module == module.name:
                if not wq.dying:
                    out.append((4, f"{module.name}: workqueue {wq.name} not destroyed"))
                self.destroy(wq_addr)
        for t in list(self.tasklets):
            func = mem.read_u64(t + TASKLET.off("func"))
            if module.contains(t) or module.contains(func):
                out.append(debugobjects_line("free", "tasklet_struct", self.kernel.symbolize(func)))
                self.tasklets.remove(t)
        return out

    def to_data(self) -> dict[str, Any]:
        return {
            "wqs": [
                [a, w.name, w.flags, w.works, w.worker, w.dying, w.module]
                for a, w in sorted(self.wqs.items())
            ],
            "tasklets": list(self.tasklets),
            "kworkers": self._kworkers,
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        if not data:
            return
        self.wqs = {}
        for a, name, flags, works, worker, dying, module in data["wqs"]:
            works = ints(works, "workqueue works")
            record = dict(
                name=name, flags=flags, works=works, worker=worker, dying=dying, module=module
            )
            self.wqs[an_int(a, "workqueue address")] = typed(Workqueue, record, "workqueue")
        self.tasklets = ints(data["tasklets"], "tasklets")
        self._kworkers = an_int(data["kworkers"], "kworker count")
