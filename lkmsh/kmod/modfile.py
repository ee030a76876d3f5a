"""What depmod needs of one module file, read the way libkmod reads it.

``ModuleFacts`` holds a module's ``.modinfo`` strings, the symbols it
exports and the symbols it needs, in file order (kmod's order). Reading
stops at what depmod uses: the ELF header and section table (validated by
``lkmsh.elf``), ``.modinfo``, ``__ksymtab_strings``, ``__versions`` and one
pass over ``.symtab`` with ``struct`` (no per-symbol objects). The facts are
plain tuples so the cache can store them with ``marshal``.

libkmod's rules, reproduced:

* exports: the names of ``__crc_NAME`` symbols when there are any (modversions
  kernels), else every string of ``__ksymtab_strings`` (which, since Linux
  5.4, includes namespace names too, as kmod 30 reads them);
* needed symbols: every ``.symtab`` entry after the first whose section is
  SHN_UNDEF and whose name is not empty, weak ones marked, then the
  ``__versions`` entries no symbol matched (``module_layout``);
* modinfo: the strings of ``.modinfo`` split on runs of NULs; a string
  without ``=`` is a key with an empty value.
"""

from __future__ import annotations

import mmap
import struct
from typing import NamedTuple

from lkmsh.elf.constants import SHT_NOBITS, SHT_STRTAB, SHT_SYMTAB
from lkmsh.elf.sections import Header, parse_header
from lkmsh.elf.signature import split_signature
from lkmsh.errors import ElfError

_SYM = struct.Struct("<IBBHQQ")
_SHDR = struct.Struct("<IIQQQQIIQQ")
_WANTED = (b".modinfo", b"__versions", b"__ksymtab_strings")
_STB_WEAK = 2
_CRC = b"__crc_"


class ModuleFacts(NamedTuple):
    modinfo: tuple[tuple[str, str], ...]
    exports: tuple[str, ...]
    #: (symbol, weak, crc) in libkmod's order
    needs: tuple[tuple[str, bool, int], ...]
    #: (symbol, crc) of exports when the module carries __crc_ symbols
    export_crcs: tuple[int, ...] = ()


def modinfo_strings(blob: bytes) -> list[tuple[str, str]]:
    """`.modinfo` as libkmod's kmod_elf_get_strings + kmod_module_get_info split it."""
    out = []
    for raw in blob.split(b"\0"):
        if not raw:
            continue
        key, _eq, value = raw.partition(b"=")
        out.append(
            (key.decode("utf-8", "surrogateescape"), value.decode("utf-8", "surrogateescape"))
        )
    return out


