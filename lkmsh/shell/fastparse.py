"""Parse the plain command lines without importing click (one-shot start-up).

click costs ~20 ms to import, and its parser imports difflib on every short
option (``-n`` is first tried as a long option, and the failed lookup
computes close matches). Most command lines are plain: known options, the
right number of arguments. Those are parsed here into exactly the dict
click's parser would give; anything else (help, an unknown or bundled option,
``--``, a missing or extra argument, ``--arch``, ``-c``) returns None and the
caller goes through click, which words the error or prints the help.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lkmsh.shell.registry import Command

#: The parameter carrying a command's own ``--json`` flag.
JSON_DEST = "json_output"

_HELP = frozenset(("-h", "--help"))


def parse_plain(cmd: Command, argv: Sequence[str]) -> dict[str, Any] | None:
    """@argv (without the command name) as click would parse it, or None to ask click."""
    if cmd.raw:
        return {cmd.args[0].name: tuple(argv)}
    if any(a.many for a in cmd.args[:-1]):
        return None  # click spreads the values over the later arguments
    flags: dict[str, tuple[str, bool, str | None]] = {}
    params: dict[str, Any] = {}
    for o in cmd.opts:
        takes_value = o.value is not None
        if takes_value and not isinstance(o.default, str | None):
            return None  # click would convert given values to the default's type
        for f in o.flags:
            flags[f] = (o.dest, takes_value, o.const)
        if o.dest not in params or params[o.dest] is None:  # a group shares one dest
            params[o.dest] = o.default if takes_value or o.const is not None else False
    flags["--json"] = (JSON_DEST, False, None)  # click's last option with a flag wins
    params[JSON_DEST] = False
    positional: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if len(arg) > 1 and arg.startswith("-"):
            if arg in _HELP or arg == "--":
                return None
            name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
            spec = flags.get(name)
            if spec is None:
                return None
            dest, takes_value, const = spec
            if not takes_value:
                if eq:
                    return None
                params[dest] = True if const is None else const  # the last of a group wins
                continue
            if not eq:
                if i >= len(argv):
                    return None
                value = argv[i]
                i += 1
            params[dest] = value
        else:
            positional.append(arg)
    for a in cmd.args:
        if a.many:
            if a.required and not positional:
                return None
            params[a.name] = tuple(positional)
            positional = []
        elif positional:
            params[a.name] = positional.pop(0)
        elif a.required:
            return None
        else:
            params[a.name] = None
    return None if positional else params


def split_globals(argv: Sequence[str]) -> tuple[str | None, bool, bool, list[str]] | None:
    """``[--state PATH] [--json] [--keep-going] COMMAND ARGS...`` -> (state, json, keep, rest).

    None for anything else (``-c``, ``--arch``, ``--version``, help, no command),
    which click handles.
    """
    state: str | None = None
    json = keep_going = False
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        arg = argv[i]
        i += 1
        if arg == "--json":
            json = True
        elif arg == "--keep-going":
            keep_going = True
        elif arg == "--state":
            if i >= len(argv):
                return None
            state = argv[i]
            i += 1
        elif arg.startswith("--state="):
            state = arg[len("--state=") :]
        else:
            return None
    if i >= len(argv):
        return None
    return state, json, keep_going, list(argv[i:])
