"""ELF64 numbers lkmsh reads (from the System V gABI and the x86-64/AArch64 psABIs).

Parsed records keep these as plain ints (IntEnum members compare equal to
them), so building thousands of symbols stays cheap; the enums are for
naming and display.
"""

from __future__ import annotations

from enum import IntEnum

ELF_MAGIC = b"\x7fELF"
ELFCLASS64 = 2
ELFDATA2LSB = 1
EV_CURRENT = 1

EHDR_SIZE = 64
SHDR_SIZE = 64
SYM_SIZE = 24
REL_SIZE = 16
RELA_SIZE = 24


class ElfType(IntEnum):
    ET_NONE = 0
    ET_REL = 1
    ET_EXEC = 2
    ET_DYN = 3
    ET_CORE = 4


ET_REL = ElfType.ET_REL
ET_DYN = ElfType.ET_DYN


class Machine(IntEnum):
    EM_386 = 3
    EM_ARM = 40
    EM_X86_64 = 62
    EM_AARCH64 = 183
    EM_RISCV = 243


EM_X86_64 = Machine.EM_X86_64
EM_AARCH64 = Machine.EM_AARCH64
SUPPORTED_MACHINES = frozenset({EM_X86_64, EM_AARCH64})

# How an unsupported machine is named in errors ("unsupported machine 40 (ARM)").
MACHINE_NAMES = {
    0: "none",
    2: "SPARC",
    3: "i386",
    8: "MIPS",
    20: "PowerPC",
    21: "PowerPC64",
    22: "S390",
    40: "ARM",
    42: "SuperH",
    43: "SPARC v9",
    50: "IA-64",
    62: "x86-64",
    183: "AArch64",
    243: "RISC-V",
    258: "LoongArch",
}


class SectionType(IntEnum):
    SHT_NULL = 0
    SHT_PROGBITS = 1
    SHT_SYMTAB = 2
    SHT_STRTAB = 3
    SHT_RELA = 4
    SHT_HASH = 5
    SHT_DYNAMIC = 6
    SHT_NOTE = 7
    SHT_NOBITS = 8
    SHT_REL = 9
    SHT_SHLIB = 10
    SHT_DYNSYM = 11
    SHT_INIT_ARRAY = 14
    SHT_FINI_ARRAY = 15
    SHT_PREINIT_ARRAY = 16
    SHT_GROUP = 17
    SHT_SYMTAB_SHNDX = 18
    SHT_GNU_HASH = 0x6FFFFFF6
    SHT_GNU_VERDEF = 0x6FFFFFFD
    SHT_GNU_VERNEED = 0x6FFFFFFE
    SHT_GNU_VERSYM = 0x6FFFFFFF


SHT_NULL = 0
SHT_PROGBITS = 1
SHT_SYMTAB = 2
SHT_STRTAB = 3
SHT_RELA = 4
SHT_HASH = 5
SHT_DYNAMIC = 6
SHT_NOBITS = 8
SHT_REL = 9
SHT_DYNSYM = 11
SHT_SYMTAB_SHNDX = 18
SHT_GNU_HASH = 0x6FFFFFF6
SHT_GNU_VERSYM = 0x6FFFFFFF


class SectionFlag(IntEnum):
    SHF_WRITE = 0x1
    SHF_ALLOC = 0x2
    SHF_EXECINSTR = 0x4
    SHF_MERGE = 0x10
    SHF_STRINGS = 0x20
    SHF_INFO_LINK = 0x40
    SHF_LINK_ORDER = 0x80
    SHF_GROUP = 0x200
    SHF_TLS = 0x400


SHF_WRITE = 0x1
SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4
SHF_INFO_LINK = 0x40

SHN_UNDEF = 0
SHN_LORESERVE = 0xFF00
SHN_ABS = 0xFFF1
SHN_COMMON = 0xFFF2
SHN_XINDEX = 0xFFFF


class SymbolBind(IntEnum):
    STB_LOCAL = 0
    STB_GLOBAL = 1
    STB_WEAK = 2
    STB_GNU_UNIQUE = 10


STB_LOCAL = 0
STB_GLOBAL = 1
STB_WEAK = 2


class SymbolType(IntEnum):
    STT_NOTYPE = 0
    STT_OBJECT = 1
    STT_FUNC = 2
    STT_SECTION = 3
    STT_FILE = 4
    STT_COMMON = 5
    STT_TLS = 6
    STT_GNU_IFUNC = 10


STT_NOTYPE = 0
STT_OBJECT = 1
STT_FUNC = 2
STT_SECTION = 3
STT_FILE = 4


class SymbolVisibility(IntEnum):
    STV_DEFAULT = 0
    STV_INTERNAL = 1
    STV_HIDDEN = 2
    STV_PROTECTED = 3


# Relocation types the reader itself needs (to decode __ksymtab); the arch
# layer owns the full tables.
R_X86_64_64 = 1
R_X86_64_PC32 = 2
R_X86_64_RELATIVE = 8
R_AARCH64_ABS64 = 257
R_AARCH64_PREL32 = 261
R_AARCH64_RELATIVE = 1027

# Place-relative 32-bit types: a struct kernel_symbol field holds S + A - P.
PREL32_TYPES = {EM_X86_64: R_X86_64_PC32, EM_AARCH64: R_AARCH64_PREL32}
# Absolute 64-bit types: pre-4.19 kernels stored plain pointers in __ksymtab.
ABS64_TYPES = {EM_X86_64: R_X86_64_64, EM_AARCH64: R_AARCH64_ABS64}

# Every export entry is labelled by a symbol __ksymtab_NAME (all layouts).
KSYMTAB_LABEL = "__ksymtab_"
