"""Event records in a ring buffer and the trace file's text, as Linux 6.1's trace.c.

A probe reserves its record (trace_event_buffer_reserve): kernel memory for
the bytes, the common fields filled in (type, context flags, pid); module
code assigns the rest and commits, and the bytes go into the trace array's
ring beside trace_printk() and function tracer records. Reading the trace
file prints each record's head as print_trace_fmt() does (task-pid, CPU,
the context flags, the time) and then the event's own output function, run
over the record in a struct trace_iterator (trace_raw_output_prep writes
"name: ", TP_printk the rest).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.trace import TRACE_HEADER, TraceEntry, format_line

if TYPE_CHECKING:
    from lkmsh.kernel.trace_events import EventRegistry

TRACE_SEQ = cstruct(
    "struct trace_seq", "linux/trace_seq.h", 4136, buffer=(0, 4096), seq=(4096, 32), full=(4128, 4)
)
OFF_SEQ_BUFFER = TRACE_SEQ.off("seq")
OFF_SEQ_SIZE = OFF_SEQ_BUFFER + 8
OFF_SEQ_LEN = OFF_SEQ_BUFFER + 16
OFF_SEQ_FULL = TRACE_SEQ.off("full")
SEQ_PAGE = 4096
ITERATOR = cstruct(
    "struct trace_iterator",
    "linux/trace_events.h",
    8368,
    tr=(0, 8),
    ent=(40, 8),
    ent_size=(60, 4),
    ts=(72, 8),
    tmp_seq=(96, 4136),
    seq=(4232, 4136),
)
EVENT_BUFFER = cstruct(
    "struct trace_event_buffer",
    "linux/trace_events.h",
    48,
    trace_file=(16, 8),
    entry=(24, 8),
    trace_ctx=(32, 4),
)
# enum trace_flag_type
FLAG_IRQS_OFF, FLAG_NEED_RESCHED, FLAG_HARDIRQ, FLAG_SOFTIRQ, FLAG_BH_OFF = (
    0x01,
    0x04,
    0x08,
    0x10,
    0x80,
)
MAX_RECORD = 1 << 16  # the ring buffer's page: a bigger record cannot be reserved


@dataclass
class EventRecord:
    """One event in a ring: its time, task and bytes (common fields first)."""

    ts_ns: int
    task: str
    pid: int
    data: bytes

    @property
    def type(self) -> int:
        return int.from_bytes(self.data[:2], "little")

    @property
    def flags(self) -> str:
        return context_flags(self.data[2], self.data[3])

    def to_list(self) -> list[Any]:
        return ["event", self.ts_ns, self.task, self.pid, base64.b64encode(self.data).decode()]

    @classmethod
    def from_list(cls, v: list[Any]) -> EventRecord:
        return cls(int(v[1]), str(v[2]), int(v[3]), base64.b64decode(v[4]))


Record = TraceEntry | EventRecord


def record_from_list(v: list[Any]) -> Record:
    if v and v[0] == "event":
        return EventRecord.from_list(v)
    return TraceEntry.from_list(v)


def context_flags(flags: int, pc: int) -> str:
    """The five columns of the trace header: irqs-off/BH, need-resched, hard/soft irq,
    preempt depth, migrate-disable (trace_print_lat_fmt())."""
    bh_off = flags & FLAG_BH_OFF
    irqs = flags & FLAG_IRQS_OFF
    c0 = "D" if irqs and bh_off else "d" if irqs else "b" if bh_off else "."
    c1 = "N" if flags & FLAG_NEED_RESCHED else "."
    hard, soft = flags & FLAG_HARDIRQ, flags & FLAG_SOFTIRQ
    c2 = "H" if hard and soft else "h" if hard else "s" if soft else "."
    c3 = f"{pc & 0xF:x}" if pc & 0xF else "."
    c4 = f"{pc >> 4:x}" if pc >> 4 else "."
    return c0 + c1 + c2 + c3 + c4


def current_context(kernel: Any) -> tuple[int, int]:
    """(common_flags, common_preempt_count) of a record made now, tracing_gen_ctx_dec()'s:
    hard-IRQ handlers run with interrupts off; a timer callback is a softirq."""
    if kernel.irqs.hardirq_depth:
        return FLAG_IRQS_OFF | FLAG_HARDIRQ, 0
    if kernel.sched.in_softirq:
        return FLAG_SOFTIRQ, 0
    return 0, 0


def current_task(kernel: Any) -> tuple[str, int]:
    """Who the record is of: the running task, or the idle task between commands."""
    if kernel.sched.current is None:
        return "<idle>", 0
    return kernel.current_task_id()


# -- recording -----------------------------------------------------------------------


@dataclass
class Reservation:
    """A record reserved in a trace buffer, written and then committed."""

    array: Any  # the TraceArray the record goes to
    size: int
    ts_ns: int
    task: str
    pid: int


class Recorder:
    """Reservations in flight (a probe between reserve and commit)."""

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.pending: dict[int, Reservation] = {}
        #: what the kernel's own tracepoint passes for the record's context
        self.context: tuple[int, int] | None = None

    def reserve(self, fbuffer: int, array: Any, type_: int, size: int) -> int:
        k = self.kernel
        if size < 8 or size > MAX_RECORD:
            return 0
        entry = k.heap.alloc(size, KERNEL_OWNER, zero=True, managed=True)
        if not entry:
            return 0
        flags, pc = self.context or current_context(k)
        task, pid = current_task(k)
        k.mem.write(entry, type_.to_bytes(2, "little") + bytes([flags, pc]))
        k.mem.write_u32(entry + 4, pid & 0xFFFFFFFF)
        k.mem.write_u64(fbuffer + EVENT_BUFFER.off("entry"), entry)
        k.mem.write_u32(fbuffer + EVENT_BUFFER.off("trace_ctx"), flags << 16 | pc)
        self.pending[entry] = Reservation(array, size, k.clock.ns(), task, pid)
        return entry

    def commit(self, fbuffer: int) -> Reservation | None:
        k = self.kernel
        entry = k.mem.read_u64(fbuffer + EVENT_BUFFER.off("entry"))
        r = self.pending.pop(entry, None)
        if r is None:
            return None
        try:
            data = k.mem.read(entry, r.size)
        finally:
            k.heap.free(entry)
        r.array.ring_of(k).record(EventRecord(r.ts_ns, r.task, r.pid, data))
        return r


# -- the trace file --------------------------------------------------------------------


class Printer:
    """Runs events' output functions over records: one iterator for one read."""

    def __init__(self, kernel: Any, registry: EventRegistry, tr: int):
        self.kernel, self.registry, self.tr = kernel, registry, tr
        self.iter = 0
        self.ent = 0
        self.ent_room = 0

    def __enter__(self) -> Printer:
        return self

    def __exit__(self, *exc: object) -> None:
        heap = self.kernel.heap
        for addr in (self.iter, self.ent):
            if addr:
                heap.free(addr)

    def _iterator(self) -> int:
        if not self.iter:
            k = self.kernel
            self.iter = k.heap.alloc(ITERATOR.size, KERNEL_OWNER, zero=True, managed=True)
            if not self.iter:
                raise KernelError("trace: no memory for an iterator")
            k.mem.write_u64(self.iter + ITERATOR.off("tr"), self.tr)
            for seq in (ITERATOR.off("tmp_seq"), ITERATOR.off("seq")):
                seq_init(k.mem, self.iter + seq)
        return self.iter

    def event_text(self, rec: EventRecord) -> str:
        """print_trace_fmt()'s part after the head: the event's output function's text."""
        from lkmsh.kernel.sysfs import call_module_code

        ev = self.registry.by_id(rec.type)
        if ev is None or not ev.output:
            return f"Unknown type {rec.type}\n"
        k = self.kernel
        it = self._iterator()
        if len(rec.data) > self.ent_room:
            if self.ent:
                k.heap.free(self.ent)
            self.ent_room = max(len(rec.data), 256)
            self.ent = k.heap.alloc(self.ent_room, KERNEL_OWNER, zero=True, managed=True)
        k.mem.write(self.ent, rec.data)
        k.mem.write_u64(it + ITERATOR.off("ent"), self.ent)
        k.mem.write_u32(it + ITERATOR.off("ent_size"), len(rec.data))
        k.mem.write_u64(it + ITERATOR.off("ts"), rec.ts_ns)
        seq = it + ITERATOR.off("seq")
        seq_init(k.mem, seq)
        call_module_code(k, ev.output, [it, 0, ev.event_addr])
        return seq_text(k.mem, seq).decode("utf-8", "replace")


