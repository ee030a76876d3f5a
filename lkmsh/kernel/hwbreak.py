"""Hardware breakpoints (<linux/hw_breakpoint.h>): a perf event on a data address.

Linux programs a debug register (x86's DR0-DR3, arm64's watchpoint and
breakpoint registers) and runs the event's overflow handler when the CPU
touches the range. lkmsh's CPU is unicorn, so a data breakpoint is a memory
hook on the watched bytes (cpu.py's ``set_watch``): when module or kernel
library code reads or writes them, the access completes, then the handler
runs on a ``struct pt_regs`` of that code, as x86's trap after the access
(arm64 reports the access's own pc, as its watchpoint exception does). The
kernel variables lkmsh itself writes for module code to read (``jiffies``,
refreshed from the clock) trigger a write breakpoint too, as Linux's timer
tick does, once per refresh that changes them. An execute breakpoint is a
probe at the instruction (kprobes.py's hook), before it runs.

Linux's limits: x86-64 has four debug registers for every kind, no read-only
watch, lengths 1, 2, 4, 8 aligned to themselves, an execute breakpoint of
``sizeof(long)``; arm64 (as a Cortex-A core) six breakpoints and four
watchpoints, a watch of up to 8 bytes within one 8-byte granule, an execute
breakpoint on a 4-byte aligned instruction. Out of registers: -ENOSPC; a bad shape: -EINVAL.
"""

from __future__ import annotations

import errno as E
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.heap import KERNEL_OWNER

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.module import Module

PERF_TYPE_BREAKPOINT = 5
HW_BREAKPOINT_R, HW_BREAKPOINT_W, HW_BREAKPOINT_X = 1, 2, 4
HW_BREAKPOINT_RW = HW_BREAKPOINT_R | HW_BREAKPOINT_W

#: struct perf_event_attr (uapi; PERF_ATTR_SIZE_VER7) and lkmsh's struct perf_event
PERF_EVENT_ATTR = cstruct(
    "struct perf_event_attr",
    "linux/perf_event.h",
    128,
    type=(0, 4),
    sample_period=(16, 8),
    bp_type=(52, 4),
    bp_addr=(56, 8),
    bp_len=(64, 8),
)
#: the flags word (disabled is its bit 0)
ATTR_FLAGS = 40
PERF_EVENT = cstruct(
    "struct perf_event",
    "linux/perf_event.h",
    192,
    attr=(16, 128),
    state=(144, 4),
    cpu=(148, 4),
    overflow_handler=(152, 8),
    overflow_handler_context=(160, 8),
)
PERF_SAMPLE_DATA = cstruct(
    "struct perf_sample_data", "linux/perf_event.h", 64, period=(8, 8), addr=(24, 8)
)
PERF_EVENT_STATE_OFF, PERF_EVENT_STATE_ACTIVE = -1, 1
#: debug registers: one pool on x86-64; (execute, data) on arm64
SLOTS = {"x86_64": (4, None), "aarch64": (6, 4)}


@dataclass
class Breakpoint:
    """One registered breakpoint event."""

    event: int  # its struct perf_event
    addr: int
    length: int
    kind: int  # HW_BREAKPOINT_R/W/X bits
    owner: str
    enabled: bool = True
    wide: int = 0  # the per-CPU pointer register_wide_hw_breakpoint returned (0: none)


