"""kmod's tools read their options with glibc's getopt_long: what that adds here.

- A long option may be abbreviated to any prefix that names one option
  (``modprobe --show-dep x`` is ``--show-depends``); a prefix naming several
  is ambiguous.
- A bad command line is told in getopt's words, under the tool's name, and
  nothing else is printed (``modprobe: invalid option -- 'Z'``,
  ``depmod: unrecognized option '--outdir=/x'``, ``modprobe: option requires
  an argument -- 'w'``). kmod 30's lsmod takes no option: ``Usage: lsmod``.

Only kmod's tools (``Command.kmod``) are read this way; the REPL keeps click's
wording, which suggests the option meant.
"""

from __future__ import annotations

from collections.abc import Sequence

from lkmsh.shell.registry import Command, Opt


def _options(cmd: Command) -> dict[str, Opt | None]:
    """Every flag of the command -> its Opt (None: lkmsh's --json)."""
    flags: dict[str, Opt | None] = {f: o for o in cmd.opts for f in o.flags}
    flags["--json"] = None
    return flags


class Ambiguous(Exception):
    def __init__(self, word: str, names: list[str]):
        super().__init__(word)
        self.word = word
        self.names = names


def expand_abbreviations(cmd: Command, argv: Sequence[str]) -> list[str]:
    """ARGV with each abbreviated long option written out; raises Ambiguous."""
    flags = _options(cmd)
    out: list[str] = []
    expects_value = False
    for word in argv:
        if expects_value or word == "--" or not word.startswith("--") or len(word) == 2:
            out.append(word)
            if word == "--":
                out.extend(argv[len(out) :])
                break
            expects_value = False
            continue
        name, eq, value = word.partition("=")
        if name not in flags:
            hits = [f for f in flags if f.startswith(name) and f.startswith("--")]
            if len({id(flags[f]) for f in hits}) > 1:
                raise Ambiguous(word, hits)
            if hits:
                name = hits[0]
        opt = flags.get(name)
        expects_value = opt is not None and opt.value is not None and not eq
        out.append(name + eq + value)
    return out


def getopt_message(cmd: Command, argv: Sequence[str], problem: str, prog: str = "") -> str:
    """What getopt_long prints for the first bad word of ARGV (kmod's tools print
    nothing more); PROBLEM is click's message, for what getopt has no words for."""
    prog = prog or cmd.prog
    if cmd.name == "lsmod":
        return "Usage: lsmod"
    flags = _options(cmd)
    pending = ""  # an option still waiting for its value
    for word in argv:
        if pending:
            pending = ""
            continue
        if word == "--":
            break
        if word.startswith("--") and len(word) > 2:
            name, eq, _value = word.partition("=")
            if name not in flags:
                return f"{prog}: unrecognized option '{word}'"
            opt = flags[name]
            takes = opt is not None and opt.value is not None
            if eq and not takes:
                return f"{prog}: option '{name}' doesn't allow an argument"
            pending = name if takes and not eq else ""
        elif word.startswith("-") and len(word) > 1:
            for at, ch in enumerate(word[1:], 1):
                if "-" + ch not in flags:
                    return f"{prog}: invalid option -- '{ch}'"
                opt = flags["-" + ch]
                if opt is not None and opt.value is not None:
                    pending = "-" + ch if at == len(word) - 1 else ""
                    break
    if pending.startswith("--"):
        return f"{prog}: option '{pending}' requires an argument"
    if pending:
        return f"{prog}: option requires an argument -- '{pending[1]}'"
    return f"{prog}: ERROR: {problem}"


def ambiguous_message(cmd: Command, exc: Ambiguous, prog: str = "") -> str:
    names = " ".join(f"'{n}'" for n in exc.names)
    return f"{prog or cmd.prog}: option '{exc.word}' is ambiguous; possibilities: {names}"


__all__ = ["Ambiguous", "ambiguous_message", "expand_abbreviations", "getopt_message"]
