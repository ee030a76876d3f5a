"""The shell's commands, each defined once (see lkmsh.shell.registry).

A command takes a Context and its parsed parameters, asks the context for
what it needs (``ctx.summary()``: the module table only; ``ctx.kernel()``: the
whole kernel), reports failures with ``ctx.error`` in kmod's wording and
returns a View for render.py, or None.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from lkmsh.errors import KernelError
from lkmsh.shell import messages as msg
from lkmsh.shell.context import Context, OutputMode
from lkmsh.shell.messages import CommandFailed, ExitRequest
from lkmsh.shell.registry import KMOD_TOOLS, Arg, Kind, Opt, all_commands, command, get
from lkmsh.shell.render import (
    DmesgView,
    DoneView,
    HelpView,
    LsmodView,
    ModinfoEntry,
    ModuleView,
    SymbolStatsView,
    SymbolsView,
)

MODULE_SUFFIXES = (".ko", ".ko.gz", ".ko.xz", ".ko.zst")
DMESG_LEVELS = ("emerg", "alert", "crit", "err", "warn", "notice", "info", "debug")
FORCE = Opt(("-f", "--force"), "force", "Force: ignore vermagic (insmod) or users (rmmod)")
VERSION = Opt(("-V", "--version"), "version", "Show kmod's version and features")


def show_version(ctx: Context) -> None:
    """-V of kmod's tools: ``kmod version 30`` and the features line."""
    from lkmsh.kmod.version import version_text

    ctx.out.write(version_text())


def modname(arg: str) -> str:
    """kmod's path_to_modname: the base name up to its first dot, '-' read as '_'."""
    base = os.path.basename(arg)
    return base.split(".", 1)[0].replace("-", "_")


def is_module_filename(arg: str) -> bool:
    """As kmod's modinfo: an existing regular file with a module suffix."""
    return arg.endswith(MODULE_SUFFIXES) and os.path.isfile(arg)


# -- insmod / rmmod / lsmod ----------------------------------------------------------


@command(
    "insmod",
    "Insert a module into the kernel",
    args=[
        Arg("filename", Kind.KO_FILE, required=False),
        Arg("params", Kind.PARAM, many=True, required=False),
    ],
    opts=[
        FORCE,
        VERSION,
        Opt(("-p",), "_p", "Ignored, as kmod's insmod ignores it"),
        Opt(("-s",), "_s", "Ignored, as kmod's insmod ignores it"),
        Opt(("--trace",), "trace", "Show each step of the load: sections, symbols, relocations"),
        Opt(("--ftrace",), "ftrace", "Show every kernel API call the module's init makes"),
    ],
    mutates=True,
    kmod=True,
)
def insmod(
    ctx: Context,
    filename: str | None,
    params: tuple[str, ...],
    force: bool,
    trace: bool = False,
    ftrace: bool = False,
    version: bool = False,
    _p: bool = False,
    _s: bool = False,
) -> Any:
    if version:
        return show_version(ctx)
    if filename is None:
        raise CommandFailed("missing filename.")
    if filename == "-":
        raise CommandFailed("this tool does not support loading from stdin!")
    from lkmsh.kernel.kernel import read_module_file

    try:
        # size and type checked before a byte is read: an 8 GiB file, /dev/zero, a FIFO
        data = read_module_file(filename)
    except OSError as exc:
        raise CommandFailed(msg.insmod_read_failed(filename, exc)) from None
    except KernelError as exc:
        ctx.error(msg.insmod_insert_failed(filename, exc))
        return None
    k = ctx.kernel()
    if trace or ftrace:
        from lkmsh.shell.introspect import traced_load

        def load() -> Any:
            path = os.path.abspath(filename)
            return k.module_load(data, " ".join(params), force=force, path_hint=path)

        return traced_load(ctx, k, load, filename, trace, ftrace)
    try:
        module = k.module_load(
            data, " ".join(params), force=force, path_hint=os.path.abspath(filename)
        )
    except KernelError as exc:
        ctx.error(msg.insmod_insert_failed(filename, exc, data))
        return None
    return ModuleView(module)


