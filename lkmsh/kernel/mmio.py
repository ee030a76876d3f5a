"""Device registers: small Python models behind physical address ranges, and ioremap.

A board device added with a compatible string lkmsh has a model for (see
``MODELS``) and a ``reg = <address size>`` property gets that model behind
the range. ``ioremap`` of an address inside it gives a cookie in the
ioremap area (Linux's vmalloc space); the accessors (readl, writel, ioread32,
memcpy_fromio, ...) are kernel functions that turn the cookie back into
(model, offset) and call the model. Nothing is mapped at the cookies, so
module code that dereferences one directly gets a page fault Oops instead of
silently reading RAM.

Models: ``ns16550a``, a 16550 UART (what it transmits is kept for the
shell's ``device console``; ``device send`` puts bytes in its receive FIFO
and raises its interrupt when IER asks for it), and ``lkmsh,regs``, a bank of
plain 32-bit registers (they keep what is written), for register-level
exercises.
"""

from __future__ import annotations

import errno as E
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from lkmsh.errors import KernelError
from lkmsh.kernel.component import Component, Report

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

#: The ioremap area: after the stacks, in Linux's vmalloc space; never mapped.
IOREMAP_BASE = 0xFFFFC90100000000
IOREMAP_SIZE = 1 << 32
CONSOLE_KEPT = 64 << 10  # bytes of UART output kept


class MmioError(KernelError):
    """An MMIO access or mapping refused."""


@dataclass
class Model:
    """One device's registers. ``state`` is plain data (saved with the kernel)."""

    kind: ClassVar[str] = ""
    phys: int
    size: int
    irq: int = 0  # its interrupt line, 0 for none
    state: dict[str, Any] = field(default_factory=dict)

    def read(self, kernel: Kernel, off: int, width: int) -> int:
        raise NotImplementedError

    def write(self, kernel: Kernel, off: int, width: int, value: int) -> None:
        raise NotImplementedError


class Uart16550(Model):
    """The registers of a 16550 (reg-shift 0): RBR/THR, IER, IIR/FCR, LCR, MCR, LSR, MSR, SCR."""

    kind = "ns16550a"
    LSR_DR, LSR_THRE, LSR_TEMT = 0x01, 0x20, 0x40
    IER_RDI = 0x01

    def _regs(self) -> dict[str, Any]:
        st = self.state
        st.setdefault("tx", "")
        st.setdefault("rx", [])
        st.setdefault("ier", 0)
        st.setdefault("lcr", 0)
        st.setdefault("mcr", 0)
        st.setdefault("scr", 0)
        st.setdefault("dll", 0)
        st.setdefault("dlm", 0)
        return st

    def read(self, kernel: Kernel, off: int, width: int) -> int:
        st = self._regs()
        dlab = st["lcr"] & 0x80
        if off == 0:
            if dlab:
                return st["dll"]
            return st["rx"].pop(0) if st["rx"] else 0
        if off == 1:
            return st["dlm"] if dlab else st["ier"]
        if off == 2:  # IIR: receive data available, else nothing pending; FIFOs on
            return 0xC4 if st["rx"] and st["ier"] & self.IER_RDI else 0xC1
        if off == 3:
            return st["lcr"]
        if off == 4:
            return st["mcr"]
        if off == 5:
            return self.LSR_THRE | self.LSR_TEMT | (self.LSR_DR if st["rx"] else 0)
        if off == 6:
            return 0xB0  # MSR: DCD, DSR, CTS
        if off == 7:
            return st["scr"]
        return 0

    def write(self, kernel: Kernel, off: int, width: int, value: int) -> None:
        st = self._regs()
        value &= 0xFF
        dlab = st["lcr"] & 0x80
        if off == 0:
            if dlab:
                st["dll"] = value
            else:
                st["tx"] = (st["tx"] + chr(value))[-CONSOLE_KEPT:]
        elif off == 1:
            if dlab:
                st["dlm"] = value
            else:
                st["ier"] = value & 0x0F
        elif off == 3:
            st["lcr"] = value
        elif off == 4:
            st["mcr"] = value
        elif off == 7:
            st["scr"] = value

    def receive(self, kernel: Kernel, data: bytes) -> None:
        st = self._regs()
        st["rx"].extend(data)
        if self.irq and st["ier"] & self.IER_RDI:
            kernel.irqs.raise_irq(self.irq)


