"""Reading gcc-built objects: ElfFile must see what pyelftools and readelf see.

The story: a module author compiles C to an ET_REL object (and an ET_DYN
one); lkmsh's reader lists the same sections, symbols and relocations as
the reference tools, byte for byte and field for field.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from elftools.elf import enums
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

from lkmsh.elf import EM_X86_64, ET_DYN, ET_REL, ElfFile, SectionType, is_elf

SH_TYPES = {**enums.ENUM_SH_TYPE_BASE, **enums.ENUM_SH_TYPE_AMD64}


def _num(table: dict, value) -> int:
    return value if isinstance(value, int) else table[value]


def _oracle(data: bytes) -> ELFFile:
    return ELFFile(io.BytesIO(data))


@pytest.fixture(params=["rel", "dyn", "provider", "shared"])
def sample(request, built, provider_ko, shared_ko) -> bytes:
    return {
        "rel": lambda: built.rel_bytes,
        "dyn": lambda: built.dyn_bytes,
        "provider": lambda: provider_ko,
        "shared": lambda: shared_ko,
    }[request.param]()


def test_header_says_what_kind_of_file_it_is(built):
    rel = ElfFile(built.rel_bytes)
    dyn = ElfFile(built.dyn_bytes)
    assert (rel.type, rel.machine) == (ET_REL, EM_X86_64)
    assert (dyn.type, dyn.machine) == (ET_DYN, EM_X86_64)
    assert dyn.entry == _oracle(built.dyn_bytes).header["e_entry"]
    assert is_elf(built.rel_bytes) and not is_elf(b"#!/bin/sh\n")


def test_sections_match_pyelftools(sample):
    elf = ElfFile(sample)
    ref = list(_oracle(sample).iter_sections())
    assert len(elf.sections) == len(ref)
    for ours, theirs in zip(elf.sections, ref, strict=True):
        h = theirs.header
        assert ours.name == theirs.name
        assert ours.type == _num(SH_TYPES, h["sh_type"])
        assert (ours.flags, ours.addr, ours.offset, ours.size) == (
            h["sh_flags"],
            h["sh_addr"],
            h["sh_offset"],
            h["sh_size"],
        )
        assert (ours.link, ours.info, ours.addralign, ours.entsize) == (
            h["sh_link"],
            h["sh_info"],
            h["sh_addralign"],
            h["sh_entsize"],
        )
        if ours.type != SectionType.SHT_NOBITS:
            assert elf.section_data(ours) == theirs.data()
        else:
            assert elf.section_data(ours) == b""
        assert elf.section_by_name(ours.name) is not None


def _check_symbols(ours, theirs_section) -> None:
    theirs = list(theirs_section.iter_symbols())
    assert len(ours) == len(theirs)
    assert ours[0].index == 0 and ours[0].name == ""
    for sym, ref in zip(ours, theirs, strict=True):
        assert sym.name == ref.name
        assert (sym.value, sym.size) == (ref["st_value"], ref["st_size"])
        assert sym.bind == enums.ENUM_ST_INFO_BIND[ref["st_info"]["bind"]]
        assert sym.type == enums.ENUM_ST_INFO_TYPE[ref["st_info"]["type"]]
        assert sym.visibility == enums.ENUM_ST_VISIBILITY[ref["st_other"]["visibility"]]
        assert sym.shndx == _num(enums.ENUM_ST_SHNDX, ref["st_shndx"])


def test_symbols_match_pyelftools(sample):
    elf = ElfFile(sample)
    ref = _oracle(sample)
    _check_symbols(elf.symbols, ref.get_section_by_name(".symtab"))
    dynsym = ref.get_section_by_name(".dynsym")
    if dynsym is None:
        assert elf.dynamic_symbols == []
    else:
        _check_symbols(elf.dynamic_symbols, dynsym)


def test_relocations_match_pyelftools(sample):
    elf = ElfFile(sample)
    ours = {rs.section.name: rs for rs in elf.relocation_sections + elf.dynamic_relocation_sections}
    theirs = [s for s in _oracle(sample).iter_sections() if isinstance(s, RelocationSection)]
    assert sorted(ours) == sorted(s.name for s in theirs)
    for ref in theirs:
        rs = ours[ref.name]
        assert rs.is_rela == ref.is_RELA()
        assert rs.target is None if ref["sh_info"] == 0 else rs.target.index == ref["sh_info"]
        got = [(r.offset, r.type, r.symbol, r.addend) for r in rs.relocations]
        want = [
            (r["r_offset"], r["r_info_type"], r["r_info_sym"], r["r_addend"])
            for r in ref.iter_relocations()
        ]
        assert got == want


def test_static_and_dynamic_relocations_are_told_apart(built):
    rel = ElfFile(built.rel_bytes)
    assert rel.dynamic_relocations == []
    assert {rs.target.name for rs in rel.relocation_sections} >= {".text", "__ksymtab"}
    assert [rs.section.name for rs in rel.relocations_for(rel.section_by_name(".text"))] == [
        ".rela.text"
    ]
    dyn = ElfFile(built.dyn_bytes)
    assert dyn.relocation_sections == []
    assert {r.type for r in dyn.dynamic_relocations} >= {6, 7}  # GLOB_DAT, JUMP_SLOT


def test_undefined_symbols_are_the_calls_out(built):
    for data in (built.rel_bytes, built.dyn_bytes):
        names = sorted(s.name for s in ElfFile(data).undefined_symbols)
        assert names == ["maybe_hook", "printk"]
    weak = ElfFile(built.rel_bytes).symbol_by_name("maybe_hook")
    assert weak.bind == 2 and weak.is_undefined


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs binutils readelf")
def test_section_and_symbol_names_match_readelf(built):
    path = built.rel
    elf = ElfFile(path.read_bytes())
    out = subprocess.run(["readelf", "-SW", str(path)], capture_output=True, text=True).stdout
    names = re.findall(r"^\s*\[\s*(\d+)\]\s+(\S*)\s+[A-Z_]+\s", out, re.M)
    assert [(int(i), n) for i, n in names if int(i) > 0] == [
        (s.index, s.name) for s in elf.sections[1:]
    ]
    out = subprocess.run(["readelf", "-sW", str(path)], capture_output=True, text=True).stdout
    readelf_globals = {
        line.split()[7] for line in out.splitlines() if " GLOBAL " in line or " WEAK " in line
    }
    assert readelf_globals == {s.name for s in elf.symbols if s.is_global}
