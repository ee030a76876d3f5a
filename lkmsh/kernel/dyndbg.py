"""Dynamic debug, as Linux 6.1's lib/dynamic_debug.c: the control file's queries.

The sites themselves are the modules' own: each pr_debug() is a struct
_ddebug in the module's "__dyndbg" section and each DECLARE_DYNDBG_CLASSMAP a
struct ddebug_class_map in "__dyndbg_classes" (<linux/dynamic_debug.h>); a
site's flags live in its descriptor, in module memory, which the state file
keeps. So this holds no state of its own: the tables are read from the live
modules' sections when a query or a read of the control file needs them, in
load order (ddebug_tables).

Messages are dynamic_debug.c's (pr_fmt "dyndbg: "), at its default
verbosity 0, which logs only errors.
"""

from __future__ import annotations

import fnmatch
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lkmsh.errors import BadAddress

if TYPE_CHECKING:
    from lkmsh.kernel.memory import AddressSpace
    from lkmsh.kernel.module import Module

SECTION = "__dyndbg"
CLASSES_SECTION = "__dyndbg_classes"
DESC_SIZE = 40  # struct _ddebug
MAP_SIZE = 56  # struct ddebug_class_map
_BITS = 32  # lineno:18, class_id:6, flags:8
CLASS_DFLT = 63
PRINT, MODNAME, FUNCNAME, LINENO, TID = 1, 2, 4, 8, 16
INCL_ANY = MODNAME | FUNCNAME | LINENO | TID
#: opt_array: each flag's letter, '_' for none
OPT = ((PRINT, "p"), (MODNAME, "m"), (FUNCNAME, "f"), (LINENO, "l"), (TID, "t"), (0, "_"))
DISJOINT_BITS, LEVEL_NUM, DISJOINT_NAMES, LEVEL_NAMES = range(4)
MAXWORDS = 9
USER_BUF_PAGE = 4096
MAX_SITES = 1 << 16
HEADER = "# filename:lineno [module]function flags format\n"


class QueryError(Exception):
    """A query dynamic_debug.c refuses (-EINVAL), its pr_err lines already logged."""


@dataclass
class Site:
    """One struct _ddebug, read from module memory."""

    addr: int
    modname: str
    function: str
    filename: str
    format: bytes
    lineno: int
    class_id: int
    flags: int


@dataclass
class ClassMap:
    """A module's DECLARE_DYNDBG_CLASSMAP: the class names dynamic debug accepts."""

    addr: int
    mod_name: str
    names: list[str]
    base: int
    map_type: int

    def name_of(self, class_id: int) -> str | None:
        i = class_id - self.base
        return self.names[i] if 0 <= i < len(self.names) else None


@dataclass
class Table:
    """ddebug_table: one module's sites and the class maps attached to it."""

    mod_name: str
    sites: list[Site] = field(default_factory=list)
    maps: list[ClassMap] = field(default_factory=list)


def describe_flags(flags: int) -> str:
    text = "".join(c for f, c in OPT if f and flags & f)
    return text or "_"


