"""The ``depmod`` command: kmod's options in front of lkmsh.kmod.depmod.

``depmod [-a] [-A] [-n] [-e] [-v] [-w] [-F System.map | -E Module.symvers] [-C DIR]
[-P C] [-b BASEDIR] [-o OUTDIR] [--moduledir DIR] [VERSION] [FILE...]`` works as
kmod 30's (``-o``/``--moduledir`` as later kmods'; ``-u -q -r -m`` warn and do
nothing, as kmod 30's); lkmsh adds ``depmod DIR``: the tree is DIR itself
(``lkmsh depmod sample_modules``). Which tree otherwise: ``module_directory``
in lkmsh/shell/moddir.py, one rule for depmod, modprobe and modinfo.
Diagnostics go to stderr as kmod words them (``depmod: WARNING: ...``); a
cycle fails the command, as it does kmod's.

``depmod --graph [--dot] DIR|[-b BASEDIR] [VERSION] [NAME...]`` writes nothing:
it draws the graph depmod computed (every module, or the named ones and what
they use), cycles marked, then reports the diagnostics — a cycle still fails.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from lkmsh.shell.context import Context, OutputMode
from lkmsh.shell.messages import CommandFailed
from lkmsh.shell.registry import Arg, Kind, Opt, command
from lkmsh.shell.render import View

if TYPE_CHECKING:
    from lkmsh.kmod.depmod import DepmodResult

_VERSION = re.compile(r"\s*\+?\d+\.\s*\+?\d")  # sscanf("%u.%u") succeeding


def is_version_number(text: str) -> bool:
    return _VERSION.match(text) is not None


_OPTIONAL_FILES = (
    "could not open modules.order",
    "could not open modules.builtin",
)


#: kmod 30 still accepts these, warns "Ignored deprecated option" and does nothing.
DEPRECATED = tuple(
    Opt((flag,), "deprecated_" + flag.strip("-").replace("-", "_"), "Ignored (deprecated)")
    for flag in ("-u", "--unresolved-error", "-q", "--quiet", "-r", "--root", "-m", "--map")
)


class DepmodView(View):
    _fields = ("text", "result", "written", "directory")

    def __init__(
        self,
        text: str,  # what -n prints ("" when files were written)
        result: DepmodResult | None = None,
        written: list[str] | None = None,
        directory: str = "",
    ):
        self.text = text
        self.result = result
        self.written = [] if written is None else written
        self.directory = directory

    def plain(self) -> str:
        return self.text

    def to_json(self) -> Any:
        modules = [
            {"name": m.name, "path": m.shown_path, "depends": [d.shown_path for d in m.deps]}
            for m in (self.result.modules if self.result is not None else [])
        ]
        return {"directory": self.directory, "written": self.written, "modules": modules}


@command(
    "depmod",
    "Generate modules.dep and map files for a module tree (kmod's depmod)",
    args=[Arg("targets", Kind.FILE, many=True, required=False)],
    opts=[
        Opt(("-a", "--all"), "all_", "Probe all modules (the default)"),
        Opt(("-A", "--quick"), "quick", "Only do the work if a module is newer than modules.dep"),
        Opt(("-b", "--basedir"), "basedir", "Use the tree under DIR/lib/modules", Kind.DIR),
        Opt(("-C", "--config"), "config", "Read depmod.d configuration from PATH", Kind.FILE),
        Opt(
            ("-E", "--symvers"),
            "symvers",
            "Kernel symbols (and CRCs) from Module.symvers",
            Kind.FILE,
        ),
        Opt(("-F", "--filesyms"), "filesyms", "Kernel symbols from System.map", Kind.FILE),
        Opt(("-e", "--errsyms"), "errsyms", "Report symbols nothing supplies (needs -E or -F)"),
        Opt(("-n", "--show", "--dry-run"), "dry_run", "Write the files to stdout only"),
        Opt(("-P", "--symbol-prefix"), "symbol_prefix", "Architecture symbol prefix", Kind.TEXT),
        Opt(("-w", "--warn"), "warn", "Warn on duplicates"),
        Opt(("-v", "--verbose"), "verbose", 'Print each "needs" link depmod makes, as kmod -v'),
        Opt(("-o", "--outdir"), "outdir", "Write the files under DIR/lib/modules", Kind.DIR),
        Opt(("--moduledir",), "moduledir", "The tree's place under BASEDIR", Kind.TEXT),
        Opt(("-V", "--version"), "version", "Show kmod's version and features"),
        *DEPRECATED,
        Opt(("--no-cache",), "no_cache", "Read every module again (ignore lkmsh's cache)"),
        Opt(("--graph",), "graph", "Draw the dependency graph (of NAME... only) instead"),
        Opt(("--dot",), "dot", "With --graph: the graph in Graphviz DOT"),
    ],
    kmod=True,
)
def depmod(
    ctx: Context,
    targets: tuple[str, ...],
    all_: bool,
    quick: bool,
    basedir: str | None,
    config: str | None,
    symvers: str | None,
    filesyms: str | None,
    errsyms: bool,
    dry_run: bool,
    symbol_prefix: str | None,
    warn: bool,
    no_cache: bool,
    graph: bool = False,
    dot: bool = False,
    verbose: bool = False,
    outdir: str | None = None,
    moduledir: str | None = None,
    version: bool = False,
    **deprecated: bool,
) -> Any:
    from lkmsh.kmod.depmod import (
        DepmodFailed,
        DepmodRequest,
        run_depmod,
        tree_problem,
        up_to_date,
        write_files,
    )
    from lkmsh.shell.moddir import host_machine, kernel_release, module_directory

    if version:
        from lkmsh.kmod.version import version_text

        ctx.out.write(version_text())
        return None
    # kmod's tools read their command line with getopt_walk, which warns about the
    # deprecated options (in command-line order) and checks -P, as kmod's loop does
    args = list(targets)
    kversion = ""
    graph = graph or dot
    dir_mode = basedir is None and len(args) == 1 and os.path.isdir(args[0])
    if graph:  # depmod --graph DIR NAME...: the names follow the directory
        dir_mode = basedir is None and bool(args) and os.path.isdir(args[0])
    nothing_given = not args and basedir is None and moduledir is None
    if dir_mode:
        dirname = os.path.abspath(args.pop(0))
    elif nothing_given:  # lkmsh's kernel's own tree (module_directory's rule)
        dirname, dir_mode = module_directory(), True
    else:
        if args and not graph and not is_version_number(args[0]):
            raise CommandFailed(f"Bad version passed {args[0]}")
        given = args.pop(0) if args and is_version_number(args[0]) else None
        dirname = module_directory(None, basedir, given, moduledir)
        kversion = given or kernel_release()
    if symbol_prefix is not None and len(symbol_prefix) != 1:
        ctx.err.write(f"{ctx.prog}: FATAL: -P only takes a single char\n")
        ctx.failed = True
        return None
    names, args = (args, []) if graph else ([], args)
    files = None if (all_ or not args) else args
    if quick and not graph:
        if dry_run:
            return DepmodView("", directory=dirname)  # kmod 30: -A with -n does nothing
        why = tree_problem(dirname)
        if why is not None:  # kmod's up-to-date walk says so too, before the run does
            ctx.err.write(f"{ctx.prog}: ERROR: could not open directory {dirname}: {why}\n")
        elif up_to_date(dirname):
            return DepmodView("", directory=dirname)
    req = DepmodRequest(
        dirname=dirname,
        kversion=kversion,
        files=files,
        config_paths=[config] if config else None,
        system_map=filesyms,
        symvers=symvers,
        print_unknown=errsyms,
        warn_dups=warn,
        sym_prefix=symbol_prefix or "",
        use_cache=not no_cache,
        # The cache may answer -n with last run's text; JSON and -v want the graph itself.
        dry_run=dry_run and ctx.mode is not OutputMode.JSON and not graph and not verbose,
        prefer_machine=host_machine() if dir_mode else None,
    )
    try:
        with _progress(ctx) as progress:
            result = run_depmod(req, progress)
    except DepmodFailed as exc:
        for line in exc.errors:
            ctx.err.write(f"{ctx.prog}: ERROR: {line}\n")
        ctx.err.write(f"{ctx.prog}: FATAL: {exc.message}\n")
        ctx.failed = True
        return None
    if graph:
        return _draw(ctx, result, names, dot, dir_mode)
    written: list[str] = []
    text = ""
    if verbose and ctx.mode is not OutputMode.JSON:
        from lkmsh.kmod.depmodverbose import needs_lines

        text = needs_lines(result, req.sym_prefix)
    if not result.cycles:
        if dry_run:
            text += result.dry_run()
        else:
            try:
                written = write_files(result, _output_directory(ctx, outdir, dirname, kversion))
            except DepmodFailed as exc:
                _report(ctx, result, dir_mode)  # what the run said comes first, as in kmod
                ctx.err.write(f"{ctx.prog}: FATAL: {exc.message}\n")
                ctx.failed = True
                return DepmodView(text, result, written, dirname)
    _report(ctx, result, dir_mode)
    return DepmodView(text, result, written, dirname)


def _report(ctx: Context, result: DepmodResult, dir_mode: bool) -> None:
    """The diagnostics on stderr, as kmod words them; a cycle fails the command."""
    for d in result.diagnostics:
        if dir_mode and d.text.startswith(_OPTIONAL_FILES):
            continue  # a plain directory of modules has no modules.order or builtin lists
        ctx.err.write(f"{ctx.prog}: {d.level}: {d.text}\n")
    ctx.err.flush()
    if result.cycles:
        ctx.failed = True


def _draw(ctx: Context, result: DepmodResult, names: list[str], dot: bool, dir_mode: bool) -> None:
    """depmod --graph: the graph first (a cycle marked in it), then the diagnostics."""
    from lkmsh.kmod.modprobecfg import underscores
    from lkmsh.shell.graph import DepGraph
    from lkmsh.shell.render import render
    from lkmsh.shell.views import GraphView

    deps = result.direct_dependencies()
    if names:
        wanted = [underscores(os.path.basename(n).split(".", 1)[0]) for n in names]
        for n, w in zip(names, wanted, strict=True):
            if w not in deps:
                ctx.error(f"{n}: no module of that name in {result.dirname}")
        seen: set[str] = set()
        stack = [w for w in wanted if w in deps]
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(deps[n])
        deps = {n: d for n, d in deps.items() if n in seen}
    render(GraphView(DepGraph.from_deps(deps), dot, result.dirname), ctx.out, ctx.mode)
    _report(ctx, result, dir_mode)


class _progress:
    """A rich progress bar on stderr when it is a terminal and the scan is long."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self):
        try:
            tty = self.ctx.err.isatty() and self.ctx.mode is OutputMode.RICH
        except (AttributeError, ValueError):
            tty = False
        return self.update if tty else None

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < 200:
                return
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(file=self.ctx.err), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("depmod", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.stop()


def _output_directory(ctx: Context, outdir: str | None, dirname: str, kversion: str) -> str:
    """Where the files go: the tree, or with -o OUTDIR, OUTDIR/lib/modules/VERSION (made
    if needed), as kmod's --outdir."""
    if outdir is None:
        return dirname
    out = f"{os.path.abspath(outdir)}/lib/modules/{kversion}"
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as exc:
        raise CommandFailed(f"could not create directory {out}: {exc.strerror}") from None
    return out
