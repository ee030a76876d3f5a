"""The table of kernel API functions and data symbols modules link against.

Each family module registers its functions with ``@kapi`` at import time. The
kernel gives every function one trap slot in kernel text, in the order of
``kapi_names()``; that order (sorted by name) and ``table_digest()`` must be the
same in every process, because the persisted module images hold the slot
addresses they were linked against.

A kernel boots from the generated index (index.py: each name, its family and
its GPL flag) and imports a family only when module code first calls into it
(``lookup``): importing all ~80 families was a sixth of a one-shot command's
start-up, most of them never called. ``python -m lkmsh.kernel.kapi``
rewrites the index; a test fails while it is stale.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from importlib import import_module
from typing import TYPE_CHECKING, Any, NamedTuple

from lkmsh.errors import BadAddress

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

Impl = Callable[["CallContext"], "int | None"]


@dataclass(frozen=True)
class CParam:
    """One declared parameter: ``ctype`` normalised ("const char *", "fnptr", "...")."""

    ctype: str
    name: str

    @property
    def is_string(self) -> bool:
        """A tracer may decode this argument as a NUL-terminated string."""
        return self.ctype in ("char *", "const char *")

    @property
    def is_pointer(self) -> bool:
        return self.ctype.endswith("*") or self.ctype == "fnptr"


@dataclass(frozen=True)
class KapiFunc:
    """One kernel function: ``impl`` turns a bad pointer into an Oops; ``body`` does not
    (the kernel's trap dispatch catches that itself, one Python frame less a call).

    The prototype is parsed when first asked about (tracing, the C contract):
    parsing every one at import was a good part of a one-shot command's start-up.
    """

    name: str
    sig: str
    impl: Impl
    gpl: bool
    body: Impl | None = None
    family: str = ""  # the module that registered it, for the index

    @cached_property
    def _parsed(self) -> tuple[str, tuple[CParam, ...], bool]:
        _name, returns, params, variadic = parse_signature(self.sig)
        return returns, params, variadic

    @property
    def returns(self) -> str:
        return self._parsed[0]

    @property
    def params(self) -> tuple[CParam, ...]:
        return self._parsed[1]

    @property
    def variadic(self) -> bool:
        return self._parsed[2]

    @property
    def is_void(self) -> bool:
        return self.returns == "void"


@dataclass(frozen=True)
class KapiData:
    """A kernel data symbol (``jiffies``): ``refresh(kernel)`` gives its current bytes.

    A ``static`` one (an ops table, a kernel object) is written once at boot
    instead of before every call into module code.
    """

    name: str
    size: int
    refresh: Callable[[Any], bytes]
    gpl: bool = False
    static: bool = False
    family: str = ""


class KapiName(NamedTuple):
    """A kernel function as the index lists it: enough for its slot and its export."""

    name: str
    family: str
    gpl: bool


PACKAGE = "lkmsh.kernel.kapi"

_FUNCS: dict[str, KapiFunc] = {}
_DATA: dict[str, KapiData] = {}
_sorted_cache: list[KapiFunc] | None = None

_TOKEN = re.compile(r"\w+|\*")
_TYPE_WORDS = frozenset({"int", "long", "short", "char", "unsigned", "signed", "void", "bool"})
_FNPTR = re.compile(r"\(\s*\*\s*(\w*)\s*\)")
#: the name a prototype declares: the word right before its first parenthesis
_DECLARED = re.compile(r"[^(]*?(\w+)\s*\(")
_NAME_TAIL = re.compile(r"^(.*?)(\w+)\s*((?:\[\s*\w*\s*\])*)$")


def _norm_type(text: str) -> str:
    """Canonical spelling: "const char *", "char **", "const char *const *"."""
    out = ""
    prev = ""
    for tok in _TOKEN.findall(text):
        if out and not (tok == "*" and prev == "*") and not (prev == "*" and tok != "*"):
            out += " "
        out += tok
        prev = tok
    return out


def _split_top(text: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def parse_signature(sig: str) -> tuple[str, str, tuple[CParam, ...], bool]:
    """Split a C prototype into (name, return type, params, variadic).

    Only what kernel prototypes need: pointers, qualifiers, function pointer
    parameters, ``...`` and ``(void)``.
    """
    sig = sig.strip().rstrip(";")
    open_at = sig.index("(")
    head, body = sig[:open_at], sig[open_at + 1 : sig.rindex(")")]
    m = _NAME_TAIL.match(head.strip())
    if m is None:
        raise ValueError(f"cannot parse signature {sig!r}")
    returns = _norm_type(m.group(1)) or "int"
    name = m.group(2)
    params: list[CParam] = []
    variadic = False
    if body.strip() not in ("", "void"):
        for i, part in enumerate(_split_top(body)):
            if part == "...":
                variadic = True
                continue
            fp = _FNPTR.search(part)
            if fp:
                params.append(CParam("fnptr", fp.group(1) or f"arg{i}"))
                continue
            pm = _NAME_TAIL.match(part)
            if pm is None or not pm.group(1).strip() or pm.group(2) in _TYPE_WORDS:
                # Unnamed parameter: the whole text is the type.
                params.append(CParam(_norm_type(part), f"arg{i}"))
                continue
            ctype = _norm_type(pm.group(1))
            if pm.group(3):
                ctype = _norm_type(ctype + " *")
            params.append(CParam(ctype, pm.group(2)))
    return name, returns, tuple(params), variadic


def _family(depth: int) -> str:
    """The family module whose code is registering (the caller's caller of kapi/kdata)."""
    module = sys._getframe(depth + 1).f_globals.get("__name__", "")
    return module.removeprefix(PACKAGE + ".")


def kapi(name: str, sig: str, gpl: bool = False) -> Callable[[Impl], Impl]:
    """Register ``impl`` as kernel function ``name`` declared by the C prototype ``sig``."""
    family = _family(1)
    declared = _DECLARED.match(sig)
    if declared is None or declared.group(1) != name:
        sig_name = parse_signature(sig)[0]  # the whole parse, for its error or its name
        if sig_name != name:
            raise ValueError(f"kapi {name!r}: signature declares {sig_name!r}")

    def register(impl: Impl) -> Impl:
        global _sorted_cache
        if name in _FUNCS or name in _DATA:
            raise ValueError(f"kernel symbol {name!r} registered twice")
        _FUNCS[name] = KapiFunc(name, sig, _guarded(impl), gpl, impl, family)
        _sorted_cache = None
        return impl

    return register


def _guarded(impl: Impl) -> Impl:
    """A bad pointer handed to a kernel function faults as in Linux: an Oops, not an error."""

    def run(ctx: CallContext) -> int | None:
        try:
            return impl(ctx)
        except BadAddress as err:
            from lkmsh.kernel.kapi.bug import page_fault

            raise page_fault(ctx, err) from None

    run.__name__ = getattr(impl, "__name__", "kapi")
    run.__doc__ = impl.__doc__
    return run


def kdata(
    name: str, size: int, gpl: bool = False, static: bool = False
) -> Callable[[Callable[[Any], bytes]], Any]:
    """Register a kernel data symbol whose bytes ``refresh(kernel)`` produces."""
    family = _family(1)

    def register(refresh: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
        if name in _FUNCS or name in _DATA:
            raise ValueError(f"kernel symbol {name!r} registered twice")
        _DATA[name] = KapiData(name, size, refresh, gpl, static, family)
        return refresh

    return register


def _index():
    from lkmsh.kernel.kapi import index

    return index


def load_family(family: str) -> None:
    import_module(f"{PACKAGE}.{family}")


def load_all() -> None:
    """Import every family the index names (what tracing and the C contract need)."""
    for family in _index().FAMILIES:
        load_family(family)


_names: tuple[tuple, list[KapiName]] = ((), [])


def kapi_names() -> list[KapiName]:
    """Every kernel function as the index lists it, sorted by name: slot i is entry i.

    Built once per index (a restore asks twice, the boot once more)."""
    global _names
    funcs = _index().FUNCS
    if _names[0] is not funcs:
        _names = (funcs, [KapiName(*e) for e in funcs])
    return _names[1]


def kapi_table() -> list[KapiFunc]:
    """Every kernel function, sorted by name (every family imported)."""
    global _sorted_cache
    load_all()
    if _sorted_cache is None:
        _sorted_cache = [_FUNCS[n] for n in sorted(_FUNCS)]
    return _sorted_cache


def kdata_table() -> list[KapiData]:
    """Every kernel data symbol, sorted by name (their layout order in kernel data)."""
    for family in _index().DATA_FAMILIES:
        load_family(family)  # a kernel refreshes every one: their families are always there
    return [_DATA[n] for n in sorted(_DATA)]


def lookup(name: str) -> KapiFunc | None:
    """The function ``name``, its family imported first if it was not yet."""
    found = _FUNCS.get(name)
    if found is None:
        family = _index().FAMILY_OF.get(name)
        if family is not None:
            load_family(family)
            found = _FUNCS.get(name)
    return found


def lookup_data(name: str) -> KapiData | None:
    kdata_table()
    return _DATA.get(name)


def _sha256():
    """SHA-256 without importing hashlib: every restore checks the digest, and hashlib's
    OpenSSL load is ~4 ms of a one-shot command (the same digest either way)."""
    try:
        from _sha256 import sha256  # CPython 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[no-redef]  # CPython 3.12+
        except ImportError:
            from hashlib import sha256
    return sha256()


def table_digest() -> str:
    """A hash of the slot layout; a state file recorded with another digest is stale."""
    h = _sha256()
    index = _index()
    for name, _family, _gpl in index.FUNCS:
        h.update(f"F {name}\n".encode())
    for name, _family, size, _gpl in index.DATA:
        h.update(f"D {name} {size}\n".encode())
    return h.hexdigest()[:16]


# -- the index -----------------------------------------------------------------------

_INDEX_HEAD = '''"""Which family registers each kernel function and data symbol (generated: do not edit).

Written by ``python -m lkmsh.kernel.kapi`` from what every module of
this package registers; tests/kernel/kapi/test_kapi_index.py fails while it is stale.
"""

'''


def _import_every_family() -> None:
    import pkgutil

    package = import_module(PACKAGE)
    for info in pkgutil.iter_modules(package.__path__):
        if info.name not in ("index", "__main__"):
            load_family(info.name)


def render_index() -> str:
    """The index's source text, from every family's registrations."""
    _import_every_family()
    funcs = [_FUNCS[n] for n in sorted(_FUNCS)]
    data = [_DATA[n] for n in sorted(_DATA)]
    lines = [_INDEX_HEAD, "FUNCS = (\n"]
    lines += [f'    ("{f.name}", "{f.family}", {f.gpl}),\n' for f in funcs]
    lines.append(")\nDATA = (\n")
    lines += [f'    ("{d.name}", "{d.family}", {d.size}, {d.gpl}),\n' for d in data]
    lines.append(")\n")
    families = sorted({f.family for f in funcs} | {d.family for d in data})
    data_families = sorted({d.family for d in data})
    for title, names in (("FAMILIES", families), ("DATA_FAMILIES", data_families)):
        if len(names) == 1:  # as ruff formats it: a lone element's comma is no magic one
            lines.append(f'{title} = ("{names[0]}",)\n')
        else:
            lines.append(f"{title} = (\n" + "".join(f'    "{n}",\n' for n in names) + ")\n")
    lines.append("FAMILY_OF = {name: family for name, family, _gpl in FUNCS}\n")
    return "".join(lines)


def write_index() -> str:
    """Rewrite index.py; returns its path."""
    from pathlib import Path

    target = Path(__file__).with_name("index.py")
    target.write_text(render_index())
    return str(target)
