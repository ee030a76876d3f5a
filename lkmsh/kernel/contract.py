"""What kernel API code may ask of the kernel: the typed contract behind ``ctx.kernel``.

``Kernel`` implements it, and so does the tests' ``MiniKernel``
(tests/kernel/kapi/kapi_harness.py), which runs kernel API functions without
a CPU. A kapi family that needs more of the kernel adds it here first, so the
dependency is visible and both implementations keep to it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lkmsh.arch.base import Arch
    from lkmsh.kernel.block import BlockLayer
    from lkmsh.kernel.chrdev import Chrdev
    from lkmsh.kernel.clock import Clock
    from lkmsh.kernel.configfs import Configfs
    from lkmsh.kernel.connector import Connector
    from lkmsh.kernel.crypto import Crypto
    from lkmsh.kernel.debugfs import DebugFS
    from lkmsh.kernel.dmesg import Dmesg
    from lkmsh.kernel.dyndbg import DynamicDebug
    from lkmsh.kernel.firmware import Firmware
    from lkmsh.kernel.gpio import GpioChip
    from lkmsh.kernel.heap import Heap
    from lkmsh.kernel.hwbreak import HwBreakpoints
    from lkmsh.kernel.idmaps import IdMaps
    from lkmsh.kernel.input import InputCore
    from lkmsh.kernel.irq import IrqTable
    from lkmsh.kernel.kdb import Kdb
    from lkmsh.kernel.klpshadow import ShadowVariables
    from lkmsh.kernel.kprobes import Kprobes
    from lkmsh.kernel.kunit import KUnit
    from lkmsh.kernel.livepatch import Livepatch
    from lkmsh.kernel.memory import AddressSpace
    from lkmsh.kernel.mm import AddressSpaces
    from lkmsh.kernel.mmio import MmioBus
    from lkmsh.kernel.module import Module
    from lkmsh.kernel.netdev import NetCore
    from lkmsh.kernel.pages import PagePool
    from lkmsh.kernel.platform import PlatformBus
    from lkmsh.kernel.procfs import ProcFS
    from lkmsh.kernel.random import Random
    from lkmsh.kernel.ratelimit import RateLimits
    from lkmsh.kernel.rcu import Rcu
    from lkmsh.kernel.rscodecs import RsCodecs
    from lkmsh.kernel.sched import Scheduler
    from lkmsh.kernel.slabcache import SlabCaches
    from lkmsh.kernel.stacktrace import KernelPath
    from lkmsh.kernel.swnode import SoftwareNodes
    from lkmsh.kernel.sysctl import Sysctl
    from lkmsh.kernel.sysfs import Sysfs
    from lkmsh.kernel.timers import Timers
    from lkmsh.kernel.trace import Tracing
    from lkmsh.kernel.trace_instances import TraceEvents
    from lkmsh.kernel.tracepoints import Tracepoints
    from lkmsh.kernel.tty import Console
    from lkmsh.kernel.uaccess import UserMemory
    from lkmsh.kernel.vfs import Vfs
    from lkmsh.kernel.workqueue import Workqueues
    from lkmsh.kernel.xzdec import XzDecoders
    from lkmsh.kernel.zonedev import ZoneDevice


class KernelApi(Protocol):
    mem: AddressSpace
    heap: Heap
    mm: AddressSpaces
    pages: PagePool
    zonedev: ZoneDevice
    sched: Scheduler
    log: Dmesg
    clock: Clock
    procfs: ProcFS
    sysfs: Sysfs
    sysctl: Sysctl
    configfs: Configfs
    debugfs: DebugFS
    vfs: Vfs
    chrdev: Chrdev
    user: UserMemory
    irqs: IrqTable
    gpio: GpioChip
    platform: PlatformBus
    input: InputCore
    mmio: MmioBus
    timers: Timers
    workqueues: Workqueues
    rcu: Rcu
    kunit: KUnit
    random: Random
    crypto: Crypto
    slab_caches: SlabCaches
    idmaps: IdMaps
    rs_codecs: RsCodecs
    xz: XzDecoders
    console: Console
    block: BlockLayer
    ratelimits: RateLimits
    net: NetCore
    connector: Connector
    kdb: Kdb
    swnodes: SoftwareNodes
    kprobes: Kprobes
    livepatch: Livepatch
    klp_shadow: ShadowVariables
    hw_breakpoints: HwBreakpoints
    dyndbg: DynamicDebug
    firmware: Firmware
    tracing: Tracing
    tracepoints: Tracepoints
    trace_events: TraceEvents
    arch: Arch
    #: where a call from the kernel into module code returns (a stack walk ends there)
    return_slot: int

    @property
    def current_path(self) -> KernelPath | None:
        """Which kernel path called module code (insmod, rmmod, a read), for traces."""

    @property
    def current_module(self) -> Module | None:
        """The module whose code is running (THIS_MODULE of the call)."""

    def running(self, module: Module | None) -> AbstractContextManager[None]:
        """Run module code of ``module`` inside (kernel.call within it)."""

    def call(self, func_addr: int, args: Iterable[int] = ()) -> int:
        """Run module code at ``func_addr``; faults become an Oops and ModuleFault."""

    def symbolize(self, addr: int, *, ret: bool = False) -> str: ...

    def kernel_function_at(self, addr: int) -> str | None:
        """The kernel API function whose slot starts at ``addr`` (KUnit's assert formats)."""

    @property
    def taints(self) -> Collection[str]:
        """The kernel's taint letters (test_taint asks whether one is there)."""

    def symbol_address(self, name: str) -> int | None: ...

    def part_in_use(self, attr: str) -> Any:
        """A component built on first use, if built (kernel.py's Part), without building it."""

    def klib_function(self, name: str) -> int:
        """The address of a kernel library function, static ones included (0: none)."""
        ...

    def module_find(self, name: str) -> Module | None: ...

    def module_list_all(self) -> list[Module]:
        """Loaded modules (the kernel finds whose code a function pointer is in)."""

    def module_by_struct(self, addr: int) -> Module | None: ...

    def module_containing(self, addr: int) -> Module | None: ...

    def module_get(self, module: Module) -> bool: ...

    def module_put(self, module: Module) -> None: ...

    def module_refcount(self, module: Module) -> int: ...

    def request_module(self, name: str) -> int: ...

    def touch_softlockup_watchdog(self) -> None:
        """The running code's soft-lockup count starts again (touch_softlockup_watchdog)."""

    def add_taint(self, letter: str) -> None: ...

    def tainted_field(self) -> str:
        """The taint letters as Linux's reports print them ("G    B      ")."""
        ...

    def current_task_id(self) -> tuple[str, int]:
        """(comm, pid) of the task running module code now."""
        ...

    def kernel_data_changed(self) -> None:
        """Kernel variables module code reads are rewritten from the kernel's state."""
        ...

    def fpu_defaults(self, *, mxcsr: bool, x87: bool) -> None:
        """kernel_fpu_begin: the running code's FPU control registers to their defaults."""
        ...
