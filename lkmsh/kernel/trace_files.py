"""The tracefs files of trace arrays and events, as Linux 6.1's trace.c and trace_events.c.

Each trace array's directory (/sys/kernel/tracing, instances/NAME) has
``trace`` (reading it runs the events' output functions; writing it clears
the buffer), ``set_event`` and ``events/``: ``events/enable``, one directory
per system with its ``enable``, and one per event with ``enable``,
``format``, ``id`` and ``filter``. The files are derived: they are made again
from the registry and the arrays after a restore.
"""

from __future__ import annotations

import errno as E
import os
import stat as S
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.trace_events import EventCall, format_text
from lkmsh.kernel.vfs import File, FileError, TextFile

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.trace_instances import TraceArray, TraceEvents


class TraceText(TextFile):
    """A tracefs file whose text may come from module code (an event's output).

    @truncate runs when the file is opened for writing with O_TRUNC (``echo >``):
    the trace file empties its buffer, set_event disables every event, as Linux's.
    """

    runs_module_code = True

    def __init__(self, show: Any, store: Any = None, truncate: Any = None):
        super().__init__(show, store)
        self.truncate = truncate

    def open(self, kernel: Kernel, file: File) -> None:
        if self.truncate is not None and file.writable and file.flags & os.O_TRUNC:
            self.truncate(kernel)
        super().open(kernel, file)


def _bool_word(data: bytes, what: str) -> bool:
    """kstrtoul_from_user() and 0/1, as event_enable_write() takes them."""
    word = data.decode(errors="replace").strip()
    if word not in ("0", "1"):
        raise FileError(f"{what}: Invalid argument", E.EINVAL)
    return word == "1"


def _failed(ret: int, what: str) -> None:
    if ret < 0:
        raise FileError(f"{what}: {os.strerror(-ret)}", -ret)


