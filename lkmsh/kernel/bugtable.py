"""The modules' bug tables, as Linux's lib/bug.c reads them (CONFIG_GENERIC_BUG).

BUG() and WARN() in module code are the trap instruction (ud2, brk #0x800)
with a ``struct bug_entry`` in the module's ``__bug_table`` section
(<linux/bug.h>): the instruction's and the file name's addresses relative to
the entry, the line and the flags. The trap handler looks the stopped PC up
here: a BUG entry gives the Oops its "kernel BUG at FILE:LINE!", a WARNING
entry makes the trap a warning report after which the code goes on.
WARN_ON_ONCE's entry gets BUGFLAG_DONE written into it (module memory, so
the state file keeps it), and the next hit is silent, as report_bug() does.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lkmsh.errors import BadAddress

if TYPE_CHECKING:
    from lkmsh.kernel.memory import AddressSpace
    from lkmsh.kernel.module import Module

SECTION = "__bug_table"
ENTRY_SIZE = 12  # bug_addr_disp, file_disp (s32), line, flags (u16)
FLAGS_AT = 10
WARNING, ONCE, DONE, NO_CUT_HERE = 1 << 0, 1 << 1, 1 << 2, 1 << 3
#: a table longer than this is not read past it (a module's own, bounded)
MAX_ENTRIES = 1 << 16
FILE_MAX = 256


@dataclass(frozen=True)
class BugEntry:
    """One __bug_table entry: where a BUG()/WARN() trap sits and the file:line it reports."""

    at: int  # the entry's own address
    addr: int  # the trap instruction's
    file: str
    line: int
    flags: int

    @property
    def warning(self) -> bool:
        return bool(self.flags & WARNING)

    @property
    def taint(self) -> int:
        """The taint flag (TAINT_*) the warning adds: BUG_GET_TAINT."""
        return self.flags >> 8

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def find_bug(mem: AddressSpace, modules: Iterable[Module], pc: int) -> BugEntry | None:
    """The bug table entry of the trap at @pc, in the module whose code holds it."""
    for module in modules:
        if not module.contains(pc):
            continue
        for p in module.placements:
            if p.name != SECTION:
                continue
            try:
                raw = mem.read(p.addr, min(p.size, MAX_ENTRIES * ENTRY_SIZE))
            except BadAddress:
                return None
            for off in range(0, len(raw) - ENTRY_SIZE + 1, ENTRY_SIZE):
                addr_disp, file_disp, line, flags = struct.unpack_from("<iiHH", raw, off)
                at = p.addr + off
                if at + addr_disp != pc:
                    continue
                try:
                    name = mem.read_cstr(at + 4 + file_disp, FILE_MAX)
                except BadAddress:
                    name = b"?"
                return BugEntry(at, pc, name.decode(errors="replace"), line, flags)
    return None


def mark_done(mem: AddressSpace, entry: BugEntry) -> None:
    """report_bug(): a WARN_ON_ONCE that fired is not reported again."""
    mem.write(entry.at + FLAGS_AT, struct.pack("<H", entry.flags | DONE))
