"""Command results and their three renderings: kmod's plain text, rich tables, JSON.

Plain text is what Linux's tools print, byte for byte, and is what a pipe or
a file gets: scripts parse it (``lkmsh lsmod | awk ...``). It never goes
through rich, which wraps and truncates at the terminal width. rich is
imported only when a terminal is on the other end.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, TextIO

from lkmsh.record import Record
from lkmsh.shell.context import OutputMode

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module


class View(Record):
    """A command's result. Subclasses define plain(), to_json() and, optionally, rich()."""

    def plain(self) -> str | bytes:
        raise NotImplementedError

    def to_json(self) -> Any:
        raise NotImplementedError

    def rich(self, console: Any) -> None:
        text = self.plain()
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        console.file.write(text)


def render(view: View | None, out: TextIO, mode: OutputMode) -> None:
    if view is None:
        return
    if mode is OutputMode.JSON:
        import json

        out.write(json.dumps(view.to_json(), indent=2) + "\n")
    elif mode is OutputMode.RICH:
        view.rich(make_console(out))
    else:
        text = view.plain()
        if isinstance(text, bytes):
            out.flush()
            buf = getattr(out, "buffer", None)
            if buf is not None:
                buf.write(text)
                buf.flush()
                return
            text = text.decode("utf-8", "replace")
        out.write(text)
    out.flush()


def make_console(out: TextIO):
    from rich.console import Console

    return Console(
        file=out,
        no_color=bool(os.environ.get("NO_COLOR")),
        highlight=False,
        soft_wrap=False,
    )


_WRAPPING_COLUMNS = ("Description",)  # prose may wrap; names, addresses and numbers never


def _table(*columns: str, title: str | None = None, caption: str | None = None):
    from rich import box
    from rich.table import Table

    t = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, header_style="bold")
    for c in columns:
        t.add_column(
            c,
            justify="right" if c in ("Size", "Used", "Refs", "Chain") else "left",
            no_wrap=c not in _WRAPPING_COLUMNS,
        )
    return t


