"""Interrupt lines: descriptors, handlers modules request, and raising an interrupt.

Two interrupt controllers, both virtual: ``lkmsh-pic`` with lines 1-31 for
drivers that request a fixed IRQ number (the shell's ``irq N`` raises one),
and ``lkmsh-gpio`` with one line per GPIO pin (gpio.py raises it on the
edges the handler asked for). As Linux's genirq: ``request_threaded_irq``
adds an action (several on one line only when all say IRQF_SHARED), raising
a line runs every action's handler in hard-IRQ context (``hardirq_depth``
counts the nesting; ``preempt_count`` shows it to module code as
HARDIRQ_OFFSET), a handler returning IRQ_WAKE_THREAD gets its thread
function run next in process context, ``disable_irq`` nests and a raise
while disabled is replayed on the last ``enable_irq`` (IRQS_PENDING), and
``/proc/interrupts`` counts per line in Linux's layout.
"""

from __future__ import annotations

import errno as E
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.snapshot import typed

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

IRQF_TRIGGER_RISING = 0x01
IRQF_TRIGGER_FALLING = 0x02
IRQF_TRIGGER_HIGH = 0x04
IRQF_TRIGGER_LOW = 0x08
IRQF_TRIGGER_MASK = 0x0F
IRQF_SHARED = 0x80
IRQF_PROBE_SHARED = 0x100
IRQF_ONESHOT = 0x2000
IRQF_COND_SUSPEND = 0x40000
IRQF_NO_AUTOEN = 0x80000

IRQ_NONE, IRQ_HANDLED, IRQ_WAKE_THREAD = 0, 1, 2
HARDIRQ_OFFSET = 1 << 16
SOFTIRQ_OFFSET = 1 << 8

PIC_LINES = range(1, 32)
GPIO_IRQ_BASE = 64
GPIO_LINES = 64
#: descriptors exist for 0..NR_IRQS-1 (the width of /proc/interrupts' first column)
NR_IRQS = GPIO_IRQ_BASE + GPIO_LINES


class IrqError(KernelError):
    """A request the interrupt layer refuses, with Linux's errno."""


@dataclass
class IrqAction:
    """One requested handler (``struct irqaction``): addresses in module memory."""

    handler: int
    thread_fn: int
    flags: int
    name: str
    name_addr: int
    dev_id: int
    owner: str


@dataclass
class IrqDesc:
    irq: int
    chip: str
    hwirq: int
    actions: list[IrqAction] = field(default_factory=list)
    count: int = 0
    depth: int = 0  # disable_irq nesting
    pending: bool = False  # raised while disabled (IRQS_PENDING)

    @property
    def trigger(self) -> int:
        return self.actions[0].flags & IRQF_TRIGGER_MASK if self.actions else 0

    @property
    def level(self) -> bool:
        return bool(self.trigger & (IRQF_TRIGGER_HIGH | IRQF_TRIGGER_LOW))


