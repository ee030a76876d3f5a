"""A kernel-like composition of the real services for calling kernel API functions.

``MiniKernel`` holds a real AddressSpace, Heap, Dmesg, Clock and ProcFS and
the few kernel methods the kernel API uses (symbolize, module references).
Module "code" for /proc show functions is a Python callable at an address,
since these tests exercise the kernel API, not the CPU; the end-to-end tests
with gcc-built modules live with the kernel's tests.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from lkmsh.kernel.callctx import CallContext
from lkmsh.kernel.clock import Clock
from lkmsh.kernel.dmesg import Dmesg
from lkmsh.kernel.heap import Heap
from lkmsh.kernel.kapi import registry
from lkmsh.kernel.memory import AddressSpace
from lkmsh.kernel.module import Module, ModuleState
from lkmsh.kernel.procfs import ProcFS

MODULE_DATA = 0xFFFFFFFFA0000000
MODULE_TEXT = 0xFFFFFFFFA0100000
KERNEL_DATA = 0xFFFFFFFF82000000


@dataclass
class MiniKernel:
    mem: AddressSpace
    heap: Heap
    log: Dmesg
    clock: Clock
    procfs: ProcFS
    current_module: Module | None = None
    symbols: list[tuple[int, int, str, str | None]] = field(default_factory=list)
    structs: dict[int, object] = field(default_factory=dict)
    code: dict[int, Callable[..., int]] = field(default_factory=dict)
    requested: list[str] = field(default_factory=list)
    data_cursor: int = MODULE_DATA
    taints: set[str] = field(default_factory=set)

    # -- what the kernel API uses --------------------------------------------

    def add_taint(self, letter: str) -> None:
        self.taints.add(letter)

    def current_task_id(self) -> tuple[str, int]:
        return "insmod", 1

    # no module code runs here: call traces hold only the caller
    current_path = None
    return_slot = 0

    @property
    def arch(self):
        from lkmsh.arch import get_arch

        return get_arch("x86_64")

    def module_list_all(self) -> list[Module]:
        return []

    def part_in_use(self, attr: str) -> None:
        return None  # no subsystem built on first use (kernel.py's Parts) is here

    def symbolize(self, addr: int, *, ret: bool = False) -> str:
        for start, size, name, mod in self.symbols:
            if start <= addr < start + size:
                tail = f" [{mod}]" if mod else ""
                return f"{name}+0x{addr - start:x}/0x{size:x}{tail}"
        return f"0x{addr:x}"

    def symbol_address(self, name: str) -> int | None:
        for start, _size, sym, _mod in self.symbols:
            if sym == name:
                return start
        return None

    def module_find(self, name: str) -> Module | None:
        m = self.current_module
        return m if m is not None and m.name == name else None

    @contextmanager
    def running(self, module: Module | None):
        saved = self.current_module
        if module is not None:
            self.current_module = module
        try:
            yield
        finally:
            self.current_module = saved

    def module_by_struct(self, addr: int):
        return self.structs.get(addr)

    def module_get(self, module: Module) -> bool:
        if module.state is ModuleState.UNLOADING:
            return False
        module.extra_refs += 1
        return True

    def module_put(self, module: Module) -> None:
        module.extra_refs -= 1

    def module_refcount(self, module: Module) -> int:
        return module.extra_refs

    def touch_softlockup_watchdog(self) -> None:
        """No module code runs here: nothing counts toward a soft lockup."""

    def request_module(self, name: str) -> int:
        self.requested.append(name)
        return -errno.ENOENT

    def call(self, func_addr: int, args, path=None) -> int:
        return self.code[func_addr](*args)

    # -- test helpers -------------------------------------------------------

    def alloc_data(self, data: bytes, align: int = 16) -> int:
        """Place bytes in the module's data area (as a module's .data would hold them)."""
        addr = self.data_cursor
        self.mem.write(addr, data)
        self.data_cursor = (addr + len(data) + align - 1) // align * align
        return addr

    def cstring(self, text: str | bytes) -> int:
        raw = text.encode() if isinstance(text, str) else text
        return self.alloc_data(raw + b"\0")

    def buffer(self, size: int, fill: int = 0xCC) -> int:
        return self.alloc_data(bytes([fill]) * size)

    def define(self, name: str, addr: int, size: int, module: str | None = "hx") -> None:
        self.symbols.append((addr, size, name, module))

    def texts(self) -> list[str]:
        return [r.text for r in self.log.records()]


def call(k: MiniKernel, name: str, *args: int, caller: int = MODULE_TEXT + 0x12) -> int | None:
    """Call kernel function ``name`` as module code at ``caller`` would."""
    func = registry.lookup(name)
    assert func is not None, name
    ctx = CallContext(
        k, k.mem.checked, [a & ((1 << 64) - 1) for a in args], caller=caller, name=name
    )
    return func.impl(ctx)
