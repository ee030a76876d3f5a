"""Trace events, as Linux 6.1's kernel/trace/trace_events.c: the event registry.

A module's events are the ``struct trace_event_call`` pointers in its
``_ftrace_events`` section (<trace/trace_events.h> puts them there), read when
the module comes: each gets an id (its records' ``common_type``), its fields
laid out from the class's ``fields_array`` by alignment, and its print fmt
with the module's TRACE_DEFINE_ENUM names replaced by their values
(``_ftrace_eval_map``), as trace_event_eval_update() does. The format file
shows all of it.

Enabling an event in a trace array registers the class's probe on the
event's tracepoint with that array's ``struct trace_event_file`` as data
(trace_event_reg()); the probe records into that array's ring buffer.
"""

from __future__ import annotations

import errno as E
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.errors import BadAddress
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.heap import KERNEL_OWNER

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module

EVENT_CALL = cstruct(
    "struct trace_event_call",
    "linux/trace_events.h",
    104,
    None,
    **{"class": (16, 8)},
    tp=(24, 8),
    event=(32, 32),
    event__type=(48, 4),
    event__funcs=(56, 8),
    print_fmt=(64, 8),
    flags=(96, 4),
)
EVENT_CLASS = cstruct(
    "struct trace_event_class",
    "linux/trace_events.h",
    72,
    system=(0, 8),
    probe=(8, 8),
    reg=(24, 8),
    fields_array=(32, 8),
    raw_init=(64, 8),
)
EVENT_FIELDS = cstruct(
    "struct trace_event_fields",
    "linux/trace_events.h",
    32,
    type=(0, 8),
    name=(8, 8),
    align=(20, 4),
    is_signed=(24, 4),
)
EVENT_FILE = cstruct(
    "struct trace_event_file",
    "linux/trace_events.h",
    88,
    event_call=(16, 8),
    tr=(40, 8),
    flags=(72, 8),
)
EVAL_MAP = cstruct(
    "struct trace_eval_map",
    "linux/tracepoint.h",
    24,
    system=(0, 8),
    eval_string=(8, 8),
    eval_value=(16, 8),
)
#: the field's size sits before align (the contract test cannot spell a "size" field)
OFF_FIELD_SIZE = EVENT_FIELDS.off("align") - 4
EVENTS_SECTION = "_ftrace_events"
EVAL_SECTION = "_ftrace_eval_map"
TRACE_EVENT_FL_TRACEPOINT = 1 << 4
TRACE_EVENT_FL_CUSTOM = 1 << 9
EVENT_FILE_FL_ENABLED = 1 << 0
TRACE_ENTRY_SIZE = 8  # struct trace_entry
TRACE_FUNCTION_TYPE = (1 << 64) - 1
#: The first id a module's event gets: the kernel's own events and ftrace's
#: record types take the ids below (a Debian 6.1 kernel has about 1,500 events).
FIRST_EVENT_ID = 1500
MAX_EVENTS = 4096  # events one module may define (a bound on a hostile section)
MAX_FIELDS = 128
COMMON_FIELDS = (
    ("unsigned short", "common_type", 0, 2, False),
    ("unsigned char", "common_flags", 2, 1, False),
    ("unsigned char", "common_preempt_count", 3, 1, False),
    ("int", "common_pid", 4, 4, True),
)


@dataclass
class Field:
    """One field of a trace event's record, as its format file lists it."""

    type: str
    name: str
    offset: int
    size: int
    signed: bool


@dataclass
class EventCall:
    """One registered event (struct trace_event_call in module memory)."""

    addr: int
    module: str
    system: str
    name: str
    id: int
    system_ptr: int
    probe: int
    reg: int
    output: int  # event.funcs->trace, the output function
    print_fmt: str
    fields: list[Field] = field(default_factory=list)

    @property
    def event_addr(self) -> int:
        return self.addr + EVENT_CALL.off("event")

    def to_data(self) -> dict[str, Any]:
        d = asdict(self)
        d["fields"] = [[f.type, f.name, f.offset, f.size, f.signed] for f in self.fields]
        return d

    @classmethod
    def from_data(cls, d: dict[str, Any]) -> EventCall:
        fields = [Field(str(t), str(n), int(o), int(s), bool(g)) for t, n, o, s, g in d["fields"]]
        return cls(
            int(d["addr"]), str(d["module"]), str(d["system"]), str(d["name"]), int(d["id"]),
            int(d["system_ptr"]), int(d["probe"]), int(d["reg"]), int(d["output"]),
            str(d["print_fmt"]), fields,
        )  # fmt: skip


def field_line(f: Field) -> str:
    """f_show()'s line: an array's brackets move after the name, __data_loc's stay."""
    at = f.type.find("[")
    if f.type.startswith("__data_loc") or at < 0:
        decl = f"{f.type} {f.name}"
    else:
        decl = f"{f.type[:at]} {f.name}{f.type[at:]}"
    return f"\tfield:{decl};\toffset:{f.offset};\tsize:{f.size};\tsigned:{int(f.signed)};\n"


