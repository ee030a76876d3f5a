"""What the kernel knows about one loaded module."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from typing import Any

from lkmsh.errors import StateError
from lkmsh.kernel.snapshot import Saved
from lkmsh.record import Record

#: Licenses Linux treats as GPL-compatible (include/linux/license.h).
GPL_COMPATIBLE = frozenset(
    {
        "GPL",
        "GPL v2",
        "GPL and additional rights",
        "Dual BSD/GPL",
        "Dual MIT/GPL",
        "Dual MPL/GPL",
    }
)


def license_is_gpl_compatible(license: str | None) -> bool:
    return license in GPL_COMPATIBLE


#: .modinfo keys whose first value a module record keeps beside its saved records
#: (/sys/module/NAME/version and srcversion, lsmod --json, the taint checks), so a
#: restored kernel answers them without decoding up to 16,384 records.
#: kunit_test_suites()'s section: the module's struct kunit_suite pointers (kunit.py)
KUNIT_SECTION = ".kunit_test_suites"

HEAD_KEYS = ("version", "srcversion", "license", "description", "author", "intree")
#: A longer value is left out of the head (it is looked up in the records).
HEAD_VALUE_MAX = 256

#: How often a saved bulk field was decoded, by field: tests count these to show that
#: a command that does not need a module's records never decodes them.
DECODES = {"modinfo": 0, "symbols": 0}


_BULK = ("modinfo", "symbols")


def _decode(module: str, what: str, saved: Saved, item: Callable[[Any], Any]) -> list[Any]:
    DECODES[what] += 1
    try:
        return [item(x) for x in json.loads(saved.text())]
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise StateError.corrupt(f"module {module}: bad {what} records ({e})") from None


def _pair(kv: Any) -> tuple[str, str]:
    key, value = kv
    if not isinstance(key, str) or not isinstance(value, str):
        raise TypeError("a .modinfo record is not two strings")
    return key, value


def _all_of(values: Any, kind: type, what: str) -> Any:
    """@values (a list or tuple) if each is a @kind (an int is no bool, and a 64-bit
    unsigned value), else ValueError: a saved record of the wrong shape is a corrupt
    state, not an internal error later."""
    if not isinstance(values, (list, tuple)) or not all(
        isinstance(v, kind) and not isinstance(v, bool) and (kind is not int or 0 <= v < _U64)
        for v in values
    ):
        raise ValueError(f"bad {what} in a module record")
    return values


_U64 = 1 << 64


#: Module fields a saved record must give, by type (the rest are checked where decoded)
_SCALARS = {
    "name": str,
    "path": str,
    "size": int,
    "base": int,
    "taints": str,
    "params": str,
    "extra_refs": int,
    "struct_addr": int,
    "init_addr": int,
    "exit_addr": int,
    "elf_type": str,
    "load_seq": int,
}
_LISTS = {"exports": str, "uses": str, "users": str, "regions": int}


def _symbol(d: Any) -> ModuleSymbol:
    s = ModuleSymbol(**d)
    _all_of((s.name, s.kind), str, "symbol")
    _all_of((s.addr, s.size), int, "symbol")
    return s


def _placement(d: Any) -> Placement:
    p = Placement(**d)
    _all_of((p.name, p.perm), str, "placement")
    _all_of((p.addr, p.size), int, "placement")
    return p


def head_of(modinfo: list[tuple[str, str]]) -> dict[str, str | None]:
    """The first value of each of HEAD_KEYS (None: absent), short ones only."""
    head: dict[str, str | None] = dict.fromkeys(HEAD_KEYS)
    for key, value in reversed(modinfo):
        if key in head:
            head[key] = value
    return {k: v for k, v in head.items() if v is None or len(v) <= HEAD_VALUE_MAX}


#: Names module_init()/module_exit() alias; the function's own name reads better.
_ALIASES = frozenset({"init_module", "cleanup_module"})


def _prefer(a: ModuleSymbol, b: ModuleSymbol) -> bool:
    """Between two symbols at one address: the one that is not an alias, then a sized one."""
    return (a.name in _ALIASES, not a.size) < (b.name in _ALIASES, not b.size)


class ModuleState(enum.Enum):
    """Life cycle: UNLOADED -> LOADED (linked, init not yet run) -> RUNNING -> UNLOADING."""

    UNLOADED = "unloaded"
    LOADED = "loaded"
    RUNNING = "running"
    UNLOADING = "unloading"

    @property
    def proc_name(self) -> str:
        """The word /proc/modules prints for this state."""
        return {"loaded": "Loading", "running": "Live"}.get(self.value, "Unloading")


class Placement(Record):
    """Where one section of the module image landed."""

    _fields = ("name", "addr", "size", "perm")

    def __init__(
        self,
        name: str,
        addr: int,
        size: int,
        perm: str,  # "r-x", "r--", "rw-"
    ):
        self.name = name
        self.addr = addr
        self.size = size
        self.perm = perm


class ModuleSymbol(Record):
    """A symbol of the module for kallsyms and Oops symbolisation."""

    _fields = ("name", "addr", "size", "kind")

    def __init__(
        self,
        name: str,
        addr: int,
        size: int,
        kind: str,  # kallsyms letter: t/T d/D r/R b/B
    ):
        self.name = name
        self.addr = addr
        self.size = size
        self.kind = kind


class Module(Record):
    _fields = (
        "name",
        "path",
        "state",
        "size",
        "base",
        "modinfo",
        "taints",
        "params",
        "placements",
        "symbols",
        "exports",
        "uses",
        "users",
        "extra_refs",
        "struct_addr",
        "init_addr",
        "exit_addr",
        "param_table",
        "regions",
        "elf_type",
        "load_seq",
    )

    def __init__(
        self,
        name: str,
        path: str = "",
        state: ModuleState = ModuleState.UNLOADED,
        size: int = 0,
        base: int = 0,
        modinfo: list[tuple[str, str]] | Saved | None = None,
        taints: str = "",
        params: str = "",
        placements: list[Placement] | None = None,
        symbols: list[ModuleSymbol] | Saved | None = None,
        exports: list[str] | None = None,
        uses: list[str] | None = None,  # modules whose exports this one uses
        users: list[str] | None = None,  # modules using this one ("Used by")
        extra_refs: int = 0,  # try_module_get references beyond "Used by"
        struct_addr: int = 0,  # &__this_module
        init_addr: int = 0,
        exit_addr: int = 0,
        param_table: tuple[int, int] = (0, 0),  # (address of __param, entry count)
        regions: list[int] | None = None,  # vaddrs of memory regions it owns
        elf_type: str = "ET_REL",
        load_seq: int = 0,
        info_head: dict[str, str | None] | None = None,  # see HEAD_KEYS
    ):
        self.name = name
        self.path = path
        self.state = state
        self.size = size
        self.base = base
        self._modinfo: list[tuple[str, str]] | Saved = [] if modinfo is None else modinfo
        if info_head is None:
            info_head = {} if isinstance(self._modinfo, Saved) else head_of(self._modinfo)
        self.info_head = info_head
        self.taints = taints
        self.params = params
        self.placements = [] if placements is None else placements
        self._symbols: list[ModuleSymbol] | Saved = [] if symbols is None else symbols
        self.exports = [] if exports is None else exports
        self.uses = [] if uses is None else uses
        self.users = [] if users is None else users
        self.extra_refs = extra_refs
        self.struct_addr = struct_addr
        self.init_addr = init_addr
        self.exit_addr = exit_addr
        self.param_table = param_table
        self.regions = [] if regions is None else regions
        self.elf_type = elf_type
        self.load_seq = load_seq

    # -- bulk fields, decoded on first use ----------------------------------
    @property
    def modinfo(self) -> list[tuple[str, str]]:
        if isinstance(self._modinfo, Saved):
            self._modinfo = _decode(self.name, "modinfo", self._modinfo, _pair)
        return self._modinfo

    @modinfo.setter
    def modinfo(self, records: list[tuple[str, str]]) -> None:
        self._modinfo = records
        self.info_head = head_of(records)

    @property
    def symbols(self) -> list[ModuleSymbol]:
        if isinstance(self._symbols, Saved):
            self._symbols = _decode(self.name, "symbols", self._symbols, _symbol)
        return self._symbols

    @symbols.setter
    def symbols(self, symbols: list[ModuleSymbol]) -> None:
        self._symbols = symbols

    # -- metadata ---------------------------------------------------------
    def info(self, key: str) -> str | None:
        """The first .modinfo value for key, as Linux's get_modinfo."""
        if key in self.info_head:
            return self.info_head[key]
        for k, v in self.modinfo:
            if k == key:
                return v
        return None

    @property
    def version(self) -> str | None:
        return self.info("version")

    @property
    def license(self) -> str | None:
        return self.info("license")

    @property
    def description(self) -> str | None:
        return self.info("description")

    @property
    def author(self) -> str | None:
        return self.info("author")

    @property
    def gpl_compatible(self) -> bool:
        return license_is_gpl_compatible(self.license)

    # -- references -------------------------------------------------------
    @property
    def refcount(self) -> int:
        """As Linux's module_refcount: one per user module plus explicit gets."""
        return len(self.users) + self.extra_refs

    @property
    def permanent(self) -> bool:
        """Has init but no exit: Linux refuses to unload it."""
        return self.init_addr != 0 and self.exit_addr == 0

    def symbol_at(self, addr: int) -> ModuleSymbol | None:
        """The symbol containing addr (or the nearest one before it in text)."""
        best = None
        for s in self.symbols:
            if s.addr > addr or (s.size and addr >= s.addr + s.size):
                continue
            if best is None or s.addr > best.addr or (s.addr == best.addr and _prefer(s, best)):
                best = s
        return best

    def contains(self, addr: int) -> bool:
        return any(p.addr <= addr < p.addr + p.size for p in self.placements)

    def has_section(self, name: str) -> bool:
        """Whether the module placed a section @name (an empty one is dropped at load)."""
        return any(p.name == name for p in self.placements)

    # -- plain data for the state store --------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data, but a bulk field nobody decoded stays the store's Saved text."""
        d = {f: getattr(self, f) for f in self._fields if f not in _BULK}
        mi, syms = self._modinfo, self._symbols
        d.update(
            state=self.state.value,
            modinfo=mi if isinstance(mi, Saved) else [tuple(kv) for kv in mi],
            placements=[p.as_dict() for p in self.placements],
            symbols=syms if isinstance(syms, Saved) else [s.as_dict() for s in syms],
            info_head=dict(self.info_head),
            exports=list(self.exports),
            uses=list(self.uses),
            users=list(self.users),
            regions=list(self.regions),
        )
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Module:
        d = dict(d)
        head = d.pop("info_head", None)  # derived data: not a field, so not in equality
        if head is not None and not (
            isinstance(head, dict) and all(v is None or isinstance(v, str) for v in head.values())
        ):
            raise ValueError("bad .modinfo head")
        d["state"] = ModuleState(d["state"])
        if not isinstance(d["modinfo"], Saved):  # a state of schema 1 keeps them in the record
            d["modinfo"] = [_pair(kv) for kv in d["modinfo"]]
        d["placements"] = [_placement(p) for p in d["placements"]]
        if not isinstance(d["symbols"], Saved):
            d["symbols"] = [_symbol(s) for s in d["symbols"]]
        d["param_table"] = _all_of(tuple(d["param_table"]), int, "param_table")
        for name, kind in _SCALARS.items():
            _all_of((d[name],), kind, name)
        for name, kind in _LISTS.items():
            _all_of(d[name], kind, name)
        return cls(**d, info_head=head)
