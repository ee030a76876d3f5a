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

import re
import struct
from itertools import compress, repeat
from operator import not_ as _not
from typing import TYPE_CHECKING, NamedTuple

from lkmsh.errors import ElfError

if TYPE_CHECKING:
    import mmap

# ELF constants, local so that depmod does not import the whole of lkmsh.elf
# (its package import alone is ~8 ms of every run): libkmod has its own lean
# ELF reader for the same reason.
_EHDR = struct.Struct("<4sBBB9xHHIQQQIHHHHHH")
_MODSIG = struct.Struct(">BBBBB3xI")
_SIG_MAGIC = b"~Module signature appended~\n"
_MACHINES = frozenset({62, 183})  # EM_X86_64, EM_AARCH64: what lkmsh.elf supports
SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS = 2, 3, 8
_SYM_SIZE = 24
_STB_WEAK = 2
_SHDR = struct.Struct("<IIQQQQIIQQ")
_WANTED = (b".modinfo", b"__versions", b"__ksymtab_strings")
#: A __versions record is 64 bytes: the CRC, then the name NUL-padded to 56.
_VERSION_NAME = re.compile("(?s)(?=.{8}([^\\0]{0,56})).{64}")
#: st_info bytes binding STB_WEAK (2 << 4, any type)
_WEAK_INFO = re.compile(b"[\\x20-\\x2f]")


class ModuleFacts(NamedTuple):
    modinfo: tuple[tuple[str, str], ...]
    exports: tuple[str, ...]
    #: names of the symbols it needs, in libkmod's order
    needs: tuple[str, ...]
    #: CRCs of exports when the module carries __crc_ symbols
    export_crcs: tuple[int, ...] = ()
    #: each need's CRC from __versions (0: none), aligned with ``needs``
    need_crcs: tuple[int, ...] = ()
    #: positions in ``needs`` of weak references
    weak: tuple[int, ...] = ()


def modinfo_strings(blob: bytes) -> list[tuple[str, str]]:
    """`.modinfo` as libkmod's kmod_elf_get_strings + kmod_module_get_info split it."""
    # One decode for the whole section: NUL never belongs to a UTF-8 sequence,
    # so this decodes each string exactly as decoding it alone would.
    parts = filter(None, blob.decode("utf-8", "surrogateescape").split("\0"))
    return [(k, v) for k, _eq, v in map(str.partition, parts, repeat("="))]


def read_facts(data: bytes | mmap.mmap) -> ModuleFacts:
    """The facts of one module image (bytes or an mmap); ElfError for a bad file.

    A thousand modules hold ~200,000 symbols, a quarter of them needed: every
    step below is a C-level bulk operation (``map``, ``compress``, slices,
    ``re``) rather than a Python loop per symbol, which is what keeps a cold
    ``depmod`` within a few times kmod's C.
    """
    layout = elf_layout(data)
    size = layout.size
    table = section_table(data, size, layout)
    symtab = table.pop(SHT_SYMTAB, None)

    def blob(name: str) -> bytes | None:
        s = table.get(name)
        return data[s[1] : s[1] + s[2]] if s is not None else None

    info = blob(".modinfo")
    modinfo = modinfo_strings(info) if info else []

    vnames: list[str] = []
    vcrcs: list[int] = []
    vblob = blob("__versions")
    if vblob and len(vblob) % 64 == 0:
        vnames = _VERSION_NAME.findall(vblob.decode("latin-1"))
        if not "".join(vnames).isascii():
            vnames = [_utf8(n) for n in vnames]
        vcrcs = memoryview(vblob).cast("Q")[0::8].tolist()

    exports: list[str] = []
    crcs: list[int] = []
    needs: list[str] = []
    need_crcs: list[int] = []
    weak: list[int] = []
    if symtab is not None:
        (_t, sym_off, sym_size), (_t2, str_off, str_size) = symtab
        count = sym_size // _SYM_SIZE
        raw = data[sym_off : sym_off + count * _SYM_SIZE]
        view = memoryview(raw)
        name_offs = view.cast("I")[0::6].tolist()
        text = data[str_off : str_off + str_size].decode("latin-1")  # offsets stay valid
        ascii_names = text.isascii()

        def names_at(offsets: list[int]) -> list[str]:
            if not offsets:
                return []
            if max(offsets) >= str_size:
                raise ElfError(f".strtab is {str_size} bytes, a symbol names offset {max(offsets)}")
            ends = list(map(text.find, repeat("\0"), offsets))
            if -1 in ends:
                ends = [str_size if e < 0 else e for e in ends]
            names = list(map(text.__getitem__, map(slice, offsets, ends)))
            return names if ascii_names else [_utf8(n) for n in names]

        # __crc_NAME symbols (modversions): find "__crc_" in the string table,
        # then the symbols (after the first) whose name starts there.
        at = text.find("__crc_")
        if at >= 0:
            starts = set()
            while at >= 0:
                starts.add(at)
                at = text.find("__crc_", at + 1)
            found = list(compress(range(count), map(starts.__contains__, name_offs)))
            if found and found[0] == 0:
                found.pop(0)
            if found:
                exports = names_at([name_offs[i] + 6 for i in found])
                values = view.cast("Q")[1::3]
                shndx = view.cast("H")[3::12]
                crcs = _resolve_crcs(
                    data,
                    layout,
                    list(map(values.__getitem__, found)),
                    list(map(shndx.__getitem__, found)),
                )
        # Needed: SHN_UNDEF symbols after the first, with a name.
        undef = list(compress(range(count), map(_not, view.cast("H")[3::12].tolist())))
        if undef and undef[0] == 0:
            undef.pop(0)
        names = names_at(list(map(name_offs.__getitem__, undef)))
        if "" in names:
            keep = [n != "" for n in names]
            undef = list(compress(undef, keep))
            names = list(compress(names, keep))
        needs = names
        if vnames:
            vcrc = dict(
                zip(reversed(vnames), reversed(vcrcs), strict=True)
            )  # the first record wins
            need_crcs = list(map(vcrc.get, names, repeat(0)))
            unmatched = list(map(_not, map(set(names).__contains__, vnames)))
            needs.extend(compress(vnames, unmatched))
            need_crcs.extend(compress(vcrcs, unmatched))
        else:
            need_crcs = [0] * len(names)
        binds = raw[4::_SYM_SIZE]
        if _WEAK_INFO.search(binds):
            weak = [i for i, sym in enumerate(undef) if (binds[sym] >> 4) == _STB_WEAK]
    if not exports:
        ks = blob("__ksymtab_strings")
        if ks:
            exports = [_utf8(p) for p in ks.split(b"\0") if p]
    return ModuleFacts(
        tuple(modinfo), tuple(exports), tuple(needs), tuple(crcs), tuple(need_crcs), tuple(weak)
    )