def print_table(console: Any, table: Any, view: View) -> None:
    """Print @table when it fits the terminal, else @view's plain text.

    rich elides what does not fit ("ffffffffa00…"); an address or a name cut
    short is wrong data, so a table too wide for the terminal gives way to the
    kmod text, which the terminal wraps without losing a character.
    """
    from rich.measure import Measurement

    unbounded = console.options.update(width=10_000, max_width=10_000)
    if Measurement.get(console, unbounded, table).maximum > console.width:
        text = view.plain()
        console.file.write(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
        return
    console.print(table)


def module_json(m: Module) -> dict[str, Any]:
    return {
        "name": m.name,
        "size": m.size,
        "refcount": m.refcount,
        "used_by": list(m.users),
        "uses": list(m.uses),
        "state": m.state.proc_name,
        "taints": m.taints,
        "address": f"0x{m.base:016x}",
        "path": m.path,
        "params": m.params,
        "version": m.version,
        "license": m.license,
        "description": m.description,
    }


# -- lsmod -------------------------------------------------------------------


class LsmodView(View):
    _fields = ("modules", "taints")

    def __init__(
        self,
        modules: list[Module],
        taints: str = "",
    ):
        self.modules = modules
        self.taints = taints

    def plain(self) -> str:
        # kmod's tools/lsmod.c: a header, then "%-19s %8ld  %d" and " a,b" holders.
        lines = ["Module                  Size  Used by\n"]
        for m in self.modules:
            holders = " " + ",".join(m.users) if m.users else ""
            lines.append(f"{m.name:<19} {m.size:>8}  {m.refcount}{holders}\n")
        return "".join(lines)

    def to_json(self) -> Any:
        return {"taints": self.taints, "modules": [module_json(m) for m in self.modules]}

    def rich(self, console: Any) -> None:
        caption = f"Kernel tainted: {self.taints}" if self.taints else "Kernel not tainted"
        t = _table("Module", "Size", "Used by", "State", "Taints", caption=caption)
        for m in self.modules:
            state = m.state.proc_name
            style = "green" if state == "Live" else "yellow"
            used_by = f"{m.refcount} {','.join(m.users)}".rstrip()  # one column, as lsmod's
            t.add_row(m.name, str(m.size), used_by, f"[{style}]{state}[/]", m.taints)
        if not self.modules:
            console.print("[dim]no modules loaded[/]")
        print_table(console, t, self)


# -- modinfo ------------------------------------------------------------------


class ModinfoEntry(Record):
    _fields = ("filename", "info")

    def __init__(
        self,
        filename: str,
        info: list[tuple[str, str]] | None,  # None: unreadable (kmod still prints filename:)
    ):
        self.filename = filename
        self.info = info


def _params(
    info: list[tuple[str, str]], warn: list[str]
) -> list[tuple[str, str | None, str | None]]:
    """parm/parmtype records merged per name, in kmod's output order.

    kmod prepends each new name to a linked list, so parameters come out in
    reverse order of their first record.
    """
    found: dict[str, list[str | None]] = {}
    for key, value in info:
        if key not in ("parm", "parmtype"):
            continue
        name, colon, rest = value.partition(":")
        if not colon:
            warn.append(f"Found invalid \"{key}={value}\": missing ':'")
            continue
        slot = found.setdefault(name, [None, None])
        slot[0 if key == "parm" else 1] = rest
    return [(n, d, t) for n, (d, t) in reversed(found.items())]


def _parm(name: str, desc: str | None, typ: str | None, alone: bool) -> str:
    """One parameter as kmod words it; `-F parm` (alone) shows a type-only one as "x: (int)"."""
    if desc is None:
        return f"{name}: ({typ})" if alone else f"{name}:{typ}"
    return f"{name}:{desc} ({typ})" if typ is not None else f"{name}:{desc}"


def modinfo_text(entry: ModinfoEntry, field: str | None, sep: str, warn: list[str]) -> str:
    """One module as kmod's modinfo prints it (tools/modinfo.c modinfo_do)."""
    out: list[str] = []
    if field == "filename":
        return entry.filename + sep
    if field is None:
        out.append(f"{'filename:':<16}{entry.filename}{sep}")
    if entry.info is None:
        return "".join(out)
    if field == "parm":
        out.extend(_parm(n, d, t, alone=True) + sep for n, d, t in _params(entry.info, warn))
        return "".join(out)
    for key, value in entry.info:
        if field is not None:
            if key == field:
                out.append(value + sep)
            continue
        if key in ("parm", "parmtype"):
            continue
        if sep == "\0":
            out.append(f"{key}={value}{sep}")
            continue
        # printf("%s:%-*s%s", key, 15 - keylen, "", value): a negative width pads too.
        out.append(f"{key}:{' ' * abs(15 - len(key))}{value}{sep}")
    if field is None:
        out.extend(
            f"{'parm:':<16}{_parm(n, d, t, alone=False)}{sep}"
            for n, d, t in _params(entry.info, warn)
        )
    return "".join(out)


class ModinfoView(View):
    _fields = ("entries", "field", "null", "warnings")

    def __init__(
        self,
        entries: list[ModinfoEntry],
        field: str | None = None,
        null: bool = False,
        warnings: list[str] | None = None,
    ):
        self.entries = entries
        self.field = field
        self.null = null
        self.warnings = [] if warnings is None else warnings

    def plain(self) -> str:
        sep = "\0" if self.null else "\n"
        return "".join(modinfo_text(e, self.field, sep, self.warnings) for e in self.entries)

    def to_json(self) -> Any:
        out = []
        for e in self.entries:
            params = [{"name": n, "description": d, "type": t} for n, d, t in _params(e.info, [])]
            if self.field == "filename":
                out.append({"filename": e.filename})
            elif self.field is not None:
                values = [v for k, v in e.info if k == self.field]
                if self.field == "parm":
                    out.append({"filename": e.filename, "parm": params})
                else:
                    out.append({"filename": e.filename, self.field: values})
            else:
                out.append(
                    {"filename": e.filename, "modinfo": [list(kv) for kv in e.info], "parm": params}
                )
        return out

    def rich(self, console: Any) -> None:
        if self.field is not None or self.null:
            console.file.write(self.plain())
            return
        from rich.table import Table

        for e in self.entries:
            t = Table.grid(padding=(0, 2))
            t.add_column(style="bold cyan")
            t.add_column()
            t.add_row("filename", e.filename)
            for k, v in e.info:
                if k not in ("parm", "parmtype"):
                    t.add_row(k, v)
            for n, d, typ in _params(e.info, []):
                t.add_row("parm", f"{n}: {d or ''}" + (f" [dim]({typ})[/]" if typ else ""))
            console.print(t)


# -- symbols ------------------------------------------------------------------


def symbol_letter(sym: Any) -> str:
    return "T" if sym.kind.value == "function" else "D"


class SymbolsView(View):
    _fields = ("symbols",)

    def __init__(
        self,
        symbols: list[Any],  # KernelSymbol
    ):
        self.symbols = symbols

    def plain(self) -> str:
        # /proc/kallsyms' layout: address, type letter, name, [module].
        lines = []
        for s in self.symbols:
            owner = f"\t[{s.owner}]" if s.owner else ""
            lines.append(f"{s.addr:016x} {symbol_letter(s)} {s.name}{owner}\n")
        return "".join(lines)

    def to_json(self) -> Any:
        return [
            {
                "name": s.name,
                "address": f"0x{s.addr:016x}",
                "kind": s.kind.value,
                "owner": s.owner,
                "gpl": s.gpl,
            }
            for s in self.symbols
        ]

    def rich(self, console: Any) -> None:
        t = _table("Address", "Type", "Symbol", "Module", "GPL")
        for s in self.symbols:
            owner = s.owner or "[dim]kernel[/]"
            t.add_row(f"{s.addr:016x}", s.kind.value, s.name, owner, "yes" if s.gpl else "")
        print_table(console, t, self)


class SymbolStatsView(View):
    _fields = ("stats",)

    def __init__(
        self,
        stats: Any,  # SymbolStats
    ):
        self.stats = stats

    def plain(self) -> str:
        s = self.stats
        hist: dict[int, int] = {}
        for n in s.chain_lengths:
            hist[n] = hist.get(n, 0) + 1
        lines = [
            f"buckets:        {s.buckets}\n",
            f"symbols:        {s.symbols}\n",
            f"used buckets:   {s.used_buckets}\n",
            f"longest chain:  {s.longest}\n",
            f"average chain:  {s.average_chain:.2f}\n",
        ]
        for length in sorted(hist):
            lines.append(f"chains of {length}:{' ' * max(1, 5 - len(str(length)))}{hist[length]}\n")
        return "".join(lines)

    def to_json(self) -> Any:
        s = self.stats
        return {
            "buckets": s.buckets,
            "symbols": s.symbols,
            "used_buckets": s.used_buckets,
            "longest_chain": s.longest,
            "average_chain": round(s.average_chain, 4),
            "chain_lengths": list(s.chain_lengths),
        }


# -- dmesg, /proc files --------------------------------------------------------

_LEVEL_STYLE = {0: "bold red", 1: "bold red", 2: "bold red", 3: "red", 4: "yellow", 5: "bold"}


class DmesgView(View):
    _fields = ("records", "lines")

    def __init__(
        self,
        records: list[Any],  # LogRecord
        lines: list[str],
    ):
        self.records = records
        self.lines = lines

    def plain(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    def to_json(self) -> Any:
        """util-linux's ``dmesg --json``: priority (facility << 3 | level), seconds, message."""
        return {
            "dmesg": [
                {"pri": r.facility << 3 | r.level, "time": round(r.ts_ns / 1e9, 6), "msg": r.text}
                for r in self.records
            ]
        }

    def rich(self, console: Any) -> None:
        from rich.text import Text

        for rec, line in zip(self.records, self.lines, strict=False):
            # soft wrap: a long line stays one line (the terminal or less wraps it)
            console.print(Text(line, style=_LEVEL_STYLE.get(rec.level, "")), soft_wrap=True)


class RawView(View):
    """A file's bytes, as cat prints them."""

    _fields = ("path", "data")

    def __init__(
        self,
        path: str,
        data: bytes,
    ):
        self.path = path
        self.data = data

    def plain(self) -> bytes:
        return self.data

    def to_json(self) -> Any:
        return {"path": self.path, "text": self.data.decode("utf-8", "replace")}


# -- simple results ------------------------------------------------------------


class ModuleView(View):
    """insmod's result: kmod prints nothing on success."""

    _fields = ("module",)

    def __init__(
        self,
        module: Module,
    ):
        self.module = module

    def plain(self) -> str:
        return ""

    def to_json(self) -> Any:
        return module_json(self.module)


class DoneView(View):
    """A command that prints nothing on success (rmmod, reboot, build); JSON says what it did."""

    _fields = ("data", "message")

    def __init__(
        self,
        data: dict[str, Any],
        message: str = "",
    ):
        self.data = data
        self.message = message

    def plain(self) -> str:
        return self.message

    def to_json(self) -> Any:
        return self.data


class HelpView(View):
    _fields = ("rows", "text")

    def __init__(
        self,
        rows: list[tuple[str, str]],  # (name or usage, one-line help)
        text: str = "",  # a single command's full help
    ):
        self.rows = rows
        self.text = text

    def plain(self) -> str:
        if self.text:
            return self.text
        width = max((len(n) for n, _ in self.rows), default=0)
        lines = ["Commands:\n"]
        lines += [f"  {n:<{width}}  {h}\n" for n, h in self.rows]
        lines.append("\nType 'help COMMAND' (or COMMAND --help) for its options.\n")
        return "".join(lines)

    def to_json(self) -> Any:
        if self.text:
            return {"help": self.text}
        return [{"command": n, "help": h} for n, h in self.rows]

    def rich(self, console: Any) -> None:
        if self.text:
            console.file.write(self.text)
            return
        t = _table("Command", "Description")
        for n, h in self.rows:
            t.add_row(f"[bold]{n}[/]", h)
        console.print(t)
        console.print("Type [bold]help COMMAND[/] (or COMMAND --help) for its options.")