def seq_init(mem: Any, seq: int) -> None:
    mem.write_u64(seq + OFF_SEQ_BUFFER, seq)
    mem.write_u64(seq + OFF_SEQ_SIZE, SEQ_PAGE)
    mem.write_u64(seq + OFF_SEQ_LEN, 0)
    mem.write_u32(seq + OFF_SEQ_FULL, 0)


def seq_text(mem: Any, seq: int) -> bytes:
    n = min(mem.read_u64(seq + OFF_SEQ_LEN), SEQ_PAGE)
    return mem.read(seq, n)


def head(task: str, pid: int, flags: str, ts_ns: int) -> str:
    secs, ns = divmod(ts_ns, 1_000_000_000)
    return f"{task[:16]:>16}-{pid:<7} [000] {flags} {secs:5d}.{ns // 1000:06d}: "


def trace_text(
    kernel: Any,
    registry: EventRegistry,
    records: Iterable[Record],
    written: int,
    tracer: str,
    tr: int = 0,
) -> str:
    """The whole trace file: the header, then every record as Linux prints it."""
    records = list(records)
    out = [TRACE_HEADER.format(tracer=tracer, entries=len(records), written=written)]
    with Printer(kernel, registry, tr) as printer:
        for r in records:
            if isinstance(r, EventRecord):
                out.append(head(r.task, r.pid, r.flags, r.ts_ns) + printer.event_text(r))
            else:
                out.append(format_line(r))
    return "".join(out)