@command(
    "rmmod",
    "Remove modules from the kernel",
    args=[Arg("names", Kind.MODULE, many=True, required=False)],
    opts=[
        FORCE,
        Opt(("-s", "--syslog"), "syslog", "Report to syslog, not stderr"),
        Opt(("-v", "--verbose"), "verbose", "Enable more messages"),
        VERSION,
    ],
    mutates=lambda params: bool(params.get("names")) and not params.get("version"),
    kmod=True,
)
def rmmod(
    ctx: Context,
    names: tuple[str, ...],
    force: bool,
    syslog: bool = False,
    verbose: bool = False,
    version: bool = False,
) -> Any:
    if version:
        return show_version(ctx)
    if not names:
        raise CommandFailed("missing module name.")
    if syslog:
        from lkmsh.shell.modprobe import SyslogReporter

        ctx.err = SyslogReporter(ctx.prog)
    k = ctx.kernel()
    removed = []
    for arg in names:
        name = modname(arg) if os.path.exists(arg) else arg.replace("-", "_")
        if not force:
            m = k.module_find(name)
            if m is None:
                ctx.error(msg.rmmod_not_loaded(name))
                continue
            if m.users:
                ctx.error(msg.rmmod_in_use_by(name, list(m.users)))
                continue
            if m.refcount:
                ctx.error(msg.rmmod_in_use(name))
                continue
        try:
            k.module_unload(name, force=force)
        except KernelError as exc:
            ctx.error(msg.rmmod_remove_failed(arg, exc))
            continue
        removed.append(name)
    return DoneView({"removed": removed})


@command(
    "lsmod",
    "Show the loaded modules (newest first)",
    opts=[
        Opt(("--tree",), "tree", "Draw the dependency graph: each module above what it uses"),
        Opt(("--dot",), "dot", "The dependency graph in Graphviz DOT"),
        VERSION,
    ],
    kmod=True,
)
def lsmod(ctx: Context, tree: bool = False, dot: bool = False, version: bool = False) -> Any:
    if version:
        return show_version(ctx)
    if tree or dot:
        from lkmsh.shell.introspect import dependency_view

        return dependency_view(ctx.summary().modules, dot)
    s = ctx.summary(full=ctx.mode is OutputMode.JSON)  # JSON has every field
    return LsmodView(s.modules, s.taints)


# -- modinfo ------------------------------------------------------------------------


