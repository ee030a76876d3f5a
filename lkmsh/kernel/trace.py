"""Seeing inside the kernel: the loader trace, the relocation log and the function tracer.

Three recorders, all data (the kernel never prints; the shell renders them):

* ``LoadTrace``: what one ``module_load`` did, step by step (checks passed,
  sections placed, symbols resolved, relocations applied with the value
  written, exports, parameters, init and its return value). The kernel fills
  it only while ``Kernel.load_trace`` is set, so an untraced load pays one
  ``is None`` test per step.
* ``RelocLog``: the relocations applied to each loaded module, kept compactly
  (16 bytes each, packed) so ``disasm`` can annotate every place later, in
  another process. Values are not stored: memory holds them.
* ``FunctionTracer``: Linux's function tracer over the kernel API: every call
  a module makes into a trap slot, its arguments decoded by the function's C
  signature, its return value and its caller. ``Kernel._trap`` hands calls to
  it only while tracing is on. The ring is read through
  ``/sys/kernel/tracing/trace`` in ftrace's text format (see ``format_trace``).
"""

from __future__ import annotations

import base64
import enum
import os
import struct
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from lkmsh.errors import KernelError
from lkmsh.kernel.component import Component, Report

if TYPE_CHECKING:
    from lkmsh.kernel.kapi.registry import KapiFunc
    from lkmsh.kernel.module import Placement

MASK64 = (1 << 64) - 1
STRING_SHOWN = 128  # longest string argument a trace line shows
TRACE_ENTRIES = 4096  # ring size, in records (ftrace sizes in KiB; records are simpler here)
TRACING_DIR = "/sys/kernel/tracing/"


class Step(enum.StrEnum):
    CHECK = "check"
    SECTION = "section"
    SYMBOL = "symbol"
    RELOC = "reloc"
    EXPORT = "export"
    PARAM = "param"
    INIT = "init"
    ERROR = "error"


# -- the loader trace -------------------------------------------------------------


@dataclass(frozen=True)
class CheckPassed:
    """Load trace: an insmod check passed."""

    step: ClassVar[Step] = Step.CHECK
    check: str  # "elf", "machine", "vermagic", "name", "limit", "license"
    detail: str

    def describe(self) -> str:
        return f"{self.check}: {self.detail}"


@dataclass(frozen=True)
class SectionPlaced:
    """Load trace: a section was placed at its address."""

    step: ClassVar[Step] = Step.SECTION
    name: str
    addr: int
    size: int
    perm: str

    def describe(self) -> str:
        return f"{self.name:<24} {self.addr:#018x} size {self.size:#8x} {self.perm}"


class Binding(enum.StrEnum):
    RESOLVED = "resolved"
    MISSING = "missing"
    GPL_REFUSED = "gpl-refused"


@dataclass(frozen=True)
class SymbolResolved:
    """Load trace: an undefined symbol was bound to its provider."""

    step: ClassVar[Step] = Step.SYMBOL
    name: str
    addr: int
    provider: str | None  # the module exporting it; None: the kernel
    binding: Binding = Binding.RESOLVED

    def describe(self) -> str:
        if self.binding is Binding.MISSING:
            return f"{self.name}: Unknown symbol (err -2)"
        if self.binding is Binding.GPL_REFUSED:
            return f"{self.name}: GPL-only symbol refused to a non-GPL module"
        return f"{self.name} -> {self.addr:#018x} [{self.provider or 'kernel'}]"


