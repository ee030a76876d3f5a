"""kmod's tools read their options with glibc's getopt_long: what that adds here.

- A long option may be abbreviated to any prefix that names one option
  (``modprobe --show-dep x`` is ``--show-depends``). A prefix several options
  share is ambiguous unless they all do the same thing (the same argument rule
  and value, as ``--ignore-install``/``--ignore-remove``); glibc then lists the
  first of them and each later one that differs from it, in the order of the
  tool's option table (``KMOD30_LONGOPTS``: kmod 30's tables, in its order).
- kmod 30's table is read first, so every prefix kmod 30 knows resolves as
  kmod 30 resolves it; lkmsh's own options (``--moddir``, ``--trace``, depmod's
  ``--outdir``/``--moduledir`` of later kmods, ...) are matched only by a word
  kmod 30's table does not match (``depmod --m`` is kmod 30's ``--map``,
  ``--mo`` lkmsh's ``--moduledir``).
- A bad command line is told in getopt's words, under the tool's name, and
  nothing else is printed (``modprobe: invalid option -- 'Z'``,
  ``depmod: unrecognized option '--bogus=/x'``, ``modprobe: option requires
  an argument -- 'w'``). kmod 30's lsmod takes no option: ``Usage: lsmod``.

Only kmod's tools (``Command.kmod``) are read this way; the REPL keeps click's
wording, which suggests the option meant.
"""

from __future__ import annotations

from collections.abc import Sequence

from lkmsh.shell.registry import Command, Opt

_N, _R = False, True  # no_argument, required_argument

#: kmod 30's ``struct option cmdopts[]`` per tool: (name, takes an argument, val),
#: in table order (read from kmod 30's binary; lsmod has none in kmod 30).
KMOD30_LONGOPTS: dict[str, tuple[tuple[str, bool, str | int], ...]] = {
    "depmod": (
        ("all", _N, "a"),
        ("quick", _N, "A"),
        ("basedir", _R, "b"),
        ("config", _R, "C"),
        ("symvers", _R, "E"),
        ("filesyms", _R, "F"),
        ("errsyms", _N, "e"),
        ("unresolved-error", _N, "u"),
        ("quiet", _N, "q"),
        ("root", _N, "r"),
        ("verbose", _N, "v"),
        ("show", _N, "n"),
        ("dry-run", _N, "n"),
        ("symbol-prefix", _R, "P"),
        ("warn", _N, "w"),
        ("map", _N, "m"),
        ("version", _N, "V"),
        ("help", _N, "h"),
    ),
    "modprobe": (
        ("all", _N, "a"),
        ("remove", _N, "r"),
        ("remove-dependencies", _N, 5),
        ("remove-holders", _N, 5),
        ("wait", _R, "w"),
        ("resolve-alias", _N, "R"),
        ("first-time", _N, 3),
        ("ignore-install", _N, "i"),
        ("ignore-remove", _N, "i"),
        ("use-blacklist", _N, "b"),
        ("force", _N, "f"),
        ("force-modversion", _N, 2),
        ("force-vermagic", _N, 1),
        ("show-depends", _N, "D"),
        ("showconfig", _N, "c"),
        ("show-config", _N, "c"),
        ("show-modversions", _N, 4),
        ("dump-modversions", _N, 4),
        ("show-exports", _N, 6),
        ("dry-run", _N, "n"),
        ("show", _N, "n"),
        ("config", _R, "C"),
        ("dirname", _R, "d"),
        ("set-version", _R, "S"),
        ("syslog", _N, "s"),
        ("quiet", _N, "q"),
        ("verbose", _N, "v"),
        ("version", _N, "V"),
        ("help", _N, "h"),
    ),
    "modinfo": (
        ("author", _N, "a"),
        ("description", _N, "d"),
        ("license", _N, "l"),
        ("parameters", _N, "p"),
        ("filename", _N, "n"),
        ("null", _N, "0"),
        ("modname", _N, "m"),
        ("field", _R, "F"),
        ("set-version", _R, "k"),
        ("basedir", _R, "b"),
        ("version", _N, "V"),
        ("help", _N, "h"),
    ),
    "insmod": (("version", _N, "V"), ("help", _N, "h")),
    "rmmod": (
        ("force", _N, "f"),
        ("syslog", _N, "s"),
        ("verbose", _N, "v"),
        ("version", _N, "V"),
        ("help", _N, "h"),
    ),
    "lsmod": (),
}

_HELP = Opt(("-h", "--help"), "help", "Show the help")


def _options(cmd: Command) -> dict[str, Opt | None]:
    """Every flag of the command -> its Opt (None: lkmsh's --json)."""
    flags: dict[str, Opt | None] = {f: o for o in cmd.opts for f in o.flags}
    flags["--json"] = None
    for flag in _HELP.flags:
        flags.setdefault(flag, _HELP)
    return flags


class Ambiguous(Exception):
    def __init__(self, word: str, names: list[str]):
        super().__init__(word)
        self.word = word
        self.names = names


def _tables(cmd: Command) -> tuple[list[tuple[str, object]], list[tuple[str, object]]]:
    """(kmod 30's long options, lkmsh's others): (``--name``, what it does) in table
    order; two entries that do the same thing have equal second items."""
    flags = _options(cmd)
    kmod = [(f"--{name}", (arg, val)) for name, arg, val in KMOD30_LONGOPTS.get(cmd.name, ())]
    known = {flag for flag, _what in kmod}
    extra = [(f, id(o)) for f, o in flags.items() if f.startswith("--") and f not in known]
    return kmod, extra


