"""Timers: timer_list (jiffies) and hrtimer (nanoseconds), fired by the scheduler.

An armed timer is an entry here (its address -> when it fires) and an event
on the scheduler's queue; re-arming or deleting only changes the entry, and
an event that no longer matches it is ignored. Callbacks run in softirq
context (``Scheduler.in_softirq``): no task to put to sleep. A module that
goes with a timer still armed gets debugobjects' report and the timer is
cancelled, so freed code never runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lkmsh.errors import ModuleFault
from lkmsh.kernel.clock import INITIAL_JIFFIES, NSEC_PER_JIFFY
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module

MASK64 = (1 << 64) - 1
TIMER = cstruct(
    "struct timer_list",
    "linux/timer.h",
    40,
    entry__pprev=(8, 8),
    expires=(16, 8),
    function=(24, 8),
    flags=(32, 4),
)
HRTIMER = cstruct(
    "struct hrtimer",
    "linux/hrtimer.h",
    64,
    node__expires=(24, 8),
    _softexpires=(32, 8),
    function=(40, 8),
    state=(56, 1),
    is_rel=(57, 1),
)
HRTIMER_RESTART = 1


def jiffies_to_ns(j: int) -> int:
    """The clock time at which jiffies reaches @j (jiffies counts from INITIAL_JIFFIES)."""
    delta = (j - INITIAL_JIFFIES) & MASK64
    if delta >= 1 << 63:
        delta -= 1 << 64
    return delta * NSEC_PER_JIFFY


class Timers(Component):
    name = "timers"

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.armed: dict[int, int] = {}  # timer_list -> ns
        self.hr: dict[int, int] = {}  # hrtimer -> ns
        self.expiries = 0
        kernel.sched.on_event("timer", self._fire_timer)
        kernel.sched.on_event("hrtimer", self._fire_hrtimer)

    # -- timer_list ----------------------------------------------------------------
    def arm(self, timer: int, expires: int) -> bool:
        """mod_timer(): (re)arm at jiffies @expires; whether it was pending."""
        mem = self.kernel.mem
        was = timer in self.armed
        mem.write_u64(timer + TIMER.off("expires"), expires & MASK64)
        mem.write_u64(timer + TIMER.off("entry__pprev"), timer)  # hashed: timer_pending()
        when = max(jiffies_to_ns(expires), self.kernel.clock.ns())
        self.armed[timer] = when
        self.kernel.sched.add_event(when, "timer", timer)
        return was

    def disarm(self, timer: int) -> bool:
        """del_timer(): whether it was pending."""
        was = self.armed.pop(timer, None) is not None
        self.kernel.mem.write_u64(timer + TIMER.off("entry__pprev"), 0)
        return was

    def _fire_timer(self, timer: int, when: int) -> None:
        if self.armed.get(timer) != when:
            return  # re-armed or deleted since
        self.disarm(timer)
        func = self.kernel.mem.read_u64(timer + TIMER.off("function"))
        self.expiries += 1
        self.run_softirq(func, timer)

    # -- hrtimer ---------------------------------------------------------------------
    def hr_arm(self, timer: int, when_ns: int) -> None:
        mem = self.kernel.mem
        mem.write_u64(timer + HRTIMER.off("node__expires"), when_ns & MASK64)
        mem.write_u64(timer + HRTIMER.off("_softexpires"), when_ns & MASK64)
        mem.write_u8(timer + HRTIMER.off("state"), 1)
        when = max(when_ns, self.kernel.clock.ns())
        self.hr[timer] = when
        self.kernel.sched.add_event(when, "hrtimer", timer)

    def hr_disarm(self, timer: int) -> bool:
        was = self.hr.pop(timer, None) is not None
        self.kernel.mem.write_u8(timer + HRTIMER.off("state"), 0)
        return was

    def _fire_hrtimer(self, timer: int, when: int) -> None:
        if self.hr.get(timer) != when:
            return
        self.hr_disarm(timer)
        mem = self.kernel.mem
        func = mem.read_u64(timer + HRTIMER.off("function"))
        self.expiries += 1
        ret = self.run_softirq(func, timer)
        if ret is not None and ret & 0xFFFFFFFF == HRTIMER_RESTART and timer not in self.hr:
            self.hr_arm(timer, mem.read_u64(timer + HRTIMER.off("node__expires")))

    # -- running callbacks -----------------------------------------------------------
    def run_softirq(self, func: int, arg: int) -> int | None:
        """Call module code @func(@arg) in softirq context; None if it faulted (an Oops)."""
        kernel = self.kernel
        sched = kernel.sched
        sched.in_softirq += 1
        try:
            with kernel.running(kernel.module_containing(func)):
                return kernel.call(func, [arg])
        except ModuleFault:
            return None
        finally:
            sched.in_softirq -= 1

    # -- unload ------------------------------------------------------------------------
    def module_going(self, module: Module) -> list[Report]:
        out: list[Report] = []
        mem = self.kernel.mem
        for table, kind, fn_off, cancel in (
            (self.armed, "timer_list", TIMER.off("function"), self.disarm),
            (self.hr, "hrtimer", HRTIMER.off("function"), self.hr_disarm),
        ):
            for timer in sorted(table):
                func = mem.read_u64(timer + fn_off)
                if module.contains(timer) or module.contains(func):
                    hint = self.kernel.symbolize(func)
                    out.append(debugobjects_line("free", kind, hint))
                    cancel(timer)
        return out

    def to_data(self) -> dict[str, Any]:
        return {
            "armed": sorted(self.armed.items()),
            "hr": sorted(self.hr.items()),
            "expiries": self.expiries,
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        if data:
            self.armed = {a: w for a, w in data["armed"]}
            self.hr = {a: w for a, w in data["hr"]}
            self.expiries = data.get("expiries", 0)


def debugobjects_line(msg: str, kind: str, hint: str) -> Report:
    """debugobjects' report of an object freed (or re-initialised) while still active."""
    return (3, f"ODEBUG: {msg} active (active state 0) object type: {kind} hint: {hint}")
