"""The input core: registered input devices, Linux's event filters, evdev nodes.

As Linux 6.1's drivers/input/input.c and evdev.c, for what drivers see: a
registered device gets ``inputN`` and ``/dev/input/eventN`` (char 13:64+N),
is announced ``input: NAME as /devices/virtual/input/inputN`` and listed in
/proc/bus/input/devices; ``input_event`` lets an event through only when the
device declared it (evbit and the type's code bitmap) and it changes
something (a key's state, a non-zero motion, an axis value); ``SYN_REPORT``
passes only after events. Passed events are kept (the last EVENTS_KEPT) with
their time; reading the node returns the ones the open file has not seen, as
``struct input_event`` records; the shell's ``evtest`` prints them.
"""

from __future__ import annotations

import stat as S
import struct
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.snapshot import typed
from lkmsh.kernel.vfs import File, FileOps

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

INPUT_DEV = cstruct(
    "struct input_dev", "linux/input.h", 656,
    name=(0, 8), phys=(8, 8), uniq=(16, 8), id=(24, 8), propbit=(32, 8), evbit=(40, 8),
    keybit=(48, 96), relbit=(144, 8), absbit=(152, 8), mscbit=(160, 8), ledbit=(168, 8),
    sndbit=(176, 8), ffbit=(184, 16), swbit=(200, 8), keycodemax=(212, 4),
    keycodesize=(216, 4), keycode=(224, 8), absinfo=(288, 8), key=(296, 96), open=(416, 8),
    close=(424, 8), users=(448, 4), dev=(456, 176), devres_managed=(648, 1),
)  # fmt: skip
INPUT_EVENT = cstruct(
    "struct input_event", "linux/input.h", 24,
    input_event_sec=(0, 8), input_event_usec=(8, 8), type=(16, 2), code=(18, 2), value=(20, 4),
)  # fmt: skip
ABSINFO_SIZE = 24

EV_SYN, EV_KEY, EV_REL, EV_ABS, EV_MSC, EV_SW, EV_LED, EV_SND, EV_REP = (
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x11, 0x12, 0x14,
)  # fmt: skip
SYN_REPORT = 0
#: the code bitmap of each event type, and how many codes it has (Linux's *_CNT)
BITMAPS = {
    EV_KEY: ("keybit", 0x300), EV_REL: ("relbit", 0x10), EV_ABS: ("absbit", 0x40),
    EV_MSC: ("mscbit", 0x08), EV_SW: ("swbit", 0x11), EV_LED: ("ledbit", 0x10),
    EV_SND: ("sndbit", 0x08),
}  # fmt: skip
INPUT_MAJOR = 13
EVDEV_MINOR_BASE = 64
EVENTS_KEPT = 1000
MAX_DEVICES = 32


