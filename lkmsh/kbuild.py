"""A module directory's Kbuild or Makefile, read as kbuild reads it for external modules.

``make -C /lib/modules/$(uname -r)/build M=$PWD modules`` has kbuild read the
directory's ``Kbuild`` (else its ``Makefile``) with ``KERNELRELEASE`` set, and
build every module listed there. This reads the same lines:

- ``obj-m += a.o b.o`` (also ``:=``, ``=``; ``obj-$(CONFIG_X)`` with ``CONFIG_X = m``),
- ``a-objs := x.o y.o`` / ``a-y += x.o``: module ``a`` from several sources,
- ``ccflags-y``, ``EXTRA_CFLAGS``, ``CFLAGS_x.o``: compiler flags (``$(src)``,
  ``$(obj)``, ``$(M)``, ``$(PWD)`` and ``$(CURDIR)`` are the directory),
- simple variables (``NAME := value``, ``+=``, ``?=``, ``$(NAME)``),
  ``ifneq ($(KERNELRELEASE),)`` / ``ifeq``/``ifdef``/``ifndef`` on what it
  knows, ``else``, ``endif``, ``include`` of nothing,
- rules (``all:``, ``clean:`` and their tab-indented recipes) are the outer
  make's business: skipped, as kbuild's second pass never runs them.

Anything else (functions such as ``$(shell ...)`` or ``$(wildcard ...)`` outside
a recipe, ``define``) is a clear error naming the line.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from lkmsh.errors import BuildError

_ASSIGN = re.compile(r"^([A-Za-z0-9_.$()\-]+)\s*(:=|::=|\+=|\?=|=)\s*(.*)$")
_RULE = re.compile(r"^[^=]*[^:=]:(?!=)")  # "target: deps" (not "x := y")
_VAR = re.compile(r"\$\(([A-Za-z0-9_.\-]+)\)|\$\{([A-Za-z0-9_.\-]+)\}|\$([A-Za-z0-9_])")
_CONDS = ("ifeq", "ifneq", "ifdef", "ifndef")


@dataclass
class KbuildModule:
    """One module kbuild would build: its name and its sources, in link order."""

    name: str
    sources: list[Path]
    cflags: list[str] = field(default_factory=list)  # per-source CFLAGS_x.o, merged


@dataclass
class KbuildDir:
    directory: Path
    makefile: Path
    modules: list[KbuildModule]
    cflags: list[str]  # ccflags-y and EXTRA_CFLAGS


def find_makefile(directory: Path) -> Path:
    for name in ("Kbuild", "Makefile", "makefile", "GNUmakefile"):
        path = directory / name
        if path.is_file():
            return path
    raise BuildError(f"{directory}: no Kbuild or Makefile (kbuild reads obj-m from one)")


def read_dir(directory: Path, variables: dict[str, str] | None = None) -> KbuildDir:
    """The modules @directory's Kbuild/Makefile lists; @variables as on make's command line."""
    directory = Path(directory)
    makefile = find_makefile(directory)
    reader = _Reader(makefile, directory, dict(variables or {}))
    reader.read()
    modules = [reader.module(obj) for obj in reader.words("obj-m")]
    if not modules:
        raise BuildError(f"{makefile}: no modules: it sets no obj-m (e.g. 'obj-m += hello.o')")
    cflags = reader.words("ccflags-y") + reader.words("EXTRA_CFLAGS")
    return KbuildDir(directory, makefile, modules, cflags)


class _Reader:
    def __init__(self, path: Path, directory: Path, overrides: dict[str, str]):
        self.path = path
        here = str(directory.resolve())
        self.vars: dict[str, str] = {
            "KERNELRELEASE": _release(),
            "src": here,
            "obj": here,
            "M": here,
            "PWD": here,
            "CURDIR": here,
            "srctree": here,
        }
        self.overrides = overrides
        self.vars.update(overrides)
        self.where: dict[str, int] = {}  # variable -> the line that last set it

    def fail(self, lineno: int, why: str) -> BuildError:
        return BuildError(f"{self.path}:{lineno}: {why}")

    def read(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise BuildError(f"{self.path}: {exc.strerror}") from exc
        active: list[bool] = []  # one per open conditional: is its branch taken?
        in_rule = False
        for lineno, raw in _logical_lines(text):
            if raw.startswith("\t"):
                if in_rule or not raw.strip() or not all(active):
                    continue  # a recipe (the outer make's), or a branch not taken
                raise self.fail(lineno, "a tab-indented line outside a rule")
            line = _uncomment(raw).strip()
            if not line:
                continue
            word = line.split(None, 1)[0]
            if word in _CONDS:
                taken = all(active) and self._condition(lineno, word, line[len(word) :].strip())
                active.append(taken if all(active) else False)
                continue
            if word == "else":
                if not active:
                    raise self.fail(lineno, "'else' without 'ifeq'/'ifneq'")
                active[-1] = not active[-1] and all(active[:-1])
                continue
            if word == "endif":
                if not active:
                    raise self.fail(lineno, "'endif' without 'ifeq'/'ifneq'")
                active.pop()
                continue
            if not all(active):
                continue
            in_rule = False
            m = _ASSIGN.match(line)
            if m and not line.startswith(("export ", "override ")):
                self._assign(lineno, m.group(1), m.group(2), m.group(3))
                continue
            if word in ("export", "unexport", ".PHONY:", "-include", "sinclude"):
                continue
            if word == "include":
                raise self.fail(lineno, "'include' of another makefile is not supported")
            if word == "define":
                raise self.fail(lineno, "'define' is not supported")
            if _RULE.match(line):
                in_rule = True  # all: / clean: / modules: ... and their recipes
                continue
            raise self.fail(lineno, f"not a kbuild line lkmsh understands: {line!r}")
        if active:
            raise self.fail(lineno, "missing 'endif'")

    def _assign(self, lineno: int, name: str, op: str, value: str) -> None:
        name = self.expand(lineno, name)
        if name in self.overrides:
            return  # make: a command-line variable wins over the makefile's
        if op == "?=" and name in self.vars:
            return
        if op in (":=", "::=", "+="):
            # $(shell ...) and friends: an error only if kbuild's lines use the variable
            with contextlib.suppress(BuildError):
                value = self.expand(lineno, value)
        self.where[name] = lineno
        if op == "+=" and self.vars.get(name):
            self.vars[name] = f"{self.vars[name]} {value}"
        else:
            self.vars[name] = value

    def expand(self, lineno: int, text: str, depth: int = 0) -> str:
        func = re.search(r"\$\(([a-z]+) ", text)
        if func is not None:
            text = self._function(lineno, func.group(1), text)
        if depth > 20:
            raise self.fail(lineno, "variables refer to each other endlessly")

        def one(m: re.Match[str]) -> str:
            name = m.group(1) or m.group(2) or m.group(3)
            return self.expand(lineno, self.vars.get(name, ""), depth + 1)

        return _VAR.sub(one, text.replace("$$", "\0")).replace("\0", "$")

    def _function(self, lineno: int, name: str, text: str) -> str:
        """The two $(shell ...) calls tutorials' Makefiles make; any other is an error."""
        known = {"$(shell pwd)": self.vars["PWD"], "$(shell uname -r)": self.vars["KERNELRELEASE"]}
        for call, value in known.items():
            text = text.replace(call, value)
        if re.search(r"\$\([a-z]+ ", text):
            raise self.fail(lineno, f"make function $({name} ...) is not supported here")
        return text

    def _condition(self, lineno: int, word: str, arg: str) -> bool:
        if word in ("ifdef", "ifndef"):
            defined = bool(self.vars.get(self.expand(lineno, arg).strip()))
            return defined if word == "ifdef" else not defined
        m = re.fullmatch(r"\((.*),(.*)\)", arg) or re.fullmatch(
            r"([\"'])(.*)\1\s+([\"'])(.*)\3", arg
        )
        if m is None:
            raise self.fail(lineno, f"cannot read the condition {word} {arg}")
        a, b = (m.group(1), m.group(2)) if m.lastindex == 2 else (m.group(2), m.group(4))
        same = self.expand(lineno, a).strip() == self.expand(lineno, b).strip()
        return same if word == "ifeq" else not same

    def words(self, name: str) -> list[str]:
        """The words of variable @name (obj-$(CONFIG_X) was named obj-m when CONFIG_X = m)."""
        lineno, value = self.where.get(name, 0), self.vars.get(name, "")
        return self.expand(lineno, value).split()

    def module(self, obj: str) -> KbuildModule:
        if not obj.endswith(".o"):
            raise BuildError(f"{self.path}: obj-m lists {obj!r}: modules are named NAME.o")
        name = obj[:-2]
        parts = self.words(f"{name}-objs") + self.words(f"{name}-y")
        sources = [self._source(p) for p in (parts or [obj])]
        cflags = [f for p in (parts or [obj]) for f in self.words(f"CFLAGS_{p}")]
        return KbuildModule(name, sources, cflags)

    def _source(self, obj: str) -> Path:
        if not obj.endswith(".o"):
            raise BuildError(f"{self.path}: {obj!r} is no object name (NAME.o)")
        base = self.path.parent / obj[:-2]
        for suffix in (".c", ".S"):
            if base.with_name(base.name + suffix).is_file():
                return base.with_name(base.name + suffix)
        raise BuildError(f"{self.path}: no source for {obj} ({obj[:-2]}.c or {obj[:-2]}.S)")


def _logical_lines(text: str):
    """(line number, text) with backslash-newline continuations joined, as make reads them."""
    pending, start = "", 0
    for lineno, line in enumerate(text.splitlines(), 1):
        if not pending:
            start = lineno
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield start, pending + line
        pending = ""
    if pending:
        yield start, pending


def _uncomment(line: str) -> str:
    out = []
    i = 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line) and line[i + 1] == "#":
            out.append("#")
            i += 2
            continue
        if line[i] == "#":
            break
        out.append(line[i])
        i += 1
    return "".join(out)


def _release() -> str:
    from lkmsh.kernel.release import KERNEL_RELEASE

    return KERNEL_RELEASE


def split_make_args(args: list[str]) -> tuple[list[str], dict[str, str]]:
    """``M=dir CC=clang LLVM=1 foo.c`` -> (plain arguments, make's variables)."""
    plain, variables = [], {}
    for arg in args:
        name, eq, value = arg.partition("=")
        if eq and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            variables[name] = value
        else:
            plain.append(arg)
    return plain, variables
