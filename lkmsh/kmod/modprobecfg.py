"""modprobe.d configuration in kmod's syntax (modprobe.d(5)), kept as kmod keeps it.

``alias``, ``options``, ``blacklist``, ``softdep``, ``install`` and ``remove``
lines are recorded in the order read, each kind in its own list (libkmod's
``kmod_config``), because order decides: the first ``softdep``/``install``/
``remove`` whose pattern matches a module is the only one used, ``options``
lines add up. The kernel command line (``MODULE.PARAM=VALUE`` words,
``modprobe.blacklist=A,B``) comes after the files, as in kmod. Files are ``*.conf`` in the given
directories plus the tree's own ``modules.softdep``, all read in the order of
their names, the first directory's file winning a name, as kmod does (kmod 30
also reads ``*.alias`` files); what kmod reports about them (``problems``) is
worded as kmod's tools print libkmod's errors. A line
ending in ``\\`` continues on the next one; ``#`` starts a comment line.
"""

from __future__ import annotations

import os
from fnmatch import fnmatchcase

from lkmsh.record import Record


def underscores(name: str) -> str:
    """kmod's modname normalisation: '-' and '_' are the same character."""
    return name.replace("-", "_")


def underscores_checked(word: str) -> str | None:
    """kmod's ``underscores()`` for config words: '-' becomes '_' outside [...];
    None for a bracket left open or a stray ']' (a syntax error in kmod)."""
    out = []
    i, n = 0, len(word)
    while i < n:
        c = word[i]
        if c == "]":
            return None
        if c == "[":
            end = word.find("]", i)
            if end < 0:
                return None
            out.append(word[i : end + 1])
            i = end + 1
            continue
        out.append("_" if c == "-" else c)
        i += 1
    return "".join(out)


class SoftDep(Record):
    """One ``softdep`` line: its pattern, pre and post module names, and its text."""

    _fields = ("pattern", "pre", "post", "text")

    def __init__(
        self,
        pattern: str,
        pre: list[str] | None = None,
        post: list[str] | None = None,
        text: str = "",  # what follows the module name (modprobe -c prints it)
    ):
        self.pattern = pattern
        self.pre = [] if pre is None else pre
        self.post = [] if post is None else post
        self.text = text


class ModprobeConfig(Record):
    _fields = ("aliases", "options", "blacklist", "softdeps", "install", "remove", "problems")

    def __init__(
        self,
        aliases: list[tuple[str, str]] | None = None,  # (pattern, modname)
        options: list[tuple[str, str]] | None = None,  # (modname, options)
        blacklist: list[str] | None = None,
        softdeps: list[SoftDep] | None = None,
        install: list[tuple[str, str]] | None = None,  # (pattern, command)
        remove: list[tuple[str, str]] | None = None,
        problems: list[str] | None = None,
    ):
        self.aliases = [] if aliases is None else aliases
        self.options = [] if options is None else options
        self.blacklist = [] if blacklist is None else blacklist
        self.softdeps = [] if softdeps is None else softdeps
        self.install = [] if install is None else install
        self.remove = [] if remove is None else remove
        self.problems = [] if problems is None else problems

    def options_for(self, modname: str, alias: str | None = None) -> str:
        """Every ``options`` line for the module (or the alias it was asked by), joined."""
        return " ".join(
            o for m, o in self.options if o and (m == modname or (alias is not None and m == alias))
        )

    def is_blacklisted(self, modname: str) -> bool:
        return modname in self.blacklist

    def softdep_for(self, modname: str) -> SoftDep | None:
        """The first softdep line whose pattern matches (kmod_module_get_softdeps)."""
        return next((s for s in self.softdeps if fnmatchcase(modname, s.pattern)), None)

    def install_command(self, modname: str) -> str | None:
        return next((c for p, c in self.install if fnmatchcase(modname, p)), None)

    def remove_command(self, modname: str) -> str | None:
        return next((c for p, c in self.remove if fnmatchcase(modname, p)), None)

    def parse(self, text: str, filename: str) -> None:
        """Add one file's directives (kmod_config_parse)."""
        lines = text.split("\n")
        linenum = 0
        while linenum < len(lines):
            line = lines[linenum]
            linenum += 1
            while line.endswith("\\") and linenum < len(lines):
                line = line[:-1] + lines[linenum]
                linenum += 1
            stripped = line.lstrip(" \t")
            if not stripped or line.startswith("#"):  # an indented '#' is a bad line to kmod
                continue
            cmd, _sep, rest = _word(stripped)
            if cmd in ("include", "config"):
                self.problems.append(
                    f"{_libkmod_error(708, 'kmod_config_parse')}{filename}: command {cmd}"
                    " is deprecated and not parsed anymore"
                )
            elif not self._directive(cmd, rest):
                self.problems.append(
                    f"{_libkmod_error(712, 'kmod_config_parse')}{filename} line {linenum}:"
                    f" ignoring bad line starting with '{cmd}'"
                )

    def _directive(self, cmd: str, rest: str) -> bool:
        """One line's command; False for a syntax error."""
        first, _sep, tail = _word(rest)
        if cmd == "alias":
            modname = _word(tail)[0]
            alias, name = underscores_checked(first), underscores_checked(modname)
            if not first or not modname or alias is None or name is None:
                return False
            self.aliases.append((alias, name))
        elif cmd == "blacklist":
            name = underscores_checked(first)
            if not first or name is None:
                return False
            self.blacklist.append(name)
        elif cmd in ("options", "install", "remove", "softdep"):
            name = underscores_checked(first)
            if not first or name is None or not tail:
                return False
            if cmd == "options":
                self.options.append((name, tail.replace("\t", " ")))
            elif cmd == "softdep":
                self.softdeps.append(_softdep(name, tail))
            else:
                getattr(self, cmd).append((name, tail))
        else:
            return False
        return True

    def parse_kcmdline(self, cmdline: str) -> None:
        """The kernel command line's ``MODULE.PARAM[=VALUE]`` words
        (kmod_config_parse_kcmdline): each adds ``options MODULE PARAM[=VALUE]``,
        ``modprobe.blacklist=A,B`` blacklists; other words are ignored."""
        for modname, param in kcmdline_options(cmdline):
            if modname == "modprobe" and param.startswith("blacklist="):
                self.blacklist.extend(param[len("blacklist=") :].split(","))
            else:
                self.options.append((underscores(modname), param))


