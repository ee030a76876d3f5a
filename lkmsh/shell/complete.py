"""Completion for the REPL, from the registry's specs; no prompt_toolkit in here.

``complete(text_before_cursor, catalog)`` returns candidates for the word
under the cursor: command names first, then options (``-...``), option
values and positional arguments by their Kind: ``.ko`` paths, loaded module
names, exported symbols, ``PARAM=`` names from the module file being
inserted (its ``parm``/``parmtype`` records), /proc entries, ...
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from lkmsh.shell import registry
from lkmsh.shell.registry import Command, Kind

MODINFO_FIELDS = (
    "alias",
    "author",
    "depends",
    "description",
    "filename",
    "license",
    "name",
    "parm",
    "vermagic",
    "version",
)
LEVEL_NAMES = ("emerg", "alert", "crit", "err", "warn", "notice", "info", "debug")
COMMON_OPTIONS = ("--json", "--help")


class Catalog(Protocol):
    """What the kernel can tell completion (the REPL refreshes it after each command)."""

    def module_names(self) -> list[str]: ...
    def symbol_names(self) -> list[str]: ...
    def file_paths(self) -> list[str]: ...
    def module_symbols(self, module: str) -> list[str]: ...


@dataclass
class StaticCatalog:
    """A fixed catalog: for tests and before the kernel is opened."""

    modules: list[str] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    module_syms: dict[str, list[str]] = field(default_factory=dict)
    paths: list[str] = field(
        default_factory=lambda: ["/proc/", "/proc/modules", "/proc/kallsyms", "/sys/", "/dev/"]
    )

    def module_names(self) -> list[str]:
        return self.modules

    def symbol_names(self) -> list[str]:
        return self.symbols

    def module_symbols(self, module: str) -> list[str]:
        return self.module_syms.get(module, [])

    def file_paths(self) -> list[str]:
        return self.paths


def _path_candidates(paths: list[str], partial: str, start: int) -> list[Candidate]:
    """Complete one component at a time, as bash does: "/s" -> "/sys/"."""
    if not partial.startswith("/"):
        partial_abs = "/proc/" + partial  # relative names are under /proc
        cut = len("/proc/")
    else:
        partial_abs, cut = partial, 0
    seen: dict[str, str] = {}
    for p in paths:
        if not p.startswith(partial_abs):
            continue
        rest = p[len(partial_abs) :]
        slash = rest.find("/")
        text = partial_abs + (rest[: slash + 1] if slash >= 0 else rest)
        seen.setdefault(text[cut:], "directory" if text.endswith("/") else "file")
    return [Candidate(t, start, meta) for t, meta in sorted(seen.items())]


@dataclass(frozen=True)
class Candidate:
    text: str  # replaces the word under the cursor
    start: int  # negative offset of that word from the cursor
    meta: str = ""


def _words(segment: str) -> tuple[list[str], str]:
    """Complete words before the cursor, and the partial word at it (quotes ignored)."""
    parts = segment.split()
    if not segment or segment[-1].isspace():
        return parts, ""
    return parts[:-1], parts[-1]


def complete(text: str, catalog: Catalog, read_params: Callable[[str], list[str]] | None = None):
    segment = text.rsplit(";", 1)[-1]
    words, partial = _words(segment)
    start = -len(partial)
    if not words:
        return [
            Candidate(c.name, start, c.help)
            for c in registry.all_commands()
            if c.name.startswith(partial) and not c.cli_only
        ]
    cmd = registry.get(words[0])
    if cmd is None:
        return []
    if partial.startswith("-"):
        return _options(cmd, partial, start)
    kind, positional = _slot(cmd, words[1:])
    if kind is None:
        return []
    arg = _arg(cmd, len(positional))
    if arg is not None and arg.choices:
        return [Candidate(c, start) for c in arg.choices if c.startswith(partial)]
    if cmd.name == "disasm" and ":" in partial:  # MODULE:SYMBOL
        mod, _, sym = partial.partition(":")
        names = sorted(set(catalog.module_symbols(mod)))
        return [Candidate(f"{mod}:{n}", start, "symbol") for n in names if n.startswith(sym)]
    if cmd.name == "modprobe" and kind is Kind.MODULE_OR_FILE:
        return _available(words, partial, start)
    return list(_values(kind, partial, start, catalog, positional, read_params))


def _arg(cmd: Command, index: int):
    for i, a in enumerate(cmd.args):
        if i == index or (a.many and index >= i):
            return a
    return None


def _available(words: list[str], partial: str, start: int) -> list[Candidate]:
    """modprobe NAME: the modules of its directory (--moddir DIR, else modprobe's default)."""
    directory = None
    for i, w in enumerate(words[:-1]):
        if w == "--moddir":
            directory = words[i + 1]
    if directory is None:
        from lkmsh.shell.modprobe import default_directory

        directory = default_directory()
    names: set[str] = set()
    for _root, _dirs, files in os.walk(directory):
        for f in files:
            if f.endswith((".ko", ".ko.gz", ".ko.xz", ".ko.zst")):
                names.add(f.split(".", 1)[0].replace("-", "_"))
    return [Candidate(n, start, "module") for n in sorted(names) if n.startswith(partial)]


def _slot(cmd: Command, args: list[str]) -> tuple[Kind | None, list[str]]:
    """The Kind of the next word, and the positional words typed so far."""
    positional: list[str] = []
    expect: Kind | None = None
    for w in args:
        if expect is not None:
            expect = None
            continue
        if w.startswith("-") and len(w) > 1:
            opt = cmd.option(w)
            if opt is not None and opt.value is not None:
                expect = opt.value
            continue
        positional.append(w)
    if expect is not None:
        return expect, positional
    return _arg_kind(cmd, len(positional)), positional


def _arg_kind(cmd: Command, index: int) -> Kind | None:
    for i, a in enumerate(cmd.args):
        if i == index or (a.many and index >= i):
            return a.kind
    return None


def _options(cmd: Command, partial: str, start: int) -> list[Candidate]:
    out = []
    for o in cmd.opts:
        for flag in o.flags:
            if flag.startswith(partial):
                out.append(Candidate(flag, start, o.help))
    for flag in COMMON_OPTIONS:
        if flag.startswith(partial):
            out.append(Candidate(flag, start))
    return out


def _values(
    kind: Kind,
    partial: str,
    start: int,
    catalog: Catalog,
    positional: list[str],
    read_params: Callable[[str], list[str]] | None,
) -> Iterable[Candidate]:
    if kind is Kind.COMMAND:
        names: Iterable[str] = (c.name for c in registry.all_commands())
    elif kind is Kind.MODULE:
        names = catalog.module_names()
    elif kind is Kind.SYMBOL:
        names = catalog.symbol_names()
    elif kind is Kind.PATH:
        return _path_candidates(catalog.file_paths(), partial, start)
    elif kind is Kind.FIELD:
        names = MODINFO_FIELDS
    elif kind is Kind.LEVELS:
        head, _, last = partial.rpartition(",")
        prefix = head + "," if head else ""
        return [Candidate(prefix + n, start) for n in LEVEL_NAMES if n.startswith(last)]
    elif kind is Kind.PARAM:
        if not positional or read_params is None:
            return []
        given = {w.split("=", 1)[0] for w in positional[1:]}
        return [
            Candidate(f"{p}=", start, meta)
            for p, meta in read_params(positional[0])
            if p.startswith(partial) and p not in given
        ]
    elif kind is Kind.MODULE_OR_FILE:
        mods = [
            Candidate(n, start, "loaded") for n in catalog.module_names() if n.startswith(partial)
        ]
        return mods + paths(partial, start, (".ko",))
    elif kind is Kind.KO_FILE:
        return paths(partial, start, (".ko",))
    elif kind is Kind.SOURCE:
        return paths(partial, start, (".c", ".S", ".s"))
    elif kind is Kind.DIR:
        return paths(partial, start, (), dirs_only=True)
    elif kind is Kind.FILE:
        return paths(partial, start, None)
    else:
        return []
    return [Candidate(n, start) for n in sorted(set(names)) if n.startswith(partial)]


def paths(
    partial: str, start: int, suffixes: tuple[str, ...] | None, dirs_only: bool = False
) -> list[Candidate]:
    """Files under the partial path: directories (with '/') and files with these suffixes."""
    head, sep, prefix = partial.rpartition("/")
    directory = os.path.expanduser(head or "/") if sep else "."
    base = head + sep
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return []
    out = []
    for e in entries:
        if not e.name.startswith(prefix) or (e.name.startswith(".") and not prefix.startswith(".")):
            continue
        try:
            is_dir = e.is_dir()
        except OSError:
            continue
        if is_dir:
            out.append(Candidate(base + e.name + "/", start, "dir"))
        elif not dirs_only and (suffixes is None or e.name.endswith(suffixes)):
            out.append(Candidate(base + e.name, start))
    return out


def module_param_names(path: str) -> list[tuple[str, str]]:
    """(name, "type: description") of each parameter a module file declares, in file order.

    From its parm=/parmtype= records, as modinfo shows them: completion offers
    ``who=`` with ``charp: Whom to greet``.
    """
    from lkmsh.errors import KernelError
    from lkmsh.shell.commands import read_modinfo_file

    try:
        info = read_modinfo_file(path)
    except (OSError, KernelError):
        return []
    found: dict[str, dict[str, str]] = {}
    for key, value in info:
        if key in ("parm", "parmtype"):
            name, _, rest = value.partition(":")
            if name:
                found.setdefault(name, {})[key] = rest
    out = []
    for name, recs in found.items():
        typ, desc = recs.get("parmtype", ""), recs.get("parm", "")
        out.append((name, f"{typ}: {desc}" if typ and desc else typ or desc or "parameter"))
    return out
