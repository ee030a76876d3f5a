"""Commands that show what the kernel did and holds: trace, disasm, memmap, slabinfo,
kmemleak and gdb's x; plus the traced insmod and lsmod's dependency graph.

kmemleak's scan is the kernel's (kernel/kmemleak.py); these commands only show it.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.shell import messages as msg
from lkmsh.shell.context import Context
from lkmsh.shell.messages import CommandFailed
from lkmsh.shell.registry import Arg, Kind, Opt, command
from lkmsh.shell.render import DoneView, View

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.trace import LoadTrace, TraceEntry
    from lkmsh.kmod.modprobe import Action
    from lkmsh.shell.disasm import Symbolizer

# The views, the trace recorder and the graph code are imported inside the
# commands: registering these commands must cost the one-shot lsmod nothing.

SLOT_SIZE = 16

# -- insmod/modprobe --trace / --ftrace, lsmod --tree / --dot (commands, modprobe) -----------


def traced_load(
    ctx: Context,
    k: Kernel,
    load: Callable[[], Any],
    filename: str,
    trace: bool,
    ftrace: bool,
) -> View:
    """Run ``load`` with the loader trace and/or the function tracer on; show what they saw."""
    t = run_traced(k, load, trace, ftrace)
    if t.exc is not None:
        ctx.error(msg.insmod_insert_failed(filename, t.exc))
    return t.view()


@dataclass
class TracedLoad:
    """One load run with the recorders on: its result and what they saw."""

    module: Any  # the Module, or None when the load failed
    exc: KernelError | None
    recorder: LoadTrace | None  # --trace
    calls: list[TraceEntry] | None  # --ftrace: the calls made during this load

    @property
    def error(self) -> str | None:
        return None if self.exc is None else (self.exc.message or self.exc.strerror)

    def view(self) -> View:
        from lkmsh.shell.views import CombinedView, FtraceView, LoadTraceView

        parts: list[tuple[str, View]] = []
        if self.recorder is not None:
            parts.append(("load", LoadTraceView(self.recorder, self.module, self.error)))
        if self.calls is not None:
            parts.append(("ftrace", FtraceView(self.calls, len(self.calls))))
        return parts[0][1] if len(parts) == 1 else CombinedView(parts)


def run_traced(k: Kernel, load: Callable[[], Any], trace: bool, ftrace: bool) -> TracedLoad:
    """``load()`` with ``Kernel.load_trace`` set and/or the function tracer on, both restored
    after; a KernelError is caught and kept (the recorder notes the failure)."""
    from lkmsh.kernel.trace import LoadTrace

    recorder = LoadTrace() if trace else None
    module, exc = None, None
    with k.tracing_session(recorder, ftrace) as ft:
        before = ft.written
        try:
            module = load()
        except KernelError as e:
            exc = e
            if recorder is not None:
                recorder.failed(e.message or e.strerror)
    calls = None
    if ftrace:
        new = min(ft.written - before, len(ft.ring))
        calls = list(ft.ring)[len(ft.ring) - new :] if new else []
        calls = [e for e in calls if hasattr(e, "func")]  # kernel API calls, not trace events
    return TracedLoad(module, exc, recorder, calls)


class ProbeTracer:
    """modprobe --trace/--ftrace: a ``wrap_load`` hook for lkmsh.kmod.modprobe.probe_insert
    that runs each load of the plan (dependencies first) as ``insmod --trace`` runs one."""

    def __init__(self, k: Kernel, trace: bool, ftrace: bool):
        self.k = k
        self.trace = trace
        self.ftrace = ftrace
        self.loads: list[tuple[Action, TracedLoad]] = []

    def __call__(self, action: Action, load: Callable[[], Any]) -> Any:
        t = run_traced(self.k, load, self.trace, self.ftrace)
        self.loads.append((action, t))
        if t.exc is not None:
            raise t.exc
        return t.module


def dependency_view(modules: list[Any], dot: bool) -> View:
    from lkmsh.shell.graph import DepGraph
    from lkmsh.shell.views import GraphView

    return GraphView(DepGraph.from_modules(modules), dot=dot, title="modules")


# -- trace -----------------------------------------------------------------------------------

_TRACE_ACTIONS = ("on", "off", "clear", "show")


@command(
    "trace",
    "The kernel API function tracer: trace on|off|clear|show (also cat /sys/kernel/tracing/trace)",
    args=[Arg("action", Kind.TEXT, required=False, choices=_TRACE_ACTIONS)],
    mutates=lambda p: p.get("action") in ("on", "off", "clear"),
)
def trace(ctx: Context, action: str | None) -> Any:
    from lkmsh.shell.views import FtraceView

    action = action or "show"
    if action not in _TRACE_ACTIONS:
        raise CommandFailed(f"unknown action '{action}' (on, off, clear or show)")
    ft = ctx.kernel().ftrace
    if action == "show":
        # the kernel API calls and trace_printk() records (events are the trace file's)
        return FtraceView([e for e in ft.ring if hasattr(e, "func")], ft.written, ft.tracer)
    if action == "clear":
        ft.clear()
    else:
        ft.enabled = action == "on"
    return DoneView({"tracing_on": ft.enabled, "entries": len(ft.ring)})


# -- disasm ----------------------------------------------------------------------------------


def kernel_symbolizer(k: Kernel) -> Symbolizer:
    from lkmsh.shell.disasm import Sym, Symbolizer

    syms = []
    for s in k.symbols():
        if s.owner is None:
            syms.append(Sym(s.addr, s.name, SLOT_SIZE if s.kind.value == "function" else 8))
    for m in k.module_list_all():
        syms.extend(Sym(s.addr, s.name, s.size) for s in m.symbols)
        syms.extend(Sym(p.addr, p.name, p.size, section=True) for p in m.placements)
    return Symbolizer(syms)


def _string_reader(k: Kernel) -> Callable[[int], bytes | None]:
    """The C string at an address inside a module's string sections (.rodata*)."""
    from lkmsh.shell.disasm import printable_string

    spans = [
        (p.addr, p.addr + p.size)
        for m in k.module_list_all()
        for p in m.placements
        if p.name.startswith(".rodata")
    ]

    def read(addr: int) -> bytes | None:
        if not any(lo <= addr < hi for lo, hi in spans):
            return None
        try:
            return printable_string(k.peek_cstr(addr, 256) + b"\0")
        except KernelError:
            return None

    return read


