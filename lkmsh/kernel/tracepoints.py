"""Tracepoints, as Linux 6.1's kernel/tracepoint.c: probes on named hooks.

A tracepoint is a ``struct tracepoint`` (<linux/tracepoint-defs.h>): a
module's are in its ``__tracepoints`` section, listed by pointers in
``__tracepoints_ptrs`` (read when the module comes); the kernel's own (the
scheduler's ``sched_switch`` and ``sched_waking``, ...) are made in kernel
memory when first asked for. Registering a probe rewrites the tracepoint's
``funcs`` array (NULL-terminated, by priority, in kernel memory) and its key,
which module code reads in ``trace_NAME()``; the first probe runs the
tracepoint's ``regfunc``, the last one gone its ``unregfunc``, as Linux's.

The kernel fires its own tracepoints from Python (``fire``): each probe is
module code, called with the probe's data and the tracepoint's arguments.
"""

from __future__ import annotations

import errno as E
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.errors import BadAddress
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.heap import KERNEL_OWNER

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module

TRACEPOINT = cstruct(
    "struct tracepoint",
    "linux/tracepoint-defs.h",
    64,
    name=(0, 8),
    key=(8, 4),
    regfunc=(40, 8),
    unregfunc=(48, 8),
    funcs=(56, 8),
)
TP_FUNC = cstruct(
    "struct tracepoint_func", "linux/tracepoint-defs.h", 24, func=(0, 8), data=(8, 8), prio=(16, 4)
)
OFF_NAME = TRACEPOINT.off("name")
OFF_KEY = TRACEPOINT.off("key")
OFF_REGFUNC = TRACEPOINT.off("regfunc")
OFF_UNREGFUNC = TRACEPOINT.off("unregfunc")
OFF_FUNCS = TRACEPOINT.off("funcs")
TRACEPOINTS_PTRS = "__tracepoints_ptrs"
DEFAULT_PRIO = 10  # TRACEPOINT_DEFAULT_PRIO
#: the kernel's own tracepoints (kernel/sched/core.c's), in their section's order
KERNEL_TRACEPOINTS = ("sched_switch", "sched_wakeup", "sched_wakeup_new", "sched_waking")
NAME_ROOM = 32  # bytes kept for each kernel tracepoint's name


@dataclass
class Probe:
    """A function attached to a tracepoint, with its data and priority."""

    func: int
    data: int
    prio: int


def _signed32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


