"""Views of the seeing-inside commands: traces, disassembly, memory, leaks, graphs.

Each view renders three ways, as render.py's: plain lines for pipes (stable,
greppable), rich trees and tables on a terminal, JSON for programs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lkmsh.kernel.heap import slabinfo_text
from lkmsh.kernel.kmemleak import Leak, LeakScan, report_text
from lkmsh.kernel.memmap import MemoryMap, MemRow
from lkmsh.kernel.trace import (
    LoadTrace,
    Step,
    TraceEntry,
    event_json,
    format_trace,
)
from lkmsh.shell.graph import DepGraph, to_dot, to_json, tree_lines, tree_text
from lkmsh.shell.render import View, module_json

# -- insmod --trace / --ftrace ---------------------------------------------------------

_STEP_TITLE = {
    Step.CHECK: "checks passed",
    Step.SECTION: "sections placed",
    Step.SYMBOL: "symbols resolved",
    Step.RELOC: "relocations applied",
    Step.EXPORT: "symbols exported",
    Step.PARAM: "parameters",
    Step.INIT: "init",
    Step.ERROR: "failed",
}


@dataclass
class LoadTraceView(View):
    trace: LoadTrace
    module: Any = None  # the Module, when the load succeeded
    error: str | None = None

    def plain(self) -> str:
        return "".join(f"{e.step.value:<8} {e.describe()}\n" for e in self.trace.events)

    def to_json(self) -> Any:
        return {
            "module": self.trace.module,
            "loaded": self.module is not None,
            "error": self.error,
            "steps": [event_json(e) for e in self.trace.events],
            **({"result": module_json(self.module)} if self.module is not None else {}),
        }

    def rich(self, console: Any) -> None:
        console.print(self.tree())

    def tree(self, parent: Any = None, name: str | None = None) -> Any:
        """The rich tree of the steps, grouped by kind; under ``parent`` when given."""
        from rich.markup import escape
        from rich.tree import Tree

        ok = self.module is not None
        head = f"[bold]insmod {escape(name or self.trace.module or '?')}[/] " + (
            "[green]loaded[/]" if ok else "[red]failed[/]"
        )
        root = Tree(head) if parent is None else parent.add(head)
        branches: dict[Step, Any] = {}
        for e in self.trace.events:
            if e.step not in branches:
                count = len(self.trace.of(e.step))
                title = _STEP_TITLE[e.step] + (f" ({count})" if count > 1 else "")
                style = "red" if e.step is Step.ERROR else "cyan"
                branches[e.step] = root.add(f"[{style}]{title}[/]")
            branches[e.step].add(escape(e.describe()))
        return root


@dataclass
class FtraceView(View):
    entries: list[TraceEntry]
    written: int
    tracer: str = "function"

    def plain(self) -> str:
        return format_trace(self.entries, self.written, self.tracer)

    def to_json(self) -> Any:
        return [e.to_json() for e in self.entries]

    def rich(self, console: Any) -> None:
        from rich.markup import escape

        from lkmsh.shell.render import _table, print_table

        t = _table("Time", "Task", "Call", "Returns", "Caller", title="kernel API calls")
        for e in self.entries:
            secs, ns = divmod(e.ts_ns, 1_000_000_000)
            ret = "[red]faulted[/]" if e.faulted else escape(e.ret or "")
            t.add_row(
                f"{secs}.{ns // 1000:06d}",
                f"{e.task}-{e.pid}",
                escape(e.call_text()),
                ret,
                escape(e.where),
            )
        print_table(console, t, self)


@dataclass
class CombinedView(View):
    """insmod --trace --ftrace: the loader's steps, then the calls init made."""

    parts: list[tuple[str, View]]

    def plain(self) -> str:
        return "".join(str(v.plain()) for _, v in self.parts)

    def to_json(self) -> Any:
        return {name: v.to_json() for name, v in self.parts}

    def rich(self, console: Any) -> None:
        for _, v in self.parts:
            v.rich(console)


