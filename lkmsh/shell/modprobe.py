"""The ``modprobe`` command, and request_module() through the same path.

The module directory follows ``module_directory``'s rule (shared with depmod
and modinfo): ``--moddir DIR``, else with ``-d ROOT``/``-S VERSION``
``ROOT/lib/modules/VERSION`` (VERSION defaulting to lkmsh's kernel release),
else lkmsh's kernel's own: ``$LKMSH_MODULE_PATH``, else the bundled
``sample_modules``. A directory without ``modules.dep`` is indexed in memory
(as ``depmod DIR`` would) so the bundled modules work out of the box.
Configuration comes from ``--config DIR``, else ``modprobe.d/`` next to the
state file.

``request_module`` below is what the shell's kernels use as
``Kernel.module_requester`` (set by ``context.make_kernel``): a module whose
code calls ``request_module("x")`` gets ``x`` loaded through this modprobe,
from the default directory.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.shell import messages as msg
from lkmsh.shell.context import Context
from lkmsh.shell.messages import CommandFailed
from lkmsh.shell.moddir import (  # noqa: F401  (modprobe's names, as before)
    MODULE_PATH_ENV,
    bundled_modules,
    default_config_dirs,
    default_directory,
    host_machine,
    kernel_release,
    module_directory,
)
from lkmsh.shell.registry import Arg, Kind, Opt, command
from lkmsh.shell.render import View

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kmod.modprobe import ModuleDirectory


def open_directory(directory: str, config_dirs: list[str], cmdline: str = "") -> ModuleDirectory:
    """The directory's databases; indexed in memory when depmod never ran there. A
    missing directory holds no module, as kmod 30 reads it: each name is then
    "not found in directory DIR" (docs/dependencies.md, "Which tree")."""
    from lkmsh.kmod.modprobe import ModuleDirectory

    if os.path.exists(os.path.join(directory, "modules.dep")):
        return ModuleDirectory.open(directory, config_dirs, cmdline)
    if not os.path.isdir(directory):
        return ModuleDirectory.from_texts(directory, {}, config_dirs, cmdline)
    from lkmsh.kmod.depmod import TEXT_FILES, DepmodRequest, run_depmod

    result = run_depmod(
        DepmodRequest(os.path.abspath(directory), dry_run=True, prefer_machine=host_machine())
    )
    texts = {name: result.text(name) for name in TEXT_FILES}
    return ModuleDirectory.from_texts(directory, texts, config_dirs, cmdline)


@dataclass(frozen=True)
class FoundModule:
    """What ``modinfo NAME`` found in a tree: a module file, or one built into the kernel."""

    name: str
    path: str | None  # None: built in (modules.builtin)
    directory: str


def find_modules(name: str, basedir: str | None, kversion: str | None) -> list[FoundModule]:
    """modinfo NAME: the modules a name or alias means in a module tree, in kmod's
    lookup order (modules.dep, .symbols, .alias, built-in aliases, modules.builtin);
    ``-b``/``-k``: BASEDIR/lib/modules/VERSION, else modprobe's default directory."""
    from lkmsh.kmod.modprobe import ModuleNotFound

    directory = module_directory(None, basedir, kversion)
    try:
        db = _indexed_directory(directory)
        hits = db.lookup(name)
    except (KernelError, CommandFailed, ModuleNotFound):
        return []
    found = []
    for hit in hits:
        if hit.name in db.entries:
            found.append(FoundModule(hit.name, db.entries[hit.name].path, db.directory))
        elif hit.name in db.builtin or hit.alias is None:
            found.append(FoundModule(hit.name, None, db.directory))
    return found


#: the last tree modinfo looked names up in, with its modules.dep's stat: ``modinfo``
#: of many names reads the indexes once, and a REPL sees a later depmod's files
_LAST_INDEXED: dict[str, tuple[tuple[int, int], ModuleDirectory]] = {}


def _indexed_directory(directory: str) -> ModuleDirectory:
    try:
        st = os.stat(os.path.join(directory, "modules.dep"))
    except OSError:
        return open_directory(directory, [])  # indexed in memory: not kept
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _LAST_INDEXED.get(directory)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    db = open_directory(directory, [])
    _LAST_INDEXED.clear()
    _LAST_INDEXED[directory] = (stamp, db)
    return db


def find_module_files(name: str, basedir: str | None, kversion: str | None) -> list[str]:
    """The files among find_modules' answers (built-in modules have none)."""
    return [m.path for m in find_modules(name, basedir, kversion) if m.path is not None]