@dataclass(frozen=True)
class RelocApplied:
    """Load trace: a relocation was applied."""

    step: ClassVar[Step] = Step.RELOC
    section: str
    offset: int  # within the section
    place: int
    type_name: str
    symbol: str  # "" for relocations without a symbol (R_X86_64_RELATIVE)
    addend: int
    value: int  # the bytes at the place after relocation, unsigned
    size: int  # field width in bytes

    @property
    def target(self) -> str:
        """objdump's spelling of S + A: ``printk-0x4``."""
        if not self.symbol:
            return f"*ABS*{self.addend:+#x}" if self.addend else "*ABS*"
        if self.addend:
            sign = "-" if self.addend < 0 else "+"
            return f"{self.symbol}{sign}{abs(self.addend):#x}"
        return self.symbol

    @property
    def value_text(self) -> str:
        return f"{self.value:#0{2 + 2 * self.size}x}" if self.size else "-"

    def describe(self) -> str:
        return (
            f"{self.section}+{self.offset:#x} {self.type_name} {self.target}"
            f" at {self.place:#018x} <- {self.value_text}"
        )


@dataclass(frozen=True)
class SymbolExported:
    """Load trace: the module exported a symbol."""

    step: ClassVar[Step] = Step.EXPORT
    name: str
    addr: int
    gpl: bool

    def describe(self) -> str:
        return f"{self.name} at {self.addr:#018x}" + (" (GPL-only)" if self.gpl else "")


@dataclass(frozen=True)
class ParamSet:
    """Load trace: a module parameter was set."""

    step: ClassVar[Step] = Step.PARAM
    name: str
    value: str | None

    def describe(self) -> str:
        return self.name if self.value is None else f"{self.name}={self.value}"


@dataclass(frozen=True)
class InitCalled:
    """Load trace: the init function ran (its return value, or None after an Oops)."""

    step: ClassVar[Step] = Step.INIT
    addr: int
    symbol: str
    ret: int | None  # None: the init crashed (the Oops is in dmesg)

    def describe(self) -> str:
        if not self.addr:
            return "no init function"
        outcome = "crashed (see dmesg)" if self.ret is None else f"returned {self.ret}"
        return f"{self.symbol} at {self.addr:#018x} {outcome}"


@dataclass(frozen=True)
class LoadFailed:
    """Load trace: the load failed, with the error as insmod reports it."""

    step: ClassVar[Step] = Step.ERROR
    message: str

    def describe(self) -> str:
        return self.message


LoadEvent = (
    CheckPassed
    | SectionPlaced
    | SymbolResolved
    | RelocApplied
    | SymbolExported
    | ParamSet
    | InitCalled
    | LoadFailed
)


def event_json(ev: LoadEvent) -> dict[str, Any]:
    d: dict[str, Any] = {"step": ev.step.value}
    for name, value in vars(ev).items():
        if name in ("addr", "place", "value") and isinstance(value, int):
            value = f"{value:#x}"
        elif isinstance(value, enum.Enum):
            value = value.value
        d[name] = value
    if isinstance(ev, RelocApplied):
        d["target"] = ev.target
    return d