def format_text(ev: EventCall) -> str:
    """The event's format file."""
    common = [Field(*c) for c in COMMON_FIELDS]
    return (
        f"name: {ev.name}\nID: {ev.id}\nformat:\n"
        + "".join(field_line(f) for f in common)
        + "\n"
        + "".join(field_line(f) for f in ev.fields)
        + f"\nprint fmt: {ev.print_fmt}\n"
    )


def _isalnum(c: str) -> bool:
    return c.isascii() and c.isalnum()


def update_print_fmt(fmt: str, name: str, value: int) -> str:
    """update_event_printk(): @name, where it is a whole word outside quotes and not a
    member (after '.' or '->'), becomes its value. As Linux's loop, the character
    after a number, a word or a replacement is passed over unexamined."""

    def word(j: int) -> int:
        while j < n and (_isalnum(fmt[j]) or fmt[j] == "_"):
            j += 1
        return j

    out: list[str] = []
    i, n, quote = 0, len(fmt), False
    while i < n:
        c = fmt[i]
        if c == "\\":
            out.append(fmt[i : i + 2])
            i += 2
            continue
        if c == '"':
            quote = not quote
            out.append(c)
            i += 1
            continue
        if quote or not (c.isdigit() or c.isalpha() or c == "_"):
            out.append(c)
            i += 1
            continue
        if c.isdigit():
            j = i + 1
            while j < n and _isalnum(fmt[j]):
                j += 1
            out.append(fmt[i:j])
        else:
            j = word(i)
            if fmt[i:j] == name:
                out.append(str(value))
            else:
                while j < n and (fmt[j] == "." or fmt.startswith("->", j)):
                    j = word(j + (1 if fmt[j] == "." else 2))
                out.append(fmt[i:j])
        out.append(fmt[j : j + 1])  # the delimiter after it
        i = j + 1
    return "".join(out)


