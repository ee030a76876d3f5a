"""A kernel as plain data: what the state store saves and a new process restores.

Everything here is JSON-able except region bytes, so the store can keep the
module table in its own columns (cheap for `lsmod`) and the memory as blobs.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, TypeVar

from lkmsh.record import Record

FORMAT_VERSION = 1


def text_crc(text: str) -> int:
    """The crc32 the state file keeps of a JSON row (module record, component)."""
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


class ChecksumError(ValueError):
    """A saved row does not match its crc32: the file was changed by something else."""


def checked(text: str, crc: int | None, what: str) -> str:
    """@text if it matches its saved @crc (None: a row saved before crcs were kept)."""
    if crc is not None and text_crc(text) != crc:
        raise ChecksumError(f"{what} fails its checksum")
    return text


_D = TypeVar("_D")


_KINDS: dict[type, dict[str, tuple[type, ...] | None]] = {}


#: What a JSON value can be: a field annotated with anything else (an enum, a class)
#: is left to its owner's checks.
_JSON_KINDS = {int, str, bool, float, list, dict, tuple, type(None)}


def _field_kinds(cls: type) -> dict[str, tuple[type, ...] | None]:
    """Each field's accepted types, from its annotation (``int``, ``str | None``,
    ``list[int]`` -> list; None: not a JSON kind, unchecked): what a saved value must
    be before it is trusted."""
    if cls in _KINDS:
        return _KINDS[cls]
    import types
    import typing  # restore of a component with records only, not the lean path

    try:
        hints = typing.get_type_hints(cls)
    except NameError:  # an annotation naming what only type checkers import
        names = [n for c in cls.__mro__ for n in getattr(c, "__annotations__", {})]
        hints = dict.fromkeys(names, Any)
    kinds: dict[str, tuple[type, ...] | None] = {}
    for name, hint in hints.items():
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        accepted = tuple(typing.get_origin(o) or o for o in options)
        if tuple in accepted:
            accepted += (list,)  # JSON keeps a tuple as a list
        if float in accepted:
            accepted += (int,)
        kinds[name] = accepted if set(accepted) <= _JSON_KINDS else None
    _KINDS[cls] = kinds
    return kinds


def _is(value: Any, kinds: tuple[type, ...] | None) -> bool:
    if kinds is None:
        return True
    if isinstance(value, bool):  # a bool is an int to Python, not to a saved int field
        return bool in kinds
    return isinstance(value, kinds)


def typed(cls: type[_D], data: Any, what: str) -> _D:
    """The dataclass @cls made from a saved dict, each field of its annotated type, else
    ValueError (restore reports it as a corrupt state, not an internal error later).
    Elements of list fields are checked by their owner."""
    if not isinstance(data, dict):
        raise ValueError(f"bad {what} record")
    kinds = _field_kinds(cls)
    for name, value in data.items():
        if name not in kinds or not _is(value, kinds[name]):
            raise ValueError(f"bad {what} record: field {name!r}")
    return cls(**data)


def ints(values: Any, what: str) -> list[int]:
    """@values as a list of ints (no bools), else ValueError."""
    if not isinstance(values, list) or not all(type(v) is int for v in values):
        raise ValueError(f"bad {what}")
    return list(values)


def an_int(value: Any, what: str) -> int:
    """@value if it is an int (no bool), else ValueError."""
    if type(value) is not int:
        raise ValueError(f"bad {what}")
    return value


class Saved:
    """Bulk data as the state file holds it (a restored module's .modinfo records and
    kallsyms, an undecoded heap): JSON text, read from the file only when first asked
    for (@fetch) and decoded by its user on first use. Never decoded, the store
    writes it back as it is (or not at all, when its row is unchanged)."""

    __slots__ = ("_fetch", "_text")

    def __init__(self, text: str | None = None, fetch: Callable[[], str] | None = None):
        self._text = text
        self._fetch = fetch

    def text(self) -> str:
        if self._text is None:
            assert self._fetch is not None
            self._text = self._fetch()
        return self._text

    def __deepcopy__(self, memo: dict[int, Any]) -> Saved:
        return self  # a value: the same saved text whoever holds it


class RowFetch:
    """``fetch()`` decodes one component's saved row; ``saved()`` is its text unread."""

    __slots__ = ("_rows", "_name")

    def __init__(self, rows: ComponentRows, name: str):
        self._rows = rows
        self._name = name

    def __call__(self) -> Any:
        return self._rows.get(self._name)

    def saved(self) -> Saved | None:
        text = self._rows.raw(self._name)
        return Saved(text) if text else None


class ComponentRows(MutableMapping[str, Any]):
    """Components' saved data as the store read it: each row is decoded when first asked for.

    A one-shot command that never touches the heap never decodes its
    65,536 records; ``raw`` gives the store the text of a row nobody decoded,
    so saving it again costs nothing. A row that is not JSON raises ValueError
    when asked for (the kernel reports the state file as corrupt).
    """

    def __init__(self, texts: dict[str, str], crcs: dict[str, int | None] | None = None):
        self._texts = texts
        self._crcs = crcs or {}
        self._values: dict[str, Any] = {}

    def raw(self, name: str) -> str | None:
        """The saved text of @name if nobody decoded (and so possibly changed) it."""
        return None if name in self._values else self._texts.get(name)

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            text = checked(self._texts[name], self._crcs.get(name), f"component {name}")
            self._values[name] = json.loads(text)
        return self._values[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self._values[name] = value
        self._texts.setdefault(name, "")

    def __delitem__(self, name: str) -> None:
        del self._texts[name]
        self._values.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __contains__(self, name: object) -> bool:
        return name in self._texts  # without decoding the row (Mapping's would)


class RegionImage(Record):
    _fields = ("vaddr", "size", "name", "owner", "perms", "data")

    def __init__(
        self,
        vaddr: int,
        size: int,
        name: str,
        owner: str | None,
        perms: bytes,  # one Perm byte per page
        data: bytes,
    ):
        self.vaddr = vaddr
        self.size = size
        self.name = name
        self.owner = owner
        self.perms = perms
        self.data = data


class KernelState(Record):
    _fields = (
        "arch",
        "kapi_digest",
        "config",
        "meta",
        "modules",
        "components",
        "regions",
        "format_version",
    )

    def __init__(
        self,
        arch: str,
        kapi_digest: str,
        config: dict[str, Any],
        meta: dict[str, Any],  # taints, sequence numbers, boot id
        modules: list[dict[str, Any]],  # Module.to_dict(), newest first
        #: "symbols", "heap", "dmesg", "clock", "procfs": plain data (a ComponentRows once loaded)
        components: MutableMapping[str, Any],
        regions: list[RegionImage] | None = None,
        format_version: int = FORMAT_VERSION,
    ):
        self.arch = arch
        self.kapi_digest = kapi_digest
        self.config = config
        self.meta = meta
        self.modules = modules
        self.components = components
        self.regions = [] if regions is None else regions
        self.format_version = format_version
