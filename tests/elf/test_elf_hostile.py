"""Hostile and broken files: every one is refused with ElfError naming the
problem, or read consistently — never another exception, never an
allocation sized from a field nobody checked.

The story: a user runs `modinfo` or `insmod` on a truncated download, a
fuzzed file, a file with 2^60-byte sections; lkmsh answers with one clear
line ("section 1 (.text) extends past end of file"), not a traceback.
"""

from __future__ import annotations

import struct
from datetime import timedelta
from pathlib import Path

import pytest
from elf_synth import Sec, build_elf, export_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lkmsh.elf import ElfFile, read_modinfo
from lkmsh.elf.constants import SHT_PROGBITS, SHT_STRTAB, SHT_SYMTAB
from lkmsh.errors import ElfError

SAMPLES = Path(__file__).resolve().parents[2] / "sample_modules"
PROVIDER = (SAMPLES / "provider.ko").read_bytes()
#: entries of its .symtab (the builder's modpost records add symbols: counted, not written down)
PROVIDER_SYMBOLS = ElfFile(PROVIDER).section_by_name(".symtab").size // 24
SHARED = (SAMPLES / "shared_hello.ko").read_bytes()
SYNTH_REL = export_module(183, extended=True)

EHDR_FIELDS = {  # name: (offset, struct format)
    "e_type": (16, "<H"),
    "e_machine": (18, "<H"),
    "e_version": (20, "<I"),
    "e_shoff": (40, "<Q"),
    "e_shentsize": (58, "<H"),
    "e_shnum": (60, "<H"),
    "e_shstrndx": (62, "<H"),
}
SHDR_FIELDS = {
    "name": (0, "<I"),
    "type": (4, "<I"),
    "flags": (8, "<Q"),
    "addr": (16, "<Q"),
    "offset": (24, "<Q"),
    "size": (32, "<Q"),
    "link": (40, "<I"),
    "info": (44, "<I"),
    "addralign": (48, "<Q"),
    "entsize": (56, "<Q"),
}


def read_everything(data: bytes) -> ElfFile:
    """Touch every part of the view, lazy parts included."""
    elf = ElfFile(data)
    for section in elf.sections:
        elf.section_data(section)
    _ = (elf.symbols, elf.dynamic_symbols, elf.undefined_symbols)
    _ = (elf.relocation_sections, elf.dynamic_relocations, elf.modinfo, elf.exports)
    _ = (elf.ksymtab_symbol_names(), elf.ksymtab_strings(), elf.modversions)
    assert read_modinfo(data) == elf.modinfo
    return elf


def outcome(data: bytes) -> ElfFile | ElfError:
    try:
        return read_everything(data)
    except ElfError as err:
        assert str(err), "an ElfError must say what is wrong"
        assert err.errno in (8, 74)  # ENOEXEC, or EBADMSG for a bad signature
        return err


def patch(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def patch_header(data: bytes, field: str, value: int) -> bytes:
    offset, fmt = EHDR_FIELDS[field]
    return patch(data, offset, fmt, value)


def patch_section(data: bytes, index: int, field: str, value: int) -> bytes:
    shoff = struct.unpack_from("<Q", data, 40)[0]
    offset, fmt = SHDR_FIELDS[field]
    return patch(data, shoff + index * 64 + offset, fmt, value)


def index_of(data: bytes, name: str) -> int:
    return ElfFile(data).section_by_name(name).index


def refused(data: bytes, match: str) -> None:
    with pytest.raises(ElfError, match=match):
        read_everything(data)


# -- not ELF at all, or cut short --------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not an ELF file"),
        (b"\x7fEL", "not an ELF file"),
        (b"hello world, I am a text file\n" * 4, "not an ELF file"),
        (b"\x7fELF", "ELF header truncated"),
        (PROVIDER[:63], "ELF header truncated"),
        (PROVIDER[:64], "section header table extends past end of file"),
    ],
)
def test_not_elf_or_truncated_header(data, message):
    refused(data, message)


def test_every_prefix_of_a_module_is_refused_or_consistent():
    for n in range(len(PROVIDER)):
        result = outcome(PROVIDER[:n])
        assert isinstance(result, ElfError), f"a {n}-byte prefix parsed"
    assert isinstance(outcome(PROVIDER), ElfFile)


def test_prefixes_of_a_synthetic_module_ending_in_its_sections():
    # The section table first, then the data: prefixes cut sections, not the table.
    data = build_elf([Sec(".modinfo", SHT_PROGBITS, b"license=GPL\0" * 20)])
    shoff = struct.unpack_from("<Q", data, 40)[0]
    assert isinstance(outcome(data), ElfFile)
    for n in range(shoff + 64 * 3, len(data)):
        assert isinstance(outcome(data[:n]), ElfError)


def test_other_buffer_types_are_accepted():
    assert ElfFile(bytearray(PROVIDER)).sections == ElfFile(memoryview(PROVIDER)).sections


