"""Trace arrays, as Linux 6.1's: the top-level buffer and the instances, with their events.

Each trace array has its ring buffer (the top level's is the function
tracer's, trace.py), its tracing_on, and one ``struct trace_event_file``
per event that was ever enabled in it (the probe's data: a record goes to
the array its file belongs to). An instance is /sys/kernel/tracing/
instances/NAME/, made by trace_array_get_by_name() and removed by
trace_array_destroy() once its references are gone (__remove_instance()).

The ``TraceEvents`` component keeps the event registry (trace_events.py),
the arrays and their event files, and the tracefs files they show
(trace_files.py), and hears of modules coming and going: a going module's
events are disabled (its tracepoints' unregfunc runs) and, as
trace_module_remove_events() does, every ring buffer is reset.
"""

from __future__ import annotations

import errno as E
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.trace import TRACING_DIR, FunctionTracer
from lkmsh.kernel.trace_events import EVENT_FILE, EVENT_FILE_FL_ENABLED, EventCall, EventRegistry
from lkmsh.kernel.trace_output import Recorder

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module

TRACE_ARRAY_SIZE = 64  # lkmsh's struct trace_array: opaque to modules (name at 0)
MAX_INSTANCE_NAME = 255


@dataclass
class TraceArray:
    """A tracing instance (the top level or instances/NAME) and its buffer."""

    name: str  # "" for the top level
    addr: int = 0  # struct trace_array in kernel memory (instances only)
    ref: int = 0
    files: dict[int, int] = field(default_factory=dict)  # event call -> trace_event_file
    ring: FunctionTracer | None = None  # an instance's own buffer

    def ring_of(self, kernel: Any) -> FunctionTracer:
        if self.ring is not None:
            return self.ring
        ring: FunctionTracer = kernel.tracing.ftrace
        return ring

    @property
    def dir(self) -> str:
        return TRACING_DIR.rstrip("/") + (f"/instances/{self.name}" if self.name else "")

    def to_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "addr": self.addr,
            "ref": self.ref,
            "files": [[ev, f] for ev, f in self.files.items()],
            "ring": None if self.ring is None else self.ring.to_data(),
        }

    @classmethod
    def from_data(cls, d: dict[str, Any]) -> TraceArray:
        ring = None if d.get("ring") is None else FunctionTracer.from_data(d["ring"])
        files = {int(ev): int(f) for ev, f in d.get("files", [])}
        return cls(str(d["name"]), int(d["addr"]), int(d["ref"]), files, ring)