@dataclass(frozen=True)
class InputEvent:
    ns: int
    type: int
    code: int
    value: int

    def pack(self) -> bytes:
        sec, usec = divmod(self.ns // 1000, 1_000_000)
        return struct.pack("<qqHHi", sec, usec, self.type, self.code, self.value)


@dataclass
class InputDevice:
    addr: int  # struct input_dev
    number: int  # inputN and eventN
    name: str
    owner: str | None
    pending: bool = False  # events since the last SYN_REPORT
    abs_values: dict[str, int] = field(default_factory=dict)  # axis -> last value (str keys: JSON)
    events: list[list[int]] = field(default_factory=list)  # [ns, type, code, value]

    @property
    def sysfs(self) -> str:
        return f"/devices/virtual/input/input{self.number}"


class _EvdevOps(FileOps):
    """/dev/input/eventN: the events not read yet by this open file, whole records."""

    def __init__(self, core: InputCore, number: int):
        self.core = core
        self.number = number

    def open(self, kernel: Any, file: File) -> None:
        dev = self.core.by_number(self.number)
        file.private = len(dev.events) if dev is not None else 0

    def read(self, kernel: Any, file: File, count: int) -> bytes:
        dev = self.core.by_number(self.number)
        if dev is None:
            return b""
        n = max(0, count // INPUT_EVENT.size)
        fresh = dev.events[file.private : file.private + n]
        file.private += len(fresh)
        return b"".join(InputEvent(*e).pack() for e in fresh)


class InputCore(Component):
    name = "input"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.devices: list[InputDevice] = []

    def by_addr(self, addr: int) -> InputDevice | None:
        return next((d for d in self.devices if d.addr == addr), None)

    def by_number(self, number: int) -> InputDevice | None:
        return next((d for d in self.devices if d.number == number), None)

    # -- the device's own memory ------------------------------------------------------

    def _bit(self, addr: int, field_name: str, nr: int) -> bool:
        word = self.kernel.mem.read_u64(addr + INPUT_DEV.off(field_name) + 8 * (nr // 64))
        return bool(word >> (nr % 64) & 1)

    def _set_bit(self, addr: int, field_name: str, nr: int, on: bool = True) -> None:
        at = addr + INPUT_DEV.off(field_name) + 8 * (nr // 64)
        word = self.kernel.mem.read_u64(at)
        word = word | (1 << nr % 64) if on else word & ~(1 << nr % 64)
        self.kernel.mem.write_u64(at, word)

    def set_capability(self, addr: int, ev_type: int, code: int) -> bool:
        if ev_type in BITMAPS:
            bitmap, count = BITMAPS[ev_type]
            if code >= count:
                return False
            self._set_bit(addr, bitmap, code)
        self._set_bit(addr, "evbit", ev_type)
        return True

    # -- registration -------------------------------------------------------------------

    def register(self, addr: int, owner: str | None) -> InputDevice:
        mem = self.kernel.mem
        used = {d.number for d in self.devices}
        number = next(n for n in range(MAX_DEVICES + 1) if n not in used)
        name_at = mem.read_u64(addr + INPUT_DEV.off("name"))
        name = mem.read_cstr(name_at, 256).decode(errors="replace") if name_at else ""
        dev = InputDevice(addr, number, name, owner)
        self._set_bit(addr, "evbit", EV_SYN)  # every device reports EV_SYN, as Linux sets
        self.devices.append(dev)
        self._publish(dev)
        self.kernel.log.emit(6, f"input: {name or 'Unspecified device'} as {dev.sysfs}")
        return dev

    def unregister(self, dev: InputDevice) -> None:
        self.devices.remove(dev)
        self.kernel.vfs.remove(f"/dev/input/event{dev.number}")

    def _publish(self, dev: InputDevice) -> None:
        rdev = (INPUT_MAJOR << 20) | (EVDEV_MINOR_BASE + dev.number)
        self.kernel.vfs.add(
            f"/dev/input/event{dev.number}", _EvdevOps(self, dev.number),
            S.S_IFCHR | 0o660, owner=dev.owner, rdev=rdev,
        )  # fmt: skip

    # -- events ------------------------------------------------------------------------------

    def event(self, addr: int, ev_type: int, code: int, value: int) -> bool:
        """input_handle_event's filter; True when the event went through."""
        dev = self.by_addr(addr)
        if dev is None or ev_type > 0x1F or not self._bit(addr, "evbit", ev_type):
            return False
        if ev_type == EV_SYN:
            if code != SYN_REPORT:
                return self._keep(dev, ev_type, code, value)
            if not dev.pending:
                return False
            dev.pending = False
            return self._keep(dev, ev_type, code, value)
        if ev_type in BITMAPS:
            bitmap, count = BITMAPS[ev_type]
            if code >= count or not self._bit(addr, bitmap, code):
                return False
        if ev_type == EV_KEY:
            down = self._bit(addr, "key", code)
            if value == 2:
                if not down:
                    return False
            elif bool(value) == down:
                return False
            else:
                self._set_bit(addr, "key", code, bool(value))
        elif ev_type == EV_REL and value == 0:
            return False
        elif ev_type == EV_ABS:
            if dev.abs_values.get(str(code)) == value:
                return False
            dev.abs_values[str(code)] = value
        dev.pending = True
        return self._keep(dev, ev_type, code, value)

    def _keep(self, dev: InputDevice, ev_type: int, code: int, value: int) -> bool:
        dev.events.append([self.kernel.clock.ns(), ev_type, code, value])
        if len(dev.events) > EVENTS_KEPT:
            del dev.events[: len(dev.events) - EVENTS_KEPT]
        return True

    # -- what users see ------------------------------------------------------------------

    def _bitmap_words(self, addr: int, field_name: str, longs: int) -> str:
        """input_seq_print_bitmap: the words from the highest non-zero one down."""
        words = [
            self.kernel.mem.read_u64(addr + INPUT_DEV.off(field_name) + 8 * i) for i in range(longs)
        ]
        while len(words) > 1 and words[-1] == 0:
            words.pop()
        return " ".join(f"{w:x}" for w in reversed(words))

    def proc_devices(self) -> str:
        """/proc/bus/input/devices (the evdev handler only)."""
        mem, out = self.kernel.mem, []
        for d in self.devices:
            bus, vendor, product, version = struct.unpack(
                "<4H", mem.read(d.addr + INPUT_DEV.off("id"), 8)
            )
            phys_at = mem.read_u64(d.addr + INPUT_DEV.off("phys"))
            uniq_at = mem.read_u64(d.addr + INPUT_DEV.off("uniq"))
            phys = mem.read_cstr(phys_at, 256).decode(errors="replace") if phys_at else ""
            uniq = mem.read_cstr(uniq_at, 256).decode(errors="replace") if uniq_at else ""
            out += [
                f"I: Bus={bus:04x} Vendor={vendor:04x} Product={product:04x} Version={version:04x}\n",
                f'N: Name="{d.name}"\n', f"P: Phys={phys}\n", f"S: Sysfs={d.sysfs}\n",
                f"U: Uniq={uniq}\n", f"H: Handlers=event{d.number} \n",
                f"B: PROP={self._bitmap_words(d.addr, 'propbit', 1)}\n",
                f"B: EV={self._bitmap_words(d.addr, 'evbit', 1)}\n",
            ]  # fmt: skip
            for ev_type, label, longs in ((EV_KEY, "KEY", 12), (EV_REL, "REL", 1), (EV_ABS, "ABS", 1),
                                          (EV_MSC, "MSC", 1), (EV_LED, "LED", 1), (EV_SND, "SND", 1),
                                          (EV_SW, "SW", 1)):  # fmt: skip
                if self._bit(d.addr, "evbit", ev_type):
                    bitmap = BITMAPS[ev_type][0]
                    out.append(f"B: {label}={self._bitmap_words(d.addr, bitmap, longs)}\n")
            out.append("\n")
        return "".join(out)

    def capabilities(self, dev: InputDevice) -> list[tuple[int, list[int]]]:
        """(event type, codes) the device declared, as evtest lists them."""
        out = []
        for ev_type in range(0x20):
            if not self._bit(dev.addr, "evbit", ev_type):
                continue
            codes = []
            if ev_type in BITMAPS:
                bitmap, count = BITMAPS[ev_type]
                codes = [c for c in range(count) if self._bit(dev.addr, bitmap, c)]
            out.append((ev_type, codes))
        return out

    def device_id(self, dev: InputDevice) -> tuple[int, int, int, int]:
        return struct.unpack("<4H", self.kernel.mem.read(dev.addr + INPUT_DEV.off("id"), 8))

    # -- component ------------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {"devices": [asdict(d) for d in self.devices]}

    def load_data(self, data: dict[str, Any] | None) -> None:
        for item in (data or {}).get("devices", []):
            dev = typed(InputDevice, item, "input device")
            self.devices.append(dev)
            self._publish(dev)

    def module_going(self, module: Any) -> list[Report]:
        out: list[Report] = []
        for dev in [d for d in self.devices if d.owner == module.name]:
            out.append(
                (4, f"{module.name}: unregistering input device {dev.name} ({dev.sysfs}) it left")
            )
            self.unregister(dev)
        return out