class HwBreakpoints(Component):
    name = "hw_breakpoint"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.by_event: dict[int, Breakpoint] = {}
        #: a breakpoint's handler is running: its accesses do not trigger again
        self.busy = False

    def to_data(self) -> Any:
        return [asdict(b) for b in self.by_event.values()]

    def load_data(self, data: Any) -> None:
        self.by_event = {b["event"]: Breakpoint(**b) for b in data or ()}

    # -- registration ----------------------------------------------------------

    def check(self, addr: int, length: int, kind: int) -> int:
        """hw_breakpoint_arch_parse() and the register count: 0 or -errno."""
        arch = self.kernel.arch.name
        if kind not in (HW_BREAKPOINT_R, HW_BREAKPOINT_W, HW_BREAKPOINT_RW, HW_BREAKPOINT_X):
            return -E.EINVAL
        if arch == "x86_64":
            if kind == HW_BREAKPOINT_R:
                return -E.EINVAL  # x86 has no read-only data breakpoint
            if kind == HW_BREAKPOINT_X and length != 8:
                return -E.EINVAL
            if length not in (1, 2, 4, 8) or addr & (length - 1):
                return -E.EINVAL
        elif kind == HW_BREAKPOINT_X:
            if addr & 3:  # any length is taken as 4 (arm64 fixes sizeof(long) up)
                return -E.EINVAL
        elif not 1 <= length <= 8 or (addr & 7) + length > 8:
            return -E.EINVAL
        execute, data = SLOTS.get(arch, SLOTS["x86_64"])
        live = [b for b in self.by_event.values() if b.enabled]
        if data is None:
            used, limit = len(live), execute
        elif kind == HW_BREAKPOINT_X:
            used, limit = sum(b.kind == HW_BREAKPOINT_X for b in live), execute
        else:
            used, limit = sum(b.kind != HW_BREAKPOINT_X for b in live), data
        return -E.ENOSPC if used >= limit else 0

    def register(self, attr: int, handler: int, context: int, owner: str) -> int:
        """perf_event_create_kernel_counter() for a breakpoint: the event, or -errno."""
        mem, A, P = self.kernel.mem, PERF_EVENT_ATTR, PERF_EVENT
        if mem.read_u32(attr + A.off("type")) != PERF_TYPE_BREAKPOINT:
            return -E.ENOENT
        addr = mem.read_u64(attr + A.off("bp_addr"))
        length = mem.read_u64(attr + A.off("bp_len"))
        kind = mem.read_u32(attr + A.off("bp_type"))
        disabled = bool(mem.read_u64(attr + ATTR_FLAGS) & 1)
        if not disabled and (err := self.check(addr, length, kind)) < 0:
            return err
        event = self.kernel.heap.alloc(P.size, KERNEL_OWNER, zero=True)
        if not event:
            return -E.ENOMEM
        mem.write(event + P.off("attr"), mem.read(attr, A.size))
        state = PERF_EVENT_STATE_OFF if disabled else PERF_EVENT_STATE_ACTIVE
        mem.write(event + P.off("state"), (state & 0xFFFFFFFF).to_bytes(4, "little"))
        mem.write_u64(event + P.off("overflow_handler"), handler)
        mem.write_u64(event + P.off("overflow_handler_context"), context)
        bp = Breakpoint(event, addr, length, kind, owner, not disabled)
        self.by_event[event] = bp
        self._arm(bp, True)
        return event

    def unregister(self, event: int) -> bool:
        """unregister_hw_breakpoint(); False for what is no breakpoint event."""
        bp = self.by_event.pop(event, None)
        if bp is None:
            return False
        self._arm(bp, False)
        self.kernel.heap.free(event)
        return True

    def _arm(self, bp: Breakpoint, on: bool) -> None:
        cpu = self.kernel._cpu
        if cpu is None or not bp.enabled:
            return
        if bp.kind == HW_BREAKPOINT_X:
            if on:
                cpu.set_probe(bp.addr, True)
            else:
                self.kernel.kprobes.disarm()
            return
        where = self.kernel.mem.translate(bp.addr)
        if where is None:
            return
        if on:
            cpu.set_watch(where[0], bp.length, bool(bp.kind & 1), bool(bp.kind & 2))
        elif not any(self._paddr(b) == where[0] for b in self.by_event.values()):
            cpu.clear_watch(where[0])

    def _paddr(self, bp: Breakpoint) -> int | None:
        if bp.kind == HW_BREAKPOINT_X or not bp.enabled:
            return None
        where = self.kernel.mem.translate(bp.addr)
        return where[0] if where is not None else None

    def arm_all(self) -> None:
        """A new CPU: every enabled breakpoint in its hooks."""
        for bp in self.by_event.values():
            self._arm(bp, True)

    def exec_addresses(self) -> set[int]:
        return {b.addr for b in self.by_event.values() if b.enabled and b.kind == HW_BREAKPOINT_X}

    # -- hits --------------------------------------------------------------------

    def watched(self, accesses: list[tuple[int, int, bool]], regs: list[int]) -> None:
        """One instruction of module code accessed watched bytes: (physical address,
        size, write) each (cpu.py's watch: @regs are after the instruction on x86-64,
        at it on arm64). Each breakpoint fires once for it, as one debug exception."""
        if self.busy:
            return
        mem = self.kernel.mem
        for bp in list(self.by_event.values()):
            if not bp.enabled or bp.kind == HW_BREAKPOINT_X:
                continue
            where = mem.translate(bp.addr)
            if where is not None and any(
                bp.kind & (HW_BREAKPOINT_W if write else HW_BREAKPOINT_R)
                and paddr < where[0] + bp.length
                and where[0] < paddr + size
                for paddr, size, write in accesses
            ):
                self._overflow(bp, regs)

    def executed(self, addr: int, regs: list[int]) -> None:
        """kprobes.py's code hook reached an execute breakpoint's instruction."""
        if self.busy:
            return
        for bp in list(self.by_event.values()):
            if bp.enabled and bp.kind == HW_BREAKPOINT_X and bp.addr == addr:
                self._overflow(bp, regs)

    def kernel_wrote(self, addr: int, size: int) -> None:
        """The kernel refreshed a variable (jiffies): a write breakpoint on it fires."""
        if self.busy or not self.by_event:
            return
        for bp in list(self.by_event.values()):
            data = bp.enabled and bp.kind & HW_BREAKPOINT_W and bp.kind != HW_BREAKPOINT_X
            if data and addr < bp.addr + bp.length and bp.addr < addr + size:
                self._overflow(bp, None)

    def _overflow(self, bp: Breakpoint, regs: list[int] | None) -> None:
        """perf_bp_event(): the event's overflow handler, with sample data and pt_regs."""
        k, mem, P = self.kernel, self.kernel.mem, PERF_EVENT
        handler = mem.read_u64(bp.event + P.off("overflow_handler"))
        if not handler:
            return
        kp = k.kprobes
        if regs is None:  # the kernel's own write: the registers of nothing in particular
            regs = [0] * len(kp.reg_at)
        with self._running(), kp.interrupted_regs(regs) as pt:
            data = k.heap.alloc(PERF_SAMPLE_DATA.size, KERNEL_OWNER, zero=True)
            try:
                mem.write_u64(data + PERF_SAMPLE_DATA.off("period"), 1)
                mem.write_u64(data + PERF_SAMPLE_DATA.off("addr"), bp.addr)
                module = k.module_find(bp.owner) if bp.owner != KERNEL_OWNER else None
                with k.running(module):
                    k.call(handler, [bp.event, data, pt])
            finally:
                k.heap.free(data)

    @contextmanager
    def _running(self) -> Iterator[None]:
        self.busy = True
        try:
            yield
        finally:
            self.busy = False

    # -- unload ----------------------------------------------------------------------

    def module_going(self, module: Module) -> list[Report]:
        """A module's breakpoints go with it, said so (Linux would call freed code);
        breakpoints on its memory stop watching it."""
        reports: list[Report] = []
        for bp in list(self.by_event.values()):
            handler = self.kernel.mem.read_u64(bp.event + PERF_EVENT.off("overflow_handler"))
            if bp.owner == module.name or module.contains(handler):
                where = self.kernel.symbolize(bp.addr)
                reports.append(
                    (4, f"{module.name}: hw_breakpoint at {where} still registered at unload;"
                     " unregistered")
                )  # fmt: skip
                self.unregister(bp.event)
            elif module.contains(bp.addr):
                self._arm(bp, False)
                bp.enabled = False
        return reports
