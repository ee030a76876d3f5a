"""Disassembly with capstone: a loaded module's code (relocated, symbolised) or a file's.

capstone is imported here, lazily, only when a command disassembles: the
one-shot ``lsmod`` path never pays for it. Output follows ``objdump -dr``:
a label per function, ``ADDRESS: BYTES  INSTRUCTION``, and under each
instruction the relocations applied inside it (``R_X86_64_PLT32 printk-0x4``
and, for a loaded module, the value the loader wrote). Direct call and jump
targets are replaced by symbol names (``call printk``); RIP-relative and
absolute addresses get a ``# ADDRESS <symbol>`` comment, with the string when
they point at one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from lkmsh.shell.messages import CommandFailed

#: capstone (arch, mode) constant names per lkmsh architecture.
_HEX = re.compile(r"0x[0-9a-f]+")
_ADDRLIKE = re.compile(r"(?<![\w])(-?0x[0-9a-f]+|\$-?\d{6,})")
_BIGDEC = re.compile(r"\$(-?\d{6,})")
_ALIASES = frozenset({"init_module", "cleanup_module"})
MASK64 = (1 << 64) - 1
_RIP_ATT = re.compile(r"(-?0x[0-9a-f]+|-?\d+)?\(%rip\)")
_RIP_INTEL = re.compile(r"\[rip(?: ([+-]) (0x[0-9a-f]+|\d+))?\]")
_BRANCH = ("call", "jmp", "b", "bl", "cbz", "cbnz", "tbz", "tbnz")


def branch_mnemonic(m: str) -> bool:
    m = m.removesuffix("q") if m in ("callq", "jmpq") else m
    return m in _BRANCH or (m.startswith("j") and len(m) <= 5) or m.startswith("b.")


@dataclass(frozen=True)
class Sym:
    addr: int
    name: str
    size: int
    section: bool = False  # a section start, used only when no symbol covers the address


class Symbolizer:
    """Address -> ``name`` / ``name+0x12``, over kernel slots, kernel data and module symbols."""

    def __init__(self, symbols: Iterable[Sym]):
        # At one address the preferred name sorts last: a section label, then the
        # module_init()/module_exit() aliases, then the function's own name.
        self.syms = sorted(
            symbols, key=lambda s: (s.addr, not s.section, s.name not in _ALIASES, s.size > 0)
        )
        self.addrs = [s.addr for s in self.syms]

    def at(self, addr: int) -> Sym | None:
        i = bisect.bisect_right(self.addrs, addr) - 1
        best = None
        while i >= 0:
            s = self.syms[i]
            if s.addr <= addr and (not s.size or addr < s.addr + s.size):
                if not s.section:
                    return s
                best = best or s
            if addr - s.addr > 1 << 24:
                break
            i -= 1
        return best

    def name(self, addr: int) -> str | None:
        s = self.at(addr)
        if s is None:
            return None
        return s.name if addr == s.addr else f"{s.name}+{addr - s.addr:#x}"

    def exact(self, addr: int) -> str | None:
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i >= 0 and self.addrs[i] == addr and not self.syms[i].section:
            return self.syms[i].name
        return None


@dataclass
class RelocNote:
    place: int
    type_name: str
    target: str
    value: str | None  # the value written, for a loaded module


@dataclass
class Line:
    addr: int
    raw: bytes
    mnemonic: str
    operands: str
    comment: str = ""
    label: str | None = None  # a symbol starting here
    relocs: list[RelocNote] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "address": f"{self.addr:#x}",
            "bytes": self.raw.hex(" "),
            "mnemonic": self.mnemonic,
            "operands": self.operands,
            "comment": self.comment,
            "label": self.label,
            "relocations": [
                {
                    "place": f"{r.place:#x}",
                    "type": r.type_name,
                    "target": r.target,
                    "value": r.value,
                }
                for r in self.relocs
            ],
        }


@dataclass
class Listing:
    """One disassembled range (a section, or one function)."""

    title: str
    start: int
    lines: list[Line]


def capstone_engine(arch: str, intel: bool = False):
    try:
        import capstone
    except ImportError:
        raise CommandFailed("disassembly needs capstone (pip install capstone)") from None
    from lkmsh.arch import get_arch
    from lkmsh.errors import ElfError

    try:
        desc = get_arch(arch)
    except ElfError:
        raise CommandFailed(f"no disassembler for architecture {arch}") from None
    md = capstone.Cs(getattr(capstone, desc.capstone[0]), getattr(capstone, desc.capstone[1]))
    if desc.att_syntax and not intel:
        md.syntax = capstone.CS_OPT_SYNTAX_ATT
    md.skipdata = False
    return md


def decode(md, code: bytes, addr: int) -> Iterator[tuple[int, int, str, str]]:
    """(address, size, mnemonic, operands); undecodable bytes become ``(bad)`` one at a time."""
    off = 0
    while off < len(code):
        progressed = False
        for a, size, mnem, ops in md.disasm_lite(code[off:], addr + off):
            yield a, size, mnem, ops
            off += size
            progressed = True
        if not progressed:
            yield addr + off, 1, "(bad)", ""
            off += 1


def disassemble(
    md,
    code: bytes,
    start: int,
    sym: Symbolizer,
    relocs: Iterable[RelocNote] = (),
    string_at: Callable[[int], bytes | None] | None = None,
    intel: bool = False,
) -> list[Line]:
    by_place = sorted(relocs, key=lambda r: r.place)
    places = [r.place for r in by_place]
    lines: list[Line] = []
    for a, size, mnem, ops in decode(md, code, start):
        line = Line(a, code[a - start : a - start + size], mnem, ops, label=sym.exact(a))
        lo = bisect.bisect_left(places, a)
        hi = bisect.bisect_left(places, a + size)
        line.relocs = by_place[lo:hi]
        _symbolise(line, a + size, sym, string_at, intel)
        lines.append(line)
    return lines


def _symbolise(
    line: Line,
    next_ip: int,
    sym: Symbolizer,
    string_at: Callable[[int], bytes | None] | None,
    intel: bool,
) -> None:
    # capstone prints big AT&T immediates in decimal; addresses read better in hex.
    line.operands = ops = _BIGDEC.sub(lambda m: f"${int(m.group(1)) & MASK64:#x}", line.operands)
    if branch_mnemonic(line.mnemonic) and _HEX.fullmatch(ops.lstrip("#$")):
        name = sym.name(int(ops.lstrip("#$"), 16))
        if name is not None:
            line.operands = name
        return
    target = None
    m = _RIP_INTEL.search(ops) if intel else _RIP_ATT.search(ops)
    if m is not None:
        if intel:
            disp = int(m.group(2), 0) if m.group(2) else 0
            disp = -disp if m.group(1) == "-" else disp
        else:
            disp = int(m.group(1), 0) if m.group(1) else 0
        target = (next_ip + disp) & MASK64
    else:
        for h in _ADDRLIKE.findall(ops):
            v = int(h.lstrip("$"), 0) & MASK64
            if v >= 0xFFFF800000000000 and sym.at(v) is not None:
                target = v
                break
    if target is None:
        return
    name = sym.name(target)
    if name is None:
        return
    comment = f"# {target:x} <{name}>"
    if string_at is not None:
        text = string_at(target)
        if text:
            from lkmsh.kernel.trace import c_string

            comment += f" {c_string(text, 48)}"
    line.comment = comment


def printable_string(data: bytes) -> bytes | None:
    """A NUL-terminated run of mostly printable bytes (a format string), or None."""
    end = data.find(b"\0")
    if end <= 0:
        return None
    s = data[:end]
    ok = sum(1 for b in s if 0x20 <= b < 0x7F or b in (1, 9, 10))
    return s if ok == len(s) else None


def render_listing(listing: Listing) -> str:
    """objdump -dr's text."""
    out = [f"\n{listing.title}:\n"]
    for ln in listing.lines:
        if ln.label is not None:
            out.append(f"\n{ln.addr:016x} <{ln.label}>:\n")
        text = f"{ln.mnemonic:<6} {ln.operands}".rstrip() if ln.operands else ln.mnemonic
        if ln.comment:
            text = f"{text:<31} {ln.comment}"
        out.append(f"{ln.addr:16x}:\t{ln.raw.hex(' '):<21}\t{text}\n")
        for r in ln.relocs:
            value = f"\t= {r.value}" if r.value is not None else ""
            out.append(f"\t\t\t{r.place:x}: {r.type_name}\t{r.target}{value}\n")
    return "".join(out)
