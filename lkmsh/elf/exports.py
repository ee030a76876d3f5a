"""Decoding EXPORT_SYMBOL* tables (``__ksymtab``, ``__ksymtab_gpl``).

An entry is a ``struct kernel_symbol``. Since Linux 4.19 (x86-64, arm64) its
fields are 32-bit place-relative offsets ``{value, name, namespace}`` (12
bytes; 8 before namespaces arrived in 5.4); before that they were absolute
pointers (16 bytes, 24 with a namespace pointer on some arches). In an ET_REL
file every field is left to a relocation against a symbol plus addend, and
since a PREL32 field holds ``S + A - P`` the thing it points at is simply
``S + A`` — the same as for an absolute pointer. So a field names the byte at
``symbol value + addend`` inside the symbol's section, whatever the layout.

In an ET_DYN file the fields are already resolved (no relocations remain)
and are read from the bytes. When neither works (stripped relocations), the
``__ksymtab_NAME`` labels every layout carries give the names.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.elf.constants import (
    ABS64_TYPES,
    ET_DYN,
    KSYMTAB_LABEL,
    PREL32_TYPES,
    SHF_ALLOC,
    SHT_DYNSYM,
    SHT_NOBITS,
    SHT_NULL,
    STT_SECTION,
)
from lkmsh.elf.sections import read_cstring
from lkmsh.elf.structs import Export, Relocation, RelocSection, Section, Symbol
from lkmsh.errors import ElfError

if TYPE_CHECKING:
    from lkmsh.elf.reader import ElfFile

KSYMTAB_SECTIONS = (("__ksymtab", False), ("__ksymtab_gpl", True))


def decode_exports(elf: ElfFile) -> list[Export]:
    out: list[Export] = []
    for name, gpl in KSYMTAB_SECTIONS:
        sec = elf.section_by_name(name)
        if sec is None or sec.size == 0 or sec.type in (SHT_NOBITS, SHT_NULL):
            continue  # no file bytes behind it
        out.extend(_decode_table(elf, sec, gpl))
    return out


def _labels(elf: ElfFile, sec: Section) -> list[Symbol]:
    """The ``__ksymtab_NAME`` symbols placed in ``sec``, by address."""
    found = [
        s
        for s in elf.symbols
        if s.shndx == sec.index and s.name.startswith(KSYMTAB_LABEL) and s.type != STT_SECTION
    ]
    found.sort(key=lambda s: s.value)
    return found


def _decode_table(elf: ElfFile, sec: Section, gpl: bool) -> list[Export]:
    labels = _labels(elf, sec)
    fields: dict[int, tuple[Relocation, RelocSection]] = {}
    for rs in elf.relocations_for(sec):
        for r in rs.relocations:
            fields.setdefault(r.offset, (r, rs))
    if fields:
        return _from_relocations(elf, sec, gpl, labels, fields)
    if elf.type == ET_DYN:
        return _from_resolved(elf, sec, gpl, labels)
    return _from_labels(elf, gpl, labels)


def _stride(sec: Section, labels: list[Symbol], width: int) -> int:
    """Entry size: two or three fields of ``width`` bytes. The label spacing
    decides when there are two labels; otherwise the section size does."""
    starts = sorted({s.value for s in labels})
    gaps = {b - a for a, b in zip(starts, starts[1:], strict=False)}
    if gaps:
        stride = min(gaps)
    elif sec.size % (3 * width) == 0:
        stride = 3 * width
    else:
        stride = 2 * width
    if stride not in (2 * width, 3 * width) or sec.size % stride:
        raise ElfError(f"{sec.name} of {sec.size} bytes is not a table of export entries")
    return stride


def _from_relocations(
    elf: ElfFile,
    sec: Section,
    gpl: bool,
    labels: list[Symbol],
    fields: dict[int, tuple[Relocation, RelocSection]],
) -> list[Export]:
    types = {r.type for r, _ in fields.values()}
    if PREL32_TYPES[elf.machine] in types:
        width = 4
    elif ABS64_TYPES[elf.machine] in types:
        width = 8
    else:
        raise ElfError(f"{sec.name} relocations (types {sorted(types)}) are not an export table")
    stride = _stride(sec, labels, width)
    blob = elf.section_data(sec)
    cache: dict[int, bytes] = {}
    out: list[Export] = []
    for n, entry in enumerate(range(0, sec.size, stride)):
        what = f"{sec.name} entry {n}"
        name_field = fields.get(entry + width)
        if name_field is None:
            raise ElfError(f"{what} has no relocation for its name")
        name = _string_at(elf, blob, width, *name_field, f"name of {what}", cache)
        namespace = ""
        if stride == 3 * width and (ns_field := fields.get(entry + 2 * width)):
            namespace = _string_at(elf, blob, width, *ns_field, f"namespace of {what}", cache)
        value_field = fields.get(entry)
        symbol = _symbol_of(elf, *value_field) if value_field else None
        if symbol is None or symbol.type == STT_SECTION or not symbol.name:
            symbol = elf.symbol_by_name(name)
        out.append(Export(name, symbol, gpl, namespace))
    return out


def _symbol_of(elf: ElfFile, r: Relocation, rs: RelocSection) -> Symbol | None:
    if r.symbol == 0 or rs.symtab is None:
        return None
    table = elf.dynamic_symbols if rs.symtab.type == SHT_DYNSYM else elf.symbols
    return table[r.symbol] if r.symbol < len(table) else None


def _string_at(
    elf: ElfFile,
    blob: bytes,
    width: int,
    r: Relocation,
    rs: RelocSection,
    what: str,
    cache: dict[int, bytes],
) -> str:
    """The string a relocated field points at: byte ``S + A`` of S's section."""
    sym = _symbol_of(elf, r, rs)
    if sym is None or not 0 < sym.shndx < len(elf.sections):
        raise ElfError(f"{what} does not point into a section")
    if r.addend is not None:
        addend = r.addend
    else:  # SHT_REL: the addend sits in the field itself
        fmt = "<i" if width == 4 else "<q"
        if r.offset + width > len(blob):
            raise ElfError(f"{what} field runs past the end of the table")
        (addend,) = struct.unpack_from(fmt, blob, r.offset)
    target = elf.sections[sym.shndx]
    offset = sym.value + addend - (target.addr if elf.type == ET_DYN else 0)
    blob = cache.get(target.index)
    if blob is None:
        blob = cache[target.index] = elf.section_data(target)
    return read_cstring(blob, offset, what).decode("utf-8", "surrogateescape")


