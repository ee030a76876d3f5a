"""What depmod and modinfo read from a module: .modinfo, exports, signatures.

The story: `modinfo` shows a module's records in file order; `depmod` learns
what a module exports (name, GPL-only or not, namespace) whether it is an
ET_REL .ko whose __ksymtab is filled by relocations, an ET_DYN module whose
entries are already resolved, or a file that only keeps __ksymtab_NAME
labels; signed modules read like unsigned ones.
"""

from __future__ import annotations

import errno
import io
import struct

import pytest
from elftools.elf.elffile import ELFFile

from lkmsh.elf import SIGNATURE_MAGIC, ElfFile, parse_modinfo, read_modinfo
from lkmsh.errors import ElfError

EXPECTED_EXPORTS = [
    # (name, gpl, namespace), __ksymtab in section order then __ksymtab_gpl
    ("add_numbers", False, ""),
    ("counter", False, "TEST_NS"),
    ("say_hello", False, ""),
    ("secret_value", True, ""),
]


def _ref_symbols(data: bytes, table: str = ".symtab") -> dict[str, int]:
    sec = ELFFile(io.BytesIO(data)).get_section_by_name(table)
    return {s.name: s["st_value"] for s in sec.iter_symbols() if s["st_shndx"] != "SHN_UNDEF"}


def _summary(exports):
    return [(e.name, e.gpl, e.namespace) for e in exports]


def test_modinfo_records_in_file_order_padding_and_junk_skipped(built):
    elf = ElfFile(built.rel_bytes)
    raw = ELFFile(io.BytesIO(built.rel_bytes)).get_section_by_name(".modinfo").data()
    want = [tuple(r.decode().split("=", 1)) for r in raw.split(b"\0") if b"=" in r]
    assert elf.modinfo == want
    assert ("description", "reads ELF") in elf.modinfo
    assert ("version", "1.2.3") in elf.modinfo
    assert ("depends", "") in elf.modinfo
    assert all("equals" not in k for k, _ in elf.modinfo)
    assert read_modinfo(built.rel_bytes) == elf.modinfo
    assert read_modinfo(built.dyn_bytes) == ElfFile(built.dyn_bytes).modinfo == elf.modinfo


def test_modinfo_parser_edge_cases():
    assert parse_modinfo(b"") == []
    assert parse_modinfo(b"\0\0a=1\0\0\0b=x=y\0") == [("a", "1"), ("b", "x=y")]
    assert parse_modinfo(b"a=1\0truncat=ed") == [("a", "1")]  # no NUL: a cut-off record
    assert parse_modinfo(b"k=\xff\0") == [("k", "\ufffd")]


def test_a_module_without_modinfo_has_none(provider_ko):
    # Rename .modinfo in the name table: the file stays valid, the records vanish.
    data = provider_ko.replace(b".modinfo\0", b".modinfX\0")
    assert ElfFile(data).modinfo == [] and read_modinfo(data) == []


def test_exports_of_a_relocatable_object_come_from_its_relocations(built):
    elf = ElfFile(built.rel_bytes)
    assert _summary(elf.exports) == EXPECTED_EXPORTS
    values = _ref_symbols(built.rel_bytes)
    for export in elf.exports:
        assert export.symbol.name == export.name
        assert export.symbol.value == values[export.name]
    assert sorted(elf.ksymtab_symbol_names()) == sorted(n for n, _, _ in EXPECTED_EXPORTS)
    strings = elf.ksymtab_strings()
    assert "TEST_NS" in strings and set(strings) >= {n for n, _, _ in EXPECTED_EXPORTS}


def test_exports_named_through_kstrtab_labels(provider_ko):
    # lkmsh's builder output: name fields relocate against __kstrtab_NAME symbols.
    elf = ElfFile(provider_ko)
    assert _summary(elf.exports) == [
        ("provider_add", False, ""),
        ("provider_counter", False, ""),
        ("provider_secret", True, ""),
    ]
    assert all(e.symbol is not None and e.symbol.is_global for e in elf.exports)


def test_exports_of_a_shared_object_are_read_already_resolved(built, shared_ko):
    elf = ElfFile(built.dyn_bytes)
    assert elf.relocations_for(elf.section_by_name("__ksymtab")) == []
    assert _summary(elf.exports) == EXPECTED_EXPORTS
    values = _ref_symbols(built.dyn_bytes)
    assert all(e.symbol.value == values[e.name] for e in elf.exports)
    assert _summary(ElfFile(shared_ko).exports) == [("shared_hello_twice", False, "")]


def _retype_section(data: bytes, name: str, new_type: int) -> bytes:
    elf = ElfFile(data)
    index = elf.section_by_name(name).index
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    out = bytearray(data)
    struct.pack_into("<I", out, shoff + index * 64 + 4, new_type)
    return bytes(out)


def test_without_ksymtab_relocations_the_labels_name_the_exports(built):
    # As if the .rela__ksymtab* sections were gone: only __ksymtab_NAME labels remain.
    data = _retype_section(built.rel_bytes, ".rela__ksymtab", 1)
    data = _retype_section(data, ".rela__ksymtab_gpl", 1)
    elf = ElfFile(data)
    assert sorted(_summary(elf.exports)) == sorted((n, g, "") for n, g, _ in EXPECTED_EXPORTS)
    assert all(e.symbol.name == e.name for e in elf.exports)


def _sign(data: bytes, blob: bytes, id_type: int = 2) -> bytes:
    header = struct.pack(">BBBBB3xI", 0, 0, id_type, 0, 0, len(blob))
    return data + blob + header + SIGNATURE_MAGIC


def test_a_signed_module_reads_like_the_unsigned_one(provider_ko):
    blob = b"\x30\x82" + bytes(range(200))  # stands in for a PKCS#7 message
    signed = ElfFile(_sign(provider_ko, blob))
    plain = ElfFile(provider_ko)
    assert signed.sections == plain.sections
    assert signed.modinfo == plain.modinfo
    assert signed.exports == plain.exports
    assert signed.appended_signature == blob
    info = signed.signature_info
    assert (info.id_type, info.sig_len, info.signer_len, info.key_id_len) == (2, len(blob), 0, 0)
    assert signed.image_size == len(provider_ko)
    assert plain.appended_signature is None and plain.signature_info is None
    assert read_modinfo(_sign(provider_ko, blob)) == plain.modinfo


def test_a_signature_trailer_that_does_not_fit_is_refused(provider_ko):
    bad = provider_ko + struct.pack(">BBBBB3xI", 0, 0, 2, 0, 0, 1 << 31) + SIGNATURE_MAGIC
    with pytest.raises(ElfError, match="signature") as err:
        ElfFile(bad)
    assert err.value.errno == errno.EBADMSG


def test_sections_may_not_reach_into_the_signature(provider_ko):
    # Cut the ELF short and sign the rest: the section table now lies in the "signature".
    cut = provider_ko[:-200]
    with pytest.raises(ElfError):
        ElfFile(_sign(cut, provider_ko[-200:]))