@dataclass
class ProbeTraceView(View):
    """modprobe --trace/--ftrace: each load of the plan in order (dependencies first), as
    insmod --trace shows one; after a failure, the modules unloaded again (unwinding)."""

    loads: list[tuple[Any, Any]]  # (kmod.modprobe.Action, introspect.TracedLoad)
    unwound: list[str] = field(default_factory=list)
    failed: str | None = None  # the module whose load failed

    def plain(self) -> str:
        out = []
        for action, t in self.loads:
            out.append(f"{'insmod':<8} {action.path} {action.options}".rstrip() + "\n")
            out.append(str(t.view().plain()))
        out.extend(f"{'unwind':<8} rmmod {name}\n" for name in self.unwound)
        return "".join(out)

    def to_json(self) -> Any:
        loads = []
        for action, t in self.loads:
            entry: dict[str, Any] = {"path": action.path, "options": action.options}
            if t.recorder is not None:
                entry.update(LoadTraceView(t.recorder, t.module, t.error).to_json())
            else:
                entry.update(module=action.name, loaded=t.module is not None, error=t.error)
            if t.calls is not None:
                entry["ftrace"] = [e.to_json() for e in t.calls]
            loads.append(entry)
        return {"loads": loads, "failed": self.failed, "unwound": self.unwound}

    def rich(self, console: Any) -> None:
        from rich.markup import escape
        from rich.tree import Tree

        names = [a.name for a, _ in self.loads]
        state = f"[red]failed at {escape(self.failed)}[/]" if self.failed else "[green]loaded[/]"
        root = Tree(f"[bold]modprobe[/] {escape(' → '.join(names) or '(nothing to load)')} {state}")
        for action, t in self.loads:
            if t.recorder is not None:
                node = LoadTraceView(t.recorder, t.module, t.error).tree(root, action.name)
            else:
                node = root.add(
                    f"[bold]insmod {escape(action.name)}[/] "
                    + ("[green]loaded[/]" if t.module is not None else "[red]failed[/]")
                )
            if t.calls is not None:
                calls = node.add(f"[cyan]kernel API calls ({len(t.calls)})[/]")
                for e in t.calls:
                    ret = "faulted" if e.faulted else (e.ret or "")
                    calls.add(escape(f"{e.call_text()} = {ret}  <- {e.where}"))
        if self.unwound:
            unwind = root.add("[red]unwound[/]")
            for name in self.unwound:
                unwind.add(f"rmmod {escape(name)}")
        console.print(root)


# -- disasm ------------------------------------------------------------------------------


@dataclass
class DisasmView(View):
    header: str
    listings: list[Any]  # disasm.Listing

    def plain(self) -> str:
        from lkmsh.shell.disasm import render_listing

        return self.header + "".join(render_listing(lst) for lst in self.listings)

    def to_json(self) -> Any:
        return [
            {
                "title": lst.title,
                "start": f"{lst.start:#x}",
                "lines": [ln.to_json() for ln in lst.lines],
            }
            for lst in self.listings
        ]

    def rich(self, console: Any) -> None:
        from rich.markup import escape

        console.print(f"[bold]{escape(self.header.strip())}[/]")
        for lst in self.listings:
            console.print(f"\n[bold]{escape(lst.title)}[/]")
            for ln in lst.lines:
                if ln.label is not None:
                    console.print(f"\n[bold yellow]{ln.addr:016x} <{escape(ln.label)}>:[/]")
                ops = escape(ln.operands)
                comment = f"  [dim]{escape(ln.comment)}[/]" if ln.comment else ""
                console.print(
                    f"[dim]{ln.addr:16x}:[/] [blue]{ln.raw.hex(' '):<21}[/] "
                    f"[bold]{ln.mnemonic:<6}[/] {ops}{comment}"
                )
                for r in ln.relocs:
                    val = f" = {r.value}" if r.value is not None else ""
                    console.print(
                        f"[magenta]{'':18}{r.place:x}: {r.type_name} {escape(r.target)}{val}[/]"
                    )


# -- memmap, slabinfo, kmemleak, x -------------------------------------------------------


@dataclass
class MemmapView(View):
    rows: list[MemRow]
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, mmap: MemoryMap) -> MemmapView:
        return cls(mmap.rows, mmap.notes)

    def plain(self) -> str:
        out = []
        for r in self.rows:
            out.append(r.line() + "\n")
            out.extend(c.line("    ") + "\n" for c in r.children)
        out.extend(f"# {n}\n" for n in self.notes)
        return "".join(out)

    def to_json(self) -> Any:
        return {"regions": [r.to_json() for r in self.rows], "notes": self.notes}

    def rich(self, console: Any) -> None:
        from lkmsh.shell.render import _table, print_table

        styles = {"kernel text": "bold", "kernel data": "bold", "module": "cyan", "stack": "yellow"}
        t = _table("Start", "End", "Perm", "Size", "Kind", "Name", "Owner")
        for r in self.rows:
            st = styles.get(r.kind, "")
            t.add_row(
                f"{r.start:016x}", f"{r.end:016x}", r.perm, str(r.size),
                f"[{st}]{r.kind}[/]" if st else r.kind, r.name, r.owner,
            )  # fmt: skip
            for c in r.children:
                t.add_row(
                    f"  {c.start:016x}", f"{c.end:016x}", c.perm, str(c.size),
                    "[dim]section[/]", f"[dim]{c.name}[/]", "",
                )  # fmt: skip
        print_table(console, t, self)
        for n in self.notes:
            console.print(f"[dim]{n}[/]")


