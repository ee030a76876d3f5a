"""The command registry: each command is declared once and serves every front end.

A command is a function ``fn(ctx, **params) -> result | None`` plus a spec
(arguments, options, one-line help). From that spec the shell derives the
click command of ``lkmsh NAME``, the parser of REPL lines, ``-c`` strings and
script files, the REPL's completion, and ``help``. Adding a command (modprobe,
depmod, ...) is one decorated function::

    @command("hello", "Say hello", args=[Arg("who", Kind.MODULE)])
    def hello(ctx, who):
        ...

in a module listed in ``COMMAND_MODULES`` (or in ``lkmsh.shell.commands``).
"""

from __future__ import annotations

import enum
import functools
import importlib
from collections.abc import Callable, Sequence
from typing import Any

from lkmsh.record import Record

#: Modules whose import registers commands. A listed module that does not exist
#: yet is skipped, so a future ``modprobe`` module plugs in by being created.
COMMAND_MODULES = (
    "lkmsh.shell.commands",
    "lkmsh.shell.modprobe",
    "lkmsh.shell.depmod",
    "lkmsh.shell.introspect",
    "lkmsh.shell.files",
    "lkmsh.shell.devices",
    "lkmsh.shell.board",
    "lkmsh.shell.dd",
    "lkmsh.shell.net",
    "lkmsh.shell.kunit",
    "lkmsh.shell.tasks",
    "lkmsh.shell.kdbshell",
)

#: Commands a script runs one-shot that live past the first command module: ``get``
#: imports their module directly (a warm ``depmod -n`` is mostly interpreter start-up,
#: and the modules before it in the list cost a fifth of the rest).
COMMAND_HOMES = {"depmod": "lkmsh.shell.depmod", "modprobe": "lkmsh.shell.modprobe"}

#: The names kmod answers to; lkmsh behaves as these when invoked through a link.
KMOD_TOOLS = ("insmod", "rmmod", "lsmod", "modinfo", "modprobe", "depmod")


class Kind(enum.Enum):
    """What an argument or option value names; drives completion."""

    TEXT = "text"
    KO_FILE = "ko-file"  # a module file on disk
    FILE = "file"  # any file
    SOURCE = "source"  # a .c / .S source
    DIR = "dir"
    MODULE = "module"  # a loaded module's name
    MODULE_OR_FILE = "module-or-file"
    SYMBOL = "symbol"  # an exported symbol's name
    PARAM = "param"  # NAME=VALUE for the module being inserted
    PATH = "path"  # a path of the kernel's file tree (/proc, /sys, /dev)
    COMMAND = "command"  # a command name
    FIELD = "field"  # a modinfo field
    LEVELS = "levels"  # dmesg level names


class Arg(Record):
    """A positional argument."""

    __slots__ = ("name", "kind", "many", "required", "missing", "choices")
    _fields = __slots__

    def __init__(
        self,
        name: str,
        kind: Kind = Kind.TEXT,
        many: bool = False,
        required: bool = True,
        missing: str | None = None,  # kmod's wording when absent, e.g. "missing filename."
        choices: tuple[str, ...] = (),  # the words it takes (trace on|off|...), for completion
    ):
        self.name = name
        self.kind = kind
        self.many = many
        self.required = required
        self.missing = missing
        self.choices = choices

    @property
    def metavar(self) -> str:
        return self.name.upper() + ("..." if self.many else "")


class Opt(Record):
    """An option: a flag when ``value`` is None, else it takes a value of that kind.

    A flag with ``const`` stores that string in ``dest`` instead of True; several
    options sharing one dest then form a group where the last given wins (kmod's
    ``modinfo -a -d -F KEY``: getopt's order).
    """

    __slots__ = ("flags", "dest", "help", "value", "default", "metavar", "const")
    _fields = __slots__

    def __init__(
        self,
        flags: tuple[str, ...],
        dest: str,
        help: str,
        value: Kind | None = None,
        default: Any = None,
        metavar: str | None = None,
        const: str | None = None,
    ):
        self.flags = flags
        self.dest = dest
        self.help = help
        self.value = value
        self.default = default
        self.metavar = metavar
        self.const = const


def _never(params: dict[str, Any]) -> bool:
    return False


