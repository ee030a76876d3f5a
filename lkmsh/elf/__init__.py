"""Validated, read-only views of ELF64 module images (ET_REL and ET_DYN).

``ElfFile(data)`` checks everything before handing it out and raises
``lkmsh.errors.ElfError`` (ENOEXEC) for a bad file; ``read_modinfo`` is the
fast path for tools that only want ``.modinfo``. Nothing here knows about
the kernel.
"""

from lkmsh.elf.constants import (
    EM_AARCH64,
    EM_X86_64,
    ET_DYN,
    ET_REL,
    ElfType,
    Machine,
    SectionFlag,
    SectionType,
    SymbolBind,
    SymbolType,
    SymbolVisibility,
)
from lkmsh.elf.modinfo import parse_modinfo, read_modinfo
from lkmsh.elf.reader import ElfFile
from lkmsh.elf.sections import is_elf
from lkmsh.elf.signature import SIGNATURE_MAGIC
from lkmsh.elf.structs import (
    Export,
    ModuleSignature,
    Relocation,
    RelocSection,
    Section,
    Symbol,
)

__all__ = [
    "EM_AARCH64",
    "EM_X86_64",
    "ET_DYN",
    "ET_REL",
    "SIGNATURE_MAGIC",
    "ElfFile",
    "ElfType",
    "Export",
    "Machine",
    "ModuleSignature",
    "RelocSection",
    "Relocation",
    "Section",
    "SectionFlag",
    "SectionType",
    "Symbol",
    "SymbolBind",
    "SymbolType",
    "SymbolVisibility",
    "is_elf",
    "parse_modinfo",
    "read_modinfo",
]
