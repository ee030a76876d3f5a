"""`.modinfo` records: ``key=value\\0`` strings, as Linux's MODULE_INFO writes them.

The compiler may pad between records with NULs (each record is its own
object, aligned as the section wants), so empty strings are skipped; a record
without ``=`` is skipped too, as kmod does. An unterminated tail is a
truncated record and is dropped. Values are text for people (modinfo), so
undecodable bytes become U+FFFD rather than failing the whole file.
"""

from __future__ import annotations

from lkmsh.elf.sections import parse_header, parse_sections, section_bytes
from lkmsh.elf.signature import split_signature

MODINFO_SECTION = ".modinfo"


def parse_modinfo(blob: bytes) -> list[tuple[str, str]]:
    records = blob.split(b"\0")
    records.pop()  # after the last NUL: empty, or an unterminated (truncated) record
    out: list[tuple[str, str]] = []
    for record in records:
        if not record:
            continue
        key, eq, value = record.partition(b"=")
        if eq:
            out.append((key.decode("utf-8", "replace"), value.decode("utf-8", "replace")))
    return out


def read_modinfo(data: bytes | bytearray | memoryview) -> list[tuple[str, str]]:
    """`.modinfo` of a module without parsing its symbols: the header and the
    section table are still fully checked (ElfError on a bad file)."""
    data = bytes(data)
    size, _sig = split_signature(data)
    header, _sec0 = parse_header(data, size)
    for section in parse_sections(data, size, header):
        if section.name == MODINFO_SECTION:
            return parse_modinfo(section_bytes(data, section))
    return []
