"""Structure-aware mutations of valid modules, shared by the fuzz tests and bench/fuzz_campaign.py.

Each mutator takes the image and a ``random.Random`` and returns the mutated
bytes and a short description (for the campaign's crash log). They aim at
the loader's assumptions, not only the reader's: header and section fields
at extremes, overlapping sections, symbol and relocation indices out of
range, huge sizes and entry sizes, string tables without a terminator,
relocation offsets outside their section.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from dataclasses import dataclass

EXTREMES_64 = (
    0,
    1,
    7,
    0x40,
    0xFFF,
    0x1000,
    0x7FFFFFFF,
    0xFFFFFFFF,
    1 << 32,
    1 << 62,
    (1 << 64) - 1,
)
EXTREMES_32 = (0, 1, 2, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF)
EXTREMES_16 = (0, 1, 0xFF00, 0xFFFF, 0xFFFE, 64, 65)

SHDR = struct.Struct("<IIQQQQIIQQ")  # name type flags addr offset size link info addralign entsize
SHDR_FIELDS = (
    "name",
    "type",
    "flags",
    "addr",
    "offset",
    "size",
    "link",
    "info",
    "addralign",
    "entsize",
)
SYM = struct.Struct("<IBBHQQ")  # name info other shndx value size
RELA = struct.Struct("<QQq")  # offset info addend
SHT_SYMTAB, SHT_STRTAB, SHT_RELA = 2, 3, 4


@dataclass(frozen=True)
class Layout:
    """Where the section headers are (read without lkmsh.elf, which is under test)."""

    shoff: int
    shnum: int
    shentsize: int
    sections: list[tuple[int, ...]]

    @classmethod
    def of(cls, data: bytes) -> Layout:
        (shoff,) = struct.unpack_from("<Q", data, 40)
        shentsize, shnum = struct.unpack_from("<HH", data, 58)
        sections = [SHDR.unpack_from(data, shoff + i * SHDR.size) for i in range(shnum)]
        return cls(shoff, shnum, shentsize, sections)

    def header_at(self, index: int) -> int:
        return self.shoff + index * SHDR.size

    def of_type(self, sh_type: int) -> list[int]:
        return [i for i, s in enumerate(self.sections) if s[1] == sh_type]


def _put(buf: bytearray, offset: int, fmt: str, value: int) -> None:
    size = struct.calcsize(fmt)
    if offset >= 0 and offset + size <= len(buf):
        bits = 8 * size
        struct.pack_into(fmt, buf, offset, value & ((1 << bits) - 1))


def bit_flips(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    buf = bytearray(data)
    n = rng.choice((1, 2, 4, 16))
    where = [rng.randrange(len(buf)) for _ in range(n)]
    for at in where:
        buf[at] ^= 1 << rng.randrange(8)
    return bytes(buf), f"flip {n} bits at {where[:4]}"


def truncate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    n = rng.randrange(len(data))
    return data[:n], f"truncate to {n}"


def elf_header_field(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    buf = bytearray(data)
    name, off, fmt, values = rng.choice(
        (
            ("e_type", 16, "<H", EXTREMES_16 + (1, 2, 3)),
            ("e_machine", 18, "<H", (0, 3, 40, 183, 0xFFFF)),
            ("e_shoff", 40, "<Q", EXTREMES_64 + (len(data), len(data) - 1)),
            ("e_flags", 48, "<I", EXTREMES_32),
            ("e_ehsize", 52, "<H", EXTREMES_16),
            ("e_shentsize", 58, "<H", EXTREMES_16 + (32, 63, 128)),
            ("e_shnum", 60, "<H", EXTREMES_16),
            ("e_shstrndx", 62, "<H", EXTREMES_16),
        )
    )
    value = rng.choice(values)
    _put(buf, off, fmt, value)
    return bytes(buf), f"{name}={value:#x}"


def section_field(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    lay = Layout.of(data)
    buf = bytearray(data)
    i = rng.randrange(lay.shnum)
    field = rng.randrange(len(SHDR_FIELDS))
    offs = (0, 4, 8, 16, 24, 32, 40, 44, 48, 56)
    fmt = "<I" if field in (0, 1, 6, 7) else "<Q"
    pool = EXTREMES_32 + (lay.shnum, lay.shnum - 1) if fmt == "<I" else EXTREMES_64
    pool = pool + (len(data), len(data) - 1, lay.sections[rng.randrange(lay.shnum)][field])
    value = rng.choice(pool)
    _put(buf, lay.header_at(i) + offs[field], fmt, value)
    return bytes(buf), f"section {i} {SHDR_FIELDS[field]}={value:#x}"


def overlap_sections(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    lay = Layout.of(data)
    buf = bytearray(data)
    a, b = rng.randrange(1, lay.shnum), rng.randrange(1, lay.shnum)
    _put(buf, lay.header_at(a) + 24, "<Q", lay.sections[b][4])
    if rng.random() < 0.5:
        _put(buf, lay.header_at(a) + 32, "<Q", lay.sections[b][5] + rng.randrange(64))
    return bytes(buf), f"section {a} placed over section {b}"


def symbol_field(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    lay = Layout.of(data)
    tables = lay.of_type(SHT_SYMTAB) or [0]
    sec = lay.sections[tables[0]]
    count = sec[5] // SYM.size if sec[5] else 0
    if not count:
        return bit_flips(data, rng)
    buf = bytearray(data)
    k = rng.randrange(count)
    at = sec[4] + k * SYM.size
    what = rng.choice(("name", "shndx", "value", "size", "info"))
    if what == "name":
        value = rng.choice(EXTREMES_32)
        _put(buf, at, "<I", value)
    elif what == "shndx":
        value = rng.choice((lay.shnum, lay.shnum + 1, 0xFF00, 0xFFF1, 0xFFF2, 0xFFFF, 0xFFEF))
        _put(buf, at + 6, "<H", value)
    elif what == "value":
        value = rng.choice(EXTREMES_64)
        _put(buf, at + 8, "<Q", value)
    elif what == "size":
        value = rng.choice(EXTREMES_64)
        _put(buf, at + 16, "<Q", value)
    else:
        value = rng.randrange(256)
        _put(buf, at + 4, "<B", value)
    return bytes(buf), f"symbol {k} {what}={value:#x}"


def relocation_field(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    lay = Layout.of(data)
    relas = lay.of_type(SHT_RELA)
    if not relas:
        return section_field(data, rng)
    sec = lay.sections[rng.choice(relas)]
    count = sec[5] // RELA.size
    if not count:
        return bit_flips(data, rng)
    buf = bytearray(data)
    k = rng.randrange(count)
    at = sec[4] + k * RELA.size
    offset, info, addend = RELA.unpack_from(data, at)
    what = rng.choice(("symbol", "type", "offset", "addend"))
    if what == "symbol":
        info = (rng.choice((0, 1 << 20, 0xFFFFFFFF, (info >> 32) + 1000)) << 32) | (
            info & 0xFFFFFFFF
        )
    elif what == "type":
        info = (info & ~0xFFFFFFFF) | rng.choice((0, 5, 6, 7, 8, 16, 37, 42, 43, 255, 0xFFFFFFFF))
    elif what == "offset":
        offset = rng.choice(EXTREMES_64 + (offset + 0x10000, offset - 1))
    else:
        addend = rng.choice((-(1 << 63), -1, 1 << 31, (1 << 63) - 1))
    struct.pack_into("<QQq", buf, at, offset & ((1 << 64) - 1), info & ((1 << 64) - 1), addend)
    return bytes(buf), f"relocation {k} {what}"


def unterminated_strings(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    lay = Layout.of(data)
    strtabs = lay.of_type(SHT_STRTAB)
    names = {i: s for i, s in enumerate(lay.sections)}
    candidates = strtabs + [i for i, s in names.items() if s[1] == 1 and 0 < s[5] < 4096]
    i = rng.choice(candidates)
    sec = lay.sections[i]
    buf = bytearray(data)
    start, size = sec[4], sec[5]
    if size and start + size <= len(buf):
        if rng.random() < 0.5:
            buf[start + size - 1] = 0x41  # the last terminator gone
        else:
            buf[start : start + size] = bytes(b or 0x42 for b in buf[start : start + size])
    return bytes(buf), f"section {i} without terminators"


MUTATORS: dict[str, Callable[[bytes, random.Random], tuple[bytes, str]]] = {
    f.__name__: f
    for f in (
        bit_flips,
        truncate,
        elf_header_field,
        section_field,
        overlap_sections,
        symbol_field,
        relocation_field,
        unterminated_strings,
    )
}


def mutate(data: bytes, rng: random.Random, rounds: int = 1) -> tuple[bytes, list[str]]:
    """Apply ``rounds`` randomly chosen mutators; return the image and what was done."""
    notes = []
    for _ in range(rounds):
        name = rng.choice(list(MUTATORS))
        try:
            data, note = MUTATORS[name](data, rng)
        except (struct.error, IndexError, ValueError, OverflowError):
            # the layout itself is already broken by an earlier round: fall back to bytes
            data, note = bit_flips(data, rng) if data else (data, "empty")
        notes.append(f"{name}: {note}")
    return data, notes