def split_target(text: str) -> tuple[str, str | None]:
    name, sep, sym = text.partition(":")
    return name, (sym if sep and sym else None)


@command(
    "disasm",
    "Disassemble a loaded module (MODULE[:SYMBOL]) or, with --raw, a module file",
    args=[Arg("target", Kind.MODULE_OR_FILE, missing="missing module name.")],
    opts=[
        Opt(("--raw",), "raw", "TARGET is a .ko file: its unrelocated code, objdump -dr style"),
        Opt(("-M", "--intel"), "intel", "Intel syntax instead of AT&T"),
    ],
)
def disasm(ctx: Context, target: str, raw: bool, intel: bool) -> Any:
    from lkmsh.shell.disasm import Listing, RelocNote, capstone_engine, disassemble
    from lkmsh.shell.views import DisasmView

    if raw:
        return disasm_file(ctx, target, intel)
    name, symbol = split_target(target)
    k = ctx.kernel()
    m = k.module_find(name)
    if m is None:
        ctx.error(f"Module {name} is not currently loaded")
        return None
    md = capstone_engine(k.arch.name, intel)
    sym = kernel_symbolizer(k)
    notes = []
    for r in k.module_relocations(m.name):
        value = None
        if r.size:
            v = int.from_bytes(k.peek(r.place, r.size), "little")
            value = f"{v:#0{2 + 2 * r.size}x}"
        notes.append(RelocNote(r.place, r.type_name, r.target(), value))
    ranges = []
    if symbol is not None:
        s = next((s for s in m.symbols if s.name == symbol), None)
        if s is None:
            ctx.error(f"{m.name}: no symbol {symbol}")
            return None
        p = next((p for p in m.placements if p.addr <= s.addr < p.addr + p.size), None)
        size = s.size or ((p.addr + p.size - s.addr) if p else 0)
        ranges.append((f"<{symbol}> in {p.name if p else '?'}", s.addr, size))
    else:
        ranges += [
            (f"section {p.name} ({p.perm})", p.addr, p.size) for p in m.placements if "x" in p.perm
        ]
    string_at = _string_reader(k)
    listings = []
    for title, start, size in ranges:
        code = k.peek(start, size)
        lines = disassemble(md, code, start, sym, notes, string_at, intel)
        listings.append(Listing(f"Disassembly of {title}", start, lines))
    return DisasmView(f"{m.name}: module at {m.base:#x}, relocated\n", listings)