class IrqTable(Component):
    name = "irq"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.hardirq_depth = 0
        self.descs: dict[int, IrqDesc] = {}
        for irq in PIC_LINES:
            self.descs[irq] = IrqDesc(irq, "lkmsh-pic", irq)
        for pin in range(GPIO_LINES):
            self.descs[GPIO_IRQ_BASE + pin] = IrqDesc(GPIO_IRQ_BASE + pin, "lkmsh-gpio", pin)

    @property
    def preempt_count(self) -> int:
        """HARDIRQ_OFFSET per hard-IRQ handler running, SOFTIRQ_OFFSET while a softirq
        (a tasklet, a timer) is served: in_interrupt(), in_softirq() and in_task() read it."""
        sched = getattr(self.kernel, "sched", None)
        serving = SOFTIRQ_OFFSET if sched is not None and sched.in_softirq else 0
        return self.hardirq_depth * HARDIRQ_OFFSET + serving

    # -- requesting -------------------------------------------------------------

    def request(self, irq: int, action: IrqAction) -> None:
        """request_threaded_irq's checks and Linux's messages; raises IrqError(-errno)."""
        flags = action.flags
        if (
            (flags & IRQF_SHARED and not action.dev_id)
            or (flags & IRQF_SHARED and flags & IRQF_NO_AUTOEN)
            or (not flags & IRQF_SHARED and flags & IRQF_COND_SUSPEND)
        ):
            raise IrqError("bad flags", E.EINVAL)
        desc = self.descs.get(irq)
        if desc is None:
            raise IrqError(f"no IRQ {irq}", E.EINVAL)
        if not action.handler:
            if not action.thread_fn:
                raise IrqError("no handler", E.EINVAL)
            if not flags & IRQF_ONESHOT:
                self.kernel.log.emit(
                    3,
                    f"genirq: Threaded irq requested with handler=NULL and !ONESHOT "
                    f"for {action.name} (irq {irq})",
                )
                raise IrqError("handler=NULL and !ONESHOT", E.EINVAL)
        if desc.actions:
            old = desc.actions[0]
            if not (old.flags & flags & IRQF_SHARED) or ((old.flags ^ flags) & IRQF_TRIGGER_MASK):
                if not flags & IRQF_PROBE_SHARED:
                    self.kernel.log.emit(
                        3,
                        f"genirq: Flags mismatch irq {irq}. {flags:08x} ({action.name}) "
                        f"vs. {old.flags:08x} ({old.name})",
                    )
                raise IrqError("busy", E.EBUSY)
        desc.actions.append(action)
        if flags & IRQF_NO_AUTOEN and len(desc.actions) == 1:
            desc.depth = 1

    def free(self, irq: int, dev_id: int) -> IrqAction | None:
        """Remove the action with ``dev_id``; None if there is none (Linux warns)."""
        desc = self.descs.get(irq)
        if desc is None:
            return None
        for i, act in enumerate(desc.actions):
            if act.dev_id == dev_id:
                del desc.actions[i]
                if not desc.actions:
                    desc.depth, desc.pending = 0, False
                return act
        return None

    # -- raising --------------------------------------------------------------------

    def raise_irq(self, irq: int) -> int:
        """Deliver one interrupt; how many handlers said IRQ_HANDLED (or woke a thread)."""
        desc = self.descs.get(irq)
        if desc is None:
            raise IrqError(f"no IRQ {irq}", E.EINVAL)
        desc.count += 1
        if desc.depth:
            desc.pending = True
            return 0
        handled = 0
        for act in list(desc.actions):
            ret = IRQ_WAKE_THREAD
            owner = self.kernel.module_find(act.owner)
            with self.kernel.running(owner):
                if act.handler:
                    self.hardirq_depth += 1
                    try:
                        ret = self.kernel.call(act.handler, [irq, act.dev_id]) & 0xFFFFFFFF
                    finally:
                        self.hardirq_depth -= 1
                if ret & IRQ_WAKE_THREAD and act.thread_fn:
                    ret = self.kernel.call(act.thread_fn, [irq, act.dev_id]) & 0xFFFFFFFF
            if ret & (IRQ_HANDLED | IRQ_WAKE_THREAD):
                handled += 1
        return handled

    def disable(self, irq: int) -> None:
        desc = self.descs.get(irq)
        if desc is not None:
            desc.depth += 1

    def enable(self, irq: int) -> bool:
        """False when unbalanced (Linux warns); a pending interrupt is delivered now."""
        desc = self.descs.get(irq)
        if desc is None or desc.depth == 0:
            return False
        desc.depth -= 1
        if desc.depth == 0 and desc.pending:
            desc.pending = False
            desc.count -= 1  # counted once already, when it was raised
            self.raise_irq(irq)
        return True

    # -- /proc/interrupts ---------------------------------------------------------

    def proc_interrupts(self) -> str:
        """kernel/irq/proc.c's show_interrupts, one CPU, CONFIG_GENERIC_IRQ_SHOW_LEVEL."""
        prec, j = 3, 1000
        while prec < 10 and j <= NR_IRQS:
            prec, j = prec + 1, j * 10
        out = [f"{'':{prec + 8}}CPU{0:<8}\n"]
        for irq in sorted(self.descs):
            d = self.descs[irq]
            if not d.actions and not d.count:
                continue
            line = f"{irq:{prec}}: {d.count:10} {d.chip:>8} {d.hwirq:{prec}} "
            line += f"{'Level' if d.level else 'Edge':<8}"
            if d.actions:
                line += "  " + ", ".join(a.name for a in d.actions)
            out.append(line + "\n")
        return "".join(out)

    # -- component --------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            str(irq): {**asdict(d), "actions": [asdict(a) for a in d.actions]}
            for irq, d in self.descs.items()
            if d.actions or d.count or d.depth
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        for key, item in (data or {}).items():
            desc = self.descs.get(int(key))
            if desc is None:
                continue
            desc.actions = [typed(IrqAction, a, "irq action") for a in item.get("actions", [])]
            desc.count = int(item.get("count", 0))
            desc.depth = int(item.get("depth", 0))
            desc.pending = bool(item.get("pending", False))

    def module_going(self, module: Any) -> list[Report]:
        """A handler left requested would run freed code: free it, and say so."""
        out: list[Report] = []
        for desc in self.descs.values():
            for act in [a for a in desc.actions if a.owner == module.name]:
                self.free(desc.irq, act.dev_id)
                out.append(
                    (4, f"{module.name}: freeing IRQ {desc.irq} ({act.name}) it did not free")
                )
        return out