class TraceEvents(Component):
    """The events and the trace arrays they are enabled in."""

    name = "trace_events"

    def __init__(self, kernel: Any):
        from lkmsh.kernel.trace_files import TraceFiles

        self.kernel = kernel
        self.registry = EventRegistry(kernel)
        self.recorder = Recorder(kernel)
        self.arrays: dict[str, TraceArray] = {"": TraceArray("")}
        self.files = TraceFiles(self)
        self.files.add_array(self.arrays[""])

    @property
    def top(self) -> TraceArray:
        return self.arrays[""]

    # -- modules ----------------------------------------------------------------------
    def module_coming(self, module: Module) -> None:
        self.kernel.tracepoints.module_coming(module)
        for ev in self.registry.module_coming(module):
            for arr in self.arrays.values():
                self.files.add_event(arr, ev)

    def module_going(self, module: Module) -> list[Report]:
        gone = [e for e in self.registry.events.values() if e.module == module.name]
        for ev in gone:
            for arr in self.arrays.values():
                self._drop_file(arr, ev)
                self.files.remove_event(arr, ev)
        self.registry.module_going(module)
        if gone:  # tracing_reset_all_online_cpus(): old records would name a reused id
            for arr in self.arrays.values():
                arr.ring_of(self.kernel).clear()
        for arr in self.arrays.values():
            self.files.prune_systems(arr)
        return []

    def _drop_file(self, arr: TraceArray, ev: EventCall) -> None:
        f = arr.files.pop(ev.addr, 0)
        if f:
            self.registry.switch(ev, f, False)
            self.kernel.heap.free(f)

    # -- enabling -----------------------------------------------------------------------
    def file_of(self, arr: TraceArray, ev: EventCall) -> int:
        f = arr.files.get(ev.addr, 0)
        if not f:
            f = self.registry.new_file(ev, arr.addr)
            if f:
                arr.files[ev.addr] = f
        return f

    def enabled(self, arr: TraceArray, ev: EventCall) -> bool:
        f = arr.files.get(ev.addr, 0)
        if not f:
            return False
        return bool(self.kernel.mem.read_u64(f + EVENT_FILE.off("flags")) & EVENT_FILE_FL_ENABLED)

    def enable(self, arr: TraceArray, ev: EventCall, on: bool) -> int:
        if not on and ev.addr not in arr.files:
            return 0
        f = self.file_of(arr, ev)
        if not f:
            return -E.ENOMEM
        return self.registry.switch(ev, f, on)

    def set_clr(self, arr: TraceArray, system: str | None, event: str | None, on: bool) -> int:
        """__ftrace_set_clr_event(): -EINVAL when nothing matched, else the first error
        (the events after it are still switched), else 0."""
        matched, first_err = False, 0
        for ev in self.registry.find(system, event):
            matched = True
            r = self.enable(arr, ev, on)
            if r and not first_err:
                first_err = r
        return first_err if matched else -E.EINVAL

    def array_of_file(self, file: int) -> tuple[TraceArray, EventCall] | None:
        for arr in self.arrays.values():
            for ev_addr, f in arr.files.items():
                if f == file:
                    ev = self.registry.events.get(ev_addr)
                    return (arr, ev) if ev is not None else None
        return None

    # -- instances (trace_array_get_by_name and friends) ---------------------------------
    def by_addr(self, addr: int) -> TraceArray | None:
        return next((a for a in self.arrays.values() if a.addr == addr and a.name), None)

    def get_by_name(self, name: str) -> TraceArray | None:
        arr = self.arrays.get(name) if name else None
        if arr is None:
            arr = self.create(name)
            if arr is None:
                return None
        arr.ref += 1
        return arr

    def create(self, name: str) -> TraceArray | None:
        """trace_array_create(): a new instance, its directory and every event's files."""
        if not name or "/" in name or len(name) > MAX_INSTANCE_NAME or name in self.arrays:
            return None
        k = self.kernel
        addr = k.heap.alloc(TRACE_ARRAY_SIZE, KERNEL_OWNER, zero=True, managed=True)
        if not addr:
            return None
        name_at = k.heap.alloc(len(name) + 1, KERNEL_OWNER, zero=True, managed=True)
        if name_at:
            k.mem.write(name_at, name.encode() + b"\0")
            k.mem.write_u64(addr, name_at)
        ring = FunctionTracer()
        ring.printk_used = True  # an instance's printk has no banner
        arr = TraceArray(name, addr, 0, {}, ring)
        self.arrays[name] = arr
        self.files.add_array(arr)
        for ev in self.registry.ordered():
            self.files.add_event(arr, ev)
        return arr

    def put(self, arr: TraceArray) -> bool:
        """trace_array_put(): False when the count was already 0 (Linux WARNs)."""
        if arr.ref <= 0:
            return False
        arr.ref -= 1
        return True

    def destroy(self, arr: TraceArray) -> int:
        """__remove_instance(): -EBUSY while someone else holds it."""
        if arr.ref > 1:
            return -E.EBUSY
        for ev_addr in list(arr.files):
            ev = self.registry.events.get(ev_addr)
            if ev is not None:
                self._drop_file(arr, ev)
        self.files.remove_array(arr)
        del self.arrays[arr.name]
        k = self.kernel
        name_at = k.mem.read_u64(arr.addr)
        if name_at:
            k.heap.free(name_at)
        k.heap.free(arr.addr)
        return 0

    # -- state -----------------------------------------------------------------------
    def to_data(self) -> dict[str, Any]:
        return {
            "registry": self.registry.to_data(),
            "arrays": [a.to_data() for a in self.arrays.values()],
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        if not data:
            return
        self.registry.load_data(data.get("registry"))
        self.files.clear()
        self.arrays = {}
        for d in data.get("arrays", []):
            arr = TraceArray.from_data(d)
            self.arrays[arr.name] = arr
        self.arrays.setdefault("", TraceArray(""))
        for arr in self.arrays.values():
            self.files.add_array(arr)
            for ev in self.registry.ordered():
                self.files.add_event(arr, ev)
