"""The ELF header and section header table: the checks every other part relies on.

Kept apart from the symbol and relocation parsing so ``read_modinfo`` (modinfo,
depmod) can stop here. Every field is checked before it sizes anything: a
count is only multiplied into a slice after the product is compared with the
file length, and Python's unbounded ints make the arithmetic overflow-free.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from lkmsh.elf.constants import (
    EHDR_SIZE,
    ELF_MAGIC,
    ELFCLASS64,
    ELFDATA2LSB,
    ET_DYN,
    ET_REL,
    EV_CURRENT,
    MACHINE_NAMES,
    REL_SIZE,
    RELA_SIZE,
    SHDR_SIZE,
    SHF_INFO_LINK,
    SHN_XINDEX,
    SHT_DYNAMIC,
    SHT_DYNSYM,
    SHT_NOBITS,
    SHT_NULL,
    SHT_REL,
    SHT_RELA,
    SHT_STRTAB,
    SHT_SYMTAB,
    SHT_SYMTAB_SHNDX,
    SUPPORTED_MACHINES,
    SYM_SIZE,
    ElfType,
)
from lkmsh.elf.structs import Section
from lkmsh.errors import ElfError

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_SHDR = struct.Struct("<IIQQQQIIQQ")
_new = tuple.__new__


@dataclass(frozen=True, slots=True)
class Header:
    """The ELF header fields the reader checks and uses."""

    type: int
    machine: int
    entry: int
    shoff: int
    shnum: int
    shstrndx: int


def is_elf(data: bytes | bytearray | memoryview) -> bool:
    """Cheap sniff: the four magic bytes, nothing more."""
    return len(data) >= 4 and bytes(data[:4]) == ELF_MAGIC


def parse_header(data: bytes, size: int) -> tuple[Header, tuple]:
    """Check the ELF header; return it and the raw section 0 header tuple
    (which carries the real counts under extended numbering)."""
    if size < 4 or data[:4] != ELF_MAGIC:
        raise ElfError("not an ELF file")
    if size < EHDR_SIZE:
        raise ElfError("ELF header truncated")
    (
        ident,
        e_type,
        machine,
        version,
        entry,
        _phoff,
        shoff,
        _flags,
        _ehsize,
        _phentsize,
        _phnum,
        shentsize,
        shnum,
        shstrndx,
    ) = _EHDR.unpack_from(data, 0)
    if ident[4] != ELFCLASS64:
        raise ElfError(f"not a 64-bit ELF file (class {ident[4]})")
    if ident[5] != ELFDATA2LSB:
        raise ElfError(f"not a little-endian ELF file (data encoding {ident[5]})")
    if ident[6] != EV_CURRENT or version != EV_CURRENT:
        raise ElfError(f"unsupported ELF version {ident[6] if ident[6] != EV_CURRENT else version}")
    if e_type != ET_REL and e_type != ET_DYN:
        try:
            label = ElfType(e_type).name
        except ValueError:
            label = "unknown"
        raise ElfError(f"unsupported ELF type {e_type} ({label}): need ET_REL or ET_DYN")
    if machine not in SUPPORTED_MACHINES:
        raise ElfError(f"unsupported machine {machine} ({MACHINE_NAMES.get(machine, 'unknown')})")
    if shoff == 0:
        raise ElfError("no section header table")
    if shentsize != SHDR_SIZE:
        raise ElfError(f"section header size {shentsize} is not {SHDR_SIZE}")
    if shoff + SHDR_SIZE > size:
        raise ElfError("section header table extends past end of file")
    sec0 = _SHDR.unpack_from(data, shoff)
    if shnum == 0:  # extended numbering: the count lives in section 0's sh_size
        shnum = sec0[5]
    if shstrndx == SHN_XINDEX:  # and the name table index in its sh_link
        shstrndx = sec0[6]
    if shnum == 0:
        raise ElfError("no sections")
    if shoff + shnum * SHDR_SIZE > size:
        raise ElfError(f"section header table ({shnum} sections) extends past end of file")
    if shstrndx == 0 or shstrndx >= shnum:
        raise ElfError(f"section name table index {shstrndx} out of range ({shnum} sections)")
    return Header(ElfType(e_type), machine, entry, shoff, shnum, shstrndx), sec0


def parse_sections(data: bytes, size: int, header: Header) -> list[Section]:
    """Read and check the section header table: names, extents, overlaps,
    alignment, and the sh_link/sh_info indices of the sections that have them."""
    shoff, shnum = header.shoff, header.shnum
    raw = list(_SHDR.iter_unpack(memoryview(data)[shoff : shoff + shnum * SHDR_SIZE]))

    strhdr = raw[header.shstrndx]
    if strhdr[1] != SHT_STRTAB:
        raise ElfError(f"section name table (section {header.shstrndx}) is not a string table")
    str_off, str_size = strhdr[4], strhdr[5]
    if str_off + str_size > size:
        raise ElfError(f"section {header.shstrndx} extends past end of file")
    names = data[str_off : str_off + str_size]

    sections: list[Section] = []
    extents: list[tuple[int, int, int]] = []
    is_rel = header.type == ET_REL
    for index, (name_off, stype, flags, addr, off, sz, link, info, align, entsize) in enumerate(
        raw
    ):
        if index == 0:
            name = ""
        else:
            end = names.find(b"\0", name_off) if name_off < str_size else -1
            if end < 0:
                raise ElfError(f"name of section {index} is not a string in the section name table")
            name = names[name_off:end].decode("utf-8", "surrogateescape")
        if stype != SHT_NOBITS and stype != SHT_NULL and sz:
            if off + sz > size:
                raise ElfError(f"section {index} ({name}) extends past end of file")
            extents.append((off, off + sz, index))
        if align & (align - 1):
            raise ElfError(f"section {index} ({name}) alignment {align} is not a power of two")
        if link >= shnum:
            raise ElfError(f"section {index} ({name}) links to section {link} of {shnum}")
        if stype in (SHT_REL, SHT_RELA):
            want = RELA_SIZE if stype == SHT_RELA else REL_SIZE
            if entsize != want or sz % want:
                raise ElfError(
                    f"relocation section {index} ({name}) has entry size {entsize}, "
                    f"size {sz}: need entries of {want} bytes"
                )
            if link and raw[link][1] != SHT_SYMTAB and raw[link][1] != SHT_DYNSYM:
                raise ElfError(f"relocation section {index} ({name}) links to a non-symbol table")
            if info >= shnum or info == index or (is_rel and info == 0):
                raise ElfError(
                    f"relocation section {index} ({name}) applies to section {info} of {shnum}"
                )
            if info and raw[info][1] == SHT_NULL:
                raise ElfError(f"relocation section {index} ({name}) applies to a null section")
        elif stype in (SHT_SYMTAB, SHT_DYNSYM):
            if entsize != SYM_SIZE or sz % SYM_SIZE:
                raise ElfError(
                    f"symbol table {index} ({name}) has entry size {entsize}, size {sz}: "
                    f"need entries of {SYM_SIZE} bytes"
                )
            if raw[link][1] != SHT_STRTAB or link == 0:
                raise ElfError(f"symbol table {index} ({name}) links to a non-string table")
            if info > sz // SYM_SIZE:
                raise ElfError(
                    f"symbol table {index} ({name}) says {info} local symbols of {sz // SYM_SIZE}"
                )
        elif stype == SHT_SYMTAB_SHNDX:
            if raw[link][1] != SHT_SYMTAB:
                raise ElfError(f"extended index table {index} ({name}) links to a non-symbol table")
        elif stype == SHT_DYNAMIC:
            if raw[link][1] != SHT_STRTAB:
                raise ElfError(f"dynamic section {index} ({name}) links to a non-string table")
        elif flags & SHF_INFO_LINK and info >= shnum:
            raise ElfError(f"section {index} ({name}) refers to section {info} of {shnum}")
        sections.append(
            Section(index, name, stype, flags, addr, off, sz, link, info, align, entsize)
        )

    _check_overlaps(extents, shoff, shoff + shnum * SHDR_SIZE)
    return sections


def _check_overlaps(extents: list[tuple[int, int, int]], table_start: int, table_end: int) -> None:
    """No two file-backed sections share bytes, none covers the ELF header or
    the section header table: a well-formed file never does, and a hostile
    one that does could make one section's patching change another's bytes."""
    extents.sort()
    prev_end, prev_index = EHDR_SIZE, None
    for start, end, index in extents:
        if start < prev_end:
            if prev_index is None:
                raise ElfError(f"section {index} overlaps the ELF header")
            raise ElfError(f"sections {prev_index} and {index} overlap")
        if start < table_end and table_start < end:
            raise ElfError(f"section {index} overlaps the section header table")
        prev_end, prev_index = end, index


def section_bytes(data: bytes, section: Section) -> bytes:
    """A section's file bytes; nothing for NOBITS and NULL sections, whose
    extents are never checked because they occupy no file bytes."""
    if section.type == SHT_NOBITS or section.type == SHT_NULL:
        return b""
    return data[section.offset : section.offset + section.size]


def read_cstring(blob: bytes, offset: int, what: str) -> bytes:
    """The NUL-terminated string at ``offset`` inside ``blob``, or ElfError."""
    end = blob.find(b"\0", offset) if 0 <= offset < len(blob) else -1
    if end < 0:
        raise ElfError(f"{what} is not a NUL-terminated string inside its table")
    return blob[offset:end]