class Tracepoints(Component):
    """Every tracepoint's probes, kept here and mirrored into its ``funcs`` array."""

    name = "tracepoints"

    def __init__(self, kernel: Any):
        self.kernel = kernel
        self.probes: dict[int, list[Probe]] = {}  # tracepoint -> probes, in call order
        self.arrays: dict[int, int] = {}  # tracepoint -> its funcs array (kernel heap)
        self.by_module: dict[str, list[int]] = {}  # a module's tracepoints
        self.kernel_tps: dict[str, int] = {}  # the kernel's own, once made
        self.block = 0  # the heap block holding the kernel's own

    # -- which tracepoints there are ------------------------------------------------
    def kernel_tracepoints(self) -> dict[str, int]:
        """The kernel's tracepoints by name (made in kernel memory at first use)."""
        if not self.kernel_tps:
            n = len(KERNEL_TRACEPOINTS)
            heap, mem = self.kernel.heap, self.kernel.mem
            size = n * (TRACEPOINT.size + NAME_ROOM)
            block = heap.alloc(size, KERNEL_OWNER, zero=True, managed=True)
            if not block:
                return {}
            self.block = block
            names = block + n * TRACEPOINT.size
            for i, tp_name in enumerate(KERNEL_TRACEPOINTS):
                tp, at = block + i * TRACEPOINT.size, names + i * NAME_ROOM
                mem.write(at, tp_name.encode() + b"\0")
                mem.write_u64(tp + OFF_NAME, at)
                self.kernel_tps[tp_name] = tp
        return self.kernel_tps

    def name_of(self, tp: int) -> str | None:
        try:
            at = self.kernel.mem.read_u64(tp + OFF_NAME)
            return self.kernel.mem.read_cstr(at, 256).decode("utf-8", "replace") if at else None
        except BadAddress:
            return None

    def module_coming(self, module: Module) -> None:
        """tracepoint_module_coming(): the module's __tracepoints_ptrs."""
        mem = self.kernel.mem
        tps: list[int] = []
        for p in module.placements:
            if p.name == TRACEPOINTS_PTRS:
                tps += [mem.read_u64(p.addr + 8 * i) for i in range(p.size // 8)]
        if tps:
            self.by_module[module.name] = [tp for tp in tps if tp]

    # -- probes -------------------------------------------------------------------
    def register(self, tp: int, func: int, data: int, prio: int = DEFAULT_PRIO) -> int:
        """tracepoint_add_func(): 0, -EEXIST for a probe already there, or regfunc's error."""
        if not func:
            return -E.EINVAL
        probes = self.probes.get(tp, [])
        if any(p.func == func and p.data == data for p in probes):
            return -E.EEXIST
        if not probes:
            ret = self._regfunc(tp, OFF_REGFUNC)
            if ret < 0:
                return ret
        # higher priority first; equal priorities in the order they came
        at = next((i for i, p in enumerate(probes) if prio > p.prio), len(probes))
        self.probes[tp] = [*probes[:at], Probe(func, data, prio), *probes[at:]]
        self._publish(tp)
        return 0

    def unregister(self, tp: int, func: int, data: int) -> int:
        """tracepoint_remove_func(): 0, or -ENOENT for a probe not registered."""
        probes = self.probes.get(tp, [])
        left = [p for p in probes if not (p.func == func and p.data == data)]
        if len(left) == len(probes):
            return -E.ENOENT
        if left:
            self.probes[tp] = left
        else:
            self.probes.pop(tp, None)
        self._publish(tp)
        if not left:
            self._regfunc(tp, OFF_UNREGFUNC)
        return 0

    def _regfunc(self, tp: int, off: int) -> int:
        from lkmsh.kernel.sysfs import call_module_code

        try:
            fn = self.kernel.mem.read_u64(tp + off)
        except BadAddress:
            return 0
        if not fn:
            return 0
        ret = call_module_code(self.kernel, fn, [])
        return _signed32(ret) if off == OFF_REGFUNC else 0

    def _publish(self, tp: int) -> None:
        """The probe array and the key as module code reads them."""
        heap, mem = self.kernel.heap, self.kernel.mem
        old = self.arrays.pop(tp, 0)
        probes = self.probes.get(tp, [])
        array = 0
        if probes:
            array = heap.alloc((len(probes) + 1) * TP_FUNC.size, KERNEL_OWNER, zero=True)
            for i, p in enumerate(probes):
                at = array + i * TP_FUNC.size
                mem.write_u64(at, p.func)
                mem.write_u64(at + 8, p.data)
                mem.write_u32(at + 16, p.prio & 0xFFFFFFFF)
            self.arrays[tp] = array
        try:
            mem.write_u64(tp + OFF_FUNCS, array)
            mem.write_u32(tp + OFF_KEY, 1 if probes else 0)
        except BadAddress:
            pass  # the tracepoint's module is gone
        if old:
            heap.free(old)

    def has_probes(self, name: str) -> bool:
        tp = self.kernel_tps.get(name)
        return tp is not None and tp in self.probes

    def fire(self, name: str, args: Iterable[int], context: tuple[int, int] | None = None) -> None:
        """A kernel tracepoint is hit: each probe runs with (data, args...). @context is
        the (flags, preempt count) of a record a probe makes (interrupts off, locks held)."""
        from lkmsh.kernel.sysfs import call_module_code

        tp = self.kernel_tps.get(name)
        if tp is None:
            return
        args = list(args)
        recorder = self.kernel.trace_events.recorder
        saved, recorder.context = recorder.context, context
        try:
            for p in list(self.probes.get(tp, ())):
                call_module_code(self.kernel, p.func, [p.data, *args])
        finally:
            recorder.context = saved

    # -- unload and state ------------------------------------------------------------
    def module_going(self, module: Module) -> list[Report]:
        """The module's tracepoints go, and so do probes left in its code."""
        for tp in self.by_module.pop(module.name, []):
            if self.probes.pop(tp, None) is not None:
                self._publish(tp)
        for tp, probes in list(self.probes.items()):
            left = [p for p in probes if not module.contains(p.func)]
            if len(left) != len(probes):
                if left:
                    self.probes[tp] = left
                else:
                    self.probes.pop(tp)
                self._publish(tp)
        return []

    def to_data(self) -> dict[str, Any]:
        return {
            "probes": [
                [tp, [[p.func, p.data, p.prio] for p in ps]] for tp, ps in self.probes.items()
            ],
            "arrays": [[tp, a] for tp, a in self.arrays.items()],
            "modules": dict(self.by_module),
            "kernel": dict(self.kernel_tps),
            "block": self.block,
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        if not data:
            return
        self.probes = {
            int(tp): [Probe(int(f), int(d), int(pr)) for f, d, pr in ps]
            for tp, ps in data["probes"]
        }
        self.arrays = {int(tp): int(a) for tp, a in data["arrays"]}
        self.by_module = {str(m): [int(t) for t in tps] for m, tps in data["modules"].items()}
        self.kernel_tps = {str(n): int(a) for n, a in data["kernel"].items()}
        self.block = int(data.get("block", 0))