class DynamicDebug:
    """The queries over the live modules' tables. @err logs a dyndbg error line."""

    def __init__(
        self,
        mem: AddressSpace,
        modules: Callable[[], list[Module]],
        err: Callable[[str], None],
    ):
        self.mem, self._modules, self._err = mem, modules, err

    # -- reading the tables ---------------------------------------------------

    def _str(self, addr: int, limit: int = 256) -> str:
        if not addr:
            return ""
        try:
            return self.mem.read_cstr(addr, limit).decode("utf-8", "replace")
        except BadAddress:
            return "?"

    def tables(self) -> list[Table]:
        out = []
        for module in sorted(self._modules(), key=lambda m: m.load_seq):
            table = self.table_of(module)
            if table is not None:
                out.append(table)
        return out

    def table_of(self, module: Module) -> Table | None:
        descs = [p for p in module.placements if p.name == SECTION]
        if not descs:
            return None  # __ddebug_add_module() skips a module without sites
        table = Table(module.name)
        for p in descs:
            for i in range(min(p.size // DESC_SIZE, MAX_SITES)):
                table.sites.append(self._site(p.addr + i * DESC_SIZE))
        for p in module.placements:
            if p.name != CLASSES_SECTION:
                continue
            for i in range(p.size // MAP_SIZE):
                cm = self._map(p.addr + i * MAP_SIZE)
                if cm.mod_name == module.name:
                    table.maps.insert(0, cm)  # list_add(): newest first
        return table

    def _site(self, addr: int) -> Site:
        raw = self.mem.read(addr, DESC_SIZE)
        modname, function, filename, fmt = struct.unpack_from("<4Q", raw)
        bits = struct.unpack_from("<I", raw, _BITS)[0]
        try:
            text = self.mem.read_cstr(fmt, 1024) if fmt else b""
        except BadAddress:
            text = b"?"
        return Site(
            addr, self._str(modname), self._str(function), self._str(filename, 1024), text,
            bits & 0x3FFFF, (bits >> 18) & 0x3F, bits >> 24,
        )  # fmt: skip

    def _map(self, addr: int) -> ClassMap:
        raw = self.mem.read(addr, MAP_SIZE)
        mod_name, names_at = struct.unpack_from("<2Q", raw, 24)
        length, base, map_type = struct.unpack_from("<iiI", raw, 40)
        names = []
        for i in range(max(0, min(length, 64))):
            try:
                names.append(self._str(self.mem.read_u64(names_at + 8 * i)))
            except BadAddress:
                names.append("?")
        return ClassMap(addr, self._str(mod_name), names, base, map_type)

    def set_flags(self, site: Site, flags: int) -> None:
        bits = struct.unpack_from("<I", self.mem.read(site.addr + _BITS, 4))[0]
        self.mem.write(site.addr + _BITS, struct.pack("<I", (bits & 0xFFFFFF) | flags << 24))
        site.flags = flags

    # -- the control file -----------------------------------------------------

    def control_text(self) -> str:
        """ddebug_proc_show() for every site."""
        out = [HEADER]
        for t in self.tables():
            for s in t.sites:
                fmt = _escape(s.format)
                line = f'{s.filename}:{s.lineno} [{t.mod_name}]{s.function} ={describe_flags(s.flags)} "{fmt}"'
                if s.class_id != CLASS_DFLT:
                    name = next((n for m in t.maps if (n := m.name_of(s.class_id))), None)
                    line += f" class:{name}" if name else f" class unknown, _id:{s.class_id}"
                out.append(line + "\n")
        return "".join(out)

    def exec_queries(self, text: str, modname: str | None = None) -> int:
        """ddebug_exec_queries(): the sites matched, or -EINVAL (the last error)."""
        nfound, failed = 0, False
        for query in re.split(r"[;\n]", text):
            query = query.lstrip(" \t\n\v\f\r")
            if not query or query.startswith("#"):
                continue
            try:
                nfound += self.exec_query(query, modname)
            except QueryError:
                failed = True
        return -22 if failed else nfound

    def exec_query(self, text: str, modname: str | None) -> int:
        try:
            words = self._tokenize(text)
        except QueryError:
            words = []
        if not words:
            self._err("tokenize failed")
            raise QueryError
        try:
            flags, mask = self._parse_flags(words[-1])
        except QueryError:
            self._err("flags parse failed")
            raise
        try:
            query = self._parse_query(words[:-1], modname)
        except QueryError:
            self._err("query parse failed")
            raise
        return self._change(query, flags, mask)

    def _tokenize(self, buf: str) -> list[str]:
        words: list[str] = []
        i, n = 0, len(buf)
        while i < n:
            while i < n and buf[i] in " \t\n\v\f\r":
                i += 1
            if i >= n or buf[i] == "#":
                break
            if buf[i] in "\"'":
                quote = buf[i]
                end = buf.find(quote, i + 1)
                if end < 0:
                    self._err(f"unclosed quote: {buf[i + 1 :]}")
                    raise QueryError
                word, i = buf[i + 1 : end], end + 1
            else:
                end = i
                while end < n and buf[end] not in " \t\n\v\f\r":
                    end += 1
                word, i = buf[i:end], end + 1
            if len(words) == MAXWORDS:
                self._err(f"too many words, legal max <={MAXWORDS}")
                raise QueryError
            words.append(word)
        return words

    def _parse_flags(self, text: str) -> tuple[int, int]:
        if not text or text[0] not in "+-=":
            self._err(f"bad flag-op {text[:1]}, at start of {text}")
            raise QueryError
        op, flags = text[0], 0
        for c in text[1:]:
            flag = next((f for f, ch in OPT if ch == c), None)
            if flag is None:
                self._err(f"unknown flag '{c}'")
                raise QueryError
            flags |= flag
        if op == "=":
            return flags, 0
        if op == "+":
            return flags, 0xFF
        return 0, ~flags & 0xFF

    def _parse_query(self, words: list[str], modname: str | None) -> dict:
        if len(words) % 2:
            self._err("expecting pairs of match-spec <value>")
            raise QueryError
        q: dict = {}

        def once(key: str, value: object, name: str) -> None:
            if key in q:
                self._err(f"match-spec:{name} val:{q[key]} overridden by {value}")
                raise QueryError
            q[key] = value

        for keyword, arg in zip(words[::2], words[1::2], strict=True):
            if keyword == "func":
                once("function", arg, "func")
            elif keyword == "file":
                name, colon, tail = arg.partition(":")
                once("filename", name, "file")
                if colon and (tail[:1].isalpha() or tail[:1] in ("*", "?")):
                    once("function", tail, "func")
                elif colon:
                    self._linerange(q, tail)
            elif keyword == "module":
                once("module", arg, "module")
            elif keyword == "format":
                once("format", _unescape(arg), "format")
            elif keyword == "line":
                self._linerange(q, arg)
            elif keyword == "class":
                once("class", arg, "class")
            else:
                self._err(f'unknown keyword "{keyword}"')
                raise QueryError
        if "module" not in q and modname:
            q["module"] = modname
        return q

    def _linerange(self, q: dict, text: str) -> None:
        if "first" in q:
            self._err("match-spec: line used 2x")
            raise QueryError
        first, dash, last = text.partition("-")
        lo = self._lineno(first)
        if dash:
            hi = self._lineno(last) or 0xFFFFFFFF
            if hi < lo:
                self._err(f"last-line:{hi} < 1st-line:{lo}")
                raise QueryError
        else:
            hi = lo
        q["first"], q["last"] = lo, hi

    def _lineno(self, text: str) -> int:
        if not text:
            return 0
        if not text.isdigit() or int(text) > 0xFFFFFFFF:
            self._err(f"bad line-number: {text}")
            raise QueryError
        return int(text)

    def _change(self, q: dict, flags: int, mask: int) -> int:
        """ddebug_change()."""
        nfound = 0
        for t in self.tables():
            if "module" in q and not _match(q["module"], t.mod_name):
                continue
            if "class" in q:
                valid = next(
                    (m.base + m.names.index(q["class"]) for m in t.maps if q["class"] in m.names),
                    None,
                )
                if valid is None:
                    continue
            else:
                valid = CLASS_DFLT
            for s in t.sites:
                if s.class_id != valid or not _site_matches(q, s):
                    continue
                nfound += 1
                new = (s.flags & mask) | flags
                if new != s.flags:
                    self.set_flags(s, new)
        return nfound

    # -- the class parameters (param_ops_dyndbg_classes) ----------------------

    def apply_class_bits(self, cm: ClassMap, flags: str, new: int, old: int) -> int:
        """ddebug_apply_class_bitmap(): a "class NAME +flags"/"-flags" query per changed bit."""
        matches = 0
        for bi, name in enumerate(cm.names):
            if (new >> bi) & 1 == (old >> bi) & 1:
                continue
            query = f"class {name} {'+' if (new >> bi) & 1 else '-'}{flags}"
            matches += max(self.exec_queries(query[:127]), 0)
        return matches


def _match(pattern: str, name: str) -> bool:
    """match_wildcard(): * and ? only."""
    return fnmatch.fnmatchcase(name, pattern.replace("[", "[[]"))


def _site_matches(q: dict, s: Site) -> bool:
    if "filename" in q:
        base = s.filename.rsplit("/", 1)[-1]
        if not (_match(q["filename"], s.filename) or _match(q["filename"], base)):
            return False
    if "function" in q and not _match(q["function"], s.function):
        return False
    if "format" in q:
        fmt: bytes = q["format"]
        if fmt.startswith(b"^"):
            if not s.format.startswith(fmt[1:]):
                return False
        elif fmt not in s.format:
            return False
    if q.get("first") and s.lineno < q["first"]:
        return False
    return not (q.get("last") and s.lineno > q["last"])


def _escape(fmt: bytes) -> str:
    """seq_escape_str(ESCAPE_SPACE, "\\t\\r\\n\\""): tab, CR and newline as \\t \\r \\n (the quote
    is in the list but no escape class of ESCAPE_SPACE's, so it passes as it is)."""
    return fmt.decode("latin-1").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def _unescape(text: str) -> bytes:
    """string_unescape_inplace(UNESCAPE_SPACE | UNESCAPE_OCTAL | UNESCAPE_SPECIAL)."""
    simple = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, '"': 34, "\\": 92, "a": 7, "e": 27}
    out, i, raw = bytearray(), 0, text.encode("utf-8", "surrogateescape")
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):
            nxt = chr(raw[i + 1])
            m = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if m:
                out.append(int(m.group(0), 8) & 0xFF)
                i += 1 + len(m.group(0))
                continue
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
                continue
        out.append(c)
        i += 1
    return bytes(out)