def read_facts(data: bytes | mmap.mmap) -> ModuleFacts:
    """The facts of one module image (decompressed bytes, or an mmap of an
    uncompressed file: only the sections depmod reads are then touched).
    ElfError for a bad file."""
    size, _sig = split_signature(data)
    header, _sec0 = parse_header(data, size)
    table = section_table(data, size, header)
    symtab = table.pop(SHT_SYMTAB, None)

    def blob(name: str) -> bytes | None:
        s = table.get(name)
        return data[s[1] : s[1] + s[2]] if s is not None else None

    info = blob(".modinfo")
    modinfo = modinfo_strings(info) if info else []

    versions: list[tuple[str, int]] = []
    vblob = blob("__versions")
    if vblob and len(vblob) % 64 == 0:
        vtext = vblob.decode("latin-1")
        vcrcs = memoryview(vblob).cast("Q")[0::8].tolist()
        for n, at in enumerate(range(8, len(vtext), 64)):
            end = vtext.find("\0", at, at + 56)
            name = vtext[at : end if end >= 0 else at + 56]
            if not name.isascii():
                name = name.encode("latin-1").decode("utf-8", "surrogateescape")
            versions.append((name, vcrcs[n]))

    exports: list[str] = []
    crcs: list[int] = []
    needs: list[tuple[str, bool, int]] = []
    if symtab is not None:
        (_t, sym_off, sym_size), (_t2, str_off, str_size) = symtab
        strtab = data[str_off : str_off + str_size]
        count = sym_size // _SYM.size
        view = memoryview(data[sym_off : sym_off + count * _SYM.size])
        # Columns of the symbol table as lists of ints (C-speed conversions);
        # names are sliced out of the string table decoded once.
        names = view.cast("I")[0::6].tolist()
        shndx = view.cast("H")[3::12].tolist()
        text = strtab.decode("latin-1")  # one char per byte: offsets stay valid
        ascii_names = strtab.isascii()
        strlen = len(text)

        def name_at(off: int) -> str:
            if off >= strlen:
                raise ElfError(f".strtab is {strlen} bytes, a symbol names offset {off}")
            end = text.find("\0", off)
            name = text[off : end if end >= 0 else strlen]
            if ascii_names:
                return name
            return name.encode("latin-1").decode("utf-8", "surrogateescape")

        # __crc_NAME symbols: find the names in the string table, then their symbols.
        at = text.find("__crc_")
        if at >= 0:
            offsets = set()
            while at >= 0:
                offsets.add(at)
                at = text.find("__crc_", at + 1)
            found = [i for i, n in enumerate(names) if n in offsets]
            if found and found[0] == 0:
                found.pop(0)
            if found:
                values = view.cast("Q")[1::3]
                for i in found:
                    exports.append(name_at(names[i] + 6))
                    crcs.append(values[i])
        vcrc = dict(versions[::-1]) if versions else {}
        seen_versions = set()
        binds = view[4::24].tolist()
        for i in [i for i, x in enumerate(shndx) if not x]:
            if i == 0:
                continue
            name = name_at(names[i])
            if name:
                crc = vcrc.get(name, 0)
                if name in vcrc:
                    seen_versions.add(name)
                needs.append((name, (binds[i] >> 4) == _STB_WEAK, crc))
        for name, crc in versions:
            if name not in seen_versions:
                needs.append((name, False, crc))
    if not exports:
        ks = blob("__ksymtab_strings")
        if ks:
            exports = [p.decode("utf-8", "surrogateescape") for p in ks.split(b"\0") if p]
    return ModuleFacts(tuple(modinfo), tuple(exports), tuple(needs), tuple(crcs))


def section_table(data, size: int, header: Header) -> dict:
    """The few sections depmod reads, by name, as (type, offset, size), each
    checked to lie in the file; ``SHT_SYMTAB`` maps to (symtab, its strtab).

    ``lkmsh.elf.parse_sections`` validates every section (ElfFile, insmod);
    depmod reads a thousand files and only these, so it checks only these.
    """
    shoff, shnum = header.shoff, header.shnum
    raw = list(_SHDR.iter_unpack(data[shoff : shoff + shnum * _SHDR.size]))
    _n, stype, _f, _a, str_off, str_size, *_rest = raw[header.shstrndx]
    if stype != SHT_STRTAB or str_off + str_size > size:
        raise ElfError(f"section name table (section {header.shstrndx}) is not a string table")
    names = data[str_off : str_off + str_size]
    wanted = {}
    for name in _WANTED:
        at = names.find(name + b"\0")
        while at > 0 and names[at - 1] != 0:  # a suffix of a longer name
            at = names.find(name + b"\0", at + 1)
        if at >= 0:
            wanted[at] = name.decode()
    out: dict = {}

    def extent(index: int, what: str) -> tuple[int, int, int]:
        _n, stype, _f, _a, off, sz, *_r = raw[index]
        if stype == SHT_NOBITS:
            return stype, 0, 0
        if off + sz > size:
            raise ElfError(f"section {index} ({what}) extends past end of file")
        return stype, off, sz

    for index, row in enumerate(raw):
        name = wanted.get(row[0])
        if name is not None and name not in out:
            out[name] = extent(index, name)
        elif row[1] == SHT_SYMTAB and SHT_SYMTAB not in out:
            link = row[6]
            if not 0 < link < shnum:
                raise ElfError(f".symtab links to section {link} of {shnum}")
            out[SHT_SYMTAB] = (extent(index, ".symtab"), extent(link, ".strtab"))
    return out
