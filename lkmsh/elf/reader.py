"""ElfFile: a validated, read-only view of one ELF64 little-endian module image.

The constructor checks the header, the section table and both symbol
tables (names, section indices), so anything reachable from ``sections`` or
``symbols`` is already known good. Relocations, exports and modinfo are
parsed on first use and checked before they are returned. Parsing is plain
``struct`` over the bytes: this sits under depmod over a thousand modules.
"""

from __future__ import annotations

import struct
from functools import cached_property

from lkmsh.elf.constants import (
    ET_DYN,
    KSYMTAB_LABEL,
    SHF_ALLOC,
    SHN_LORESERVE,
    SHN_UNDEF,
    SHN_XINDEX,
    SHT_DYNSYM,
    SHT_REL,
    SHT_RELA,
    SHT_SYMTAB,
    SHT_SYMTAB_SHNDX,
    STB_GLOBAL,
    STB_WEAK,
    ElfType,
)
from lkmsh.elf.modinfo import MODINFO_SECTION, parse_modinfo
from lkmsh.elf.sections import parse_header, parse_sections, read_cstring, section_bytes
from lkmsh.elf.signature import split_signature
from lkmsh.elf.structs import ModuleSignature, Relocation, RelocSection, Section, Symbol
from lkmsh.errors import ElfError

_SYM = struct.Struct("<IBBHQQ")
_RELA = struct.Struct("<QQq")
_REL = struct.Struct("<QQ")
_VERSION = struct.Struct("<Q56s")
_new = tuple.__new__

# Section names that also start with "__ksymtab_" and are not export labels.
_KSYMTAB_SECTION_NAMES = frozenset(
    {
        "__ksymtab_gpl",
        "__ksymtab_strings",
        "__ksymtab_gpl_future",
        "__ksymtab_unused",
        "__ksymtab_unused_gpl",
    }
)


