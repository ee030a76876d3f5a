"""Rate limits as lib/ratelimit.c keeps them: at most ``burst`` messages each
``interval`` jiffies, and, before the first one let through after a suppressed
stretch, ``FUNC: N callbacks suppressed``.

A module's own ``struct ratelimit_state`` (printk_ratelimited's per-site one,
DEFINE_RATELIMIT_STATE) lives in its memory and is read and written back around
each step; the kernel's shared ones (printk_ratelimit's, net_ratelimit's) are
kept here and saved with the state. Jiffies move as module code runs, so a loop
that prints sees the interval pass on virtual time, the same on every run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lkmsh.kernel.clock import HZ
from lkmsh.kernel.component import Component
from lkmsh.kernel.snapshot import typed

DEFAULT_INTERVAL = 5 * HZ
DEFAULT_BURST = 10
MSG_ON_RELEASE = 1  # RATELIMIT_MSG_ON_RELEASE: say the count at ratelimit_state_exit instead
MASK = (1 << 64) - 1


@dataclass
class RateLimit:
    """struct ratelimit_state's numbers (its lock aside)."""

    interval: int = DEFAULT_INTERVAL
    burst: int = DEFAULT_BURST
    printed: int = 0
    missed: int = 0
    begin: int = 0
    flags: int = 0

    def step(self, jiffies: int) -> tuple[bool, int]:
        """___ratelimit: whether this message goes out, and how many were suppressed
        before it that are to be said first (0: nothing to say)."""
        if not self.interval:
            return True, 0
        if not self.begin:
            self.begin = jiffies
        said = 0
        if (self.begin + self.interval - jiffies) & MASK >= 1 << 63:  # time_is_before_jiffies
            if self.missed and not self.flags & MSG_ON_RELEASE:
                said, self.missed = self.missed, 0
            self.begin, self.printed = jiffies, 0
        if self.burst and self.burst > self.printed:
            self.printed += 1
            return True, said
        self.missed += 1
        return False, said


def said(log: Any, func: str, allowed: bool, suppressed: int) -> bool:
    """@allowed, after ``FUNC: N callbacks suppressed`` in @log when there is a count."""
    if suppressed:
        log.emit(4, f"{func}: {suppressed} callbacks suppressed")
    return allowed


class RateLimits(Component):
    """The kernel's own shared states: printk_ratelimit_state, net_ratelimit_state."""

    name = "ratelimits"

    def __init__(self, kernel: Any) -> None:
        self.kernel = kernel
        self.states: dict[str, RateLimit] = {}

    def allow(self, name: str, func: str) -> bool:
        """One step of the shared limit @name; a suppressed count is said as @func's."""
        rs = self.states.setdefault(name, RateLimit())
        return said(self.kernel.log, func, *rs.step(self.kernel.clock.jiffies()))

    def to_data(self) -> dict[str, Any]:
        return {name: asdict(rs) for name, rs in self.states.items()}

    def load_data(self, data: dict[str, Any] | None) -> None:
        for name, item in (data or {}).items():
            self.states[name] = typed(RateLimit, item, "rate limit")
