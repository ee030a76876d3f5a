"""The kernel's monotonic clock, in nanoseconds since boot, and jiffies.

Time is virtual: the clock moves when the scheduler lets it (sched.py):
when every task sleeps, by one tick per command, or by ``sleep`` in the
shell; and while module code runs, by a fixed 2 ns per translated block it
executes (cpu.py's CLOCK_NS_PER_BLOCK), so code that times itself reads
plausible figures and the same commands still give the same timestamps. A module that sleeps a second costs the host nothing and still sees
jiffies move by HZ, and the same commands give the same timestamps on every
run. Host time never counts (``ktime_get_real*`` still reads the wall clock).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lkmsh.kernel.component import Component

HZ = 250
NSEC_PER_SEC = 1_000_000_000
NSEC_PER_JIFFY = NSEC_PER_SEC // HZ
#: Linux's INITIAL_JIFFIES, ((unsigned long)(unsigned int)(-300 * HZ)): jiffies
#: wraps its low 32 bits five minutes after boot, to flush out wrap bugs.
INITIAL_JIFFIES = (-300 * HZ) & 0xFFFFFFFF
MASK64 = (1 << 64) - 1


class Clock(Component):
    """``wall`` is the host's real-time clock (injectable so tests are exact)."""

    name = "clock"

    def __init__(self, base_ns: int = 0, wall: Callable[[], int] = time.time_ns):
        self._wall = wall
        self._ns = base_ns
        #: called before time moves (the heap settles its fast path's records)
        self.before_advance: Callable[[], None] | None = None
        #: virtual ns module code ran since the last read (the CPU's block count)
        self.run_time: Callable[[], int] = lambda: 0
        #: module code may have run since the last read: the next read asks run_time
        #: (set by each kernel call from module code and each return from it, so a
        #: kernel function reading the clock often pays for the count once)
        self.stale = False

    def ns(self) -> int:
        """Nanoseconds since boot (ktime_get_ns), module code's run time included."""
        if self.stale:
            self.stale = False
            self.advance(self.run_time())
        return self._ns

    def hold(self) -> None:
        """The REPL waits for its user: virtual time does not count waits, nothing to do."""

    def resume(self) -> None:
        """See ``hold``."""

    __call__ = ns

    def last_ns(self) -> int:
        """The clock as last read, without module code's run time since: for
        bookkeeping stamps on hot paths (the heap's allocation times), which need
        no count of the blocks run since the kernel call began."""
        return self._ns

    def advance(self, ns: int) -> None:
        """Let ``ns`` of virtual time pass (never backwards)."""
        if ns > 0:
            if self.before_advance is not None:
                self.before_advance()
            self._ns += ns

    def real_ns(self) -> int:
        """Wall-clock time (ktime_get_real_ns): the host's."""
        return self._wall()

    def jiffies(self) -> int:
        """jiffies_64 (the 64-bit counter; ``jiffies`` is the same on x86-64)."""
        return (INITIAL_JIFFIES + self.ns() * HZ // NSEC_PER_SEC) & MASK64

    def uptime_seconds(self) -> float:
        return self.ns() / NSEC_PER_SEC

    def to_data(self) -> dict[str, Any]:
        return {"ns": self.ns()}

    def load_data(self, data: dict[str, Any] | None) -> None:
        self._ns = int((data or {}).get("ns", 0))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Clock:
        clock = cls()
        clock.load_data(data)
        return clock


def msecs_to_jiffies(ms: int) -> int:
    """Linux rounds up: a wait is never shorter than asked."""
    ms &= 0xFFFFFFFF
    if ms >= 0x80000000:  # (int)m < 0: MAX_JIFFY_OFFSET
        return ((1 << 63) - 1 >> 1) - 1
    return (ms * HZ + 999) // 1000


def jiffies_to_msecs(j: int) -> int:
    """HZ divides 1000: j * (1000 / HZ), truncated to unsigned int."""
    return (j * (1000 // HZ)) & 0xFFFFFFFF