@command(
    "modinfo",
    "Show information about a module file or a loaded module",
    args=[Arg("modules", Kind.MODULE_OR_FILE, many=True, required=False)],
    opts=[
        Opt(("-F", "--field"), "field", "Print only this field's values", Kind.FIELD),
        Opt(("-0", "--null"), "null", "Separate with NUL instead of newline"),
        # -a/-d/-l/-p/-n are -F shortcuts: one dest, the last given wins (kmod's getopt).
        Opt(("-a", "--author"), "field", "Print only 'author'", const="author"),
        Opt(("-d", "--description"), "field", "Print only 'description'", const="description"),
        Opt(("-l", "--license"), "field", "Print only 'license'", const="license"),
        Opt(("-p", "--parameters"), "field", "Print only 'parm'", const="parm"),
        Opt(("-n", "--filename"), "field", "Print only 'filename'", const="filename"),
        Opt(("-m", "--modname"), "by_name", "Treat arguments as module names, not files"),
        Opt(("-b", "--basedir"), "basedir", "Look names up under DIR/lib/modules", Kind.DIR),
        Opt(("-k", "--set-version"), "kversion", "Kernel version for -b", Kind.TEXT),
        VERSION,
    ],
    kmod=True,
)
def modinfo(
    ctx: Context,
    modules: tuple[str, ...],
    field: str | None,
    null: bool,
    by_name: bool,
    basedir: str | None = None,
    kversion: str | None = None,
    version: bool = False,
) -> Any:
    if version:
        return show_version(ctx)
    if not modules:
        raise CommandFailed("missing module or filename.")
    entries: list[ModinfoEntry] = []
    loaded: dict[str, Any] | None = None
    for arg in modules:
        if not by_name and is_module_filename(arg):
            path = os.path.abspath(arg)
            if field == "filename":  # kmod answers without reading the file
                entries.append(ModinfoEntry(path, []))
                continue
            try:
                info = read_modinfo_file(arg)
            except (OSError, KernelError) as exc:
                entries.append(ModinfoEntry(path, None))
                ctx.error(msg.modinfo_unreadable(modname(arg), exc))
                continue
            entries.append(ModinfoEntry(path, info))
            continue
        tree = basedir is not None or kversion is not None
        if loaded is None and not tree:
            loaded = {m.name: m for m in ctx.summary(full=True).modules}
        m = loaded.get(arg.replace("-", "_")) if loaded is not None else None
        if m is None:
            # Not loaded (or -b/-k): the module tree's modules.dep and aliases, as kmod.
            from lkmsh.shell.modprobe import find_modules

            found = find_modules(arg, basedir, kversion)
            if not found:
                ctx.error(msg.modinfo_not_found(arg))
            for mod in found:
                path = mod.path
                if path is None:
                    entries.append(builtin_modinfo(ctx, mod.name, mod.directory, field))
                    continue
                try:
                    entries.append(ModinfoEntry(path, read_modinfo_file(path)))
                except (OSError, KernelError) as exc:
                    entries.append(ModinfoEntry(path, None))
                    ctx.error(msg.modinfo_unreadable(modname(path), exc))
            continue
        entries.append(ModinfoEntry(m.path or "(unknown)", list(m.modinfo)))
    from lkmsh.shell.modinfoview import TreeModinfoView

    return TreeModinfoView(entries, field, null)


def builtin_modinfo(ctx: Context, name: str, directory: str, field: str | None) -> ModinfoEntry:
    """A built-in module's entry; its records come from modules.builtin.modinfo
    (not read for -F filename, which kmod answers without them; -F name reads
    them, and fails as kmod does when there are none, but prints none)."""
    from lkmsh.kmod.builtin import BuiltinInfoMissing, BuiltinModinfo
    from lkmsh.shell.modinfoview import builtin_entry

    if field == "filename":
        return builtin_entry(name, [])
    try:
        return builtin_entry(name, BuiltinModinfo.read(directory).info(name))
    except BuiltinInfoMissing as exc:
        ctx.error(msg.modinfo_unreadable(name, exc))
        return builtin_entry(name, None)


def read_modinfo_file(path: str) -> list[tuple[str, str]]:
    """A module file's info as kmod lists it (.modinfo, then signature fields),
    compressed or not, without loading it (no kernel, no unicorn)."""
    from lkmsh.kmod.modinfo import module_info

    return module_info(path)


# -- symbols, log, /proc -------------------------------------------------------------


@command(
    "ksyms",
    "List exported kernel and module symbols",
    args=[Arg("pattern", Kind.SYMBOL, required=False)],
    opts=[
        Opt(("-m", "--module"), "module", "Only symbols this module exports", Kind.MODULE),
        Opt(("--stats",), "stats", "Show the symbol hash table's bucket and chain statistics"),
    ],
)
def ksyms(ctx: Context, pattern: str | None, module: str | None, stats: bool) -> Any:
    k = ctx.kernel()
    if stats:
        return SymbolStatsView(k.symbol_stats())
    if module is not None and k.module_find(module) is None:
        ctx.error(f"Module {module} is not currently loaded")
        return None
    return SymbolsView(k.symbols(pattern, module))


def parse_levels(text: str | None) -> list[int] | None:
    """dmesg -l: comma-separated level names (err,warn) or numbers (3,4)."""
    if not text:
        return None
    levels = []
    for word in text.split(","):
        word = word.strip().lower()
        if word.isdigit() and int(word) < len(DMESG_LEVELS):
            levels.append(int(word))
        elif word in DMESG_LEVELS:
            levels.append(DMESG_LEVELS.index(word))
        else:
            raise CommandFailed(f"unknown level '{word}'")
    return levels