class Command(Record):
    """One command's spec and function; ``mutates(params)`` says whether a run saves state."""

    __slots__ = (
        "name",
        "help",
        "func",
        "args",
        "opts",
        "mutates",
        "kmod",
        "repl_only",
        "cli_only",
        "suffix",
        "raw",
        "_click",
    )
    _fields = __slots__[:-1]

    def __init__(
        self,
        name: str,
        help: str,
        func: Callable[..., Any],
        args: tuple[Arg, ...] = (),
        opts: tuple[Opt, ...] = (),
        mutates: Callable[[dict[str, Any]], bool] = _never,
        kmod: bool = False,  # one of kmod's tools: errors read "insmod: ERROR: ..."
        repl_only: bool = False,
        cli_only: bool = False,
        suffix: str | None = None,  # gdb-style "x/8xg": the text after "/" goes to this parameter
        raw: bool = False,  # every word, dashes and all, goes to its one argument (bash's echo)
    ):
        self.name = name
        self.help = help
        self.func = func
        self.args = args
        self.opts = opts
        self.mutates = mutates
        self.kmod = kmod
        self.repl_only = repl_only
        self.cli_only = cli_only
        self.suffix = suffix
        self.raw = raw
        self._click: Any = None

    @property
    def prog(self) -> str:
        """The prefix of this command's error messages, as kmod's tools print it."""
        return self.name if self.kmod else f"lkmsh {self.name}"

    @property
    def usage(self) -> str:
        parts = [self.name]
        for o in self.opts:
            flag = o.flags[0]
            parts.append(f"[{flag} {o.metavar or o.dest.upper()}]" if o.value else f"[{flag}]")
        for a in self.args:
            parts.append(a.metavar if a.required else f"[{a.metavar}]")
        return " ".join(parts)

    def option(self, flag: str) -> Opt | None:
        for o in self.opts:
            if flag in o.flags:
                return o
        return None

    def click_command(self):
        """The click command for this spec (built once; click is imported here, lazily)."""
        if self._click is None:
            from lkmsh.shell.clickspec import to_click

            self._click = to_click(self)
        return self._click


_REGISTRY: dict[str, Command] = {}
_imported = 0  # how many of COMMAND_MODULES are imported


def command(
    name: str,
    help: str,
    *,
    args: Sequence[Arg] = (),
    opts: Sequence[Opt] = (),
    mutates: bool | Callable[[dict[str, Any]], bool] = False,
    kmod: bool = False,
    repl_only: bool = False,
    cli_only: bool = False,
    suffix: str | None = None,
    raw: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(ctx, **params)`` as command @name."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY:
            raise ValueError(f"command {name!r} is registered twice")
        pred = mutates if callable(mutates) else (lambda params, _m=bool(mutates): _m)
        _REGISTRY[name] = Command(
            name=name,
            help=help,
            func=fn,
            args=tuple(args),
            opts=tuple(opts),
            mutates=pred,
            kmod=kmod,
            repl_only=repl_only,
            cli_only=cli_only,
            suffix=suffix,
            raw=raw,
        )
        return fn

    return decorate


def load_commands() -> None:
    """Import every command module once."""
    while _import_next():
        pass


def _import_next() -> bool:
    """Import the next command module; False when all are imported.

    ``get`` imports only as far as the module defining the name: ``lkmsh
    lsmod`` never imports the modprobe, depmod or introspection commands.
    """
    global _imported
    if _imported >= len(COMMAND_MODULES):
        return False
    modname = COMMAND_MODULES[_imported]
    _imported += 1
    try:
        importlib.import_module(modname)
    except ModuleNotFoundError as exc:
        if exc.name != modname:
            raise
    return True


def get(name: str) -> Command | None:
    head = name.partition("/")[0]
    home = COMMAND_HOMES.get(name)
    if home is not None and name not in _REGISTRY:
        importlib.import_module(home)
    while name not in _REGISTRY and head not in _REGISTRY and _import_next():
        pass
    cmd = _REGISTRY.get(name)
    if cmd is None and "/" in name:
        # "x/8xg": a command declared with suffix= takes "/8xg" as that parameter.
        head, _, tail = name.partition("/")
        base = _REGISTRY.get(head)
        if base is not None and base.suffix:
            return base.replace(name=name, func=functools.partial(base.func, **{base.suffix: tail}))
    return cmd


def all_commands() -> list[Command]:
    load_commands()
    return sorted(_REGISTRY.values(), key=lambda c: c.name)