def _utf8(name: str | bytes) -> str:
    """A name read as latin-1 (or raw bytes) as libkmod's bytes, in Python's str."""
    raw = name.encode("latin-1") if isinstance(name, str) else name
    return raw.decode("utf-8", "surrogateescape")


class Layout(NamedTuple):
    """Where an ELF image's section headers are (``lkmsh.elf``'s Header has these too)."""

    size: int  # of the ELF image, without an appended signature
    shoff: int
    shnum: int
    shstrndx: int


def elf_layout(data: bytes | mmap.mmap) -> Layout:
    """The checks ``lkmsh.elf.parse_header`` makes, for a 64-bit little-endian
    relocatable module of a machine lkmsh supports; ElfError otherwise."""
    size = len(data)
    if size >= 40 and data[size - len(_SIG_MAGIC) :] == _SIG_MAGIC:
        _a, _h, _i, signer_len, key_len, sig_len = _MODSIG.unpack_from(data, size - 40)
        total = signer_len + key_len + sig_len
        if sig_len == 0 or total > size - 40:
            raise ElfError("module signature does not fit in the file")
        size -= 40 + total
    if size < _EHDR.size or data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    (_m, klass, encoding, ident_version, e_type, machine, version, _e, _p, shoff, _f, _eh,
     _pe, _pn, shentsize, shnum, shstrndx) = _EHDR.unpack_from(data, 0)  # fmt: skip
    if klass != 2 or encoding != 1 or ident_version != 1 or version != 1:
        raise ElfError("not a 64-bit little-endian ELF file of version 1")
    if e_type not in (1, 3) or machine not in _MACHINES:
        raise ElfError(f"unsupported ELF type {e_type} or machine {machine}")
    if shoff == 0 or shentsize != _SHDR.size or shoff + _SHDR.size > size:
        raise ElfError("no usable section header table")
    if shnum == 0 or shstrndx == 0xFFFF:  # extended numbering lives in section 0
        sec0 = _SHDR.unpack_from(data, shoff)
        shnum = shnum or sec0[5]
        shstrndx = sec0[6] if shstrndx == 0xFFFF else shstrndx
    if shnum == 0 or shoff + shnum * _SHDR.size > size:
        raise ElfError(f"section header table ({shnum} sections) extends past end of file")
    if shstrndx == 0 or shstrndx >= shnum:
        raise ElfError(f"section name table index {shstrndx} out of range ({shnum} sections)")
    return Layout(size, shoff, shnum, shstrndx)


