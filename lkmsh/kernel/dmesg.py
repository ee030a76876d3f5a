"""The kernel log: a byte-bounded ring of records, as Linux's printk ring buffer.

A record holds one message without its level prefix and final newline. A
message of several lines is one record with one timestamp, as Linux's; the
log's text() prints each of its lines behind that timestamp (as the syslog
interface and the console do; the shell's dmesg indents them, as util-linux
reading /dev/kmsg). A message that does not end in
a newline leaves its record open: a following ``KERN_CONT`` message is appended
to it (as ``pr_cont``); any other message closes it first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lkmsh.kernel.clock import Clock
from lkmsh.kernel.component import Component

DEFAULT_CAPACITY = 128 * 1024  # CONFIG_LOG_BUF_SHIFT=17
DEFAULT_LEVEL = 4  # CONFIG_MESSAGE_LOGLEVEL_DEFAULT
CONSOLE_LOGLEVEL_DEFAULT = 7  # CONFIG_CONSOLE_LOGLEVEL_DEFAULT (Debian's)
CONSOLE_LOGLEVEL_MIN = 1  # minimum_console_loglevel
CONSOLE_LOGLEVEL_MAX = 8  # syslog(SYSLOG_ACTION_CONSOLE_LEVEL) takes 1..8
CONSOLE_LOGLEVEL_MOTORMOUTH = 15  # console_verbose()
#: kernel/printk/printk.c's console_printk[4] at boot: console_loglevel,
#: default_message_loglevel, minimum_console_loglevel, default_console_loglevel
PRINTK_LEVELS_BOOT = (CONSOLE_LOGLEVEL_DEFAULT, DEFAULT_LEVEL, CONSOLE_LOGLEVEL_MIN,
                      CONSOLE_LOGLEVEL_DEFAULT)  # fmt: skip
RECORD_OVERHEAD = 24  # bytes of metadata charged per record (Linux's printk_info is larger)
LINE_MAX = 1024 - 32  # PRINTKRB_RECORD_MAX: longer lines are truncated, as Linux

LEVEL_NAMES = ("emerg", "alert", "crit", "err", "warn", "notice", "info", "debug")


@dataclass
class LogRecord:
    """One printk record of the kernel log: sequence, time, level and text."""

    seq: int
    ts_ns: int
    level: int
    text: str
    facility: int = 0

    def to_list(self) -> list[Any]:
        return [self.seq, self.ts_ns, self.level, self.text, self.facility]

    @classmethod
    def from_list(cls, data: list[Any]) -> LogRecord:
        seq, ts_ns, level, text, facility = data
        return cls(int(seq), int(ts_ns), int(level), str(text), int(facility))

    @property
    def cost(self) -> int:
        return len(self.text.encode("utf-8", "surrogateescape")) + RECORD_OVERHEAD


def format_timestamp(ts_ns: int) -> str:
    """Linux's ``[%5lu.%06lu]`` prefix."""
    sec, rem = divmod(ts_ns, 1_000_000_000)
    return f"[{sec:5d}.{rem // 1000:06d}]"


def format_line(rec: LogRecord) -> str:
    """One record as ``dmesg`` prints it: ``[    0.412345] text``, the prefix on every line."""
    prefix = format_timestamp(rec.ts_ns)
    if "\n" not in rec.text:
        return f"{prefix} {rec.text}"
    return "\n".join(f"{prefix} {line}" for line in rec.text.split("\n"))


