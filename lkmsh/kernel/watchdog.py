"""The soft-lockup watchdog's deadline in virtual time, as Linux's kernel/watchdog.c.

Linux samples every ``2 * watchdog_thresh / 5`` seconds (an hrtimer) and
reports a CPU whose watchdog was last touched (``touch_ts``, taken at a
sample, in ~1.07 s units: ``ns >> 30``) more than ``2 * watchdog_thresh``
units ago: with the default ``watchdog_thresh`` of 10, code stuck from the
sample at 0 s is reported at the sample at 24 s, "stuck for 22s!". lkmsh
runs the same arithmetic on the virtual clock: where code starts running
(or last scheduled) fixes the sample it reports at, so the same module
gives the same report on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

NSEC_PER_SEC = 1_000_000_000


@dataclass(frozen=True)
class Watch:
    """One stretch of code without scheduling: from @start_ns, reported at @report_ns."""

    start_ns: int
    touch_ns: int  # the sample before it started (Linux's touch_ts)
    report_ns: int  # the first sample past the threshold

    @property
    def budget_ns(self) -> int:
        """Virtual run time the code has before the report."""
        return self.report_ns - self.start_ns

    @property
    def stuck_s(self) -> int:
        """What the report says: "stuck for Ns!" (the sample clock's units)."""
        return (self.report_ns >> 30) - (self.touch_ns >> 30)


def watch(now_ns: int, thresh_s: int) -> Watch | None:
    """The deadline for code starting at @now_ns; None when the watchdog is off (thresh 0)."""
    if thresh_s <= 0:
        return None
    period = 2 * thresh_s * NSEC_PER_SEC // 5
    touch = now_ns - now_ns % period
    report = touch + period
    while report <= now_ns or (report >> 30) - (touch >> 30) <= 2 * thresh_s:
        report += period
    return Watch(now_ns, touch, report)