class EventRegistry:
    """The registered events, by call address, and the next id to give."""

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.events: dict[int, EventCall] = {}
        self.next_id = FIRST_EVENT_ID

    def _str(self, addr: int, limit: int = 4096) -> str:
        if not addr:
            return ""
        return self.kernel.mem.read_cstr(addr, limit).decode("utf-8", "replace")

    def by_id(self, type_: int) -> EventCall | None:
        return next((e for e in self.events.values() if e.id == type_), None)

    def by_event(self, event_addr: int) -> EventCall | None:
        return self.events.get(event_addr - EVENT_CALL.off("event"))

    def find(self, system: str | None, name: str | None) -> list[EventCall]:
        return [
            e
            for e in self.ordered()
            if (not system or e.system == system) and (not name or e.name == name)
        ]

    def ordered(self) -> list[EventCall]:
        return sorted(self.events.values(), key=lambda e: e.id)

    def systems(self) -> list[str]:
        return sorted({e.system for e in self.events.values()})

    # -- a module's events ------------------------------------------------------------
    def module_coming(self, module: Module) -> list[EventCall]:
        """trace_module_add_events(): read, lay out and number the module's events."""
        mem = self.kernel.mem
        calls: list[int] = []
        maps: list[tuple[int, str, int]] = []
        for p in module.placements:
            if p.name == EVENTS_SECTION:
                calls += [mem.read_u64(p.addr + 8 * i) for i in range(min(p.size // 8, MAX_EVENTS))]
            elif p.name == EVAL_SECTION:
                for i in range(min(p.size // 8, MAX_EVENTS)):
                    m = mem.read_u64(p.addr + 8 * i)
                    if m:
                        maps.append(
                            (
                                mem.read_u64(m + EVAL_MAP.off("system")),
                                self._str(mem.read_u64(m + EVAL_MAP.off("eval_string")), 256),
                                mem.read_u64(m + EVAL_MAP.off("eval_value")),
                            )
                        )
        added = []
        for call in calls:
            if not call or call in self.events:
                continue
            ev = self._read_call(call, module.name)
            if ev is None:
                continue
            for system_ptr, name, value in maps:
                if system_ptr == ev.system_ptr and name:
                    ev.print_fmt = update_print_fmt(ev.print_fmt, name, value)
            self.events[call] = ev
            mem.write_u32(call + EVENT_CALL.off("event__type"), ev.id)
            added.append(ev)
        return added

    def _read_call(self, call: int, module: str) -> EventCall | None:
        mem = self.kernel.mem
        try:
            klass = mem.read_u64(call + EVENT_CALL.off("class"))
            flags = mem.read_u32(call + EVENT_CALL.off("flags"))
            name_or_tp = mem.read_u64(call + EVENT_CALL.off("tp"))
            if flags & TRACE_EVENT_FL_TRACEPOINT and not flags & TRACE_EVENT_FL_CUSTOM:
                name = self._str(mem.read_u64(name_or_tp + 0), 256) if name_or_tp else ""
            else:
                name = self._str(name_or_tp, 256)
            system_ptr = mem.read_u64(klass + EVENT_CLASS.off("system"))
            funcs = mem.read_u64(call + EVENT_CALL.off("event__funcs"))
            output = mem.read_u64(funcs) if funcs else 0
            ev = EventCall(
                call, module, self._str(system_ptr, 256), name, 0, system_ptr,
                mem.read_u64(klass + EVENT_CLASS.off("probe")),
                mem.read_u64(klass + EVENT_CLASS.off("reg")), output,
                self._str(mem.read_u64(call + EVENT_CALL.off("print_fmt"))),
            )  # fmt: skip
            ev.fields = self._fields(mem.read_u64(klass + EVENT_CLASS.off("fields_array")))
        except BadAddress:
            return None
        if not name or not ev.system:
            return None
        ev.id = self.next_id
        self.next_id += 1
        return ev

    def _fields(self, array: int) -> list[Field]:
        """event_define_fields(): each field at the next offset its alignment allows."""
        mem = self.kernel.mem
        out: list[Field] = []
        offset = TRACE_ENTRY_SIZE
        for i in range(MAX_FIELDS):
            at = array + i * EVENT_FIELDS.size
            type_ = mem.read_u64(at + EVENT_FIELDS.off("type"))
            if not type_ or type_ == TRACE_FUNCTION_TYPE:
                break
            size = mem.read_u32(at + OFF_FIELD_SIZE)
            align = max(1, mem.read_u32(at + EVENT_FIELDS.off("align")))
            offset = (offset + align - 1) // align * align
            name = self._str(mem.read_u64(at + EVENT_FIELDS.off("name")), 256)
            signed = bool(mem.read_u32(at + EVENT_FIELDS.off("is_signed")))
            out.append(Field(self._str(type_, 256), name, offset, size, signed))
            offset += size
        return out

    def module_going(self, module: Module) -> list[EventCall]:
        gone = [e for e in self.events.values() if e.module == module.name]
        for e in gone:
            del self.events[e.addr]
        return gone

    def tracepoint_of(self, ev: EventCall) -> int:
        """The event's tracepoint now (a custom event finds its own in its init)."""
        mem = self.kernel.mem
        try:
            if mem.read_u32(ev.addr + EVENT_CALL.off("flags")) & TRACE_EVENT_FL_TRACEPOINT:
                return mem.read_u64(ev.addr + EVENT_CALL.off("tp"))
        except BadAddress:
            pass
        return 0

    # -- enabling ---------------------------------------------------------------------
    def new_file(self, ev: EventCall, tr: int) -> int:
        """A struct trace_event_file for @ev in the trace array at @tr."""
        mem = self.kernel.mem
        f = self.kernel.heap.alloc(EVENT_FILE.size, KERNEL_OWNER, zero=True, managed=True)
        if f:
            mem.write_u64(f + EVENT_FILE.off("event_call"), ev.addr)
            mem.write_u64(f + EVENT_FILE.off("tr"), tr)
        return f

    def switch(self, ev: EventCall, file: int, enable: bool) -> int:
        """__ftrace_event_enable_disable() without soft mode: register or unregister the
        probe through the class's reg (trace_event_reg() for TRACE_EVENT's)."""
        from lkmsh.kernel.sysfs import call_module_code

        mem = self.kernel.mem
        flags = mem.read_u64(file + EVENT_FILE.off("flags"))
        if bool(flags & EVENT_FILE_FL_ENABLED) == enable:
            return 0
        reg_default = self.kernel.symbol_address("trace_event_reg")
        if ev.reg == reg_default or not ev.reg:
            ret = self.reg(ev, file, enable)
        else:
            ret = call_module_code(self.kernel, ev.reg, [ev.addr, 0 if enable else 1, file])
            ret = ret - (1 << 32) if ret & 0x80000000 else ret & 0xFFFFFFFF
        if ret == 0:
            flags = flags | EVENT_FILE_FL_ENABLED if enable else flags & ~EVENT_FILE_FL_ENABLED
            mem.write_u64(file + EVENT_FILE.off("flags"), flags)
        return ret

    def reg(self, ev: EventCall, file: int, enable: bool) -> int:
        """trace_event_reg(TRACE_REG_REGISTER / UNREGISTER)."""
        tp = self.tracepoint_of(ev)
        if not tp:
            return -E.EINVAL
        tps = self.kernel.tracepoints
        if enable:
            return tps.register(tp, ev.probe, file)
        return tps.unregister(tp, ev.probe, file)

    def to_data(self) -> dict[str, Any]:
        return {"next_id": self.next_id, "events": [e.to_data() for e in self.ordered()]}

    def load_data(self, data: dict[str, Any] | None) -> None:
        if not data:
            return
        self.next_id = int(data["next_id"])
        self.events = {}
        for d in data["events"]:
            ev = EventCall.from_data(d)
            self.events[ev.addr] = ev