class Dmesg(Component):
    """The ring. ``now_ns`` stamps records: the kernel passes its clock's ``ns``."""

    name = "dmesg"

    def __init__(self, capacity: int = DEFAULT_CAPACITY, now_ns: Callable[[], int] | None = None):
        self.now_ns: Callable[[], int] = now_ns or (lambda: 0)
        self.capacity = capacity
        self._records: deque[LogRecord] = deque()
        self._used = 0
        self.next_seq = 0
        self._open = False  # the newest record may still be continued
        #: console_printk[4] until bind_levels() gives the kernel variable's accessors
        self._levels = list(PRINTK_LEVELS_BOOT)
        self._read_levels: Callable[[], tuple[int, int, int, int]] | None = None
        self._write_levels: Callable[[tuple[int, int, int, int]], None] | None = None

    # -- writing ------------------------------------------------------------

    def emit(self, level: int, text: str, cont: bool = False) -> None:
        """Log ``text`` (no level prefix) at ``level``.

        ``cont`` (KERN_CONT) appends to the newest record if it is still open.
        """
        if not text:
            if not cont:
                self._push("", level)  # a blank line of a report
                self._open = False
            return
        if not text.isascii():
            # Bytes from hostile files arrive as surrogate escapes; the log shows
            # them as \xNN (as dmesg escapes them) and stays valid UTF-8 to store.
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        terminated = text.endswith("\n")
        body = text[:-1] if terminated else text
        if cont and self._open and self._records:
            self._append_to_last(body)
        else:
            self._push(body, level)
        self._open = not terminated

    def emit_lines(self, level: int, lines: Iterable[str]) -> None:
        for line in lines:
            self.emit(level, line + "\n")

    def close_line(self) -> None:
        """End an open record, so the next continuation starts a new one."""
        self._open = False

    def _push(self, text: str, level: int) -> None:
        rec = LogRecord(self.next_seq, self.now_ns(), level, text[:LINE_MAX])
        self.next_seq += 1
        self._records.append(rec)
        self._used += rec.cost
        self._trim()

    def _append_to_last(self, text: str) -> None:
        last = self._records[-1]
        self._used -= last.cost
        last.text = (last.text + text)[:LINE_MAX]
        self._used += last.cost
        self._trim()

    def _trim(self) -> None:
        while self._used > self.capacity and len(self._records) > 1:
            self._used -= self._records.popleft().cost

    # -- reading ------------------------------------------------------------

    def records(self, levels: Iterable[int] | None = None) -> list[LogRecord]:
        if levels is None:
            return list(self._records)
        wanted = set(levels)
        return [r for r in self._records if r.level in wanted]

    def since(self, seq: int) -> list[LogRecord]:
        """Records with sequence number >= seq (what a command added to the log)."""
        return [r for r in self._records if r.seq >= seq]

    def text(self) -> str:
        return "".join(format_line(r) + "\n" for r in self._records)

    def clear(self) -> None:
        """``dmesg -C``: drop every record; sequence numbers keep counting."""
        self._records.clear()
        self._used = 0
        self._open = False

    # -- console_printk -----------------------------------------------------

    def bind_levels(
        self,
        read: Callable[[], tuple[int, int, int, int]],
        write: Callable[[tuple[int, int, int, int]], None],
    ) -> None:
        """Keep the four levels in the kernel's ``console_printk`` variable (kernel data
        that module code reads and writes as ``console_loglevel``): @read and @write it.
        The levels held until now are written there."""
        levels = tuple(self._levels)
        self._read_levels, self._write_levels = read, write
        write(levels)  # type: ignore[arg-type]

    def printk_levels(self) -> tuple[int, int, int, int]:
        """/proc/sys/kernel/printk: console, default message, minimum console, default console."""
        if self._read_levels is not None:
            return self._read_levels()
        return tuple(self._levels)  # type: ignore[return-value]

    def set_printk_levels(self, levels: Iterable[int]) -> None:
        """Store the first len(@levels) of the four (a sysctl write of fewer numbers)."""
        now = list(self.printk_levels())
        given = list(levels)[:4]
        now[: len(given)] = given
        if self._write_levels is not None:
            self._write_levels(tuple(now))  # type: ignore[arg-type]
        else:
            self._levels = now

    @property
    def console_loglevel(self) -> int:
        """console_printk[0]: ``dmesg -n``, /proc/sys/kernel/printk and module code."""
        return self.printk_levels()[0]

    @console_loglevel.setter
    def console_loglevel(self, level: int) -> None:
        self.set_printk_levels([level])

    @property
    def default_message_loglevel(self) -> int:
        """console_printk[1]: the level of a printk without one (KERN_DEFAULT)."""
        level = self.printk_levels()[1]
        return level if 0 <= level <= 7 else DEFAULT_LEVEL

    @property
    def used_bytes(self) -> int:
        return self._used

    def __len__(self) -> int:
        return len(self._records)

    # -- persistence --------------------------------------------------------

    format_line = staticmethod(format_line)

    def to_data(self) -> dict[str, Any]:
        return {
            "capacity": self.capacity,
            "next_seq": self.next_seq,
            "open": self._open,
            "console_printk": list(self.printk_levels()),
            "records": [r.to_list() for r in self._records],
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        """Restore the saved records; the capacity stays the configured one."""
        data = data or {}
        self._records.clear()
        self._used = 0
        for item in data.get("records", []):
            rec = LogRecord.from_list(item)
            self._records.append(rec)
            self._used += rec.cost
        self.next_seq = int(data.get("next_seq", len(self._records)))
        self._open = bool(data.get("open", False))
        levels = data.get("console_printk")
        if not isinstance(levels, list) or len(levels) != 4:
            levels = [int(data.get("console_loglevel", CONSOLE_LOGLEVEL_DEFAULT))]
        self.set_printk_levels(_int32(int(v)) for v in levels)
        self._trim()

    @classmethod
    def from_data(cls, data: dict[str, Any], now_ns: Callable[[], int] | None = None) -> Dmesg:
        log = cls(int(data.get("capacity", DEFAULT_CAPACITY)), now_ns)
        log.load_data(data)
        return log


def _int32(value: int) -> int:
    """An int as a C int holds it."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


@dataclass
class SavedLog:
    """The log and the clock as a state file holds them: what a one-shot ``dmesg``
    prints, read without building a kernel (no module records, heap or CPU)."""

    log: Dmesg
    clock: Clock

    @classmethod
    def from_components(cls, data: dict[str, Any]) -> SavedLog:
        from lkmsh.errors import StateError

        try:
            log = Dmesg.from_data(data.get("dmesg") or {})
            clock = Clock.from_data(data.get("clock") or {})
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            raise StateError.corrupt(f"{type(e).__name__}: {e}") from None
        return cls(log, clock)

    def dmesg(self, levels: Iterable[int] | None = None) -> list[LogRecord]:
        return self.log.records(levels)

    def boot_time_ns(self) -> int:
        """As Kernel.boot_time_ns: now minus the saved uptime (dmesg -T)."""
        return self.clock.real_ns() - self.clock.ns()