@dataclass
class SlabinfoView(View):
    """/proc/slabinfo, version 2.1 (mm/slab_common.c's layout)."""

    stats: list[Any]  # heap.CacheStats
    live_bytes: int = 0
    footprint: int = 0

    def plain(self) -> str:
        return slabinfo_text(self.stats)

    def to_json(self) -> Any:
        return {
            "caches": [vars(s) for s in self.stats],
            "live_bytes": self.live_bytes,
            "footprint": self.footprint,
        }

    def rich(self, console: Any) -> None:
        from lkmsh.shell.render import _table, print_table

        t = _table(
            "Cache", "Size", "Active", "Objs", "Per slab", "Pages/slab", "Slabs",
            caption=f"{self.live_bytes} bytes live in {self.footprint} bytes of slabs and pages",
        )  # fmt: skip
        for s in reversed(self.stats):
            style = "" if s.num_slabs else "dim"
            cells = [
                s.name, str(s.object_size), str(s.active_objs), str(s.num_objs),
                str(s.objs_per_slab), str(s.pages_per_slab), str(s.num_slabs),
            ]  # fmt: skip
            t.add_row(*[f"[{style}]{c}[/]" if style else c for c in cells])
        print_table(console, t, self)


@dataclass
class KmemleakView(View):
    """/sys/kernel/debug/kmemleak's text: one block per unreferenced object."""

    scan: LeakScan

    @property
    def leaks(self) -> list[Leak]:
        return self.scan.leaks

    def plain(self) -> str:
        return report_text(self.leaks)

    def to_json(self) -> Any:
        return {
            "scanned_objects": self.scan.scanned_objects,
            "scanned_bytes": self.scan.scanned_bytes,
            "leaks": [
                {
                    "address": f"{lk.addr:#x}",
                    "size": lk.size,
                    "owner": lk.owner,
                    "caller": f"{lk.caller:#x}",
                    "caller_symbol": lk.where,
                    "hex": lk.head.hex(),
                }
                for lk in self.leaks
            ],
        }

    def rich(self, console: Any) -> None:
        from lkmsh.shell.render import _table, print_table

        cap = f"scanned {self.scan.scanned_objects} objects, {self.scan.scanned_bytes} bytes"
        if not self.leaks:
            console.print(f"[green]no suspected leaks[/] [dim]({cap})[/]")
            return
        t = _table("Object", "Size", "Module", "Allocated at", caption=cap)
        for lk in self.leaks:
            t.add_row(f"{lk.addr:016x}", str(lk.size), lk.owner, lk.where)
        print_table(console, t, self)


@dataclass
class ExamineView(View):
    """gdb's x command output."""

    lines: list[str]
    values: list[dict[str, Any]]

    def plain(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def to_json(self) -> Any:
        return self.values


# -- dependency graphs ---------------------------------------------------------------------


@dataclass
class GraphView(View):
    graph: DepGraph
    dot: bool = False
    title: str = "modules"

    def plain(self) -> str:
        return to_dot(self.graph, self.title) if self.dot else tree_text(self.graph)

    def to_json(self) -> Any:
        return to_json(self.graph)

    def rich(self, console: Any) -> None:
        if self.dot:
            console.file.write(self.plain())
            return
        from rich.tree import Tree

        root = Tree(f"[bold]{self.title}[/]")
        stack: list[Any] = [root]
        for t in tree_lines(self.graph):
            del stack[t.depth + 1 :]
            style = "bold red" if t.in_cycle else ("bold" if t.depth == 0 else "")
            label = f"[{style}]{t.name}[/]" if style else t.name
            if t.cycle:
                label += " [red](cycle)[/]"
            stack.append(stack[-1].add(label))
        if not self.graph.nodes:
            console.print("[dim]no modules loaded[/]")
            return
        console.print(root)
