"""A virtual GPIO bank (gpiochip0, 64 lines) and the parts the shell wires to it.

The kernel side is gpiolib's: a line is requested with a label, set as an
input or an output, read and written; each line has an interrupt
(``gpio_to_irq``: irq.py's ``lkmsh-gpio`` controller) that fires on the edges
its handler asked for. The outside world is the shell's: it drives input
lines (``gpio set``), presses a button attached to one, or attaches a DHT11
sensor that answers the one-wire protocol with the datasheet's timing in the
kernel's (virtual) time, so a driver that bit-bangs with ``udelay`` reads the
temperature and humidity the user gave. Changes of every line are logged
with their time for ``gpio watch``.
"""

from __future__ import annotations

import errno as E
from collections import deque
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.irq import (
    GPIO_IRQ_BASE,
    GPIO_LINES,
    IRQF_TRIGGER_FALLING,
    IRQF_TRIGGER_HIGH,
    IRQF_TRIGGER_LOW,
    IRQF_TRIGGER_MASK,
    IRQF_TRIGGER_RISING,
)
from lkmsh.kernel.snapshot import typed

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

CHIP = "gpiochip0"
CHIP_LABEL = "lkmsh-gpio"
#: how many line changes ``gpio watch`` can show
EVENTS_KEPT = 1000
PERIPHERALS = ("button", "led", "dht11")


class GpioError(KernelError):
    """A gpio operation refused with Linux's errno."""


@dataclass
class Line:
    pin: int
    label: str | None = None  # the consumer's label while requested
    owner: str | None = None  # the module that requested it
    output: bool = False
    value: int = 0  # the level on the wire
    active_low: bool = False
    #: what the shell attached: {"kind": "led"|"button"|"dht11", ...}
    peripheral: dict[str, Any] | None = None
    released_ns: int = 0  # dht11: when the host let the line go (the answer starts)

    @property
    def requested(self) -> bool:
        return self.label is not None


@dataclass(frozen=True)
class LineEvent:
    ns: int
    pin: int
    value: int
    by: str  # "kernel" or "shell"


@dataclass
class Dht11:
    """The sensor's 40-bit answer: humidity, its tenths, temperature, tenths, checksum."""

    temp: float = 21.0
    humidity: float = 40.0

    def bits(self) -> list[int]:
        h, t = self.humidity, self.temp
        data = [int(h), round((h - int(h)) * 10), int(t), round((t - int(t)) * 10)]
        data = [b & 0xFF for b in data]
        data.append(sum(data) & 0xFF)
        return [(byte >> (7 - i)) & 1 for byte in data for i in range(8)]

    def level(self, us: float) -> int:
        """The wire ``us`` microseconds after the host released it (pull-up high)."""
        if us < 20:
            return 1  # the host's release, before the sensor answers
        t = us - 20
        if t < 80:
            return 0  # response: low 80 us
        if t < 160:
            return 1  # then high 80 us
        t -= 160
        for bit in self.bits():
            if t < 50:
                return 0  # each bit starts low for 50 us
            high = 70 if bit else 27
            if t < 50 + high:
                return 1
            t -= 50 + high
        return 0 if t < 50 else 1  # the end: low 50 us, then released


