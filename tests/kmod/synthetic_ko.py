"""The smallest .ko depmod reads: an ELF64 relocatable with a symbol table.

depmod learns a module's exports from ``__ksymtab_strings`` and its needs from
the undefined entries of ``.symtab``, in table order; nothing else of the file
matters to it. Writing that directly costs microseconds where gcc costs tens of
milliseconds, which is what lets a test compare hundreds of dependency graphs
with kmod's depmod (tests that load modules build them with gcc).
"""

from __future__ import annotations

import struct

SECTIONS = (".modinfo", "__ksymtab_strings", ".symtab", ".strtab", ".shstrtab")
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB = 1, 2, 3
SHF_ALLOC = 2
STB_GLOBAL_NOTYPE, STB_GLOBAL_FUNC = 0x10, 0x12


def _align(data: bytearray, to: int = 8) -> None:
    data.extend(b"\0" * (-len(data) % to))


def relocatable_module(exports: list[str], needs: list[str], modinfo: tuple[str, ...]) -> bytes:
    """An x86-64 ET_REL exporting EXPORTS (defined in section 1) and needing NEEDS
    (undefined, in this order), with MODINFO's ``key=value`` records."""
    shstrtab = b"\0" + b"".join(s.encode() + b"\0" for s in SECTIONS)
    strtab = bytearray(b"\0")
    symtab = bytearray(24)  # entry 0: the null symbol
    for names, info, shndx in ((needs, STB_GLOBAL_NOTYPE, 0), (exports, STB_GLOBAL_FUNC, 1)):
        for name in names:
            symtab += struct.pack("<IBBHQQ", len(strtab), info, 0, shndx, 0, 0)
            strtab += name.encode() + b"\0"
    blobs = (
        b"".join(r.encode() + b"\0" for r in modinfo),
        b"".join(e.encode() + b"\0" for e in exports),
        bytes(symtab),
        bytes(strtab),
        shstrtab,
    )
    body = bytearray(64)  # the ELF header goes here at the end
    offsets = []
    for blob in blobs:
        _align(body)
        offsets.append(len(body))
        body += blob
    _align(body)
    shoff = len(body)
    body += bytes(64)  # section 0
    kinds = (SHT_PROGBITS, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_STRTAB)
    for i, (name, kind, blob) in enumerate(zip(SECTIONS, kinds, blobs, strict=True)):
        is_symtab = kind == SHT_SYMTAB
        body += struct.pack(
            "<IIQQQQIIQQ",
            shstrtab.index(b"\0" + name.encode() + b"\0") + 1,
            kind,
            SHF_ALLOC if kind == SHT_PROGBITS else 0,
            0,
            offsets[i],
            len(blob),
            4 if is_symtab else 0,  # sh_link: .strtab
            1 if is_symtab else 0,  # sh_info: the first global symbol
            8 if is_symtab else 1,
            24 if is_symtab else 0,
        )
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, len(SECTIONS) + 1, 5
    )
    body[:64] = header
    return bytes(body)