@dataclass
class LoadTrace:
    """One load's steps, in the order the kernel took them."""

    module: str = ""
    events: list[LoadEvent] = field(default_factory=list)

    def add(self, ev: LoadEvent) -> None:
        self.events.append(ev)

    def of(self, step: Step) -> list[LoadEvent]:
        return [e for e in self.events if e.step is step]

    # -- what the kernel reports at each step --------------------------------------
    def checks(self, kernel: Any, ef: Any, name: str, force: bool) -> None:
        from lkmsh.elf import constants as EC
        from lkmsh.kernel.release import VERMAGIC

        self.module = name
        kind = "ET_DYN" if ef.type == EC.ET_DYN else "ET_REL"
        nrel = sum(len(rs.relocations) for rs in ef.relocation_sections)
        self.add(
            CheckPassed(
                "elf",
                f"ELF64 {kind}, {len(ef.sections)} sections, {len(ef.symbols)} symbols,"
                f" {nrel} relocations: headers and tables in bounds",
            )
        )
        self.add(CheckPassed("machine", f"{kernel.arch.name} (e_machine {ef.machine}) matches"))
        magic = dict(ef.modinfo).get("vermagic")
        if magic == VERMAGIC:
            self.add(CheckPassed("vermagic", f"'{magic}' matches the kernel"))
        else:
            self.add(CheckPassed("vermagic", f"'{magic}' differs: forced (taints F)"))
        self.add(CheckPassed("name", f"'{name}' is not loaded yet"))
        self.add(
            CheckPassed(
                "limit",
                f"{len(kernel.module_list_all())} of {kernel.config.max_modules} modules loaded",
            )
        )
        lic = dict(ef.modinfo).get("license")
        self.add(CheckPassed("license", f"'{lic or 'unspecified'}'"))

    def sections(self, placements: Iterable[Placement]) -> None:
        for p in placements:
            self.add(SectionPlaced(p.name, p.addr, p.size, p.perm))

    def symbols(self, symtab: Any, values: list[int], bad: Any, resolve: Callable) -> None:
        from lkmsh.elf import constants as EC

        seen: set[str] = set()
        gpl = set(bad.gpl_only)
        missing = set(bad.missing)
        for s in symtab:
            if s.index == 0 or s.shndx != EC.SHN_UNDEF or not s.name or s.name in seen:
                continue
            seen.add(s.name)
            if s.name in gpl:
                self.add(SymbolResolved(s.name, 0, None, Binding.GPL_REFUSED))
            elif s.name in missing:
                self.add(SymbolResolved(s.name, 0, None, Binding.MISSING))
            elif values[s.index]:
                ks = resolve(s.name)
                self.add(SymbolResolved(s.name, values[s.index], ks.owner if ks else None))

    def relocations(self, records: Iterable[RelocApplied]) -> None:
        self.events.extend(records)

    def exports(self, symbols: Iterable[Any]) -> None:
        for ks in symbols:
            self.add(SymbolExported(ks.name, ks.addr, ks.gpl))

    def params(self, args: Iterable[tuple[str, str | None]]) -> None:
        for name, value in args:
            self.add(ParamSet(name, value))

    def init(self, kernel: Any, addr: int, ret: int | None) -> None:
        sym = kernel.symbolize(addr).split("+")[0] if addr else ""
        self.add(InitCalled(addr, sym, ret))

    def failed(self, message: str) -> None:
        self.add(LoadFailed(message))


# -- relocations, as applied -----------------------------------------------------------


_RELOC = struct.Struct("<IHHq")  # place - base, type, symbol-name index, addend


@dataclass
class RelocRecord:
    """One logged relocation of a loaded module (the value is read from memory)."""

    place: int
    type_name: str
    symbol: str
    addend: int
    size: int

    def target(self) -> str:
        return RelocApplied(
            "", 0, self.place, self.type_name, self.symbol, self.addend, 0, 0
        ).target


class RelocLog:
    """The relocations of every loaded module, packed; saved with the kernel."""

    def __init__(self) -> None:
        self._mods: dict[str, dict[str, Any]] = {}

    def remember(self, module: str, base: int, records: list[RelocApplied], arch: Any) -> None:
        names: dict[str, int] = {}
        types = {v: k for k, v in arch.reloc_names.items()}
        packed = bytearray()
        for r in records:
            idx = names.setdefault(r.symbol, len(names))
            packed += _RELOC.pack(
                (r.place - base) & 0xFFFFFFFF, types.get(r.type_name, 0), idx & 0xFFFF, r.addend
            )
        self._mods[module] = {
            "base": base,
            "names": list(names),
            "packed": base64.b64encode(bytes(packed)).decode(),
        }

    def records(self, module: str, arch: Any) -> list[RelocRecord]:
        entry = self._mods.get(module)
        if entry is None:
            return []
        base, names = int(entry["base"]), entry["names"]
        raw = base64.b64decode(entry["packed"])
        out = []
        for off, rtype, idx, addend in _RELOC.iter_unpack(raw):
            rel = arch.relocations.get(rtype)
            out.append(
                RelocRecord(
                    base + off,
                    arch.reloc_names.get(rtype, str(rtype)),
                    names[idx] if idx < len(names) else "",
                    addend,
                    rel.size if rel else 0,
                )
            )
        return out

    def modules(self) -> list[str]:
        return list(self._mods)

    def to_data(self) -> dict[str, Any]:
        return dict(self._mods)

    def forget(self, module: str) -> None:
        self._mods.pop(module, None)

    @staticmethod
    def used_names(tracing_data: dict[str, Any] | None) -> dict[str, set[str]]:
        """Per module, the symbol names its relocations name (from saved Tracing data)."""
        relocs = (tracing_data or {}).get("relocs") or {}
        return {m: set(v.get("names", ())) for m, v in relocs.items() if isinstance(v, dict)}

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> RelocLog:
        log = cls()
        log._mods = dict(data or {})
        return log