class GpioChip(Component):
    name = "gpio"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.lines = [Line(pin) for pin in range(GPIO_LINES)]
        self.events: deque[LineEvent] = deque(maxlen=EVENTS_KEPT)
        self.changes = 0  # line changes ever logged: events[-1] is change number `changes`
        self.desc_base = 0  # the lines' struct gpio_desc array (kapi/gpio.py), once made

    def line(self, pin: int) -> Line:
        if not 0 <= pin < GPIO_LINES:
            raise GpioError(f"no GPIO {pin} (gpiochip0 has 0-{GPIO_LINES - 1})", E.EINVAL)
        return self.lines[pin]

    # -- the kernel's side (gpiolib) -----------------------------------------------

    def request(self, pin: int, label: str, owner: str | None) -> None:
        line = self.line(pin)
        if line.requested:
            raise GpioError(f"gpio-{pin} is requested by {line.label}", E.EBUSY)
        line.label, line.owner = label, owner

    def free(self, pin: int) -> bool:
        line = self.line(pin)
        if not line.requested:
            return False
        line.label = line.owner = None
        line.active_low = False
        return True

    def direction_input(self, pin: int) -> None:
        line = self.line(pin)
        if line.output and line.peripheral and line.peripheral["kind"] == "dht11":
            line.released_ns = self.kernel.clock.ns()
        line.output = False
        if line.peripheral is None or line.peripheral["kind"] == "led":
            return
        self._set_level(line, self._outside_level(line), "shell")

    def direction_output(self, pin: int, value: int) -> None:
        line = self.line(pin)
        line.output = True
        self._set_level(line, 1 if value else 0, "kernel")

    def get(self, pin: int) -> int:
        line = self.line(pin)
        if not line.output and line.peripheral and line.peripheral["kind"] == "dht11":
            return self._outside_level(line)
        return line.value

    def set(self, pin: int, value: int) -> None:
        """gpio_set_value: drives an output; on an input it changes nothing (as hardware)."""
        line = self.line(pin)
        if line.output:
            self._set_level(line, 1 if value else 0, "kernel")

    # -- the outside world (the shell) ---------------------------------------------

    def drive(self, pin: int, value: int) -> None:
        """Put a level on an input line from outside; an edge fires the line's IRQ."""
        line = self.line(pin)
        if line.output:
            raise GpioError(f"gpio-{pin} is an output: the kernel drives it", E.EBUSY)
        if line.peripheral is not None and line.peripheral["kind"] == "dht11":
            raise GpioError(f"gpio-{pin} has a dht11 attached: it drives the line", E.EBUSY)
        if line.peripheral is not None:
            line.peripheral["level"] = 1 if value else 0
        self._set_level(line, 1 if value else 0, "shell")

    def attach(self, pin: int, kind: str, **props: float) -> None:
        line = self.line(pin)
        if kind not in PERIPHERALS:
            raise GpioError(f"unknown part '{kind}' (one of {', '.join(PERIPHERALS)})", E.EINVAL)
        allowed = {"dht11": ("temp", "humidity")}.get(kind, ())
        unknown = sorted(set(props) - set(allowed))
        if unknown:
            what = f"({', '.join(allowed)})" if allowed else "(it takes none)"
            raise GpioError(f"a {kind} has no property {unknown[0]} {what}", E.EINVAL)
        line.peripheral = {"kind": kind, "level": 1 if kind == "dht11" else 0, **props}
        if not line.output and kind != "led":
            self._set_level(line, self._outside_level(line), "shell")

    def detach(self, pin: int) -> None:
        self.line(pin).peripheral = None

    def _outside_level(self, line: Line) -> int:
        p = line.peripheral or {}
        if p.get("kind") == "dht11":
            sensor = Dht11(p.get("temp", 21.0), p.get("humidity", 40.0))
            return sensor.level((self.kernel.clock.ns() - line.released_ns) / 1000)
        return int(p.get("level", line.value))

    def _set_level(self, line: Line, value: int, by: str) -> None:
        old, line.value = line.value, value
        if old == value:
            return
        self.events.append(LineEvent(self.kernel.clock.ns(), line.pin, value, by))
        self.changes += 1
        if line.output:
            return
        irqs = self.kernel.irqs
        trigger = irqs.descs[GPIO_IRQ_BASE + line.pin].trigger or IRQF_TRIGGER_MASK
        fires = (value and trigger & (IRQF_TRIGGER_RISING | IRQF_TRIGGER_HIGH)) or (
            not value and trigger & (IRQF_TRIGGER_FALLING | IRQF_TRIGGER_LOW)
        )
        if fires and irqs.descs[GPIO_IRQ_BASE + line.pin].actions:
            irqs.raise_irq(GPIO_IRQ_BASE + line.pin)

    # -- what users see ----------------------------------------------------------------

    def events_since(self, seen: int) -> list[LineEvent]:
        """The changes after the first @seen ones (those still kept)."""
        fresh = self.changes - seen
        if fresh <= 0:
            return []
        return list(self.events)[-fresh:]

    def debugfs_text(self) -> str:
        """/sys/kernel/debug/gpio as gpiolib_dbg_show prints it (requested lines only)."""
        irqs = self.kernel.irqs
        out = [f"{CHIP}: GPIOs 0-{GPIO_LINES - 1}, {CHIP_LABEL}:\n"]
        for line in self.lines:
            if not line.requested:
                continue
            is_irq = bool(irqs.descs[GPIO_IRQ_BASE + line.pin].actions)
            out.append(
                f" gpio-{line.pin:<3d} ({'':<20.20s}|{line.label or '':<20.20s}) "
                f"{'out' if line.output else 'in '} {'hi' if self.get(line.pin) else 'lo'} "
                f"{'IRQ ' if is_irq else ''}{'ACTIVE LOW' if line.active_low else ''}\n"
            )
        return "".join(out)

    # -- component ----------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "lines": [asdict(ln) for ln in self.lines if ln != Line(ln.pin)],
            "events": [[e.ns, e.pin, e.value, e.by] for e in self.events],
            "desc_base": self.desc_base,
            "changes": self.changes,
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        for item in data.get("lines", []):
            ln = typed(Line, item, "gpio line")
            if 0 <= ln.pin < GPIO_LINES:
                self.lines[ln.pin] = ln
        self.events.extend(LineEvent(*e) for e in data.get("events", []))
        self.desc_base = int(data.get("desc_base", 0))
        self.changes = int(data.get("changes", len(self.events)))

    def module_going(self, module: Any) -> list[Report]:
        out: list[Report] = []
        for line in self.lines:
            if line.owner == module.name:
                note = f"{module.name}: freeing gpio-{line.pin} ({line.label}) it did not free"
                out.append((4, note))
                self.free(line.pin)
        return out