class RegisterBank(Model):
    """Plain 32-bit registers: a read gives what was last written (0 at first)."""

    kind = "lkmsh,regs"

    def read(self, kernel: Kernel, off: int, width: int) -> int:
        word = self.state.get(str(off & ~3), 0)
        return (word >> (8 * (off & 3))) & ((1 << (8 * width)) - 1)

    def write(self, kernel: Kernel, off: int, width: int, value: int) -> None:
        key = str(off & ~3)
        shift = 8 * (off & 3)
        mask = ((1 << (8 * width)) - 1) << shift
        word = self.state.get(key, 0)
        self.state[key] = (word & ~mask | (value << shift) & mask) & 0xFFFFFFFF


MODELS: dict[str, type[Model]] = {m.kind: m for m in (Uart16550, RegisterBank)}


@dataclass
class Mapping:
    vaddr: int
    size: int
    phys: int
    owner: str | None = None  # the module that mapped it


class MmioBus(Component):
    name = "mmio"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.models: dict[str, Model] = {}  # by the device's name
        self.mappings: list[Mapping] = []
        self.next_cookie = IOREMAP_BASE

    # -- devices the board has -----------------------------------------------------------

    def attach(
        self, dev_name: str, compatible: list[str], reg: list[int], irq: int
    ) -> Model | None:
        kind = next((c for c in compatible if c in MODELS), None)
        if kind is None or len(reg) < 2:
            return None
        phys, size = reg[0], reg[1]
        for m in self.models.values():
            if phys < m.phys + m.size and m.phys < phys + size:
                raise MmioError(f"registers at {phys:#x} overlap another device's", E.EBUSY)
        model = MODELS[kind](phys, size, irq)
        self.models[dev_name] = model
        return model

    def detach(self, dev_name: str) -> None:
        self.models.pop(dev_name, None)

    def model_at(self, phys: int, size: int = 1) -> Model | None:
        return next(
            (m for m in self.models.values() if m.phys <= phys and phys + size <= m.phys + m.size),
            None,
        )

    # -- ioremap and the accessors ----------------------------------------------------------

    def ioremap(self, phys: int, size: int, owner: str | None = None) -> int:
        """A cookie for [phys, phys+size), or 0 when no device has those registers."""
        if size <= 0 or self.model_at(phys, size) is None:
            return 0
        pages = -(-((phys & 0xFFF) + size) // 4096) * 4096
        if self.next_cookie + pages > IOREMAP_BASE + IOREMAP_SIZE:
            return 0
        base = self.next_cookie
        self.next_cookie += pages + 4096  # a hole after each mapping
        self.mappings.append(Mapping(base + (phys & 0xFFF), size, phys, owner))
        return base + (phys & 0xFFF)

    def iounmap(self, cookie: int) -> bool:
        for m in self.mappings:
            if m.vaddr == cookie:
                self.mappings.remove(m)
                return True
        return False

    def resolve(self, cookie: int, width: int) -> tuple[Model, int]:
        for m in self.mappings:
            if m.vaddr <= cookie and cookie + width <= m.vaddr + m.size:
                phys = m.phys + cookie - m.vaddr
                model = self.model_at(phys, width)
                if model is not None:
                    return model, phys - model.phys
        raise MmioError(f"{cookie:#x} is not ioremapped", E.EFAULT)

    def read(self, cookie: int, width: int) -> int:
        model, off = self.resolve(cookie, width)
        return model.read(self.kernel, off, width) & ((1 << (8 * width)) - 1)

    def write(self, cookie: int, width: int, value: int) -> None:
        model, off = self.resolve(cookie, width)
        model.write(self.kernel, off, width, value & ((1 << (8 * width)) - 1))

    # -- component ---------------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        return {
            "models": {n: [m.kind, m.phys, m.size, m.irq, m.state] for n, m in self.models.items()},
            "mappings": [[m.vaddr, m.size, m.phys, m.owner] for m in self.mappings],
            "next": self.next_cookie,
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        data = data or {}
        for n, (kind, phys, size, irq, state) in data.get("models", {}).items():
            if kind in MODELS:
                self.models[n] = MODELS[kind](int(phys), int(size), int(irq), dict(state))
        self.mappings = [
            Mapping(int(a), int(b), int(c), o) for a, b, c, o in data.get("mappings", [])
        ]
        self.next_cookie = int(data.get("next", IOREMAP_BASE))

    def module_going(self, module: Any) -> list[Report]:
        gone = [m for m in self.mappings if m.owner == module.name]
        for m in gone:
            self.mappings.remove(m)
        return [
            (4, f"{module.name}: unmapping {m.phys:#x}-{m.phys + m.size - 1:#x} it left ioremapped")
            for m in gone
        ]