class ElfFile:
    """A module image. Raises lkmsh.errors.ElfError (ENOEXEC) for anything
    malformed; never another exception for bad bytes.

    A signed module (``~Module signature appended~\\n`` trailer) is read as
    the ELF before the signature, and its sections must lie within that
    prefix, as Linux strips the signature before checking the ELF.
    """

    def __init__(self, data: bytes | bytearray | memoryview):
        data = bytes(data)  # no copy for bytes; a stable snapshot otherwise
        self._data = data
        size, sig = split_signature(data)
        self.image_size: int = size
        self.signature_info: ModuleSignature | None = sig
        header, _sec0 = parse_header(data, size)
        self.type: ElfType = header.type
        self.machine: int = header.machine
        self.entry: int = header.entry
        self.sections: list[Section] = parse_sections(data, size, header)
        by_name: dict[str, Section] = {}
        for section in self.sections:
            by_name.setdefault(section.name, section)
        self._by_name = by_name

        self._symtab = self._only_one(SHT_SYMTAB)
        self._dynsym = self._only_one(SHT_DYNSYM)
        self.symbols: list[Symbol] = self._read_symbols(self._symtab) if self._symtab else []
        self.dynamic_symbols: list[Symbol] = (
            self._read_symbols(self._dynsym) if self._dynsym else []
        )

    # -- sections ---------------------------------------------------------

    @property
    def data(self) -> bytes:
        """The whole file as given (signature included)."""
        return self._data

    @property
    def appended_signature(self) -> bytes | None:
        """The raw signature blob (PKCS#7) of a signed module, else None."""
        return self.signature_info.signature if self.signature_info else None

    def section_by_name(self, name: str) -> Section | None:
        """The first section with this name."""
        return self._by_name.get(name)

    def section_data(self, section: Section | int) -> bytes:
        """The section's bytes (b"" for SHT_NOBITS). Uses this file's own
        validated header for the index, not the fields of the object given."""
        index = section if isinstance(section, int) else section.index
        if not 0 <= index < len(self.sections):
            raise ElfError(f"no section {index} (file has {len(self.sections)})")
        return section_bytes(self._data, self.sections[index])

    def _only_one(self, stype: int) -> Section | None:
        found = [s for s in self.sections if s.type == stype]
        if len(found) > 1:
            raise ElfError(
                f"more than one {'.symtab' if stype == SHT_SYMTAB else '.dynsym'} section"
            )
        return found[0] if found else None

    # -- symbols ----------------------------------------------------------

    def _read_symbols(self, symsec: Section) -> list[Symbol]:
        strsec = self.sections[symsec.link]
        strtab = self.section_data(strsec)
        view = memoryview(self._data)[symsec.offset : symsec.offset + symsec.size]
        raw = list(_SYM.iter_unpack(view))
        shnum = len(self.sections)
        xindex = self._extended_indices(symsec, len(raw))
        # Fast path for the usual file: an ASCII name table ending in NUL (so
        # every in-range offset finds its terminator), no SHN_XINDEX, every
        # section index in range or reserved. Decoding the table once and
        # slicing str is about twice as fast as decoding name by name.
        if (
            raw
            and strtab.endswith(b"\0")
            and strtab.isascii()
            and max(r[0] for r in raw) < len(strtab)
            and all(_plain_shndx(x, shnum) for x in {r[3] for r in raw})
        ):
            text = strtab.decode("ascii")
            index = text.index
            return [
                _new(
                    Symbol,
                    (i, text[n : index("\0", n)], value, size, info >> 4, info & 0xF, x, other & 3),
                )
                for i, (n, info, other, x, value, size) in enumerate(raw)
            ]
        return self._read_symbols_checked(symsec, strsec, strtab, raw, xindex)

    def _read_symbols_checked(self, symsec, strsec, strtab, raw, xindex) -> list[Symbol]:
        """Entry by entry, naming the first bad one."""
        strsize = len(strtab)
        find = strtab.find
        shnum = len(self.sections)
        table = symsec.name
        out: list[Symbol] = []
        for i, (n, info, other, shndx, value, size) in enumerate(raw):
            if n:
                end = find(b"\0", n) if n < strsize else -1
                if end < 0:
                    raise ElfError(
                        f"name of symbol {i} of {table} is not a string in {strsec.name}"
                    )
                name = strtab[n:end].decode("utf-8", "surrogateescape")
            else:
                name = ""
            if shndx >= shnum:
                if shndx == SHN_XINDEX and xindex is not None:
                    shndx = xindex[i]
                    if shndx >= shnum:
                        raise ElfError(
                            f"symbol {i} ({name}) of {table} names section {shndx} of {shnum}"
                        )
                elif shndx < SHN_LORESERVE or shndx == SHN_XINDEX:
                    raise ElfError(
                        f"symbol {i} ({name}) of {table} names section {shndx} of {shnum}"
                    )
            out.append(
                _new(Symbol, (i, name, value, size, info >> 4, info & 0xF, shndx, other & 3))
            )
        return out

    def _extended_indices(self, symsec: Section, count: int) -> tuple[int, ...] | None:
        for sec in self.sections:
            if sec.type == SHT_SYMTAB_SHNDX and sec.link == symsec.index:
                if sec.size < 4 * count:
                    raise ElfError(f"extended index table {sec.name} is shorter than {symsec.name}")
                return struct.unpack_from(f"<{count}I", self._data, sec.offset)
        return None

    @cached_property
    def _symbols_by_name(self) -> dict[str, Symbol]:
        """Name -> symbol, preferring a defined global, then any defined one."""
        best: dict[str, Symbol] = {}
        for table in (self.symbols, self.dynamic_symbols):
            for sym in table:
                if not sym.name:
                    continue
                old = best.get(sym.name)
                if old is None or _rank(sym) > _rank(old):
                    best[sym.name] = sym
        return best

    def symbol_by_name(self, name: str) -> Symbol | None:
        """The symbol called ``name`` (.symtab first, then .dynsym), preferring
        a defined global one."""
        return self._symbols_by_name.get(name)

    @cached_property
    def undefined_symbols(self) -> list[Symbol]:
        """Global and weak symbols the module needs from elsewhere: from
        .dynsym for an ET_DYN file that has one, else from .symtab."""
        table = self.dynamic_symbols if self.type == ET_DYN and self._dynsym else self.symbols
        return [
            s
            for s in table
            if s.shndx == SHN_UNDEF and s.name and (s.bind == STB_GLOBAL or s.bind == STB_WEAK)
        ]

    # -- relocations ------------------------------------------------------

    @cached_property
    def _all_relocations(self) -> tuple[list[RelocSection], list[RelocSection]]:
        static: list[RelocSection] = []
        dynamic: list[RelocSection] = []
        for sec in self.sections:
            if sec.type != SHT_RELA and sec.type != SHT_REL:
                continue
            linked = self.sections[sec.link] if sec.link else None
            is_dynamic = (linked is not None and linked.type == SHT_DYNSYM) or (
                linked is None and self.type == ET_DYN
            )
            (dynamic if is_dynamic else static).append(self._read_relocations(sec, linked))
        return static, dynamic

    @property
    def relocation_sections(self) -> list[RelocSection]:
        """REL/RELA sections against .symtab (all of them in an ET_REL module)."""
        return self._all_relocations[0]

    @property
    def dynamic_relocation_sections(self) -> list[RelocSection]:
        """REL/RELA sections against .dynsym (ET_DYN: .rela.dyn, .rela.plt)."""
        return self._all_relocations[1]

    @cached_property
    def dynamic_relocations(self) -> list[Relocation]:
        """Every dynamic relocation of an ET_DYN file, offsets being addresses."""
        return [r for rs in self.dynamic_relocation_sections for r in rs.relocations]

    def relocations_for(self, section: Section) -> list[RelocSection]:
        """The static relocation sections that patch ``section``."""
        return [
            rs for rs in self.relocation_sections if rs.target and rs.target.index == section.index
        ]

    @cached_property
    def _image_span(self) -> tuple[int, int]:
        alloc = [s for s in self.sections if s.flags & SHF_ALLOC and s.size]
        if not alloc:
            return 0, 0
        return min(s.addr for s in alloc), max(s.addr + s.size for s in alloc)

    def _read_relocations(self, sec: Section, symtab: Section | None) -> RelocSection:
        is_rela = sec.type == SHT_RELA
        if symtab is None:
            nsyms = 0
        elif symtab.type == SHT_DYNSYM:
            nsyms = len(self.dynamic_symbols)
        else:
            nsyms = len(self.symbols)
        target = self.sections[sec.info] if sec.info else None
        if target is not None:
            lo = target.addr if self.type == ET_DYN else 0
            hi = lo + target.size
            where = f"{target.name} (0x{target.size:x} bytes)"
        else:
            lo, hi = self._image_span
            where = "the loaded image"
        view = memoryview(self._data)[sec.offset : sec.offset + sec.size]
        if is_rela:
            out = [
                _new(Relocation, (offset, info & 0xFFFFFFFF, info >> 32, addend))
                for offset, info, addend in _RELA.iter_unpack(view)
            ]
        else:
            out = [
                _new(Relocation, (offset, info & 0xFFFFFFFF, info >> 32, None))
                for offset, info in _REL.iter_unpack(view)
            ]
        # Check in bulk (C loops), then name the first bad entry if there is one.
        if out and (
            max(r.symbol for r in out) >= max(nsyms, 1)
            or min(r.offset for r in out) < lo
            or max(r.offset for r in out) >= hi
        ):
            for i, r in enumerate(out):
                if r.symbol and r.symbol >= nsyms:
                    raise ElfError(
                        f"relocation {i} of {sec.name} names symbol {r.symbol} of {nsyms}"
                    )
                if not lo <= r.offset < hi:
                    raise ElfError(
                        f"relocation {i} of {sec.name} at 0x{r.offset:x} is outside {where}"
                    )
        return RelocSection(sec, target, symtab, is_rela, out)

    # -- module metadata --------------------------------------------------

    @cached_property
    def modinfo(self) -> list[tuple[str, str]]:
        """`.modinfo` records as (key, value), in file order."""
        sec = self.section_by_name(MODINFO_SECTION)
        return parse_modinfo(self.section_data(sec)) if sec else []

    @cached_property
    def exports(self):
        """EXPORT_SYMBOL* entries of __ksymtab then __ksymtab_gpl (list[Export])."""
        from lkmsh.elf.exports import decode_exports

        return decode_exports(self)

    def ksymtab_symbol_names(self) -> list[str]:
        """Export names from the ``__ksymtab_NAME`` labels, in symbol table
        order: what kmod's depmod falls back to for a module's exports."""
        n = len(KSYMTAB_LABEL)
        return [
            s.name[n:]
            for s in self.symbols
            if s.name.startswith(KSYMTAB_LABEL) and s.name not in _KSYMTAB_SECTION_NAMES
        ]

    def ksymtab_strings(self) -> list[str]:
        """Every non-empty string of ``__ksymtab_strings`` (export names and
        namespaces), which is what kmod's depmod reads first."""
        sec = self.section_by_name("__ksymtab_strings")
        if sec is None:
            return []
        parts = self.section_data(sec).split(b"\0")
        parts.pop()  # unterminated tail (or the empty string after the last NUL)
        return [p.decode("utf-8", "surrogateescape") for p in parts if p]

    @cached_property
    def modversions(self) -> list[tuple[str, int]]:
        """(symbol, CRC) pairs of a CONFIG_MODVERSIONS module's ``__versions``."""
        sec = self.section_by_name("__versions")
        if sec is None:
            return []
        blob = self.section_data(sec)
        if len(blob) % _VERSION.size:
            raise ElfError(f"__versions size {len(blob)} is not a multiple of {_VERSION.size}")
        out = []
        for i, (crc, raw) in enumerate(_VERSION.iter_unpack(blob)):
            name = read_cstring(raw, 0, f"__versions entry {i}")
            out.append((name.decode("utf-8", "surrogateescape"), crc))
        return out

    def __repr__(self) -> str:
        return f"<ElfFile {self.type.name} machine={self.machine} sections={len(self.sections)}>"


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _plain_shndx(shndx: int, shnum: int) -> bool:
    """In range, or a reserved value other than SHN_XINDEX (SHN_ABS, SHN_COMMON)."""
    return shndx < shnum or (shndx >= SHN_LORESERVE and shndx != SHN_XINDEX)


def _rank(sym: Symbol) -> int:
    defined = sym.shndx != SHN_UNDEF
    return (2 if defined else 0) + (1 if sym.bind == STB_GLOBAL or sym.bind == STB_WEAK else 0)