_IGNORE, _MODNAME, _PARAM, _VALUE = range(4)
_SPACES = " \n\t\v\f\r\0"


def kcmdline_options(cmdline: str) -> list[tuple[str, str]]:
    """(MODULE, PARAM[=VALUE]) for each module option word, as kmod 30's state machine
    reads /proc/cmdline: blanks end a word except inside a quoted value; a word with a
    second '.' before its '=', an '=' before any '.', or a quote elsewhere than around
    the value or the whole word is ignored. A value keeps its quotes; a word quoted as
    a whole ("m.p=a b", as grub writes it) is re-quoted as m.p="a b"."""
    out: list[tuple[str, str]] = []
    state, quoted, whole_quoted = _MODNAME, False, False
    start = param_at = value_at = 0
    text = cmdline.split("\0", 1)[0] + "\0"
    for i, c in enumerate(text):
        if c == '"':
            quoted = not quoted
            if quoted and state == _MODNAME and i == start:
                whole_quoted, start = True, i + 1
            elif state != _VALUE:
                state = _IGNORE
            continue
        if c in _SPACES:
            if quoted:
                if state != _VALUE:
                    state = _IGNORE  # blanks only belong in a (quoted) value
                continue  # an unterminated quote at the end drops the word
            if state in (_VALUE, _PARAM):
                param = text[param_at:i]
                if whole_quoted:  # "m.p=a b" -> m.p="a b" (the closing quote stays)
                    eq = value_at - param_at
                    param = f'{param[:eq]}"{param[eq:]}'
                out.append((text[start : param_at - 1], param))
            start, state, whole_quoted = i + 1, _MODNAME, False
        elif c == ".":
            if state == _MODNAME:
                param_at, state = i + 1, _PARAM
            elif state == _PARAM:
                state = _IGNORE
        elif c == "=":
            if state == _PARAM:
                value_at, state = i + 1, _VALUE
            elif state == _MODNAME:
                state = _IGNORE
    return out


def _libkmod_error(line: int, func: str) -> str:
    """How kmod 30's tools print a libkmod ERR: its source place, as Debian builds it."""
    return f"libkmod: ERROR ../libkmod/libkmod-config.c:{line} {func}: "


def _word(text: str) -> tuple[str, str, str]:
    """The first blank-separated word, the separator, and what follows it (strtok_r)."""
    text = text.lstrip(" \t")
    for i, c in enumerate(text):
        if c in " \t":
            return text[:i], c, text[i + 1 :]
    return text, "", ""


def _softdep(name: str, text: str) -> SoftDep:
    """``pre: A B post: C``; words before the first ``pre:``/``post:`` count for nothing."""
    dep = SoftDep(name, text=text)
    where: list[str] | None = None
    for word in text.split():
        if word == "pre:":
            where = dep.pre
        elif word == "post:":
            where = dep.post
        elif where is not None:
            where.append(word)
    return dep


def underscores_alias(alias: str) -> str:
    """'-' read as '_' outside [...] ranges (kmod's alias_normalize); kept as is if unbalanced."""
    out = []
    depth = False
    for c in alias:
        if c == "[":
            depth = True
        elif c == "]":
            depth = False
        out.append("_" if c == "-" and not depth else c)
    return "".join(out)


def load_modprobe_config(
    directories: list[str],
    extra_texts: dict[str, str] | None = None,
    cmdline: str = "",
) -> ModprobeConfig:
    """Every *.conf of the directories and the extra texts (the tree's modules.softdep,
    by its file name), in the order of their names, then the kernel command line."""
    chosen: dict[str, str] = {}
    problems: list[str] = []
    for directory in directories:
        if os.path.isfile(directory):  # kmod's -C also takes one file
            chosen.setdefault(os.path.basename(directory), directory)
            continue
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:  # kmod's conf_files_filter_out: *.conf and *.alias files
            if name.startswith(".") or not name.endswith((".conf", ".alias")):
                continue
            full = os.path.join(directory, name)
            if os.path.isdir(full):
                problems.append(
                    f"{_libkmod_error(772, 'conf_files_filter_out')}Directories inside"
                    f" directories are not supported: {full}"
                )
            elif os.path.exists(full):
                chosen.setdefault(name, full)
    texts: dict[str, tuple[str, str]] = {}
    for name, path in chosen.items():
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                texts[name] = (path, f.read())
        except OSError:
            continue
    for name, text in (extra_texts or {}).items():
        texts.setdefault(name, (name, text))
    cfg = ModprobeConfig(problems=problems)
    for name in sorted(texts):
        path, text = texts[name]
        cfg.parse(text, path)
    cfg.parse_kcmdline(cmdline)
    return cfg
