"""dmesg's line formats (util-linux's -T and -x) and --follow.

``-T`` prints the wall-clock time of each record as ctime does
(``[Tue Dec  1 13:05:02 2026]``): boot time is now minus the kernel's uptime,
as util-linux computes it, so it is as exact as Linux's (not very, after a
suspend). ``-x`` prefixes the facility and level (``kern  :info  : ``).
``-w`` prints what is there, then every new record as other commands (another
terminal, a script) add them, until Ctrl-C.
"""

from __future__ import annotations

import time
from typing import Any

from lkmsh.kernel.dmesg import LEVEL_NAMES, format_timestamp

FACILITIES = ("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news")
FOLLOW_POLL_S = 0.25


class DmesgFormat:
    def __init__(self, kernel: Any, *, ctime: bool = False, decode: bool = False):
        self.ctime = ctime
        self.decode = decode
        self.boot_ns = kernel.boot_time_ns() if ctime else 0

    def line(self, rec: Any) -> str:
        if self.ctime:
            when = time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(self._wall(rec)))
            prefix = f"[{when}]"
        else:
            prefix = format_timestamp(rec.ts_ns)
        if self.decode:
            fac = FACILITIES[rec.facility] if rec.facility < len(FACILITIES) else str(rec.facility)
            prefix = f"{fac:<6}:{LEVEL_NAMES[rec.level]:<6}: {prefix}"
        return "\n".join(f"{prefix} {text}" for text in rec.text.split("\n"))

    def _wall(self, rec: Any) -> float:
        return (self.boot_ns + rec.ts_ns) / 1e9


def follow_log(
    ctx: Any, records: list[Any], lines: list[str], levels: Any, fmt: DmesgFormat
) -> None:
    """``dmesg -w``: print the log, then new records as they come, until Ctrl-C."""
    out = ctx.out
    for line in lines:
        out.write(line + "\n")
    out.flush()
    last = records[-1].seq if records else -1
    session = ctx.scope.session
    seen = session.store.generation()
    try:
        while True:
            time.sleep(FOLLOW_POLL_S)
            gen = session.store.generation()
            if gen == seen:
                continue  # nothing saved since: no kernel to load
            seen = gen
            kernel = session.read_kernel()  # what another process saved
            for rec in kernel.dmesg(levels):
                if rec.seq > last:
                    out.write(fmt.line(rec) + "\n")
                    last = rec.seq
            out.flush()
    except KeyboardInterrupt:
        return
