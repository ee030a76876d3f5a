"""A bytecode cache for the methods ``dataclasses`` generates (installed on import).

Python 3.11 and 3.12 build each dataclass's ``__init__``, ``__repr__``,
``__eq__``, ``__hash__`` and frozen ``__setattr__`` from source text and
``compile`` it on every import: for the ~80 dataclasses the kernel package
defines, that is about 20 ms of a one-shot command's start-up, more than a
third of importing the kernel. ``install()`` keeps the compiled code of each
generated function, keyed by its exact source text (so an entry can never be
stale: the same text compiles to the same code), in one file next to lkmsh's
``.pyc`` files; a later process reads it back instead of compiling. Where
bytecode is not written (``PYTHONDONTWRITEBYTECODE``, a read-only install) the
file is read but never written, like the interpreter's own bytecode cache.
Python 3.13 generates these functions differently (one ``exec`` a class): there
``install()`` does nothing.
"""

from __future__ import annotations

import atexit
import dataclasses
import marshal
import os
import sys
from pathlib import Path
from types import CodeType

_MISSING = dataclasses.MISSING
_HEADER = f"lkmsh-dataclasses {sys.implementation.cache_tag} {sys.hexversion}\n".encode()

_codes: dict[str, CodeType] = {}
_path: Path | None = None
_added = 0


def cache_path() -> Path | None:
    """Where the cache lives: lkmsh's ``__pycache__`` (or its PYTHONPYCACHEPREFIX twin)."""
    from importlib.util import cache_from_source

    import lkmsh

    try:
        return Path(cache_from_source(lkmsh.__file__)).parent / "dataclasses.marshal"
    except (NotImplementedError, TypeError, ValueError):
        return None


def _load(path: Path) -> dict[str, CodeType]:
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    if not data.startswith(_HEADER):
        return {}
    try:
        codes = marshal.loads(data[len(_HEADER) :])
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(codes, dict):
        return {}
    return {k: v for k, v in codes.items() if isinstance(k, str) and isinstance(v, CodeType)}


def save() -> None:
    """Write the cache if this process compiled something new (atomically: tmp + rename)."""
    global _added
    if not _added or _path is None or sys.dont_write_bytecode:
        return
    tmp = _path.with_name(f"{_path.name}.{os.getpid()}.tmp")
    try:
        _path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(_HEADER + marshal.dumps(dict(_codes)))
        os.replace(tmp, _path)
        _added = 0
    except OSError:
        tmp.unlink(missing_ok=True)


def _create_fn(name, args, body, *, globals=None, locals=None, return_type=_MISSING):  # noqa: A002
    """dataclasses._create_fn of Python 3.11/3.12, with the compile looked up first."""
    global _added
    if locals is None:
        locals = {}
    return_annotation = ""
    if return_type is not _MISSING:
        locals["_return_type"] = return_type
        return_annotation = "->_return_type"
    args = ",".join(args)
    body = "\n".join(f"  {b}" for b in body)
    txt = f" def {name}({args}){return_annotation}:\n{body}"
    local_vars = ", ".join(locals.keys())
    txt = f"def __create_fn__({local_vars}):\n{txt}\n return {name}"
    code = _codes.get(txt)
    if code is None:
        code = compile(txt, "<string>", "exec")
        _codes[txt] = code
        _added += 1
    ns: dict = {}
    exec(code, globals, ns)
    return ns["__create_fn__"](**locals)


def install() -> None:
    """Route dataclasses' code generation through the cache (once; 3.11 and 3.12 only)."""
    global _path
    if _path is not None or sys.version_info[:2] not in ((3, 11), (3, 12)):
        return
    original = getattr(dataclasses, "_create_fn", None)
    if original is None or original.__code__.co_kwonlyargcount != 3:
        return
    path = cache_path()
    if path is None:
        return
    _path = path
    _codes.update(_load(path))
    dataclasses._create_fn = _create_fn  # type: ignore[attr-defined]
    atexit.register(save)


install()
