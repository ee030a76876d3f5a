"""The ``modprobe`` command, and request_module() through the same path.

The module directory is ``--moddir DIR``, else ``-d ROOT``/``-S VERSION``
(``ROOT/lib/modules/VERSION``), else ``$LKMSH_MODULE_PATH``, else the bundled
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.shell import messages as msg
from lkmsh.shell.context import Context
from lkmsh.shell.messages import CommandFailed
from lkmsh.shell.registry import Arg, Kind, Opt, command
from lkmsh.shell.render import View

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kmod.modprobe import ModuleDirectory

MODULE_PATH_ENV = "LKMSH_MODULE_PATH"


def bundled_modules() -> str:
    """The sample_modules directory of a source checkout."""
    return str(Path(__file__).resolve().parent.parent.parent / "sample_modules")


def host_machine() -> int | None:
    """The ELF machine of this host (EM_X86_64, EM_AARCH64), for modules built for several."""
    from lkmsh.elf.constants import EM_AARCH64, EM_X86_64

    return {"x86_64": EM_X86_64, "aarch64": EM_AARCH64, "arm64": EM_AARCH64}.get(os.uname().machine)


def default_directory() -> str:
    return os.environ.get(MODULE_PATH_ENV) or bundled_modules()


def default_config_dirs(state_path: str | os.PathLike[str] | None = None) -> list[str]:
    if state_path is None:
        from lkmsh.kernel.state import default_state_path

        state_path = default_state_path()
    return [str(Path(state_path).expanduser().parent / "modprobe.d")]


def open_directory(directory: str, config_dirs: list[str]) -> ModuleDirectory:
    """The directory's databases; indexed in memory when depmod never ran there."""
    from lkmsh.kmod.modprobe import ModuleDirectory

    if os.path.exists(os.path.join(directory, "modules.dep")):
        return ModuleDirectory.open(directory, config_dirs)
    if not os.path.isdir(directory):
        raise CommandFailed(f"could not open moddir {directory}: No such file or directory")
    from lkmsh.kmod.depmod import TEXT_FILES, DepmodRequest, run_depmod

    result = run_depmod(
        DepmodRequest(os.path.abspath(directory), dry_run=True, prefer_machine=host_machine())
    )
    texts = {name: result.text(name) for name in TEXT_FILES}
    return ModuleDirectory.from_texts(directory, texts, config_dirs)


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

    if basedir is not None or kversion is not None:
        directory = f"{basedir or ''}/lib/modules/{kversion or os.uname().release}"
    else:
        directory = default_directory()
    try:
        db = open_directory(directory, [])
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
    args=[Arg("names", Kind.MODULE_OR_FILE, many=True, missing="missing module name.")],
    opts=[
        Opt(("-r", "--remove"), "remove", "Remove the modules (and unused dependencies)"),
        Opt(("-n", "--dry-run", "--show"), "dry_run", "Do not load or unload; -v shows what"),
        Opt(("-a", "--all"), "all_", "Every argument is a module name"),
        Opt(("-D", "--show-depends"), "show_depends", "Print the insmod lines for a module"),
        Opt(("--first-time",), "first_time", "Fail if the module is (not) already loaded"),
        Opt(("-v", "--verbose"), "verbose", "Print each insmod/rmmod step"),
        Opt(("-f", "--force"), "force", "Ignore vermagic (load) or users (remove)"),
        Opt(("--moddir",), "moddir", "Module directory (with modules.dep)", Kind.DIR),
        Opt(("-d", "--dirname"), "dirname", "Use ROOT/lib/modules/VERSION", Kind.DIR),
        Opt(("-S", "--set-version"), "set_version", "Kernel version for -d", Kind.TEXT),
        Opt(("-C", "--config"), "config", "modprobe.d directory", Kind.DIR),
        Opt(("--trace",), "trace", "Show each load's steps, as insmod --trace, in order"),
        Opt(("--ftrace",), "ftrace", "Show the kernel API calls each module's init makes"),
    ],
    mutates=_mutates,
    kmod=True,
)
def modprobe(
    ctx: Context,
    names: tuple[str, ...],
    remove: bool,
    dry_run: bool,
    all_: bool,
    show_depends: bool,
    first_time: bool,
    verbose: bool,
    force: bool,
    moddir: str | None,
    dirname: str | None,
    set_version: str | None,
    config: str | None,
    trace: bool = False,
    ftrace: bool = False,
) -> Any:
    from lkmsh.kmod.modprobe import (
        InsertFailed,
        ModprobeFatal,
        plan_insert,
        probe_insert,
        probe_remove,
    )

    if (trace or ftrace) and (remove or dry_run or show_depends):
        raise CommandFailed("--trace and --ftrace watch loads: not with -r, -n or --show-depends")

    if moddir is None and (dirname is not None or set_version is not None):
        moddir = f"{dirname or ''}/lib/modules/{set_version or os.uname().release}"
    directory = os.path.abspath(moddir or default_directory())
    config_dirs = [config] if config else default_config_dirs(ctx.scope.session.path)
    try:
        db = open_directory(directory, config_dirs)
    except KernelError as exc:
        raise CommandFailed(exc.message) from None
    jobs = [(n, "") for n in names] if all_ or remove else [(names[0], " ".join(names[1:]))]
    view = ModprobeView()
    tracer, traced = None, None
    if trace or ftrace:
        from lkmsh.shell.introspect import ProbeTracer
        from lkmsh.shell.views import ProbeTraceView

        tracer = ProbeTracer(ctx.kernel(), trace, ftrace)
        traced = ProbeTraceView(tracer.loads)
    for name, params in jobs:
        try:
            if show_depends:
                view.lines += _shown(plan_insert(db, name, params))
                continue
            k = ctx.kernel()
            if remove:
                result = probe_remove(
                    k, db, name, dry_run=dry_run, force=force, first_time=first_time
                )
            else:
                result = probe_insert(
                    k,
                    db,
                    name,
                    params,
                    dry_run=dry_run,
                    first_time=first_time,
                    force=force,
                    wrap_load=tracer,
                )
        except ModprobeFatal as exc:  # kmod logs these as FATAL (not found, in use, ...)
            ctx.err.write(f"{ctx.prog}: FATAL: {exc.message}\n")
            ctx.failed = True
            continue
        except KernelError as exc:
            ctx.error(_error_text(exc))
            if traced is not None and isinstance(exc, InsertFailed):
                traced.failed = traced.failed or exc.module
                traced.unwound += exc.unwound
            continue
        if verbose:
            view.lines += _shown(result.actions)
        view.loaded += result.loaded
        view.removed += result.removed
    return view if traced is None else traced


def _error_text(exc: KernelError) -> str:
    """kmod's wording: ENOENT on insert reads "Unknown symbol in module, or unknown parameter"."""
    from lkmsh.kmod.modprobe import InsertFailed

    if isinstance(exc, InsertFailed):
        cause = exc.cause
        if cause.errno == 2:
            why = "Unknown symbol in module, or unknown parameter (see dmesg)"
        elif cause.message == "Module already in kernel":
            why = cause.message
        else:
            why = msg.mod_strerror(cause.errno)
        return f"could not insert '{exc.module}': {why}"
    return exc.message or exc.strerror


def request_module(kernel: Kernel, name: str) -> None:
    """Kernel.module_requester: load NAME (and what it needs) as modprobe would."""
    from lkmsh.kmod.modprobe import probe_insert

    db = open_directory(default_directory(), default_config_dirs())
    probe_insert(kernel, db, name)


def _shown(actions: list[Any]) -> list[str]:
    """The lines kmod prints for these actions (it prints nothing for some)."""
    return [line for line in (a.show() for a in actions) if line is not None]