# -- the function tracer ---------------------------------------------------------------


def c_string(raw: bytes, limit: int = STRING_SHOWN) -> str:
    """A C string literal for a trace line: escapes as C writes them, long ones cut."""
    out = []
    for b in raw[:limit]:
        ch = chr(b)
        if ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{b:03o}")
    return '"' + "".join(out) + '"' + ("..." if len(raw) > limit else "")


_SIGNED = {
    "int": 32,
    "long": 64,
    "short": 16,
    "char": 8,
    "ssize_t": 64,
    "ktime_t": 64,
    "long long": 64,
}
_UNSIGNED = {
    "unsigned int": 32,
    "const unsigned int": 32,
    "unsigned long": 64,
    "const unsigned long": 64,
    "size_t": 64,
    "u64": 64,
    "umode_t": 16,
    "bool": 8,
}


def format_value(ctype: str, raw: int, read_cstr: Callable[[int], bytes | None]) -> str:
    """One argument or return value, by its C type: strings quoted, pointers hex, ints decimal."""
    raw &= MASK64
    if ctype in ("char *", "const char *"):
        if raw == 0:
            return "(null)"
        text = read_cstr(raw)
        return f"{raw:#x}" if text is None else c_string(text)
    if ctype.endswith("*") or ctype == "fnptr" or ctype == "va_list":
        return f"{raw:#x}"
    if ctype == "gfp_t":
        return f"{raw & 0xFFFFFFFF:#x}"
    if ctype in _SIGNED:
        bits = _SIGNED[ctype]
        v = raw & ((1 << bits) - 1)
        return str(v - (1 << bits) if v >> (bits - 1) else v)
    if ctype in _UNSIGNED:
        return str(raw & ((1 << _UNSIGNED[ctype]) - 1))
    return f"{raw:#x}"


@dataclass
class TraceEntry:
    """One kernel API call a module made."""

    ts_ns: int
    task: str
    pid: int
    func: str
    args: list[tuple[str, str]]
    ret: str | None  # None: void, or the call did not return (a fault)
    caller: int
    parent: str  # the caller's function, as ftrace prints it ("hello_init")
    where: str  # the caller symbolised with offset ("hello_init+0x15/0x30 [hello]")
    module: str | None
    faulted: bool = False
    variadic: bool = False
    #: a trace_printk() record's text (None: a kernel API call), and its context flags
    message: str | None = None
    flags: str = "....."

    def call_text(self) -> str:
        if self.message is not None:
            return self.message
        args = [f"{n}={v}" for n, v in self.args]
        if self.variadic:
            args.append("...")
        return f"{self.func}({', '.join(args)})"

    def to_list(self) -> list[Any]:
        return [
            self.ts_ns, self.task, self.pid, self.func, [list(a) for a in self.args], self.ret,
            self.caller, self.parent, self.where, self.module, self.faulted, self.variadic,
            *(() if self.message is None else (self.message, self.flags)),
        ]  # fmt: skip

    @classmethod
    def from_list(cls, v: list[Any]) -> TraceEntry:
        return cls(
            int(v[0]), str(v[1]), int(v[2]), str(v[3]), [(str(a), str(b)) for a, b in v[4]],
            v[5], int(v[6]), str(v[7]), str(v[8]), v[9], bool(v[10]), bool(v[11]),
            *((str(v[12]), str(v[13])) if len(v) > 12 else ()),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "timestamp_ns": self.ts_ns,
            "task": self.task,
            "pid": self.pid,
            "function": self.func,
            "args": dict(self.args),
            "variadic": self.variadic,
            "return": self.ret,
            "faulted": self.faulted,
            "caller": f"{self.caller:#x}",
            "caller_symbol": self.where,
            "module": self.module,
            **({} if self.message is None else {"message": self.message}),
        }


