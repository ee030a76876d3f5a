"""Files gcc on this machine will not write, built byte by byte: REL-style
relocations, AArch64 modules, extended section numbering, SHN_XINDEX symbols,
foreign machines. The reader must handle each the way the ELF spec says."""

from __future__ import annotations

import struct

import pytest
from elf_synth import Sec, Strtab, build_elf, export_module, sym

from lkmsh.elf import EM_AARCH64, EM_X86_64, ElfFile, read_modinfo
from lkmsh.elf.constants import (
    SHF_ALLOC,
    SHT_PROGBITS,
    SHT_STRTAB,
    SHT_SYMTAB,
    SHT_SYMTAB_SHNDX,
)
from lkmsh.errors import ElfError


@pytest.mark.parametrize("machine", [EM_X86_64, EM_AARCH64], ids=["x86_64", "aarch64"])
def test_exports_through_rel_and_rela_on_both_machines(machine):
    elf = ElfFile(export_module(machine))
    assert elf.machine == machine
    assert [(e.name, e.gpl, e.namespace, e.symbol.name) for e in elf.exports] == [
        ("foo", False, "", "foo"),
        ("bar", True, "GPL_NS", "bar"),
    ]
    rel_sec, rela_sec = elf.relocation_sections
    assert not rel_sec.is_rela and [r.addend for r in rel_sec.relocations] == [None] * 3
    assert rela_sec.is_rela and [r.addend for r in rela_sec.relocations] == [0, 5, 9]
    assert rel_sec.target.name == "__ksymtab" and rela_sec.symtab.name == ".symtab"
    assert elf.modinfo == [("license", "GPL"), ("name", "synth")]


def test_extended_section_numbering_reads_the_same():
    plain = ElfFile(export_module(EM_X86_64))
    extended = ElfFile(export_module(EM_X86_64, extended=True))
    assert extended.sections[1:] == plain.sections[1:]
    assert extended.sections[0].size == len(plain.sections)
    assert extended.exports == plain.exports
    assert read_modinfo(export_module(EM_X86_64, extended=True)) == plain.modinfo


def _xindex_module(with_table: bool) -> bytes:
    names = Strtab()
    symtab = sym(0) + sym(names.add("far"), value=4, bind=1, type_=1, shndx=0xFFFF)
    sections = [
        Sec(".data", SHT_PROGBITS, bytes(8), SHF_ALLOC),
        Sec(".symtab", SHT_SYMTAB, symtab, link=3, info=1, addralign=8, entsize=24),
        Sec(".strtab", SHT_STRTAB, bytes(names.blob)),
    ]
    if with_table:
        sections.append(
            Sec(".symtab_shndx", SHT_SYMTAB_SHNDX, struct.pack("<II", 0, 1), link=2, entsize=4)
        )
    return build_elf(sections)


def test_shn_xindex_symbols_take_their_section_from_the_extended_table():
    far = ElfFile(_xindex_module(True)).symbol_by_name("far")
    assert far.shndx == 1 and far.value == 4
    with pytest.raises(ElfError, match="symbol 1 \\(far\\) of .symtab names section 65535"):
        ElfFile(_xindex_module(False))


@pytest.mark.parametrize(
    ("machine", "message"),
    [
        (40, "unsupported machine 40 (ARM)"),
        (3, "unsupported machine 3 (i386)"),
        (999, "unsupported machine 999"),
    ],
)
def test_foreign_machines_are_named(machine, message):
    with pytest.raises(ElfError, match=message.replace("(", "\\(").replace(")", "\\)")):
        ElfFile(
            export_module(EM_X86_64)[:18]
            + struct.pack("<H", machine)
            + export_module(EM_X86_64)[20:]
        )


def test_executables_are_not_modules():
    with pytest.raises(ElfError, match="unsupported ELF type 2 \\(ET_EXEC\\)"):
        ElfFile(build_elf([], e_type=2))


def test_an_elf_with_only_the_name_table_is_valid_and_empty():
    elf = ElfFile(build_elf([]))
    assert [s.name for s in elf.sections] == ["", ".shstrtab"]
    assert (elf.symbols, elf.exports, elf.modinfo, elf.undefined_symbols) == ([], [], [], [])
    assert elf.relocation_sections == [] and elf.dynamic_relocations == []


def _versions_module(names: list[bytes]) -> bytes:
    blob = b"".join(struct.pack("<Q56s", 0x1000 + i, n) for i, n in enumerate(names))
    return build_elf([Sec("__versions", SHT_PROGBITS, blob, SHF_ALLOC, addralign=8)])


def test_modversions_pairs_each_needed_symbol_with_its_crc():
    elf = ElfFile(_versions_module([b"module_layout", b"printk"]))
    assert elf.modversions == [("module_layout", 0x1000), ("printk", 0x1001)]
    with pytest.raises(ElfError, match="__versions entry 1 is not a NUL-terminated string"):
        ElfFile(_versions_module([b"ok", b"x" * 56])).modversions  # noqa: B018


def test_section_data_uses_the_files_own_headers():
    elf = ElfFile(export_module(EM_X86_64))
    forged = elf.sections[1]._replace(offset=0, size=10**9)
    assert elf.section_data(forged) == elf.section_data(1) == b"\xc3" * 16
    with pytest.raises(ElfError, match="no section 99"):
        elf.section_data(99)