def _match(table: list[tuple[str, object]], word: str, name: str) -> str | None:
    """getopt_long's prefix match of NAME in TABLE: the option, None, or Ambiguous
    (naming the first match and every later one that does something else)."""
    hits = [(flag, what) for flag, what in table if flag.startswith(name)]
    if not hits:
        return None
    first = hits[0][1]
    names = [hits[0][0]] + [flag for flag, what in hits[1:] if what != first]
    if len(names) > 1:
        raise Ambiguous(word, names)
    return hits[0][0]


def resolve_long(cmd: Command, word: str) -> str | None:
    """The long option WORD (``--name[=value]``) names, as getopt_long resolves it
    (kmod 30's table first, then lkmsh's own options); None when nothing matches."""
    name = word.partition("=")[0]
    kmod, extra = _tables(cmd)
    if any(flag == name for flag, _what in kmod + extra):
        return name
    return _match(kmod, word, name) or _match(extra, word, name)


class Walk:
    """What kmod's getopt loop makes of a command line: the words to run (each long
    option written out, the deprecated ones dropped, nothing after ``-V``/``-h``),
    what it printed on the way (stderr), and its exit status when it ended there."""

    __slots__ = ("argv", "messages", "status")

    def __init__(self, argv: list[str], messages: str = "", status: int | None = None):
        self.argv = argv
        self.messages = messages
        self.status = status


_STOPPERS = ("-V", "--version", "-h", "--help")


def _deprecated(opt: Opt | None) -> bool:
    """depmod's -u -q -r -m: kmod 30 warns when its loop meets one, and does nothing."""
    return opt is not None and opt.dest.startswith("deprecated_")


def _on_seen(cmd: Command, prog: str, flag: str, value: str | None) -> tuple[str, bool]:
    """What kmod 30's loop does with an option as it meets it: (message, fatal)."""
    if _deprecated(next((o for o in cmd.opts if flag in o.flags), None)):
        return f"{prog}: WARNING: Ignored deprecated option {flag}\n", False
    if cmd.name == "depmod" and flag in ("-P", "--symbol-prefix") and len(value or "") != 1:
        return f"{prog}: FATAL: -P only takes a single char\n", True
    if cmd.name == "modprobe" and flag in ("-w", "--wait") and value is not None:
        from lkmsh.shell.modprobe import _msec

        if _msec(value) is None:
            return f"{prog}: ERROR: unexpected wait value '{value}'.\n", True
    return "", False


def getopt_walk(cmd: Command, argv: Sequence[str], prog: str = "") -> Walk:
    """Read ARGV as glibc's getopt_long reads it for kmod 30's tool, in order: each
    option's effect as kmod's loop has it when met (deprecated warnings, -P's and
    -w's checks, -V/-h ending the loop), and the first word getopt refuses ended in
    getopt's words (lsmod: ``Usage: lsmod``)."""
    prog = prog or cmd.prog
    flags = _options(cmd)
    out: list[str] = []
    said = ""

    def refused(text: str) -> Walk:
        line = "Usage: lsmod" if cmd.name == "lsmod" else f"{prog}: {text}"
        return Walk(out, said + line + "\n", 1)

    words = list(argv)
    at = 0
    while at < len(words):
        word = words[at]
        at += 1
        if word == "--":
            out.extend(words[at - 1 :])
            break
        if not word.startswith("-") or word == "-":
            out.append(word)
            continue
        seen: list[tuple[str, str | None, str]] = []  # (flag, value, words as run)
        if word.startswith("--"):
            name, eq, value = word.partition("=")
            try:
                name = resolve_long(cmd, word) or ""
            except Ambiguous as exc:
                return refused(
                    f"option '{exc.word}' is ambiguous; possibilities: "
                    + " ".join(f"'{n}'" for n in exc.names)
                )
            if not name:
                return refused(f"unrecognized option '{word}'")
            opt = flags[name]
            takes = opt is not None and opt.value is not None
            if eq and not takes:
                return refused(f"option '{name}' doesn't allow an argument")
            if takes and not eq:
                if at == len(words):
                    return refused(f"option '{name}' requires an argument")
                value, at = words[at], at + 1
            seen.append((name, value if takes else None, f"{name}={value}" if takes else name))
        else:
            chars = word[1:]
            for pos, ch in enumerate(chars):
                opt = flags.get("-" + ch)
                if "-" + ch not in flags:
                    return refused(f"invalid option -- '{ch}'")
                if opt is not None and opt.value is not None:
                    value = chars[pos + 1 :]
                    if not value:
                        if at == len(words):
                            return refused(f"option requires an argument -- '{ch}'")
                        value, at = words[at], at + 1
                    seen.append(("-" + ch, value, "-" + ch))
                    seen.append(("", None, value))
                    break
                seen.append(("-" + ch, None, "-" + ch))
        for flag, value, run_as in seen:
            if flag in _STOPPERS:
                return Walk([flag], said)
            text, fatal = _on_seen(cmd, prog, flag, value)
            said += text
            if fatal:
                return Walk(out, said, 1)
            if not _deprecated(flags.get(flag)):
                out.append(run_as)
    return Walk(out, said)


def getopt_message(cmd: Command, argv: Sequence[str], problem: str, prog: str = "") -> str:
    """What kmod's tool prints for a command line lkmsh's parser refused: getopt's
    words when getopt refuses it, else PROBLEM as kmod's tools say an error."""
    walk = getopt_walk(cmd, argv, prog)
    if walk.status is not None:
        return walk.messages.rstrip("\n")
    if cmd.name == "lsmod":
        return "Usage: lsmod"
    return f"{prog or cmd.prog}: ERROR: {problem}"


__all__ = ["KMOD30_LONGOPTS", "Ambiguous", "Walk", "getopt_message", "getopt_walk", "resolve_long"]