@dataclass
class ModprobeView(View):
    lines: list[str] = field(default_factory=list)  # --show-depends, or -v's actions
    loaded: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def plain(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def to_json(self) -> Any:
        return {"actions": self.lines, "loaded": self.loaded, "removed": self.removed}


def _mutates(params: dict[str, Any]) -> bool:
    return not (params.get("dry_run") or params.get("show_depends"))


@command(
    "modprobe",
    "Add or remove modules with their dependencies (kmod's modprobe)",
    args=[Arg("names", Kind.MODULE_OR_FILE, many=True, required=False)],
    opts=[
        Opt(("-a", "--all"), "all_", "Every argument is a module name"),
        Opt(("-r", "--remove"), "remove", "Remove the modules (and unused dependencies)"),
        Opt(("--remove-holders", "--remove-dependencies"), "holders", "Also remove holders (-r)"),
        Opt(
            ("-w", "--wait"),
            "wait",
            "With -r: wait up to MSEC for the module to be unused",
            Kind.TEXT,
        ),
        Opt(("--first-time",), "first_time", "Fail if the module is (not) already loaded"),
        Opt(("-i", "--ignore-install", "--ignore-remove"), "ignore_cmds", "Ignore install/remove"),
        Opt(("-b", "--use-blacklist"), "use_blacklist", "Apply the blacklist to module names too"),
        Opt(
            ("-f", "--force"), "force", "Ignore vermagic and symbol versions (load), users (remove)"
        ),
        Opt(("--force-modversion",), "force_modversion", "Ignore the module's symbol versions"),
        Opt(("--force-vermagic",), "force_vermagic", "Ignore the module's version magic"),
        Opt(("-R", "--resolve-alias"), "resolve", "Only print the modules a name or alias means"),
        Opt(("-D", "--show-depends"), "show_depends", "Print the insmod lines for a module"),
        Opt(("-c", "--showconfig", "--show-config"), "show_config", "Print the configuration"),
        Opt(
            ("--show-modversions", "--dump-modversions"),
            "show_modversions",
            "Print a module file's symbol versions",
        ),
        Opt(("--show-exports",), "show_exports", "Print a module file's exported symbols"),
        Opt(("-n", "--dry-run", "--show"), "dry_run", "Do not load or unload; -v shows what"),
        Opt(("-C", "--config"), "config", "modprobe.d directory (or file)", Kind.FILE),
        Opt(("-d", "--dirname"), "dirname", "Use ROOT/lib/modules/VERSION", Kind.DIR),
        Opt(("-S", "--set-version"), "set_version", "Kernel version for -d", Kind.TEXT),
        Opt(("--moddir",), "moddir", "Module directory (with modules.dep)", Kind.DIR),
        Opt(("-s", "--syslog"), "syslog", "Report to syslog, not stderr"),
        Opt(("-q", "--quiet"), "quiet", "Report no errors (the exit status still says)"),
        Opt(("-v", "--verbose"), "verbose", "Print each insmod/rmmod step"),
        Opt(("-V", "--version"), "version", "Show kmod's version and features"),
        Opt(("--trace",), "trace", "Show each load's steps, as insmod --trace, in order"),
        Opt(("--ftrace",), "ftrace", "Show the kernel API calls each module's init makes"),
    ],
    mutates=_mutates,
    kmod=True,
)
def modprobe(
    ctx: Context,
    names: tuple[str, ...],
    all_: bool = False,
    remove: bool = False,
    holders: bool = False,
    wait: str | None = None,
    first_time: bool = False,
    ignore_cmds: bool = False,
    use_blacklist: bool = False,
    force: bool = False,
    force_modversion: bool = False,
    force_vermagic: bool = False,
    resolve: bool = False,
    show_depends: bool = False,
    show_config: bool = False,
    show_modversions: bool = False,
    show_exports: bool = False,
    dry_run: bool = False,
    config: str | None = None,
    dirname: str | None = None,
    set_version: str | None = None,
    moddir: str | None = None,
    syslog: bool = False,
    quiet: bool = False,
    verbose: bool = False,
    version: bool = False,
    trace: bool = False,
    ftrace: bool = False,
) -> Any:
    from lkmsh.kmod.modprobe import InsertFailed, ModprobeFatal

    if version:
        from lkmsh.kmod.version import version_text

        ctx.out.write(version_text())
        return None
    wait_msec = _msec(wait) if wait is not None else 0
    if wait_msec is None:
        raise CommandFailed(f"unexpected wait value '{wait}'.")
    if not names and not show_config:
        raise CommandFailed("missing parameters. See -h.")
    if (trace or ftrace) and (remove or dry_run or show_depends):
        raise CommandFailed("--trace and --ftrace watch loads: not with -r, -n or --show-depends")
    if quiet or syslog:  # from here on, as kmod once its log is set up
        ctx.err = SyslogReporter(ctx.prog, quiet=quiet)
    if show_modversions or show_exports:
        return _show_symbols(ctx, names[0], show_exports and not show_modversions)
    directory = module_directory(moddir, dirname, set_version)
    config_dirs = [config] if config else default_config_dirs(ctx.scope.session.path)
    cmdline = ctx.scope.kernel_cmdline()  # kmod reads /proc/cmdline: lkmsh's kernel's
    if show_config:
        return _show_config(ctx, directory, config_dirs, cmdline)
    try:
        db = open_directory(directory, config_dirs, cmdline)
    except (KernelError, CommandFailed) as exc:
        ctx.error(exc.message)
        ctx.failed = True
        return None
    _report_config_problems(ctx, db.config)
    view = ModprobeView()
    if resolve:
        for name in names if all_ else names[:1]:
            found = db.lookup(name)
            if not found:
                ctx.err.write(
                    f"{ctx.prog}: {_fatal(all_)}: Module {name} not found in directory {directory}\n"
                )
                ctx.failed = True
            view.lines += [f.name for f in found]
        return view
    jobs = [(n, "") for n in names] if all_ or remove else [(names[0], _options(names[1:]))]
    tracer, traced = None, None
    if trace or ftrace:
        from lkmsh.shell.introspect import ProbeTracer
        from lkmsh.shell.views import ProbeTraceView

        tracer = ProbeTracer(ctx.kernel(), trace, ftrace)
        traced = ProbeTraceView(tracer.loads)
    load_force = force or force_modversion or force_vermagic
    for name, params in jobs:
        try:
            result = _probe_one(
                ctx, db, name, params, remove, show_depends, dry_run, first_time, load_force,
                ignore_cmds, use_blacklist, holders, wait_msec > 0,
                tracer,
            )  # fmt: skip
        except ModprobeFatal as exc:  # kmod logs these as FATAL (not found, in use, ...)
            ctx.err.write(f"{ctx.prog}: {_fatal(all_)}: {exc.message}\n")
            ctx.failed = True
            if not all_:
                break  # a FATAL message ends kmod's modprobe
            continue
        except KernelError as exc:
            ctx.error(_error_text(exc))
            if traced is not None and isinstance(exc, InsertFailed):
                traced.failed = traced.failed or exc.module
                traced.unwound += exc.unwound
            continue
        if show_depends or verbose:
            view.lines += _shown(result.actions)
        view.loaded += result.loaded
        view.removed += result.removed
    return view if traced is None else traced


def _fatal(all_: bool) -> str:
    """The level of kmod's fatal lookups: with -a (one name of several) only a WARNING."""
    return "WARNING" if all_ else "FATAL"


def _error_text(exc: KernelError) -> str:
    """kmod's wording (tools/modprobe.c): ENOENT on insert reads "Unknown symbol in module,
    or unknown parameter", EEXIST "Module already in kernel", any other errno its
    strerror() ("Invalid argument", not insmod's "Invalid parameters")."""
    from lkmsh.kmod.modprobe import InsertFailed, InstallCommandRefused

    if isinstance(exc, InsertFailed):
        cause = exc.cause
        if isinstance(cause, InstallCommandRefused):
            return cause.message
        if cause.errno == 2:
            why = "Unknown symbol in module, or unknown parameter (see dmesg)"
        elif cause.message == "Module already in kernel":
            why = cause.message
        else:
            why = msg.strerror(cause.errno)
        return f"could not insert '{exc.module}': {why}"
    return exc.message or exc.strerror


def request_module(kernel: Kernel, name: str) -> None:
    """Kernel.module_requester: load NAME (and what it needs) as modprobe would."""
    from lkmsh.kmod.modprobe import probe_insert

    db = open_directory(default_directory(), default_config_dirs(), kernel.config.cmdline)
    probe_insert(kernel, db, name)


def _shown(actions: list[Any]) -> list[str]:
    """The lines kmod prints for these actions (it prints nothing for some)."""
    return [line for line in (a.show() for a in actions) if line is not None]


def _probe_one(
    ctx: Context,
    db: ModuleDirectory,
    name: str,
    params: str,
    remove: bool,
    show_depends: bool,
    dry_run: bool,
    first_time: bool,
    force: bool,
    ignore_commands: bool,
    use_blacklist: bool,
    holders: bool,
    wait: bool,
    tracer: Any,
) -> Any:
    from lkmsh.kmod.modprobe import (
        ProbeResult,
        plan_insert,
        plan_remove,
        probe_insert,
        probe_remove,
    )

    if show_depends and not remove:
        actions = plan_insert(
            db, name, params, ignore_commands=ignore_commands, use_blacklist=use_blacklist
        )
        return ProbeResult(actions)
    if show_depends:
        kernel = ctx.kernel()
        return ProbeResult(
            plan_remove(kernel, db, name, ignore_commands=ignore_commands, remove_holders=holders)
        )
    if remove:
        return probe_remove(
            ctx.kernel(),
            db,
            name,
            dry_run=dry_run or show_depends,
            force=force,
            first_time=first_time,
            ignore_commands=ignore_commands,
            remove_holders=holders,
            wait=wait,
        )
    return probe_insert(
        ctx.kernel(),
        db,
        name,
        params,
        dry_run=dry_run,
        first_time=first_time,
        force=force,
        ignore_commands=ignore_commands,
        use_blacklist=use_blacklist,
        wrap_load=tracer,
    )


def _options(words: tuple[str, ...]) -> str:
    """The command line's module options, joined as kmod's options_from_array: a value
    holding a blank (and not already quoted) is put in double quotes."""
    out = []
    for word in words:
        key, eq, value = word.partition("=")
        if eq and value[:1] not in ('"', "'") and " " in value:
            word = f'{key}="{value}"'
        out.append(word)
    return " ".join(out)


_STRTOUL = re.compile(r"\s*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def _msec(text: str) -> int | None:
    """-w's value as kmod's strtoul(text, &end, 0) reads it; None unless all of it is a number."""
    match = _STRTOUL.fullmatch(text)
    if match is None:
        return None
    number = match.group(1)
    base = 16 if number[:2] in ("0x", "0X") else 8 if number.startswith("0") else 10
    return int(number, base)


class SyslogReporter:
    """Where kmod's messages go with -s (syslog, ``ERROR: text`` under the tool's name,
    as kmod's log.c sends them) or -q (nowhere): a stream for ctx.err."""

    def __init__(self, prog: str, *, quiet: bool = False):
        self.prog = prog
        self.quiet = quiet

    def write(self, text: str) -> int:
        if not self.quiet:
            import syslog

            levels = {"FATAL": syslog.LOG_CRIT, "ERROR": syslog.LOG_ERR}
            syslog.openlog(self.prog, syslog.LOG_CONS, syslog.LOG_DAEMON)
            for line in text.splitlines():
                body = line.removeprefix(f"{self.prog}: ")
                level = levels.get(body.split(":", 1)[0], syslog.LOG_WARNING)
                syslog.syslog(level, body)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _show_symbols(ctx: Context, path: str, exports: bool) -> None:
    """--show-modversions FILE (its __versions) or --show-exports FILE (what it exports),
    ``0x%08x\\tNAME`` a line, as kmod prints them."""
    from lkmsh.errors import ElfError
    from lkmsh.kmod.compress import read_module_file
    from lkmsh.kmod.modfile import exported_symbols, symbol_versions

    what = "symbols" if exports else "modversions"
    if not os.path.isfile(path):
        ctx.err.write(f"{ctx.prog}: FATAL: Module {path} not found.\n")
        ctx.failed = True
        return None
    why = "No such file or directory"  # a module without __versions: kmod's ENOENT
    try:
        data = read_module_file(path)
        pairs = exported_symbols(data) if exports else symbol_versions(data)
    except ElfError:
        pairs, why = None, "Exec format error"
    except KernelError as exc:
        pairs, why = None, exc.strerror
    if pairs is None:
        ctx.err.write(f"{ctx.prog}: FATAL: could not get {what} of {path}: {why}\n")
        ctx.failed = True
        return None
    ctx.out.write("".join(f"0x{crc:08x}\t{name}\n" for crc, name in pairs))
    return None


def _show_config(ctx: Context, directory: str, config_dirs: list[str], cmdline: str) -> None:
    """modprobe -c: the configuration and the tree's alias and symbol indexes (kmod
    prints the configuration even when the tree is missing)."""
    from lkmsh.kmod.modprobecfg import load_modprobe_config
    from lkmsh.kmod.showconfig import show_config

    softdep = os.path.join(directory, "modules.softdep")
    try:
        with open(softdep, encoding="utf-8", errors="surrogateescape") as f:
            extra = {"modules.softdep": f.read()}
    except OSError:
        extra = {}
    config = load_modprobe_config(config_dirs, extra, cmdline)
    _report_config_problems(ctx, config)
    ctx.out.write(show_config(config, directory))


def _report_config_problems(ctx: Context, config: Any) -> None:
    """What libkmod said about the configuration files, on stderr as kmod's tools say it."""
    for problem in config.problems:
        ctx.err.write(problem + "\n")