def _from_resolved(elf: ElfFile, sec: Section, gpl: bool, labels: list[Symbol]) -> list[Export]:
    """ET_DYN: the PREL32 fields already hold ``target - field address``."""
    stride = _stride(sec, labels, 4)
    blob = elf.section_data(sec)
    out: list[Export] = []
    for n, entry in enumerate(range(0, sec.size, stride)):
        what = f"{sec.name} entry {n}"
        name = _resolved_string(elf, sec, blob, entry + 4, f"name of {what}")
        namespace = ""
        if stride == 12:
            namespace = _resolved_string(elf, sec, blob, entry + 8, f"namespace of {what}")
        out.append(Export(name, elf.symbol_by_name(name), gpl, namespace))
    return out


def _resolved_string(elf: ElfFile, sec: Section, blob: bytes, field: int, what: str) -> str:
    (rel,) = struct.unpack_from("<i", blob, field)
    addr = sec.addr + field + rel
    for target in elf.sections:
        if (
            target.flags & SHF_ALLOC
            and target.type != SHT_NOBITS
            and target.addr <= addr < target.addr + target.size
        ):
            data = elf.section_data(target)
            return read_cstring(data, addr - target.addr, what).decode("utf-8", "surrogateescape")
    raise ElfError(f"{what} points at 0x{addr:x}, outside every section")


def _from_labels(elf: ElfFile, gpl: bool, labels: list[Symbol]) -> list[Export]:
    n = len(KSYMTAB_LABEL)
    return [Export(s.name[n:], elf.symbol_by_name(s.name[n:]), gpl, "") for s in labels]
