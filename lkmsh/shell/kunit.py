"""``lkmsh kunit run FILE...``: build KUnit test modules, run them, summarise as kunit.py does.

Each source (or prebuilt .ko) becomes one module, loaded into a fresh kernel
of the chosen architecture (the saved kernel is left alone, as kunit.py boots
a kernel of its own): its suites run when it goes live, then it is unloaded.
The KTAP the kernel printed is parsed back (shell/ktap.py). On a terminal the
results are a table; piped, the KTAP document itself; ``--json`` the parsed
results. The exit status is 1 when any test failed or a module did not load.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lkmsh.errors import BuildError, KernelError
from lkmsh.shell.context import Context
from lkmsh.shell.registry import Arg, Kind, Opt, command
from lkmsh.shell.render import View

ACTIONS = ("run",)


@dataclass
class KunitRunView(View):
    suites: list[Any]  # ktap.Suite
    errors: list[str] = field(default_factory=list)  # modules that did not build or load
    ktap: list[str] = field(default_factory=list)

    def _summary(self) -> str:
        from lkmsh.shell import ktap

        c = ktap.counts(self.suites)
        c.errors = len(self.errors)
        return f"Testing complete. {c}"

    def plain(self) -> str:
        return "".join(line + "\n" for line in self.ktap)

    def to_json(self) -> Any:
        from lkmsh.shell import ktap

        c = ktap.counts(self.suites)
        return {
            "suites": [s.to_json() for s in self.suites],
            "errors": self.errors,
            "summary": {
                "passed": c.passed,
                "failed": c.failed,
                "skipped": c.skipped,
                "errors": len(self.errors),
                "total": c.total + len(self.errors),
            },
        }

    def rich(self, console: Any) -> None:
        from rich.markup import escape
        from rich.table import Table

        from lkmsh.shell.ktap import Status

        style = {Status.PASSED: "green", Status.FAILED: "red", Status.SKIPPED: "yellow"}
        table = Table(title="KUnit", show_lines=False)
        for col in ("suite", "test", "result", "details"):
            table.add_column(col)
        for s in self.suites:
            for case in s.cases:
                rows = case.params or [case]
                for r in rows:
                    name = case.name if r is case else f"{case.name} [{r.name}]"
                    details = r.skip_reason
                    if r.status is Status.FAILED:
                        details = "\n".join(x.strip() for x in r.diagnostics[:8] if x.strip())
                    table.add_row(
                        escape(s.name),
                        escape(name),
                        f"[{style[r.status]}]{r.status.value}[/]",
                        escape(details),
                    )
            if not s.cases:
                table.add_row(escape(s.name), "", f"[{style[s.status]}]{s.status.value}[/]", "")
        console.print(table)
        for e in self.errors:
            console.print(f"[red]ERROR[/] {escape(e)}")
        console.print(self._summary())


def _module_for(ctx: Context, source: str, arch: str, tmp: Path) -> Path:
    from lkmsh.build import build_module

    path = Path(source)
    if path.suffix == ".ko":
        return path
    stem = path.stem.replace("-", "_")
    return build_module([path], tmp / f"{stem}.ko", arch=arch, on_warning=ctx.err.write)


@command(
    "kunit",
    "Build KUnit test modules, run their suites and summarise the results",
    args=[
        Arg("action", Kind.TEXT, missing="missing action (run)."),
        Arg("files", Kind.SOURCE, many=True, missing="missing test source."),
    ],
    opts=[
        Opt(
            ("--filter",),
            "filter",
            "Run only SUITE[.CASE] (globs), as kunit.filter_glob",
            Kind.TEXT,
            metavar="SUITE.CASE",
        ),
        Opt(
            ("--arch",),
            "arch",
            "Architecture of the test kernel (default: lkmsh --arch)",
            Kind.TEXT,
        ),
    ],
)
def kunit(
    ctx: Context,
    action: str,
    files: tuple[str, ...],
    filter: str | None = None,
    arch: str | None = None,
) -> Any:
    from lkmsh.kernel.kernel import Kernel, KernelConfig
    from lkmsh.shell import ktap
    from lkmsh.shell.context import apply_env_config

    if action not in ACTIONS:
        ctx.error(f"unknown action '{action}' (expected: {', '.join(ACTIONS)})")
        return None
    arch = arch or ctx.scope.session.arch or "x86_64"
    try:
        config = KernelConfig(arch=arch, kunit_filter_glob=filter or None)
        apply_env_config(config)
        kernel = Kernel(config)
    except KernelError as exc:
        ctx.error(exc.message or str(exc))
        return None
    suites: list[ktap.Suite] = []
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="lkmsh-kunit-") as tmp:
        for source in files:
            seen = len(kernel.dmesg())
            try:
                path = _module_for(ctx, source, arch, Path(tmp))
                module = kernel.module_load(path)
            except BuildError as exc:
                errors.append(f"{source}: {exc.message}")
                if exc.detail:
                    ctx.err.write(exc.detail if exc.detail.endswith("\n") else exc.detail + "\n")
                continue
            except KernelError as exc:
                errors.append(f"{source}: could not insert module: {exc.message or exc}")
                suites += ktap.parse([r.text for r in kernel.dmesg()[seen:]])
                continue
            lines = [r.text for r in kernel.dmesg()[seen:]]
            found = ktap.parse(lines)
            if not found:
                errors.append(f"{source}: no KUnit suite ran (kunit_test_suites missing?)")
            suites += found
            try:
                kernel.module_unload(module.name)
            except KernelError as exc:
                errors.append(f"{source}: could not remove module: {exc.message or exc}")
    view = KunitRunView(suites, errors, ktap.document(suites))
    c = ktap.counts(suites)
    if c.failed or errors or any(s.status is ktap.Status.FAILED for s in suites):
        ctx.failed = True
    for e in errors:
        ctx.err.write(f"{ctx.prog}: ERROR: {e}\n")
    return view
