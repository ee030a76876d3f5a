"""dmesg's line formats (util-linux's -T, -H and -x), -n's level and --follow.

``-T`` prints the wall-clock time of each record as ctime does
(``[Tue Dec  1 13:05:02 2026]``): boot time is now minus the kernel's uptime,
as util-linux computes it, so it is as exact as Linux's (not very, after a
suspend). ``-H`` prints util-linux's relative time: ``[Dec 1 13:05]`` when
the record's minute is not the previous record's, else the time since the
previous record (``[  +0.000412]``). ``-x`` prefixes the facility and level
(``kern  :info  : ``). A record of several lines (one printk) has its prefix
once, its further lines indented under the text, as util-linux prints what it
reads from /dev/kmsg; ``-p`` (``--force-prefix``) repeats the prefix on each
(``[  +0.000000]`` for -H's).
``-w`` prints what is there, then every new record as other commands (another
terminal, a script) add them, until Ctrl-C.
"""

from __future__ import annotations

import time
from typing import Any

from lkmsh.kernel.dmesg import LEVEL_NAMES, format_timestamp
from lkmsh.shell.messages import CommandFailed

FACILITIES = ("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news")
FOLLOW_POLL_S = 0.25


def console_level_of(text: str) -> int:
    """``dmesg -n``: 1..8, or a level name meaning its number plus one (debug is 8)."""
    word = text.strip().lower()
    if word.isdigit() and 1 <= int(word) <= len(LEVEL_NAMES):
        return int(word)
    if word in LEVEL_NAMES:
        return LEVEL_NAMES.index(word) + 1
    raise CommandFailed(f"unknown level '{text}'")


class DmesgFormat:
    """One record's lines, prefixed as util-linux's dmesg prefixes them.

    Records must be given in order, every one: those not shown (``-l``) to
    ``skip``, as -H's deltas count from them (util-linux's lasttime).
    """

    def __init__(
        self,
        *,
        boot_ns: int = 0,
        ctime: bool = False,
        decode: bool = False,
        human: bool = False,
        force_prefix: bool = False,
    ):
        self.force_prefix = force_prefix
        self.ctime = ctime
        self.decode = decode
        self.human = human
        self.boot_ns = boot_ns  # wall-clock ns of boot, for -T and -H
        self._last_ns: int | None = None  # the previous record's time (-H)
        self._last_minute = (0, 0, 0)  # (yday, hour, minute): util-linux's zeroed struct tm

    def line(self, rec: Any) -> str:
        prefix = self._decoded(rec, self._stamp(rec))
        first, *more = rec.text.split("\n")
        if not more:
            return f"{prefix} {first}"
        if self.force_prefix:  # -p: -H's further lines are "[  +0.000000]"
            again = self._decoded(rec, "[  +0.000000]") if self.human else prefix
        else:  # util-linux's indent: as wide as the prefix and its space
            again = " " * len(prefix)
        return "\n".join([f"{prefix} {first}", *(f"{again} {text}" for text in more)])

    def skip(self, rec: Any) -> None:
        self._last_ns = rec.ts_ns

    def _decoded(self, rec: Any, stamp: str) -> str:
        if not self.decode:
            return stamp
        fac = FACILITIES[rec.facility] if rec.facility < len(FACILITIES) else str(rec.facility)
        return f"{fac:<6}:{LEVEL_NAMES[rec.level]:<6}: {stamp}"

    def _stamp(self, rec: Any) -> str:
        parts = []
        if self.ctime:
            when = time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(self._wall(rec)))
            parts.append(f"[{when}]")
        if self.human:
            parts.append(self._relative(rec))
        return " ".join(parts) or format_timestamp(rec.ts_ns)

    def _relative(self, rec: Any) -> str:
        """util-linux's reltime: the minute when it changed, else the delta."""
        delta = 0.0 if self._last_ns is None else (rec.ts_ns - self._last_ns) / 1e9
        self._last_ns = rec.ts_ns
        tm = time.localtime(self._wall(rec))
        minute = (tm.tm_yday - 1, tm.tm_hour, tm.tm_min)  # C's tm_yday counts from 0
        changed, self._last_minute = minute != self._last_minute, minute
        if changed:
            return "[" + time.strftime("%b%e %H:%M", tm) + "]"
        return f"[  {delta:+8.6f}]" if delta < 10 else f"[ {delta:+9.6f}]"

    def _wall(self, rec: Any) -> float:
        return (self.boot_ns + rec.ts_ns) / 1e9


def follow_log(ctx: Any, lines: list[str], last: int, levels: Any, fmt: DmesgFormat) -> None:
    """``dmesg -w``: print the log, then new records as they come, until Ctrl-C."""
    out = ctx.out
    for line in lines:
        out.write(line + "\n")
    out.flush()
    session = ctx.scope.session
    # The log printed above was read before this generation: a save in between (an
    # insmod racing the start) would count as seen and its lines never come. So the
    # first round reads the saved kernel again, and only then waits.
    seen = -1
    try:
        while True:
            gen = session.store.generation()
            if gen == seen:
                time.sleep(FOLLOW_POLL_S)
                continue  # nothing saved since: no kernel to load
            first, seen = seen == -1, gen
            if first and gen == 0:
                continue  # no state file yet: the log above is all there is
            kernel = session.read_kernel()  # what another process saved
            for rec in kernel.dmesg(None):
                if rec.seq <= last:
                    continue
                if levels is None or rec.level in levels:
                    out.write(fmt.line(rec) + "\n")
                else:
                    fmt.skip(rec)
                last = rec.seq
            out.flush()
    except KeyboardInterrupt:
        return
