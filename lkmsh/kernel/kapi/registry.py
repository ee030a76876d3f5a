"""The table of kernel API functions and data symbols modules link against.

Each family module registers its functions with ``@kapi`` at import time. The
kernel gives every function one trap slot in kernel text, in the order of
``kapi_table()``; that order (sorted by name) and ``table_digest()`` must be the
same in every process, because the persisted module images hold the slot
addresses they were linked against.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

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


def kapi(name: str, sig: str, gpl: bool = False) -> Callable[[Impl], Impl]:
    """Register ``impl`` as kernel function ``name`` declared by the C prototype ``sig``."""
    declared = _DECLARED.match(sig)
    if declared is None or declared.group(1) != name:
        sig_name = parse_signature(sig)[0]  # the whole parse, for its error or its name
        if sig_name != name:
            raise ValueError(f"kapi {name!r}: signature declares {sig_name!r}")

    def register(impl: Impl) -> Impl:
        global _sorted_cache
        if name in _FUNCS or name in _DATA:
            raise ValueError(f"kernel symbol {name!r} registered twice")
        _FUNCS[name] = KapiFunc(name, sig, _guarded(impl), gpl, impl)
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

    def register(refresh: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
        if name in _FUNCS or name in _DATA:
            raise ValueError(f"kernel symbol {name!r} registered twice")
        _DATA[name] = KapiData(name, size, refresh, gpl, static)
        return refresh

    return register


def kapi_table() -> list[KapiFunc]:
    """Every kernel function, sorted by name: slot i of kernel text is entry i."""
    global _sorted_cache
    if _sorted_cache is None:
        _sorted_cache = [_FUNCS[n] for n in sorted(_FUNCS)]
    return _sorted_cache


def kdata_table() -> list[KapiData]:
    """Every kernel data symbol, sorted by name (their layout order in kernel data)."""
    return [_DATA[n] for n in sorted(_DATA)]


def lookup(name: str) -> KapiFunc | None:
    return _FUNCS.get(name)


def lookup_data(name: str) -> KapiData | None:
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
    for f in kapi_table():
        h.update(f"F {f.name}\n".encode())
    for d in kdata_table():
        h.update(f"D {d.name} {d.size}\n".encode())
    return h.hexdigest()[:16]