def _task_of(module: Any) -> str:
    """Who runs module code: insmod during init, rmmod during exit, cat for /proc reads."""
    state = getattr(getattr(module, "state", None), "value", "")
    return {"loaded": "insmod", "unloading": "rmmod", "running": "cat"}.get(state, "kworker/0:1")


class FunctionTracer:
    """ftrace's ring buffer: kernel API calls while the function tracer runs, and
    trace_printk() records.

    As Linux: ``on`` is tracing_on (1 at boot: trace_printk records go in),
    ``tracer`` is current_tracer (``nop`` at boot); calls are recorded while
    both say so (``enabled``; ``trace on`` and ``insmod --ftrace`` set both).
    """

    def __init__(self, capacity: int = TRACE_ENTRIES) -> None:
        self.on = True
        self.tracer = "nop"
        self.printk_used = False  # trace_printk()'s banner is printed once
        self.capacity = capacity
        #: TraceEntry records and trace events' (trace_output.EventRecord)
        self.ring: deque[Any] = deque(maxlen=capacity)
        self.written = 0  # ever recorded, including those the ring dropped

    @property
    def enabled(self) -> bool:
        """The function tracer records kernel API calls."""
        return self.on and self.tracer == "function"

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self.tracer = "function" if value else "nop"
        if value:
            self.on = True

    def clear(self) -> None:
        self.ring.clear()
        self.written = 0

    def record(self, entry: Any) -> None:
        self.ring.append(entry)
        self.written += 1

    def call(self, kernel: Any, func: KapiFunc, ctx: Any) -> int | None:
        """Run one kernel API call and record it (``Kernel._trap`` calls this when on)."""
        module = kernel.current_module
        caller = ctx.caller
        raw = [ctx.arg(i) for i in range(len(func.params))]
        ts = kernel.clock.ns()
        result: int | None = None
        faulted = True
        try:
            result = func.impl(ctx)
            faulted = False
            return result
        finally:
            mem = kernel.mem

            def read(addr: int) -> bytes | None:
                try:
                    return mem.read_cstr(addr, STRING_SHOWN + 1)
                except KernelError:
                    return None

            args = [
                (p.name, format_value(p.ctype, v, read))
                for p, v in zip(func.params, raw, strict=True)
            ]
            void = faulted or func.is_void
            ret = None if void else format_value(func.returns, result or 0, read)
            where = _parent_of_tail_call(kernel, caller, module) or kernel.symbolize(caller)
            self.record(
                TraceEntry(
                    ts,
                    _task_of(module),
                    os.getpid(),
                    func.name,
                    args,
                    ret,
                    caller,
                    symbol_no_offset(where),
                    where,
                    module.name if module is not None else None,
                    faulted,
                    func.variadic,
                )
            )

    # -- persistence ------------------------------------------------------------------
    def to_data(self) -> dict[str, Any]:
        return {
            "on": self.on,
            "tracer": self.tracer,
            "printk_used": self.printk_used,
            "written": self.written,
            "ring": [e.to_list() for e in self.ring],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any] | None) -> FunctionTracer:
        t = cls()
        if data:
            if "tracer" in data:
                t.on, t.tracer = bool(data.get("on")), str(data["tracer"])
            else:  # a state from before current_tracer: "on" was the function tracer
                t.enabled = bool(data.get("on"))
            t.printk_used = bool(data.get("printk_used"))
            t.written = int(data.get("written", 0))
            from lkmsh.kernel.trace_output import record_from_list

            t.ring.extend(record_from_list(v) for v in data.get("ring", []))
        return t