@command(
    "dmesg",
    "Print the kernel log",
    opts=[
        Opt(("-c", "--read-clear"), "read_clear", "Clear the log after printing it"),
        Opt(("-C", "--clear"), "clear", "Clear the log without printing it"),
        Opt(
            ("-l", "--level"),
            "level",
            "Only these levels (emerg,alert,crit,err,warn,notice,info,debug)",
            Kind.LEVELS,
            metavar="LIST",
        ),
        Opt(
            ("-n", "--console-level"),
            "console_level",
            "Set the level of messages printed to the console (1-8, or a level name)",
            Kind.LEVELS,
            metavar="LEVEL",
        ),
        Opt(("-T", "--ctime"), "ctime", "Human-readable timestamps (wall clock, as ctime)"),
        Opt(
            ("-H", "--human"),
            "human",
            "Human-readable output: the minute, then the time since the previous message",
        ),
        Opt(("-x", "--decode"), "decode", "Show the facility and level: 'kern  :info  : '"),
        Opt(
            ("-p", "--force-prefix"),
            "force_prefix",
            "The timestamp on each line of a message of several lines",
        ),
        Opt(("-w", "--follow"), "follow", "Wait for new messages (Ctrl-C ends)"),
    ],
    mutates=lambda p: bool(p.get("read_clear") or p.get("clear") or p.get("console_level")),
)
def dmesg(
    ctx: Context,
    read_clear: bool,
    clear: bool,
    level: str | None,
    console_level: str | None = None,
    ctime: bool = False,
    human: bool = False,
    decode: bool = False,
    force_prefix: bool = False,
    follow: bool = False,
) -> Any:
    from lkmsh.shell.dmesgfmt import DmesgFormat, console_level_of, follow_log

    levels = parse_levels(level)
    if console_level is not None:
        ctx.kernel().set_console_loglevel(console_level_of(console_level))
        return None
    # printing alone needs the log, not the kernel (nor its heap and module records)
    k = ctx.kernel() if clear or read_clear or follow else ctx.scope.kernel_log()
    if clear:
        k.dmesg_clear()
        return None
    boot_ns = k.boot_time_ns() if ctime or human else 0
    fmt = DmesgFormat(
        boot_ns=boot_ns, ctime=ctime, decode=decode, human=human, force_prefix=force_prefix
    )
    # every record goes through the format (-H's deltas count the ones -l hides)
    records, lines, last = [], [], -1
    for rec in k.dmesg(None):
        last = rec.seq
        if levels is None or rec.level in levels:
            records.append(rec)
            lines.append(fmt.line(rec))
        else:
            fmt.skip(rec)
    if read_clear:
        k.dmesg_clear()
    if follow:
        follow_log(ctx, lines, last, levels, fmt)
        return None
    return DmesgView(records, lines)


# -- building, the kernel's life, the shell ------------------------------------------