class TraceFiles:
    """Registers and removes the files of one TraceEvents component."""

    def __init__(self, events: TraceEvents):
        self.events = events
        self.vfs = events.kernel.vfs

    def _add(
        self, path: str, show: Any, store: Any = None, mode: int = 0, truncate: Any = None
    ) -> None:
        if self.vfs.lookup(path) is None:
            ops = TraceText(show, store, truncate)
            self.vfs.add(path, ops, S.S_IFREG | (mode or (0o644 if store else 0o444)))

    # -- a trace array ---------------------------------------------------------------
    def add_array(self, arr: TraceArray) -> None:
        d = arr.dir
        self.vfs.mkdir(d, 0o755)
        self.vfs.mkdir(f"{d}/events", 0o755)
        if not arr.name:
            self.vfs.mkdir(f"{d}/instances", 0o755)
            self._add(f"{d}/available_events", lambda k: self._available())
        else:
            self._add(f"{d}/tracing_on", lambda k: self._tracing_on(arr), self._store_on(arr))
            self._add(f"{d}/current_tracer", lambda k: b"nop\n")
        name = arr.name
        self._add(
            f"{d}/trace",
            lambda k: self._trace(name),
            lambda k, data: len(data),  # tracing_write_stub(): the open cleared it
            truncate=lambda k: self._clear(name),
        )
        self._add(
            f"{d}/set_event",
            lambda k: self._set_event(name),
            self._store_set_event(name),
            truncate=lambda k: self.events.set_clr(self._array(name), None, None, False),
        )
        self._add(f"{d}/trace_marker", lambda k: b"", self._store_marker(name), mode=0o220)
        self._add(
            f"{d}/events/enable",
            lambda k: self._enable_word(name, None, None),
            lambda k, data: self._write_enable(name, None, None, data),
        )

    def remove_array(self, arr: TraceArray) -> None:
        self.vfs.remove(arr.dir)

    def clear(self) -> None:
        """Forget every instance's directory (a restore makes them again)."""
        self.vfs.remove(self.events.top.dir + "/instances")
        self.vfs.remove(self.events.top.dir + "/events")

    def _array(self, name: str) -> TraceArray:
        arr = self.events.arrays.get(name)
        if arr is None:
            raise FileError("trace instance is gone", E.ENODEV)
        return arr

    def _trace(self, name: str) -> bytes:
        from lkmsh.kernel.trace_output import trace_text

        arr = self._array(name)
        ring = arr.ring_of(self.events.kernel)
        tracer = ring.tracer if not name else "nop"
        k = self.events.kernel
        return trace_text(
            k, self.events.registry, ring.ring, ring.written, tracer, arr.addr
        ).encode("utf-8", "replace")

    def _clear(self, name: str) -> int:
        self._array(name).ring_of(self.events.kernel).clear()
        return 1

    def _store_marker(self, name: str) -> Any:
        def store(k: Kernel, data: bytes) -> int:
            """tracing_mark_write(): the text as a print record of the writer's task."""
            from lkmsh.kernel.trace import TraceEntry
            from lkmsh.kernel.trace_output import current_task

            ring = self._array(name).ring_of(k)
            if not ring.on:
                return len(data)
            comm, pid = current_task(k)
            text = data[:4096].decode("utf-8", "replace")
            ring.record(
                TraceEntry(
                    k.clock.ns(),
                    comm,
                    pid,
                    "",
                    [],
                    None,
                    0,
                    "tracing_mark_write",
                    "tracing_mark_write",
                    None,
                    message=text,
                )  # fmt: skip
            )
            return len(data)

        return store

    def _tracing_on(self, arr: TraceArray) -> bytes:
        return b"1\n" if arr.ring_of(self.events.kernel).on else b"0\n"

    def _store_on(self, arr: TraceArray) -> Any:
        def store(k: Kernel, data: bytes) -> int:
            arr.ring_of(k).on = _bool_word(data, "tracing_on")
            return len(data)

        return store

    def _available(self) -> bytes:
        return "".join(f"{e.system}:{e.name}\n" for e in self.events.registry.ordered()).encode()

    def _set_event(self, name: str) -> bytes:
        arr = self._array(name)
        evs = self.events
        return "".join(
            f"{e.system}:{e.name}\n" for e in evs.registry.ordered() if evs.enabled(arr, e)
        ).encode()

    def _store_set_event(self, name: str) -> Any:
        def store(k: Kernel, data: bytes) -> int:
            """ftrace_set_clr_event(): "[!][system:]event" per line, '*' for all."""
            arr = self._array(name)
            for word in data.decode(errors="replace").split():
                on = not word.startswith("!")
                word = word.lstrip("!")
                system, _, event = word.rpartition(":")
                ret = self.events.set_clr(
                    arr, system or None, None if event in ("", "*") else event, on
                )
                _failed(ret, "set_event")
            return len(data)

        return store

    # -- events ------------------------------------------------------------------------
    def add_event(self, arr: TraceArray, ev: EventCall) -> None:
        d = f"{arr.dir}/events/{ev.system}"
        name, system, event = arr.name, ev.system, ev.name
        if self.vfs.lookup(d) is None:
            self.vfs.mkdir(d, 0o755)
            self._add(
                f"{d}/enable",
                lambda k: self._enable_word(name, system, None),
                lambda k, data: self._write_enable(name, system, None, data),
            )
        e = f"{d}/{ev.name}"
        self.vfs.mkdir(e, 0o755)
        addr = ev.addr
        self._add(
            f"{e}/enable",
            lambda k: self._enable_word(name, system, event, addr),
            lambda k, data: self._write_enable(name, system, event, data, addr),
        )
        self._add(f"{e}/format", lambda k: self._format(addr))
        self._add(f"{e}/id", lambda k: f"{self._event(addr).id}\n".encode())
        self._add(f"{e}/filter", lambda k: b"none\n", self._store_filter)

    def remove_event(self, arr: TraceArray, ev: EventCall) -> None:
        self.vfs.remove(f"{arr.dir}/events/{ev.system}/{ev.name}")

    def prune_systems(self, arr: TraceArray) -> None:
        systems = set(self.events.registry.systems())
        node = self.vfs.lookup(f"{arr.dir}/events")
        if node is None:
            return
        for child in list(node.children.values()):
            if child.is_dir and child.name not in systems:
                self.vfs.remove(f"{arr.dir}/events/{child.name}")

    def _event(self, addr: int) -> EventCall:
        ev = self.events.registry.events.get(addr)
        if ev is None:
            raise FileError("event is gone", E.ENODEV)
        return ev

    def _format(self, addr: int) -> bytes:
        return format_text(self._event(addr)).encode("utf-8", "replace")

    def _enable_word(
        self, name: str, system: str | None, event: str | None, addr: int = 0
    ) -> bytes:
        """An event's "0"/"1"; a system's (or all events') "0", "1", "X" for a mix, or
        "?" when there is none."""
        arr = self._array(name)
        evs = self.events
        if addr:
            return b"1\n" if evs.enabled(arr, self._event(addr)) else b"0\n"
        states = {evs.enabled(arr, e) for e in evs.registry.find(system, event)}
        if len(states) > 1:
            return b"X\n"
        if not states:  # system_enable_read()'s '?': no event to say anything of
            return b"?\n"
        return b"1\n" if states == {True} else b"0\n"

    def _write_enable(
        self, name: str, system: str | None, event: str | None, data: bytes, addr: int = 0
    ) -> int:
        on = _bool_word(data, "enable")
        arr = self._array(name)
        if addr:
            _failed(self.events.enable(arr, self._event(addr), on), "enable")
        else:
            ret = self.events.set_clr(arr, system, event, on)
            if system is not None:
                _failed(ret, "enable")
        return len(data)

    @staticmethod
    def _store_filter(k: Kernel, data: bytes) -> int:
        """Only clearing a filter ("0") is taken: lkmsh has no event filters."""
        if data.decode(errors="replace").strip() != "0":
            raise FileError("filter: Invalid argument", E.EINVAL)
        return len(data)