def section_table(data, size: int, header: Layout) -> dict:
    """The few sections depmod reads, by name, as (type, offset, size), each
    checked to lie in the file; ``SHT_SYMTAB`` maps to (symtab, its strtab).

    ``lkmsh.elf.parse_sections`` validates every section (ElfFile, insmod);
    depmod reads a thousand files and only these, so it checks only these.
    """
    shoff, shnum = header.shoff, header.shnum
    hdrs = data[shoff : shoff + shnum * _SHDR.size]
    if len(hdrs) != shnum * _SHDR.size:
        raise ElfError("section header table extends past end of file")
    words = memoryview(hdrs).cast("I")
    name_col = words[0::16].tolist()  # sh_name of every section
    type_col = words[1::16].tolist()  # sh_type

    def extent(index: int, what: str) -> tuple[int, int, int]:
        _n, stype, _f, _a, off, sz, *_r = _SHDR.unpack_from(hdrs, index * _SHDR.size)
        if stype == SHT_NOBITS:
            return stype, 0, 0
        if off + sz > size:
            raise ElfError(f"section {index} ({what}) extends past end of file")
        return stype, off, sz

    if header.shstrndx >= shnum:
        raise ElfError(f"section name table index {header.shstrndx} is past {shnum} sections")
    _n, stype, _f, _a, str_off, str_size, *_rest = _SHDR.unpack_from(
        hdrs, header.shstrndx * _SHDR.size
    )
    if stype != SHT_STRTAB or str_off + str_size > size:
        raise ElfError(f"section name table (section {header.shstrndx}) is not a string table")
    names = data[str_off : str_off + str_size]
    out: dict = {}
    claimed = set()
    for name in _WANTED:
        at = names.find(name + b"\0")
        while at > 0 and names[at - 1] != 0:  # a suffix of a longer name
            at = names.find(name + b"\0", at + 1)
        if at >= 0 and at in name_col:
            index = name_col.index(at)  # the first section of that name
            claimed.add(index)
            out[name.decode()] = extent(index, name.decode())
    index = -1
    while SHT_SYMTAB in type_col[index + 1 :]:
        index = type_col.index(SHT_SYMTAB, index + 1)
        if index in claimed:  # a section depmod reads by name comes first
            continue
        link = _SHDR.unpack_from(hdrs, index * _SHDR.size)[6]
        if not 0 < link < shnum:
            raise ElfError(f".symtab links to section {link} of {shnum}")
        out[SHT_SYMTAB] = (extent(index, ".symtab"), extent(link, ".strtab"))
        break
    return out


def _resolve_crcs(data, layout: Layout, values: list[int], shndx: list[int]) -> list[int]:
    """The CRCs of ``__crc_`` symbols: since Linux 5.19 each is a 32-bit word in a
    section (the symbol's value its offset there), before that the value itself
    (SHN_ABS); libkmod reads them the same way."""
    out = []
    sections: dict[int, tuple[int, int] | None] = {}  # shndx -> (type, offset)
    limit = min(layout.shnum, 0xFF00)
    for value, sh in zip(values, shndx, strict=True):
        if sh == 0 or sh >= limit:
            out.append(value)
            continue
        where = sections.get(sh)
        if where is None:
            hdr = _SHDR.unpack_from(data, layout.shoff + sh * _SHDR.size)
            where = sections[sh] = (hdr[1], hdr[4])
        at = where[1] + value
        if where[0] == SHT_NOBITS or at + 4 > layout.size:
            out.append(0)
        else:
            out.append(int.from_bytes(data[at : at + 4], "little"))
    return out


def symbol_versions(data: bytes) -> list[tuple[int, str]] | None:
    """``__versions``: (CRC, symbol) per record, in file order (modprobe
    --show-modversions); None without such a section (kmod's ENOENT)."""
    layout = elf_layout(data)
    table = section_table(data, layout.size, layout)
    if "__versions" not in table:
        return None
    _t, off, size = table["__versions"]
    blob = data[off : off + size]
    if len(blob) % 64:
        raise ElfError("__versions is not a whole number of records")
    names = [_utf8(n) for n in _VERSION_NAME.findall(blob.decode("latin-1"))]
    crcs = memoryview(blob).cast("Q")[0::8].tolist()
    return [
        (crc, name[1:] if name.startswith(".") else name)
        for crc, name in zip(crcs, names, strict=True)
    ]


def exported_symbols(data: bytes) -> list[tuple[int, str]] | None:
    """(CRC, symbol) of what a module exports (modprobe --show-exports): its __crc_
    symbols, else __ksymtab_strings with CRC 0, as libkmod lists them; None when it
    exports nothing (libkmod finds no __ksymtab_strings: ENOENT)."""
    facts = read_facts(data)
    if not facts.exports:
        return None
    crcs = list(facts.export_crcs) + [0] * (len(facts.exports) - len(facts.export_crcs))
    return list(zip(crcs, facts.exports, strict=True))
