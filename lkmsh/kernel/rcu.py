"""RCU in virtual time: a grace period is one tick, callbacks run after it as a softirq.

On one CPU without preemption, every reader that was inside rcu_read_lock()
when a grace period began has left it once every task has passed through
the scheduler; lkmsh takes that to be one tick (4 ms) of virtual time.
``call_rcu`` callbacks and ``kfree_rcu`` frees wait in a list (saved in the
state file) for an "rcu" event; a module that goes with callbacks pending
has them run first, as ``rcu_barrier()`` in its exit should have done (frees
of its memory too: the xarray's nodes go this way).
"""

from __future__ import annotations

import contextlib
from collections import deque
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.kernel.clock import NSEC_PER_JIFFY
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.heap import KIND_KMALLOC

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module

GRACE_PERIOD_NS = NSEC_PER_JIFFY
BARRIER = 0x5C0  # what rcu_barrier() waits on (an address no object has)


class Rcu(Component):
    name = "rcu"

    def __init__(self, kernel: Any):
        self.kernel = kernel
        #: (due ns, rcu_head, callback or 0, pointer to kfree or 0), oldest first
        self.pending: deque[tuple[int, int, int, int]] = deque()
        kernel.sched.on_event("rcu", self._fire)

    def queue(self, head: int, func: int = 0, ptr: int = 0) -> None:
        now = self.kernel.clock.ns()
        pending = self.pending
        if ptr and pending and pending[0][0] <= now and self._no_reader():
            self._free_expired(now)
        due = now + GRACE_PERIOD_NS
        self.pending.append((due, head, func, ptr))
        self.kernel.sched.add_event(due, "rcu", head)

    def _no_reader(self) -> bool:
        """No task is inside rcu_read_lock() (lockdep holds the read-side levels)."""
        ld = getattr(self.kernel, "lockdep", None)
        if ld is None:
            return False
        return not any(h.kind == "rcu" for held in ld.held.values() for h in held)

    def _free_expired(self, now: int) -> None:
        """kvfree_rcu() frees whose grace period is over in virtual time, done now.

        On one CPU a grace period is over once no reader that was inside
        rcu_read_lock() when it began is still inside: code that frees in a long
        loop without scheduling (an XArray test's nodes) would otherwise keep
        every freed object alive up to the heap's cap. Callbacks still wait for
        their softirq, at the next scheduling point.
        """
        due = self._due(now)
        self.pending.extendleft(reversed([p for p in due if not p[3]]))
        for item in due:
            if item[3]:
                self._run(item)

    def _fire(self, _head: int, when: int) -> None:
        for item in self._due(self.kernel.clock.ns()):
            self._run(item)
        if not self.pending:
            self.kernel.sched.wake_up(BARRIER)

    def _due(self, now: int) -> list[tuple[int, int, int, int]]:
        """Take the callbacks whose grace period is over (the oldest, at the front)."""
        pending, due = self.pending, []
        while pending and pending[0][0] <= now:
            due.append(pending.popleft())
        return due

    def _run(self, item: tuple[int, int, int, int]) -> None:
        _due, head, func, ptr = item
        if ptr:
            heap = self.kernel.heap
            found = heap.lookup(ptr)  # kvfree(): a kmalloc or a vmalloc object
            with contextlib.suppress(KernelError):  # a bad pointer: nothing to free
                heap.free(ptr, kind=found.kind if found is not None else KIND_KMALLOC)
            return
        self.kernel.timers.run_softirq(func, head)

    def module_going(self, module: Module) -> list[Report]:
        mine, others = [], []
        for p in self.pending:
            (mine if self._of(module, p) else others).append(p)
        self.pending = deque(others)
        for item in mine:  # the grace period ends early: nothing reads the module now
            self._run(item)
        return []

    def _of(self, module: Module, item: tuple[int, int, int, int]) -> bool:
        """Its callback or head is in the module, or it frees the module's memory
        (an xarray node kvfree_call_rcu'd by the kernel library for it)."""
        if module.contains(item[2]) or module.contains(item[1]):
            return True
        obj = self.kernel.heap.lookup(item[3]) if item[3] else None
        return obj is not None and obj.owner == module.name

    def to_data(self) -> list[list[int]]:
        return [list(p) for p in self.pending]

    def load_data(self, data: list[list[int]] | None) -> None:
        pending = []
        for p in data or []:
            if not (isinstance(p, list) and len(p) == 4 and all(type(v) is int for v in p)):
                raise ValueError(f"bad rcu callback {p!r}")
            pending.append((p[0], p[1], p[2], p[3]))
        self.pending = deque(pending)