#: Who calls module code in Linux; a tail call (``jmp printk``) returns straight there.
_ENTRY_CALLERS = {
    "insmod": "do_one_initcall",
    "rmmod": "__do_sys_delete_module",
    "cat": "seq_read_iter",
}


def _parent_of_tail_call(kernel: Any, caller: int, module: Any) -> str | None:
    if caller != getattr(kernel, "return_slot", None):
        return None
    return _ENTRY_CALLERS.get(_task_of(module))


def symbol_no_offset(where: str) -> str:
    """seq_print_ip_sym() without sym-offset: the symbol's name alone ("hello_init"),
    as kallsyms_lookup() gives it, with no module (ftrace's lines show no "[mod]")."""
    return where.partition("+")[0].split(" ")[0]


# -- ftrace's text format ---------------------------------------------------------------

TRACE_HEADER = """\
# tracer: {tracer}
#
# entries-in-buffer/entries-written: {entries}/{written}   #P:1
#
#                                _-----=> irqs-off/BH-disabled
#                               / _----=> need-resched
#                              | / _---=> hardirq/softirq
#                              || / _--=> preempt-depth
#                              ||| / _-=> migrate-disable
#                              |||| /     delay
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
"""


def format_line(e: TraceEntry) -> str:
    """One record as the function tracer prints it with the func-args option.

    ``TASK-PID [CPU] FLAGS TIMESTAMP: func(arg=value, ...) <-parent``; lkmsh
    appends the return value as ``/* = VALUE */`` (the function_graph tracer's
    funcgraph-retval notation) since its kernel functions are leaves.
    """
    secs, ns = divmod(e.ts_ns, 1_000_000_000)
    head = f"{e.task[:16]:>16}-{e.pid:<7} [000] {e.flags} {secs:5d}.{ns // 1000:06d}:"
    if e.message is not None:  # trace_printk(): the caller, then the text as it came
        text = e.message if e.message.endswith("\n") else e.message + "\n"
        return f"{head} {e.parent}: {text}"
    line = f"{head} {e.call_text()} <-{e.parent}"
    if e.faulted:
        line += " /* faulted */"
    elif e.ret is not None:
        line += f" /* = {e.ret} */"
    return line + "\n"


def format_trace(entries: Iterable[TraceEntry], written: int, tracer: str = "function") -> str:
    entries = list(entries)
    head = TRACE_HEADER.format(tracer=tracer, entries=len(entries), written=written)
    return head + "".join(format_line(e) for e in entries)


class Tracing(Component):
    """What the kernel keeps for tracing: the function tracer and the relocation log."""

    name = "tracing"

    #: its files in /sys/kernel/tracing (the trace file is trace_files.py's: it runs
    #: the events' output functions)
    FILES = ("tracing_on", "current_tracer", "available_tracers")

    def __init__(self) -> None:
        self.ftrace = FunctionTracer()
        self.relocs = RelocLog()

    @property
    def on(self) -> bool:
        return self.ftrace.enabled

    def read_file(self, path: str) -> bytes:
        """A file of /sys/kernel/tracing, as tracefs shows it."""
        from lkmsh.errors import NotFound

        name = path.removeprefix(TRACING_DIR).strip("/")
        ft = self.ftrace
        if name == "tracing_on":
            return b"1\n" if ft.on else b"0\n"
        if name == "current_tracer":
            return f"{ft.tracer}\n".encode()
        if name == "available_tracers":
            return b"function nop\n"
        raise NotFound(f"{path}: No such file or directory")

    def to_data(self) -> dict[str, Any]:
        return {"ftrace": self.ftrace.to_data(), "relocs": self.relocs.to_data()}

    def load_data(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        self.ftrace = FunctionTracer.from_data(data.get("ftrace"))
        self.relocs = RelocLog.from_data(data.get("relocs"))

    def module_going(self, module: Any) -> list[Report]:
        self.relocs.forget(module.name)
        return []