def disasm_file(ctx: Context, target: str, intel: bool) -> Any:
    """objdump -dr of a module file: nothing relocated, relocation records under each place."""
    from pathlib import Path

    from lkmsh.elf import ElfFile
    from lkmsh.elf import constants as EC
    from lkmsh.kernel.trace import RelocApplied
    from lkmsh.shell.disasm import Listing, RelocNote, Sym, Symbolizer, capstone_engine, disassemble
    from lkmsh.shell.views import DisasmView

    path, symbol = split_target(target)
    if not Path(path).is_file() and Path(target).is_file():
        path, symbol = target, None
    try:
        ef = ElfFile(Path(path).read_bytes())
    except OSError as exc:
        raise CommandFailed(f"{path}: {exc.strerror}") from None
    from lkmsh.arch import get_arch

    arch = get_arch(ef.machine)
    md = capstone_engine(arch.name, intel)
    dyn = ef.type == EC.ET_DYN
    listings = []
    for sec in ef.sections:
        if not sec.flags & EC.SHF_EXECINSTR or sec.size == 0 or sec.type == EC.SHT_NOBITS:
            continue
        start = sec.addr if dyn else 0
        syms = [
            Sym(start + s.value - (sec.addr if dyn else 0), s.name, s.size)
            for s in ef.symbols
            if s.shndx == sec.index and s.name and s.type != EC.STT_SECTION
        ]
        if symbol is not None and not any(s.name == symbol for s in syms):
            continue
        notes = []
        rel_sections = ef.dynamic_relocation_sections if dyn else ef.relocation_sections
        for rs in rel_sections:
            if not dyn and (rs.target is None or rs.target.index != sec.index):
                continue
            symtab = ef.dynamic_symbols if dyn else ef.symbols
            for r in rs.relocations:
                place = r.offset
                if dyn and not sec.addr <= place < sec.addr + sec.size:
                    continue
                s = symtab[r.symbol] if 0 < r.symbol < len(symtab) else None
                sname = ""
                if s is not None:
                    sname = ef.sections[s.shndx].name if s.type == EC.STT_SECTION else s.name
                tname = arch.reloc_names.get(r.type, str(r.type))
                fake = RelocApplied("", 0, place, tname, sname, r.addend or 0, 0, 0)
                notes.append(RelocNote(place, tname, fake.target, None))
        code = ef.section_data(sec)
        lo, hi = 0, len(code)
        if symbol is not None:
            s = next(s for s in syms if s.name == symbol)
            lo, hi = s.addr - start, s.addr - start + (s.size or len(code))
        lines = disassemble(md, code[lo:hi], start + lo, Symbolizer(syms), notes, None, intel)
        listings.append(Listing(f"Disassembly of section {sec.name}", start + lo, lines))
    if symbol is not None and not listings:
        raise CommandFailed(f"{path}: no symbol {symbol} in an executable section")
    kind = "ET_DYN" if dyn else "ET_REL"
    return DisasmView(
        f"{path}:     file format elf64 ({arch.name}, {kind}), unrelocated\n", listings
    )


# -- memmap and slabinfo -----------------------------------------------------------------------


@command("memmap", "Show the kernel address space: kernel, modules and their sections, heap")
def memmap(ctx: Context) -> Any:
    from lkmsh.shell.views import MemmapView

    return MemmapView.of(ctx.kernel().memory_map())


@command("slabinfo", "Show the kmalloc caches (/proc/slabinfo)")
def slabinfo(ctx: Context) -> Any:
    from lkmsh.shell.views import SlabinfoView

    st = ctx.kernel().slab_stats()
    return SlabinfoView(st.caches, st.live_bytes, st.footprint)


# -- kmemleak ----------------------------------------------------------------------------------


@command("kmemleak", "Scan module memory for heap objects nothing points at (suspected leaks)")
def kmemleak(ctx: Context) -> Any:
    from lkmsh.shell.views import KmemleakView

    return KmemleakView(ctx.kernel().kmemleak_scan())


# -- x/NFMT ----------------------------------------------------------------------------------

_FMT = re.compile(r"^/?(\d*)([xduotcasibhwg]*)$")
_SIZES = {"b": 1, "h": 2, "w": 4, "g": 8}
_PER_LINE = {1: 8, 2: 8, 4: 4, 8: 2}


def parse_format(text: str) -> tuple[int, str, int]:
    """gdb's /NFU: count, format letter (x d u o t c a s i), unit size in bytes."""
    m = _FMT.match(text)
    if m is None:
        raise CommandFailed(f"invalid format '{text}' (gdb's /NFU, e.g. /8xg, /s, /4i)")
    count = int(m.group(1) or 1)
    fmt, size = "x", 0
    for ch in m.group(2):
        if ch in _SIZES:
            size = _SIZES[ch]
        else:
            fmt = ch
    if fmt == "a":
        size = 8
    elif fmt == "c":
        size = size or 1
    return count, fmt, size or 4


