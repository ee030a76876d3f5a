"""modprobe.d configuration in kmod's syntax (modprobe.d(5)).

``alias WILDCARD MODULE``, ``options MODULE OPTIONS...``, ``blacklist MODULE``
and ``softdep MODULE pre: A B post: C`` are understood; ``install`` and
``remove`` (shell commands) are recorded and reported, never run. A line
ending in ``\\`` continues on the next one; ``#`` starts a comment line.
Files are ``*.conf`` in the given directories, read in name order, the first
directory's file winning a name, as kmod does. The tree's own
``modules.softdep`` is read with the same parser.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def underscores(name: str) -> str:
    """kmod's modname normalisation: '-' and '_' are the same character."""
    return name.replace("-", "_")


@dataclass
class SoftDep:
    pre: list[str] = field(default_factory=list)
    post: list[str] = field(default_factory=list)


@dataclass
class ModprobeConfig:
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (pattern, modname)
    options: dict[str, list[str]] = field(default_factory=dict)  # modname -> option words
    blacklist: set[str] = field(default_factory=set)
    softdeps: dict[str, SoftDep] = field(default_factory=dict)
    commands: dict[str, tuple[str, str]] = field(default_factory=dict)  # (install|remove, cmd)
    problems: list[str] = field(default_factory=list)

    def options_for(self, modname: str) -> str:
        return " ".join(self.options.get(modname, []))

    def parse(self, text: str, filename: str) -> None:
        """Add one file's directives."""
        lines = text.split("\n")
        linenum = 0
        while linenum < len(lines):
            line = lines[linenum]
            linenum += 1
            while line.endswith("\\") and linenum < len(lines):
                line = line[:-1] + lines[linenum]
                linenum += 1
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            cmd, args = words[0], words[1:]
            if cmd == "alias" and len(args) >= 2:
                self.aliases.append((underscores_alias(args[0]), underscores(args[1])))
            elif cmd == "options" and args:
                self.options.setdefault(underscores(args[0]), []).extend(args[1:])
            elif cmd == "blacklist" and args:
                self.blacklist.add(underscores(args[0]))
            elif cmd == "softdep" and len(args) >= 2:
                dep = self.softdeps.setdefault(underscores(args[0]), SoftDep())
                where = None
                for word in args[1:]:
                    if word == "pre:":
                        where = dep.pre
                    elif word == "post:":
                        where = dep.post
                    elif where is not None:
                        where.append(underscores(word))
            elif cmd in ("install", "remove") and len(args) >= 2:
                self.commands[underscores(args[0])] = (cmd, " ".join(args[1:]))
            elif cmd in ("include", "config"):
                continue
            else:
                self.problems.append(
                    f"{filename} line {linenum}: ignoring bad line starting with '{cmd}'"
                )


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


def load_modprobe_config(directories: list[str], extra_files: list[str] = ()) -> ModprobeConfig:
    """Read every *.conf of the directories (name order), then extra files (modules.softdep)."""
    chosen: dict[str, str] = {}
    for directory in directories:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            if name.startswith(".") or not name.endswith(".conf"):
                continue
            full = os.path.join(directory, name)
            if os.path.isfile(full):
                chosen.setdefault(name, full)
    cfg = ModprobeConfig()
    for path in [chosen[n] for n in sorted(chosen)] + list(extra_files):
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                cfg.parse(f.read(), path)
        except OSError:
            continue
    return cfg
