"""A tiny ELF64 writer for tests: files gcc will not produce (REL relocations,
AArch64 exports, extended section numbering, SHN_XINDEX symbols)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from lkmsh.elf.constants import (
    EM_AARCH64,
    EM_X86_64,
    R_AARCH64_PREL32,
    R_X86_64_PC32,
    SHF_ALLOC,
    SHF_EXECINSTR,
    SHF_INFO_LINK,
    SHT_NOBITS,
    SHT_PROGBITS,
    SHT_REL,
    SHT_RELA,
    SHT_STRTAB,
    SHT_SYMTAB,
)


@dataclass
class Sec:
    name: str
    type: int
    data: bytes = b""
    flags: int = 0
    addr: int = 0
    link: int = 0
    info: int = 0
    addralign: int = 1
    entsize: int = 0
    nobits_size: int = 0


@dataclass
class Strtab:
    """Builds a string table; offset 0 is the empty string."""

    blob: bytearray = field(default_factory=lambda: bytearray(b"\0"))

    def add(self, s: str) -> int:
        if not s:
            return 0
        off = len(self.blob)
        self.blob += s.encode() + b"\0"
        return off


def sym(name_off: int, value=0, size=0, bind=0, type_=0, shndx=0, other=0) -> bytes:
    return struct.pack("<IBBHQQ", name_off, (bind << 4) | type_, other, shndx, value, size)


def rela(offset: int, symbol: int, type_: int, addend: int = 0) -> bytes:
    return struct.pack("<QQq", offset, (symbol << 32) | type_, addend)


def rel(offset: int, symbol: int, type_: int) -> bytes:
    return struct.pack("<QQ", offset, (symbol << 32) | type_)


def build_elf(
    sections: list[Sec], *, e_type: int = 1, machine: int = 62, extended: bool = False
) -> bytes:
    """Lay out ``sections`` (indices 1..n) plus a trailing .shstrtab.
    ``extended`` writes the counts the SHN_XINDEX way (e_shnum 0, e_shstrndx
    0xffff, real values in section 0)."""
    names = Strtab()
    secs = list(sections) + [Sec(".shstrtab", SHT_STRTAB)]
    name_offs = [names.add(s.name) for s in secs]
    secs[-1].data = bytes(names.blob)
    body = bytearray(64)
    offsets = []
    for s in secs:
        align = max(s.addralign, 1)
        body += b"\0" * (-len(body) % align)
        offsets.append(len(body))
        if s.type != SHT_NOBITS:
            body += s.data
    body += b"\0" * (-len(body) % 8)
    shoff = len(body)
    shnum = len(secs) + 1
    shstrndx = len(secs)
    sec0 = struct.pack(
        "<IIQQQQIIQQ", 0, 0, 0, 0, 0, shnum if extended else 0, shstrndx if extended else 0, 0, 0, 0
    )
    table = bytearray(sec0)
    for s, off, name in zip(secs, offsets, name_offs, strict=True):
        size = s.nobits_size if s.type == SHT_NOBITS else len(s.data)
        table += struct.pack(
            "<IIQQQQIIQQ",
            name,
            s.type,
            s.flags,
            s.addr,
            off,
            size,
            s.link,
            s.info,
            s.addralign,
            s.entsize,
        )
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = struct.pack(
        "<16sHHIQQQIHHHHHH",
        ident,
        e_type,
        machine,
        1,
        0,
        0,
        shoff,
        0,
        64,
        0,
        0,
        64,
        0 if extended else shnum,
        0xFFFF if extended else shstrndx,
    )
    body[:64] = header
    return bytes(body + table)


PREL32 = {EM_X86_64: R_X86_64_PC32, EM_AARCH64: R_AARCH64_PREL32}
STRINGS = b"foo\0\0bar\0GPL_NS\0"  # foo @0, "" @4, bar @5, GPL_NS @9


def export_module(machine: int, **kw) -> bytes:
    """foo exported through a REL section (addends in the place), bar GPL-only
    in namespace GPL_NS through a RELA section; both name fields point at the
    __ksymtab_strings section symbol plus an offset."""
    t = PREL32[machine]
    names = Strtab()
    symtab = b"".join(
        [
            sym(0),
            sym(0, bind=0, type_=3, shndx=2),  # 1: section symbol of __ksymtab_strings
            sym(names.add("foo"), value=0, size=8, bind=1, type_=2, shndx=1),
            sym(names.add("bar"), value=8, size=8, bind=1, type_=2, shndx=1),
            sym(names.add("modinfo_tag"), value=0, bind=1, type_=1, shndx=9),
        ]
    )
    return build_elf(
        [
            Sec(".text", SHT_PROGBITS, b"\xc3" * 16, SHF_ALLOC | SHF_EXECINSTR, addralign=16),
            Sec("__ksymtab_strings", SHT_PROGBITS, STRINGS, SHF_ALLOC),
            Sec("__ksymtab", SHT_PROGBITS, struct.pack("<iii", 0, 0, 4), SHF_ALLOC, addralign=4),
            Sec("__ksymtab_gpl", SHT_PROGBITS, bytes(12), SHF_ALLOC, addralign=4),
            Sec(
                ".rel__ksymtab",
                SHT_REL,
                rel(0, 2, t) + rel(4, 1, t) + rel(8, 1, t),
                SHF_INFO_LINK,
                link=7,
                info=3,
                addralign=8,
                entsize=16,
            ),
            Sec(
                ".rela__ksymtab_gpl",
                SHT_RELA,
                rela(0, 3, t) + rela(4, 1, t, 5) + rela(8, 1, t, 9),
                SHF_INFO_LINK,
                link=7,
                info=4,
                addralign=8,
                entsize=24,
            ),
            Sec(".symtab", SHT_SYMTAB, symtab, link=8, info=2, addralign=8, entsize=24),
            Sec(".strtab", SHT_STRTAB, bytes(names.blob)),
            Sec(".modinfo", SHT_PROGBITS, b"license=GPL\0name=synth\0", SHF_ALLOC),
        ],
        machine=machine,
        **kw,
    )
