"""The kernel's monotonic clock, in nanoseconds since boot, and jiffies.

Time is the persisted base, plus the real time this process has run, plus
*virtual* time: ``msleep``/``udelay`` advance the clock instead of blocking
the host, so a module that sleeps a second costs nothing and still sees
jiffies move by HZ. Uptime therefore grows across one-shot commands by the
time they ran and the time modules slept, not by wall time between them.
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
    """``source`` is the host's monotonic clock (injectable so tests are exact)."""

    name = "clock"

    def __init__(
        self,
        base_ns: int = 0,
        source: Callable[[], int] = time.monotonic_ns,
        wall: Callable[[], int] = time.time_ns,
    ):
        self._source = source
        self._wall = wall
        self._base = base_ns
        self._start = source()
        self._virtual = 0
        self._held: int | None = None

    def hold(self) -> None:
        """Stop counting host time (the REPL waits for its user), until ``resume``."""
        self._held = self.ns()

    def resume(self) -> None:
        """Count host time again from where ``hold`` stopped: the wait is not uptime."""
        if self._held is not None:
            self._base, self._start, self._virtual = self._held, self._source(), 0
            self._held = None

    def ns(self) -> int:
        """Nanoseconds since boot (ktime_get_ns)."""
        if self._held is not None:
            return self._held
        return self._base + (self._source() - self._start) + self._virtual

    __call__ = ns

    def advance(self, ns: int) -> None:
        """Virtual sleep: the clock jumps ``ns`` forward without spending host time."""
        if ns > 0:
            self._virtual += ns

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
        self._base = int((data or {}).get("ns", 0))
        self._start = self._source()
        self._virtual = 0
        self._held = None

    @classmethod
    def from_data(
        cls, data: dict[str, Any], source: Callable[[], int] = time.monotonic_ns
    ) -> Clock:
        clock = cls(0, source)
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