@command(
    "build",
    "Compile modules as kbuild: sources, or a directory's Kbuild/Makefile (obj-m)",
    args=[Arg("sources", Kind.SOURCE, many=True, required=False)],
    opts=[
        Opt(("-o", "--output"), "output", "The module file (default: FIRST.ko)", Kind.FILE),
        Opt(
            ("-C", "--directory"),
            "directory",
            "Build the modules DIR's Kbuild/Makefile lists",
            Kind.DIR,
        ),
        Opt(("--shared",), "shared", "Build an ET_DYN module"),
        Opt(("--name",), "name", "Module name (default: output stem)", Kind.TEXT),
        Opt(("--cflags",), "cflags", "Extra compiler flags, space separated", Kind.TEXT),
        Opt(("--cc",), "cc", "The compiler: gcc (default) or clang (as kbuild's CC=)", Kind.TEXT),
        Opt(
            ("-M", "--modules-dir"),
            "modules_dir",
            "Link against the exports of DIR's Module.symvers or .ko files",
            Kind.DIR,
        ),
        Opt(("--symvers",), "symvers", "Link against this Module.symvers", Kind.FILE),
        Opt(
            ("--arch",),
            "arch",
            "Target architecture: x86_64 or aarch64 (default: the state's kernel's)",
            Kind.TEXT,
        ),
    ],
)
def build(
    ctx: Context,
    sources: tuple[str, ...],
    output: str | None,
    shared: bool,
    name: str | None,
    cflags: str | None,
    arch: str | None = None,
    directory: str | None = None,
    cc: str | None = None,
    modules_dir: str | None = None,
    symvers: str | None = None,
) -> Any:
    from lkmsh.shell.build import run_build

    return run_build(
        ctx,
        list(sources),
        output=output,
        shared=shared,
        name=name,
        cflags=cflags,
        arch=arch,
        directory=directory,
        cc=cc,
        modules_dir=modules_dir,
        symvers=symvers,
    )


@command(
    "reboot",
    "Start a fresh kernel (forget every module, the log and taints)",
    opts=[
        Opt(
            ("--cmdline",),
            "cmdline",
            "The new kernel's command line (/proc/cmdline; modprobe reads MODULE.PARAM=VALUE)",
            Kind.TEXT,
        )
    ],
)
def reboot(ctx: Context, cmdline: str | None = None) -> Any:
    ctx.scope.reboot(cmdline)
    return DoneView({"rebooted": True, "cmdline": ctx.scope.session.kernel_cmdline()})


@command(
    "help",
    "List commands, or show one command's usage",
    args=[Arg("command", Kind.COMMAND, required=False)],
)
def help_(ctx: Context, command: str | None) -> Any:
    if command is None:
        return HelpView([(c.name, c.help) for c in all_commands()])
    cmd = get(command)
    if cmd is None:
        raise CommandFailed(f"no such command '{command}'")
    import click

    ccmd = cmd.click_command()
    with click.Context(ccmd, info_name=cmd.name) as cctx:
        return HelpView([], text=ccmd.get_help(cctx) + "\n")


@command(
    "exit",
    "Leave the shell (or stop a script) with STATUS",
    args=[Arg("status", Kind.TEXT, required=False)],
)
def exit_(ctx: Context, status: str | None) -> Any:
    try:
        code = int(status) if status is not None else 0
    except ValueError:
        raise CommandFailed(f"numeric argument required: {status}") from None
    raise ExitRequest(code & 0xFF)


@command(
    "install-links",
    "Create insmod, rmmod, lsmod, ... links to lkmsh in DIR (multi-call)",
    args=[Arg("dir", Kind.DIR, missing="missing directory.")],
    opts=[Opt(("--force",), "force", "Replace existing files")],
)
def install_links(ctx: Context, dir: str, force: bool) -> Any:
    target = lkmsh_executable()
    if target is None:
        raise CommandFailed("cannot find the lkmsh executable to link to")
    directory = Path(dir)
    if not directory.is_dir():
        raise CommandFailed(f"{dir}: No such directory")
    made = []
    for tool in KMOD_TOOLS:
        link = directory / tool
        if os.path.lexists(link):
            if link.is_symlink() and os.readlink(link) == target:
                made.append(str(link))
                continue
            if not force:
                ctx.error(f"{link}: File exists (use --force to replace it)")
                continue
            link.unlink()
        try:
            os.symlink(target, link)
        except OSError as exc:
            ctx.error(f"{link}: {exc.strerror}")
            continue
        made.append(str(link))
    said = "".join(f"{link} -> {target}\n" for link in made)
    return DoneView({"target": target, "links": made}, said)


def lkmsh_executable() -> str | None:
    """The console script to link to: the one running, else the one on PATH."""
    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) == "lkmsh" and os.access(argv0, os.X_OK):
        return os.path.abspath(argv0)
    found = shutil.which("lkmsh")
    return os.path.abspath(found) if found else None