# -- header fields -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("e_shoff", 0, "no section header table"),
        ("e_shoff", 2**64 - 1, "section header table extends past end of file"),
        ("e_shoff", len(PROVIDER) - 10, "section header table extends past end of file"),
        ("e_shnum", 0xFFFF, "extends past end of file"),
        ("e_shentsize", 0, "section header size 0 is not 64"),
        ("e_shentsize", 0xFFFF, "section header size 65535 is not 64"),
        ("e_shstrndx", 0, "section name table index 0 out of range"),
        ("e_shstrndx", 0xFFFE, "section name table index 65534 out of range"),
        ("e_shstrndx", 1, "is not a string table"),
        ("e_type", 0xFFFF, "unsupported ELF type 65535"),
        ("e_version", 0xFFFFFFFF, "unsupported ELF version"),
    ],
)
def test_header_fields_at_extremes(field, value, message):
    refused(patch_header(PROVIDER, field, value), message)


@pytest.mark.parametrize(
    ("offset", "value", "message"),
    [
        (4, 1, "not a 64-bit ELF file"),
        (5, 2, "not a little-endian"),
        (6, 0, "unsupported ELF version"),
    ],
)
def test_identification_bytes(offset, value, message):
    refused(patch(PROVIDER, offset, "<B", value), message)


def test_extended_numbering_with_a_huge_count_is_refused_before_allocating():
    data = patch_header(PROVIDER, "e_shnum", 0)
    refused(patch_section(data, 0, "size", 2**60), "section header table \\(1152921504606846976")
    data = patch_header(PROVIDER, "e_shstrndx", 0xFFFF)
    refused(patch_section(data, 0, "link", 0xFFFFFFFF), "section name table index 4294967295")


# -- section headers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("size", 2**60, "section 1 \\(.text\\) extends past end of file"),
        ("size", 2**64 - 1, "section 1 \\(.text\\) extends past end of file"),
        ("offset", 2**64 - 1, "section 1 \\(.text\\) extends past end of file"),
        ("offset", 0, "section 1 overlaps the ELF header"),
        ("addralign", 3, "alignment 3 is not a power of two"),
        ("name", 2**32 - 1, "name of section 1 is not a string"),
        ("link", 999, "section 1 \\(.text\\) links to section 999 of 22"),
    ],
)
def test_section_fields_at_extremes(field, value, message):
    refused(patch_section(PROVIDER, 1, field, value), message)


def test_overlapping_sections_are_refused():
    data_off = ElfFile(PROVIDER).section_by_name(".text").offset
    refused(patch_section(PROVIDER, index_of(PROVIDER, ".data"), "offset", data_off), "overlap")
    shoff = struct.unpack_from("<Q", PROVIDER, 40)[0]
    refused(patch_section(PROVIDER, 1, "offset", shoff), "overlaps the section header table")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("info", 999, "relocation section 2 \\(.rela.text\\) applies to section 999 of 22"),
        ("info", 0, "applies to section 0"),
        ("info", 2, "applies to section 2"),
        ("link", 1, "links to a non-symbol table"),
        ("entsize", 0, "entry size 0"),
        ("entsize", 2**63, "entry size 9223372036854775808"),
        ("size", 25, "need entries of 24 bytes"),
    ],
)
def test_relocation_section_headers(field, value, message):
    refused(patch_section(PROVIDER, index_of(PROVIDER, ".rela.text"), field, value), message)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("entsize", 0, "symbol table 19 \\(.symtab\\) has entry size 0"),
        ("entsize", 2**64 - 1, "has entry size 18446744073709551615"),
        ("info", 10**6, f"says 1000000 local symbols of {PROVIDER_SYMBOLS}"),
        ("link", 1, "links to a non-string table"),
        ("link", 0, "links to a non-string table"),
    ],
)
def test_symbol_table_headers(field, value, message):
    refused(patch_section(PROVIDER, index_of(PROVIDER, ".symtab"), field, value), message)


def test_a_second_symbol_table_is_refused():
    table = dict(type=SHT_SYMTAB, data=bytes(24), link=3, info=1, addralign=8, entsize=24)
    data = build_elf(
        [Sec(".symtab", **table), Sec(".symtab2", **table), Sec(".strtab", SHT_STRTAB, b"\0")]
    )
    refused(data, "more than one .symtab section")


# -- symbols, names, relocations ---------------------------------------------


def _symbol_offset(data: bytes, index: int) -> int:
    return ElfFile(data).section_by_name(".symtab").offset + 24 * index


def test_symbol_naming_a_missing_section():
    elf = ElfFile(PROVIDER)
    victim = elf.symbol_by_name("provider_add").index
    data = patch(PROVIDER, _symbol_offset(PROVIDER, victim) + 6, "<H", 900)
    refused(data, f"symbol {victim} \\(provider_add\\) of .symtab names section 900 of 22")


def test_symbol_name_outside_the_string_table():
    data = patch(PROVIDER, _symbol_offset(PROVIDER, 5), "<I", 0xFFFFFFF0)
    refused(data, "name of symbol 5 of .symtab is not a string in .strtab")


def test_string_tables_without_a_terminator():
    elf = ElfFile(PROVIDER)
    strtab = elf.section_by_name(".strtab")
    refused(patch(PROVIDER, strtab.offset + strtab.size - 1, "<B", 0x41), "name of symbol")
    shstrtab = elf.section_by_name(".shstrtab")
    refused(patch(PROVIDER, shstrtab.offset + shstrtab.size - 1, "<B", 0x41), "name of section")


