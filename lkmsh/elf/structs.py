"""The records an ElfFile hands out: immutable, plain ints inside.

Section, Symbol and Relocation are NamedTuples rather than frozen
dataclasses: a module has hundreds of them, depmod reads a thousand modules,
and on CPython 3.11 a frozen slotted dataclass costs about ten times more
to build (1.9 us against 0.18 us). They are just as immutable and hashable.
The few-per-file records (Export, RelocSection, ModuleSignature) are frozen
dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from lkmsh.elf.constants import (
    SHF_ALLOC,
    SHF_EXECINSTR,
    SHF_WRITE,
    SHN_UNDEF,
    SHT_NOBITS,
    STB_GLOBAL,
    STB_LOCAL,
    STB_WEAK,
    STT_SECTION,
)


class Section(NamedTuple):
    """One section header. ``offset``/``size`` are validated against the file
    unless ``type`` is SHT_NOBITS (which occupies no file bytes)."""

    index: int
    name: str
    type: int
    flags: int
    addr: int
    offset: int
    size: int
    link: int
    info: int
    addralign: int
    entsize: int

    @property
    def is_nobits(self) -> bool:
        return self.type == SHT_NOBITS

    @property
    def is_alloc(self) -> bool:
        return bool(self.flags & SHF_ALLOC)

    @property
    def is_writable(self) -> bool:
        return bool(self.flags & SHF_WRITE)

    @property
    def is_executable(self) -> bool:
        return bool(self.flags & SHF_EXECINSTR)


class Symbol(NamedTuple):
    """One symbol table entry. ``shndx`` is already resolved through
    SHT_SYMTAB_SHNDX when the entry says SHN_XINDEX; special values
    (SHN_ABS, SHN_COMMON) are kept as they are."""

    index: int
    name: str
    value: int
    size: int
    bind: int
    type: int
    shndx: int
    visibility: int

    @property
    def is_undefined(self) -> bool:
        return self.shndx == SHN_UNDEF

    @property
    def is_global(self) -> bool:
        """Visible to the linker: STB_GLOBAL or STB_WEAK."""
        return self.bind == STB_GLOBAL or self.bind == STB_WEAK

    @property
    def is_local(self) -> bool:
        return self.bind == STB_LOCAL

    @property
    def is_section(self) -> bool:
        return self.type == STT_SECTION


class Relocation(NamedTuple):
    """One REL/RELA entry, already checked: ``symbol`` indexes the linked
    symbol table, ``offset`` lies inside the target section (ET_REL) or the
    loaded image (ET_DYN).

    ``addend`` is None for SHT_REL: the implicit addend lives at the place and
    its width depends on the relocation type, which only the arch layer
    knows, so the arch layer reads it."""

    offset: int
    type: int
    symbol: int
    addend: int | None


@dataclass(frozen=True, slots=True)
class RelocSection:
    """A SHT_REL/SHT_RELA section, the section it patches (None for a dynamic
    relocation section whose sh_info is 0) and the symbol table it names."""

    section: Section
    target: Section | None
    symtab: Section | None
    is_rela: bool
    relocations: list[Relocation]


@dataclass(frozen=True, slots=True)
class Export:
    """One EXPORT_SYMBOL* entry. ``symbol`` is the exported symbol in the
    module's own table, or None when the entry cannot be tied to one."""

    name: str
    symbol: Symbol | None
    gpl: bool
    namespace: str


@dataclass(frozen=True, slots=True)
class ModuleSignature:
    """An appended module signature (Linux's struct module_signature plus the
    blob before it). ``signature`` is the raw PKCS#7 (id_type 2) blob."""

    algo: int
    hash: int
    id_type: int
    signer_len: int
    key_id_len: int
    sig_len: int
    signer: bytes
    key_id: bytes
    signature: bytes


def undefined(sym: Symbol) -> bool:
    """A symbol the module needs from someone else."""
    return (
        sym.shndx == SHN_UNDEF
        and bool(sym.name)
        and (sym.bind == STB_GLOBAL or sym.bind == STB_WEAK)
    )