def resolve_address(k: Kernel, expr: str) -> int:
    """``0x...``, a decimal, a symbol (kernel or any module's), with ``+OFFSET``."""
    base, plus, off = expr.partition("+")
    offset = int(off, 0) if plus else 0
    base = base.strip()
    try:
        return (int(base, 0) + offset) & (2**64 - 1)
    except ValueError:
        pass
    ks = k.symbol_resolve(base)
    if ks is not None:
        return ks.addr + offset
    for m in k.module_list_all():
        for s in m.symbols:
            if s.name == base:
                return s.addr + offset
    raise CommandFailed(f'No symbol "{base}" in current context.')


def _gdb_sym(sym: Symbolizer, addr: int) -> str:
    s = sym.at(addr)
    if s is None:
        return ""
    return f" <{s.name}>" if addr == s.addr else f" <{s.name}+{addr - s.addr}>"


def _unit(fmt: str, v: int, size: int, sym: Symbolizer) -> str:
    bits = size * 8
    if fmt == "x":
        return f"0x{v:0{size * 2}x}"
    if fmt == "d":
        return str(v - (1 << bits) if v >> (bits - 1) else v)
    if fmt == "u":
        return str(v)
    if fmt == "o":
        return f"0{v:o}" if v else "0"
    if fmt == "t":
        return f"{v:0{bits}b}"
    if fmt == "c":
        sv = v - 256 if v > 127 else v
        ch = chr(v) if 0x20 <= v < 0x7F else f"\\{v:03o}"
        return f"{sv} '{ch}'"
    if fmt == "a":
        return f"{v:#x}{_gdb_sym(sym, v)}"
    raise CommandFailed(f"unknown format letter '{fmt}'")


@command(
    "x",
    "Examine kernel memory, gdb style: x/NFU ADDRESS|SYMBOL[+OFF] (x/8xg, x/s, x/4i)",
    args=[Arg("words", Kind.SYMBOL, many=True, missing="missing address.")],
    suffix="fmt",
)
def examine(ctx: Context, words: tuple[str, ...], fmt: str = "") -> Any:
    from lkmsh.shell.views import ExamineView

    words_l = list(words)
    if words_l and words_l[0].startswith("/"):
        fmt = fmt + words_l.pop(0)[1:]
    if not words_l:
        raise CommandFailed("missing address.")
    count, letter, size = parse_format(fmt)
    k = ctx.kernel()
    addr = resolve_address(k, " ".join(words_l).replace(" ", ""))
    sym = kernel_symbolizer(k)
    lines: list[str] = []
    values: list[dict[str, Any]] = []
    try:
        if letter == "s":
            for _ in range(count):
                raw = k.peek_cstr(addr, 4096)
                from lkmsh.kernel.trace import c_string

                lines.append(f"{addr:#x}{_gdb_sym(sym, addr)}:\t{c_string(raw, 4096)}")
                values.append({"address": f"{addr:#x}", "string": raw.decode("latin-1")})
                addr += len(raw) + 1
        elif letter == "i":
            from lkmsh.shell.disasm import capstone_engine, disassemble

            md = capstone_engine(k.arch.name)
            code = k.peek(addr, min(count * 15, 4096))
            for ln in disassemble(md, code, addr, sym)[:count]:
                text = f"{ln.mnemonic:<6} {ln.operands}".rstrip()
                lines.append(f"   {ln.addr:#x}{_gdb_sym(sym, ln.addr)}:\t{text}")
                values.append({"address": f"{ln.addr:#x}", "insn": text, "bytes": ln.raw.hex()})
        else:
            data = k.peek(addr, count * size)
            per = _PER_LINE[size]
            for i in range(0, count, per):
                at = addr + i * size
                cells = []
                for j in range(i, min(i + per, count)):
                    v = int.from_bytes(data[j * size : (j + 1) * size], "little")
                    cells.append(_unit(letter, v, size, sym))
                    values.append({"address": f"{addr + j * size:#x}", "value": v})
                lines.append(f"{at:#x}{_gdb_sym(sym, at)}:\t" + "\t".join(cells))
    except KernelError as exc:
        if exc.errno != errno.EFAULT:
            raise
        ctx.error(f"Cannot access memory at address {_fault_addr(exc, addr):#x}")
    return ExamineView(lines, values)


def _fault_addr(exc: KernelError, default: int) -> int:
    m = re.search(r"0x[0-9a-f]+", exc.message or "")
    return int(m.group(0), 16) if m else default