def _rela_entry(data: bytes, section: str, n: int) -> int:
    return ElfFile(data).section_by_name(section).offset + 24 * n


def test_relocation_naming_a_missing_symbol_is_caught_before_use():
    at = _rela_entry(PROVIDER, ".rela.text", 0)
    data = patch(PROVIDER, at + 8, "<Q", (900 << 32) | 2)
    elf = ElfFile(data)  # relocations are parsed lazily ...
    with pytest.raises(
        ElfError, match=f"relocation 0 of .rela.text names symbol 900 of {PROVIDER_SYMBOLS}"
    ):
        elf.relocation_sections  # noqa: B018 ... and checked on first use


@pytest.mark.parametrize("offset", [0x16, 2**64 - 1])
def test_relocation_outside_its_target(offset):
    data = patch(PROVIDER, _rela_entry(PROVIDER, ".rela.text", 0), "<Q", offset)
    refused(data, f"relocation 0 of .rela.text at 0x{offset:x} is outside .text \\(0x16 bytes\\)")


def test_export_name_pointing_outside_the_string_section():
    data = patch(PROVIDER, _rela_entry(PROVIDER, ".rela__ksymtab", 1) + 16, "<q", 10**6)
    refused(data, "name of __ksymtab entry 0 is not a NUL-terminated string")


def test_export_table_with_a_ragged_size():
    data = patch_section(PROVIDER, index_of(PROVIDER, "__ksymtab_gpl"), "size", 11)
    refused(data, "__ksymtab_gpl of 11 bytes is not a table of export entries")


# -- fuzzing -----------------------------------------------------------------

SHNUM = len(ElfFile(PROVIDER).sections)
SHOFF = struct.unpack_from("<Q", PROVIDER, 40)[0]
WIDTH = {"<B": 8, "<H": 16, "<I": 32, "<Q": 64, "<q": 64}
FIELDS = [(off, fmt) for off, fmt in EHDR_FIELDS.values()] + [
    (SHOFF + i * 64 + off, fmt) for i in range(SHNUM) for off, fmt in SHDR_FIELDS.values()
]


@st.composite
def field_overwrites(draw):
    offset, fmt = draw(st.sampled_from(FIELDS))
    bits = WIDTH[fmt]
    value = draw(
        st.one_of(
            st.sampled_from([0, 1, 2, 24, 64, 2 ** (bits - 1), 2**bits - 1, 2**bits - 2]),
            st.integers(0, 2**bits - 1),
            st.integers(0, len(PROVIDER) + 64),
        )
    )
    return offset, fmt, value


FUZZ = settings(
    max_examples=200,
    deadline=timedelta(seconds=2),  # a runaway parse, not a speed target
    suppress_health_check=[HealthCheck.too_slow],
)


@FUZZ
@given(st.lists(field_overwrites(), min_size=1, max_size=4))
def test_fuzzed_header_and_section_fields(overwrites):
    data = PROVIDER
    for offset, fmt, value in overwrites:
        data = patch(data, offset, fmt, value)
    outcome(data)


@FUZZ
@given(st.data())
def test_fuzzed_bit_flips(draw):
    # The relocatable sample, the shared one (resolved exports, dynamic
    # relocations) and a synthetic one (REL relocations, AArch64 numbering).
    data = bytearray(draw.draw(st.sampled_from([PROVIDER, SHARED, SYNTH_REL])))
    for bit in draw.draw(st.lists(st.integers(0, len(data) * 8 - 1), min_size=1, max_size=16)):
        data[bit // 8] ^= 1 << (bit % 8)
    outcome(bytes(data))


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, len(PROVIDER) - 1), st.binary(min_size=1, max_size=8)), max_size=6
    ),
    st.integers(0, len(PROVIDER)),
)
def test_fuzzed_byte_overwrites_and_truncation(writes, length):
    data = bytearray(PROVIDER)
    for at, chunk in writes:
        data[at : at + len(chunk)] = chunk
    outcome(bytes(data[:length]))


def test_dynamic_relocation_outside_the_image():
    at = _rela_entry(SHARED, ".rela.dyn", 0)
    refused(
        patch(SHARED, at, "<Q", 2**63),
        "relocation 0 of .rela.dyn at 0x8000000000000000 is outside the loaded image",
    )


def test_dynamic_relocation_naming_a_missing_dynamic_symbol():
    at = _rela_entry(SHARED, ".rela.plt", 0)
    nsyms = len(ElfFile(SHARED).dynamic_symbols)
    refused(
        patch(SHARED, at + 8, "<Q", (nsyms << 32) | 7),
        f"relocation 0 of .rela.plt names symbol {nsyms} of {nsyms}",
    )


def test_resolved_export_pointing_nowhere():
    ksymtab = ElfFile(SHARED).section_by_name("__ksymtab")
    refused(
        patch(SHARED, ksymtab.offset + 4, "<i", -(2**31)), "name of __ksymtab entry 0 points at"
    )
