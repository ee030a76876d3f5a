"""The Kernel: module list, symbol table, memory, CPU and kernel API behind one lock.

Names follow the module system's own API (module_load, module_unload,
symbol_resolve, ...). The kernel never prints: it returns data, writes dmesg
records and raises ``lkmsh.errors.KernelError`` subclasses.
"""

from __future__ import annotations

import errno as E
import os
import stat
import struct
import threading
from collections.abc import Callable, Iterable, MutableMapping
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, fields
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

# First: the dataclasses the imports below create compile their methods from a cache.
from lkmsh import dccache  # noqa: F401
from lkmsh.errors import (
    REBOOT_HINT,
    BadAddress,
    Busy,
    ElfError,
    InitFailed,
    InvalidArgument,
    KernelError,
    ModuleFault,
    NotFound,
    UnknownSymbol,
)
from lkmsh.kernel import bugtable, klib, sysmodule
from lkmsh.kernel import taint as T
from lkmsh.kernel.bugtable import BugEntry, find_bug
from lkmsh.kernel.chrdev import Chrdev
from lkmsh.kernel.clock import NSEC_PER_JIFFY, Clock
from lkmsh.kernel.component import Component, Part
from lkmsh.kernel.configfs import ROOT as CONFIGFS_ROOT
from lkmsh.kernel.configfs import Configfs
from lkmsh.kernel.debugfs import DebugFS
from lkmsh.kernel.deps import ModuleNeeds, build_graph, check_circular, topological_order
from lkmsh.kernel.dmesg import CONSOLE_LOGLEVEL_MAX, Dmesg
from lkmsh.kernel.dyndbg import DynamicDebug
from lkmsh.kernel.fault import CpuFault, FaultKind
from lkmsh.kernel.heap import KERNEL_OWNER, Heap
from lkmsh.kernel.kapi import registry as kapi
from lkmsh.kernel.kfiles import DIRS as KDIRS
from lkmsh.kernel.kfiles import FILES as KFILES
from lkmsh.kernel.kimage import KERNEL_ONLY, SLOT_SIZE, KernelImage, check_carried_over
from lkmsh.kernel.layout import KERNEL_DATA_BASE, KERNEL_TEXT_BASE, PAGE_SIZE
from lkmsh.kernel.livepatch import (
    MODULE_STATE_GOING,
    MODULE_STATE_LIVE,
    Livepatch,
)
from lkmsh.kernel.memory import AddressSpace, Perm
from lkmsh.kernel.mm import AddressSpaces
from lkmsh.kernel.module import KUNIT_SECTION, Module, ModuleState
from lkmsh.kernel.pages import PagePool
from lkmsh.kernel.procfs import ProcFS
from lkmsh.kernel.random import Random
from lkmsh.kernel.ratelimit import RateLimits
from lkmsh.kernel.release import VERMAGIC
from lkmsh.kernel.sched import Scheduler
from lkmsh.kernel.slabcache import SlabCaches
from lkmsh.kernel.snapshot import ComponentRows, KernelState, RegionImage, RowFetch
from lkmsh.kernel.stacktrace import KernelPath
from lkmsh.kernel.symbols import KernelSymbol, SymbolKind, SymbolStats, SymbolTable
from lkmsh.kernel.sysctl import Sysctl
from lkmsh.kernel.sysfs import Sysfs
from lkmsh.kernel.trace import LoadTrace, RelocLog, Tracing
from lkmsh.kernel.trace_instances import TraceEvents
from lkmsh.kernel.tracepoints import Tracepoints
from lkmsh.kernel.tty import Console
from lkmsh.kernel.uaccess import UserMemory
from lkmsh.kernel.vfs import (
    CAT_READ,
    MOUNTS,
    READ_ALL_LIMIT,
    READ_CHUNK,
    DirEntry,
    File,
    FileError,
    FileOps,
    TextFile,
    Vfs,
    normpath,
)
from lkmsh.kernel.watchdog import Watch, watch
from lkmsh.kernel.zonedev import ZoneDevice

MAX_MODULE_FILE = 64 << 20
#: where mkdir and rmdir make and remove trace arrays (trace_instances.py)
TRACE_INSTANCES = "/sys/kernel/tracing/instances/"
#: request_module()'s result when modprobe fails: the wait status of its exit(1)
MODPROBE_FAILED = 1 << 8
C = TypeVar("C", bound=Component)

if TYPE_CHECKING:
    from lkmsh.kernel.gpio import Line, LineEvent
    from lkmsh.kernel.input import InputDevice
    from lkmsh.kernel.kmemleak import LeakScan
    from lkmsh.kernel.memmap import MemoryMap
    from lkmsh.kernel.mmio import Uart16550
    from lkmsh.kernel.netdev import NetLink
    from lkmsh.kernel.params import ParamType
    from lkmsh.kernel.platform import PDevice, PDriver, PropValue
    from lkmsh.kernel.trace import FunctionTracer, RelocRecord


@dataclass(frozen=True)
class SlabStats:
    """/proc/slabinfo's caches, and the heap's live and mapped bytes."""

    caches: list
    live_bytes: int
    footprint: int


def _pages(n: int) -> int:
    return max(PAGE_SIZE, -(-n // PAGE_SIZE) * PAGE_SIZE)


def read_module_file(path: str | Path) -> bytes:
    """A module file's bytes, refused as finit_module refuses it: EINVAL for
    anything but a non-empty regular file (a FIFO is opened without blocking and
    never read, /dev/zero never read), EFBIG over MAX_MODULE_FILE, before any
    byte is read. OSError for a file that cannot be opened."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise KernelError(f"{path}: Is a directory", E.EISDIR)
        if not stat.S_ISREG(st.st_mode):
            raise InvalidArgument(f"{path}: not a regular file")
        if st.st_size == 0:
            raise InvalidArgument(f"{path}: empty file")
        if st.st_size > MAX_MODULE_FILE:
            raise KernelError(f"{path}: module file of {st.st_size} bytes is too large", E.EFBIG)
        data = f.read(MAX_MODULE_FILE + 1)
    if len(data) > MAX_MODULE_FILE:  # it grew while being read
        raise KernelError(f"{path}: module file of over {MAX_MODULE_FILE} bytes", E.EFBIG)
    return data


@dataclass(frozen=True)
class TaskInfo:
    """One task as ps shows it."""

    pid: int
    comm: str
    state: str  # R, S, D, I, Z
    wchan: str  # the kernel function it waits in
    kind: str  # user, kthread, worker
    module: str | None


@dataclass
class KernelConfig:
    """What a kernel boots with (architecture, limits, watchdogs); saved with its state."""

    arch: str = "x86_64"
    max_modules: int = 256
    symbol_buckets: int = 256
    heap_limit: int = 64 << 20
    #: an exact instruction budget per call into module code (deterministic tests);
    #: None: none. unicorn then counts every instruction: module code runs ~40x slower.
    insn_budget: int | None = None
    #: the host's patience: wall-clock seconds per call into module code (a backstop
    #: for code the virtual-time watchdog below does not see coming, and Ctrl-C's)
    timeout_s: float = 10.0
    #: Linux's /proc/sys/kernel/watchdog_thresh: module code that runs 2x this many
    #: seconds of virtual time without scheduling is a soft lockup (0: no watchdog)
    watchdog_thresh: int = 10
    dmesg_bytes: int = 128 << 10
    #: Linux's kunit.filter_glob: "suite_glob" or "suite_glob.case_glob" (None: every case)
    kunit_filter_glob: str | None = None
    #: the kernel command line (/proc/cmdline; modprobe reads its MODULE.PARAM= words)
    cmdline: str = ""

    @classmethod
    def from_data(cls, data: object) -> KernelConfig:
        """A saved configuration, each field checked against CONFIG_LIMITS: a state
        file cannot switch the watchdog off (insn_budget=0, timeout_s=1e9) or size
        the heap or log beyond what the host budget allows. ValueError names the field."""
        if not isinstance(data, dict):
            raise ValueError("the kernel config is not a table")
        defaults = {f.name: f.default for f in fields(cls)}
        values = {}
        for name, value in data.items():
            if name not in defaults:
                raise ValueError(f"unknown config field {name!r}")
            default = defaults[name]
            if value is None and default is None:  # an optional limit left unset
                values[name] = None
                continue
            kind = int if default is None else type(default)
            ok = isinstance(value, kind) or (kind is float and type(value) is int)
            if not ok or isinstance(value, bool):
                raise ValueError(f"config {name}={value!r} is not a {kind.__name__}")
            if name == "cmdline" and not valid_cmdline(value):
                raise ValueError("config cmdline is not a kernel command line")
            if name in CONFIG_LIMITS:
                low, high = CONFIG_LIMITS[name]
                if not low <= value <= high:
                    raise ValueError(f"config {name}={value!r} is outside {low}..{high}")
            values[name] = value
        return cls(**values)


#: x86's COMMAND_LINE_SIZE: the longest command line, its NUL included
COMMAND_LINE_SIZE = 2048


def valid_cmdline(text: str) -> bool:
    """What a boot loader can pass: one line of printable text (tabs allowed) shorter
    than COMMAND_LINE_SIZE."""
    return len(text.encode()) < COMMAND_LINE_SIZE and text.replace("\t", " ").isprintable()


#: Fixed bounds of every numeric config field a state file may hold.
CONFIG_LIMITS: dict[str, tuple[float, float]] = {
    "max_modules": (1, 4096),
    "symbol_buckets": (1, 1 << 16),
    "heap_limit": (1 << 12, 256 << 20),
    "insn_budget": (1_000, 5_000_000_000),
    "timeout_s": (0.01, 60.0),
    "watchdog_thresh": (0, 60),
    "dmesg_bytes": (1 << 12, 16 << 20),
}


def _row_fetch(rows: MutableMapping[str, Any], name: str) -> Callable[[], Any]:
    """Component.restore's @fetch of @name's saved row (None when there is none)."""
    return RowFetch(rows, name) if isinstance(rows, ComponentRows) else partial(rows.get, name)


def _task_components() -> list:
    """Components built on the scheduler (timers, work, locks), in registration order."""
    from lkmsh.kernel.lockdep import Lockdep
    from lkmsh.kernel.rcu import Rcu
    from lkmsh.kernel.timers import Timers
    from lkmsh.kernel.workqueue import Workqueues

    return [Timers, Workqueues, Lockdep, Rcu]


#: Every component's saved name, in the order the kernel registers them: saving and
#: restoring follow it, the MODULE_STATE_GOING chain runs it backwards (component.py).
#: A Part built on first use takes its place in it.
COMPONENT_ORDER = (
    "clock", "dmesg", "heap", "symbols", "procfs", "chrdev", "sysfs", "debugfs", "sysctl",
    "configfs", "random", "slab_caches", "crypto", "idmaps", "rs_codecs", "xz", "swnode",
    "kunit", "mm", "sched", "timers", "workqueues", "lockdep", "rcu", "tracing", "tracepoints",
    "trace_events", "irq", "gpio", "mmio", "platform", "input", "tty", "block", "ratelimits",
    "net", "connector", "kdb", "pages", "zonedev", "kprobes", "livepatch", "klp_shadow",
    "hw_breakpoint", "firmware",
)  # fmt: skip
_RANK = {name: i for i, name in enumerate(COMPONENT_ORDER)}


class Kernel:
    # The components built on first use (component.py's Part); the others are built at boot.
    crypto = Part("crypto", "crypto:Crypto", takes_kernel=False)
    idmaps = Part("idmaps", "idmaps:IdMaps", takes_kernel=False)
    rs_codecs = Part("rs_codecs", "rscodecs:RsCodecs", takes_kernel=False)  # init_rs()'s codecs
    xz = Part("xz", "xzdec:XzDecoders", takes_kernel=False)  # <linux/xz.h>'s decoders
    swnodes = Part("swnode", "swnode:SoftwareNodes")
    kunit = Part("kunit", "kunit:KUnit")
    irqs = Part("irq", "irq:IrqTable")  # interrupt lines
    gpio = Part("gpio", "gpio:GpioChip")  # the virtual GPIO bank
    mmio = Part("mmio", "mmio:MmioBus")  # device registers
    platform = Part("platform", "platform:PlatformBus")  # the platform bus
    input = Part("input", "input:InputCore")  # input devices
    block = Part("block", "block:BlockLayer")  # disks and their queues
    net = Part("net", "netdev:NetCore")  # network devices
    connector = Part("connector", "connector:Connector")  # the netlink connector
    kdb = Part("kdb", "kdb:Kdb")  # the kernel debugger's shell
    kprobes = Part("kprobes", "kprobes:Kprobes")  # kprobes and kretprobes
    klp_shadow = Part("klp_shadow", "klpshadow:ShadowVariables")
    hw_breakpoints = Part("hw_breakpoint", "hwbreak:HwBreakpoints")  # data/execute breakpoints
    firmware = Part("firmware", "firmware:Firmware")  # search path, images, holders
    PARTS = tuple(p for p in locals().values() if isinstance(p, Part))  # those above

    def __init__(self, config: KernelConfig | None = None, image: KernelImage | None = None):
        from lkmsh.arch import get_arch

        self.config = config or KernelConfig()
        #: the configuration export_state saves, when per-process overrides
        #: (LKMSH_TIMEOUT, LKMSH_INSN_BUDGET) changed ``config``
        self.saved_config: KernelConfig | None = None
        self.arch = get_arch(self.config.arch)
        self._lock = threading.RLock()
        self.mem = AddressSpace()
        #: every stateful part (component.py): saved, restored and told of unloads in a loop
        self.components: list[Component] = []
        #: the saved rows this kernel was restored from (build_part restores a Part's own)
        self.saved_rows: MutableMapping[str, Any] | None = None
        #: each built Part's data as built: still that, it saves no row (_component_rows)
        self._pristine: dict[str, Any] = {}
        self.clock = self.add_component(Clock())
        self.log = self.add_component(Dmesg(self.config.dmesg_bytes, now_ns=self._now))
        self.heap = self.add_component(
            Heap(self.mem, self.config.heap_limit, self.clock.last_ns, symbolize=self.symbolize)
        )
        self.symbol_table = self.add_component(SymbolTable(self.config.symbol_buckets))
        self.vfs = Vfs()  # the file tree; components register their files in it
        for path in KDIRS:
            self.vfs.mkdir(path)
        for kf in KFILES:
            self.vfs.add(kf.path, TextFile(kf.show, kf.store), kf.mode, size=kf.size)
        self.procfs = self.add_component(ProcFS(self.heap, self.vfs))
        sysfs = Sysfs(self.heap, self.vfs)
        # before sysfs: a leftover device takes its directory's files with it
        self.chrdev = self.add_component(Chrdev(self.vfs, self.heap, sysfs))
        #: the user pages of the file operation running (uaccess.py)
        self.user = UserMemory(self.mem, self.config.arch)
        self.sysfs = self.add_component(sysfs)
        self.debugfs = self.add_component(DebugFS(self.heap, self.vfs))
        self.sysctl = self.add_component(Sysctl(self.heap, self.vfs))  # /proc/sys tables
        self.configfs = self.add_component(Configfs(self.vfs))  # /sys/kernel/config
        self.random = self.add_component(Random())
        self.slab_caches = self.add_component(SlabCaches())
        #: dynamic debug's queries over the modules' own sites (no state of its own)
        self.dyndbg = DynamicDebug(
            self.mem, self.module_list_all, lambda line: self.log.emit(3, f"dyndbg: {line}")
        )
        #: tasks, the run queue and the event queue; timers, work and locks build on it
        self.mm = self.add_component(AddressSpaces(self))  # the commands' mm_structs (mm.py)
        self.sched = self.add_component(Scheduler(self))
        self.heap.current_task = self.current_task_id
        parts = [self.add_component(part(self)) for part in _task_components()]
        self.timers, self.workqueues, self.lockdep, self.rcu = parts
        # a Part's scheduler events: the first one builds it
        self.sched.on_event("net_tx", lambda key, when: self.net.net_tx(key, when))
        self._modules: dict[str, Module] = {}
        self._taints: set[T.Taint] = set()
        self._load_seq = 0
        self._cpu = None
        self._param_ops: dict[int, ParamType] | None = None
        self._current: list[Module] = []
        self._paths: list[KernelPath | None] = []  # what runs each nested module call
        # the function tracer and the relocation log (trace.py)
        self.tracing = self.add_component(Tracing())
        #: tracepoints and their probes (tracepoints.py); trace events and trace arrays
        self.tracepoints = self.add_component(Tracepoints(self))
        self.trace_events = self.add_component(TraceEvents(self))
        self.console = self.add_component(Console())  # the shell's terminal (tty.py)
        self.ratelimits = self.add_component(RateLimits(self))  # printk's and net's shared limits
        self.pages = self.add_component(PagePool(self))  # the page allocator's pool (pages.py)
        self.zonedev = self.add_component(ZoneDevice(self))  # iomem regions, ZONE_DEVICE maps
        self.livepatch = self.add_component(Livepatch(self))  # live patches (livepatch.py)
        self.load_trace: LoadTrace | None = None  # set by tracing_session around a load
        #: request_module()'s loader (the shell installs modprobe); None: not available
        self.module_requester: Callable[[Kernel, str], object] | None = None
        self._boot_kernel_image(image)

    # ------------------------------------------------------------------ boot
    def _boot_kernel_image(self, image: KernelImage | None) -> None:
        """Kernel text (one trap slot per API function) and data (kernel variables).

        ``image`` is a saved layout to keep (kimage.py); None lays the table out afresh.
        """
        funcs, data = kapi.kapi_names(), kapi.kdata_table()
        image = KernelImage.fresh(funcs, data) if image is None else image.extended(funcs, data)
        self.image = image
        # slot address -> function: filled as module code first calls each (_resolve_slot)
        self._slots: dict[int, kapi.KapiFunc] = {}
        self._slot_names: dict[int, str] = {}
        text_size = _pages(image.text_end - KERNEL_TEXT_BASE)
        self.mem.map(KERNEL_TEXT_BASE, text_size, Perm.R | Perm.X, "kernel:text", owner="kernel")
        slot_bytes = self.arch.trap_slot
        if len(slot_bytes) != SLOT_SIZE:
            raise KernelError(f"{self.arch.name}: trap slot of {len(slot_bytes)} bytes")
        text = bytearray(image.text_end - KERNEL_TEXT_BASE)  # one write, not one a slot
        export = self.symbol_table.export
        for f in funcs:
            addr = image.text[f.name]
            at = addr - KERNEL_TEXT_BASE
            text[at : at + SLOT_SIZE] = slot_bytes
            self._slot_names[addr] = f.name
            export(KernelSymbol(f.name, addr, SymbolKind.FUNCTION, None, f.gpl))
        self.return_slot = image.return_slot
        at = self.return_slot - KERNEL_TEXT_BASE
        text[at : at + SLOT_SIZE] = slot_bytes
        self.mem.write(KERNEL_TEXT_BASE, bytes(text))
        for name in KERNEL_ONLY:  # kernel text, not an export (kprobes.py)
            self.symbol_table.unexport(name)
        # the trap hook covers every slot; the return slot is left out when it is the last
        last = image.text_end - SLOT_SIZE
        self.trap_range = (KERNEL_TEXT_BASE, last if last == self.return_slot else image.text_end)
        self._data: list[tuple[int, kapi.KapiData]] = []
        for d in data:
            at = image.data[d.name][0]
            self._data.append((at, d))
            self.symbol_table.export(KernelSymbol(d.name, at, SymbolKind.DATA, None, d.gpl))
        data_size = _pages(image.data_end - KERNEL_DATA_BASE)
        self.mem.map(KERNEL_DATA_BASE, data_size, Perm.R | Perm.W, "kernel:data", owner="kernel")
        self._refresh_kernel_data(everything=True)
        self._bind_console_printk()
        self._boot_klib()

    def _bind_console_printk(self) -> None:
        """The log's four levels live in kernel data, ``console_printk[4]`` (printk.py)."""
        at = self.image.data["console_printk"][0]
        mem = self.mem

        def read() -> tuple[int, int, int, int]:
            return struct.unpack("<4i", mem.read(at, 16))  # type: ignore[return-value]

        def write(levels: tuple[int, int, int, int]) -> None:
            mem.write(at, struct.pack("<4i", *levels))

        self.log.bind_levels(read, write)

    def _boot_klib(self) -> None:
        """Map the kernel library (lkmsh's own C, see klib.py) and export its functions."""
        self.klib = klib.image(self.arch.name)
        if self.klib is None:
            return
        size = _pages(len(self.klib.data))
        self.mem.map(klib.KLIB_BASE, size, Perm.R | Perm.X, "kernel:lib", owner="kernel")
        self.mem.write(klib.KLIB_BASE, self.klib.data)
        if self.klib.imports:
            slots = dict(self.image.text)
            slots.update((d.name, addr) for addr, d in self._data)  # data imports
            for imp in self.klib.imports:
                if imp.name not in slots:
                    raise KernelError(f"kernel library: no kernel function {imp.name}")
                self.mem.write_u64(imp.pointer, slots[imp.name])
        for s in self.klib.symbols:
            gpl = s.name in klib.GPL_ONLY
            if s.name in klib.FAST_PATHS:
                self.symbol_table.unexport(s.name)  # its slot stays: the slow path
            self.symbol_table.export(KernelSymbol(s.name, s.addr, SymbolKind.FUNCTION, None, gpl))
        names = {s.name for s in self.klib.symbols}
        if all(n in names for n in klib.SLAB_FAST_PATHS):
            from lkmsh.kernel.slabfast import FastPath

            slots = tuple(self.image.text[n] for n in klib.SLAB_FAST_PATHS)
            self.heap.fast = FastPath(self.mem, slots)  # type: ignore[arg-type]
            self.heap.current_owner = self._owner_now
            self.clock.before_advance = self.heap.settle
        if "__alloc_pages" in names:
            from lkmsh.kernel.pages import CACHE_SLOW_PATH, SLOW_PATHS

            for n in (*SLOW_PATHS, CACHE_SLOW_PATH):
                self.symbol_table.unexport(n)  # lkmsh's own: the library's calls, not modules'
            slots = tuple(self.image.text[n] for n in SLOW_PATHS)
            self.pages.boot(slots, self.image.text[CACHE_SLOW_PATH])  # type: ignore[arg-type]
        lock_paths = klib.RCU_FAST_PATHS + klib.SPIN_FAST_PATHS
        if all(n in names for n in lock_paths):
            from lkmsh.kernel.rcufast import RcuFast

            lock_slots = tuple(self.image.text[n] for n in lock_paths)
            self.lockdep.rcu_fast = RcuFast(self.mem, lock_slots)  # type: ignore[arg-type]
        if all(n in names for n in klib.RANDOM_FAST_PATHS):
            from lkmsh.kernel.randfast import RandomFast

            random_slots = tuple(self.image.text[n] for n in klib.RANDOM_FAST_PATHS)
            self.random.fast = RandomFast(self.mem, random_slots)

    def _owner_now(self) -> str:
        m = self.current_module
        return m.name if m is not None else KERNEL_OWNER

    def add_component(self, component: C) -> C:
        """Register a stateful part (see component.py) in its COMPONENT_ORDER place; returns it."""
        if any(c.name == component.name for c in self.components):
            raise KernelError(f"component {component.name} registered twice")
        rank = _RANK.get(component.name, len(_RANK))
        at = len(self.components)
        while at and _RANK.get(self.components[at - 1].name, len(_RANK)) > rank:
            at -= 1
        self.components.insert(at, component)
        return component

    def build_part(self, part: Part) -> Component:
        """A Part's first use: import and build it, register it, restore its saved row."""
        import importlib

        cls = getattr(importlib.import_module(f"lkmsh.kernel.{part.module}"), part.cls)
        component = cls(self) if part.takes_kernel else cls()
        self.__dict__[part.attr] = component  # from now on a plain attribute
        self._pristine[part.row] = component.to_data()
        self.add_component(component)
        rows = self.saved_rows
        if rows is not None and part.row in rows:
            component.restore(_row_fetch(rows, part.row))
        return component

    def part_in_use(self, attr: str) -> Any:
        """The Part @attr if it is built (it holds anything only then: a restore builds
        those with a saved row), else None without building it: what the paths every
        command takes ask (the CPU's set-up, the kernel data refreshed at each tick)."""
        return self.__dict__.get(attr)

    def _now(self) -> int:
        return self.clock.ns()

    def fpu_defaults(self, *, mxcsr: bool, x87: bool) -> None:
        """kernel_fpu_begin(): MXCSR and the x87 control word of the running code."""
        if self._cpu is not None:
            self._cpu.fpu_defaults(mxcsr=mxcsr, x87=x87)

    def kernel_data_changed(self) -> None:
        """The state behind kernel variables changed under running module code (an IRQ's
        or a kprobe's handler returned): what the code reads next is the new value."""
        self._refresh_kernel_data()

    def _refresh_kernel_data(self, everything: bool = False) -> None:
        hw = self.part_in_use("hw_breakpoints")
        watched = hw is not None and bool(hw.by_event)
        for addr, d in self._data:
            if everything or not d.static:
                value = d.refresh(self)
                changed = watched and self.mem.read(addr, len(value)) != value
                self.mem.write(addr, value)
                # as the tick's write of jiffies, a breakpoint sees it
                if changed and hw is not None:
                    hw.kernel_wrote(addr, len(value))

    @contextmanager
    def _command(self, comm: str):
        """Module calls of one command run as its task @comm; afterwards a tick passes.

        Nested (request_module loading a module from an init) they stay in the
        running task and no tick passes.
        """
        outer = self.sched.current is None
        with self.sched.foreground(comm) as task:
            kprobes = self.part_in_use("kprobes") if outer else None
            if kprobes is not None:  # the shell forked the command's process
                kprobes.kernel_function("kernel_clone", [0], lambda: task.pid)
            yield
            if outer:
                for level, line in self.lockdep.user_return(task):
                    self.log.emit(level, line)
        if outer:
            self.user.unmap_all()  # the command's process exits: its vm_mmap() pages go
            self.sched.settle()

    @contextmanager
    def locked(self):
        """Hold the kernel lock across several calls (the shell's REPL uses it)."""
        with self._lock:
            yield self

    # ------------------------------------------------------------ the CPU
    @property
    def cpu(self):
        if self._cpu is None:
            from lkmsh.kernel.cpu import Cpu

            self._cpu = Cpu(
                self.mem, self.arch, self._trap, self.trap_range, self.return_slot, kernel=self
            )
            self.clock.run_time = self._cpu.run_ns
            # the handlers run only at a probe or breakpoint, which builds kprobes.py or
            # hwbreak.py first: a command with neither never imports them
            self._cpu.probe_handler = lambda addr, regs: self.kprobes.hit(addr, regs)
            self._cpu.watch_handler = lambda hits, regs: self.hw_breakpoints.watched(hits, regs)
            hw = self.part_in_use("hw_breakpoints")
            # kprobes.py's hook stops the CPU at execute breakpoints and live patches too
            if self.part_in_use("kprobes") is not None or hw is not None or self.livepatch.patches:
                for addr in self.kprobes.addresses():
                    self._cpu.set_probe(addr, True)
            if hw is not None:
                hw.arm_all()
        return self._cpu

    def _trap(self, slot: int, ctx) -> int | None:
        self.clock.stale = True  # module code ran up to this call: the clock counts it
        rcu_fast = self.lockdep.rcu_fast
        if rcu_fast is not None and rcu_fast.pending():
            self.lockdep.settle()  # what lockdep holds, before anything asks it
        func = self._slots.get(slot)
        if func is None:
            func = self._resolve_slot(slot)
            if func is None:
                # a jump into the middle of a slot: no call; the bytes there run
                # and fault (int3, udf) with an Oops
                return None
        ctx.name = func.name
        ftrace = self.tracing.ftrace
        if ftrace.enabled:
            return ftrace.call(self, func, ctx)
        try:
            result = (func.body or func.impl)(ctx)
        except BadAddress as err:  # what KapiFunc.impl does, one frame less on every call
            from lkmsh.kernel.kapi.bug import page_fault

            raise page_fault(ctx, err) from None
        if rcu_fast is not None:
            rcu_fast.publish(bool(self.lockdep.held))  # the call may have taken or dropped one
        return result

    def _resolve_slot(self, slot: int) -> kapi.KapiFunc | None:
        """The function behind a slot not called before: its family is imported now."""
        name = self._slot_names.get(slot)
        if name is None:
            return None
        func = kapi.lookup(name)
        if func is None:
            raise KernelError(f"kernel function {name}: no family registers it (stale kapi index)")
        self._slots[slot] = func
        return func

    def klib_function(self, name: str) -> int:
        """The address of a kernel library function, static ones included (0: none)."""
        img = self.klib
        if img is None:
            return 0
        found = next((s for s in img.symbols + img.local_symbols if s.name == name), None)
        return found.addr if found is not None else 0

    def kernel_function_at(self, addr: int) -> str | None:
        """The kernel API function whose slot starts at ``addr``, if one does."""
        return self._slot_names.get(addr)

    @property
    def current_comm(self) -> str:
        """The task module code runs in, as reports name it: rmmod runs exits, insmod the rest."""
        m = self.current_module
        return "rmmod" if m is not None and m.state is ModuleState.UNLOADING else "insmod"

    @property
    def current_module(self) -> Module | None:
        return self._current[-1] if self._current else None

    @contextmanager
    def running(self, module: Module | None):
        """Module code of ``module`` runs inside (``THIS_MODULE`` for its kernel calls)."""
        if module is None:
            yield
            return
        self.heap.settle()  # what the fast path did so far was the outer module's
        self._current.append(module)
        self.pages.set_owner(module.name)
        try:
            yield
        finally:
            self.heap.settle()
            self._current.pop()
            self.pages.set_owner(self._current[-1].name if self._current else None)

    @contextmanager
    def running_for(self, module_name: str | None):
        """Module code of @module_name runs (a task's): its allocations are its own."""
        with self.running(self._modules.get(module_name) if module_name else None):
            yield

    def module_containing(self, addr: int) -> Module | None:
        for m in self._modules.values():
            if m.contains(addr):
                return m
        return None

    def current_task_id(self) -> tuple[str, int]:
        """(comm, pid) of the task running module code now, for reports."""
        task = self.sched.current
        if task is not None:
            return task.comm, task.pid
        module = self.current_module
        return (
            "rmmod" if module is not None and module.state is ModuleState.UNLOADING else "insmod"
        ), 1

    @property
    def current_path(self) -> KernelPath | None:
        """The kernel path running the innermost module call (for call traces)."""
        return self._paths[-1] if self._paths else None

    def call(self, func_addr: int, args: Iterable[int] = (), path: KernelPath | None = None) -> int:
        """Run module code; faults become an Oops in dmesg and a ModuleFault.

        @path names the kernel code that runs it (an init, an exit, a /proc
        read), which call traces show below the module's frames.
        """
        self._paths.append(path)
        try:
            return self._call(func_addr, args)
        finally:
            self._paths.pop()

    def _call(self, func_addr: int, args: Iterable[int]) -> int:
        self._refresh_kernel_data()
        return self._reported(
            self.cpu.call,
            func_addr,
            list(args),
            budget=self.config.insn_budget,
            timeout_s=self.config.timeout_s,
            watch=self._watch(),
        )

    def _watch(self) -> Watch | None:
        """The soft-lockup watchdog's deadline for module code starting now."""
        return watch(self.clock.ns(), self.config.watchdog_thresh)

    def in_fast_path(self, pc: int) -> bool:
        """Whether @pc is in the kernel library's kmalloc/kzalloc/kfree, or in the memset
        kfree poisons with before it writes its record: the heap reads those records when
        the clock moves (slabfast.py), so a tick must not land mid-record."""
        if self.heap.fast is None or self.klib is None:
            return False
        sym = self.klib.symbol_at(pc)
        return sym is not None and (sym.name in klib.FAST_PATHS or sym.name == "memset")

    def next_jiffy_ns(self, *, tick: bool) -> int:
        """Virtual ns until jiffies next moves. @tick: module code ran into this jiffy
        without a kernel call, and the variable moves now, as the timer interrupt moves
        it under code that polls it on Linux (``while (time_before(jiffies, end))``)."""
        clock = self.clock
        clock.stale = True  # count the blocks run up to here
        now = clock.ns()
        if tick:
            addr = self.symbol_address("jiffies")
            if addr:
                self.mem.write(addr, clock.jiffies().to_bytes(8, "little"))
        return NSEC_PER_JIFFY - now % NSEC_PER_JIFFY

    def touch_softlockup_watchdog(self) -> None:
        """The running code scheduled (a nested sleep or yield): its count starts again."""
        if self._cpu is not None:
            self._cpu.touch_watchdog(self._watch())

    def softlockup_busy(self, ns: int) -> None:
        """The running code busy-waited @ns (udelay): run time for the watchdog."""
        if self._cpu is not None:
            self._cpu.watchdog_busy(ns)

    def run_task_code(self, stack: int, path: KernelPath | None = None, **kw):
        """Start or resume a task on its own stack (sched.py); its result or its Park.

        @path names the kernel code below the task's (KUnit's case runner), for traces.
        """
        region = self.mem.region_at(stack)
        if region is None:
            raise KernelError(f"task stack {stack:#x} is not mapped")
        self._refresh_kernel_data()
        self._paths.append(path)
        try:
            return self._reported(
                self.cpu.run_task,
                region,
                budget=self.config.insn_budget,
                timeout_s=self.config.timeout_s,
                watch=self._watch(),
                **kw,
            )
        finally:
            self._paths.pop()

    def _reported(self, run, *args, **kw):
        """Run module code through @run; a fault is written to dmesg and raised as ModuleFault."""
        self.heap.load_now()  # a corrupt heap is reported here, never inside a kernel call
        fast = self.heap.fast
        if fast is not None and fast.enabled == self.tracing.ftrace.enabled:
            self.heap.settle()  # the function tracer sees every kmalloc and kfree
            fast.enabled = not self.tracing.ftrace.enabled
        rcu_fast = self.lockdep.rcu_fast
        if rcu_fast is not None:
            rcu_fast.enabled = not self.tracing.ftrace.enabled
            rcu_fast.publish(bool(self.lockdep.held))
        random_fast = self.random.fast
        if random_fast is not None and random_fast.enabled == self.tracing.ftrace.enabled:
            self.random.take_back()  # the function tracer sees every draw
            random_fast.enabled = not self.tracing.ftrace.enabled
        self.sched.give_struct()
        try:
            return run(*args, **kw)
        except CpuFault as fault:
            self.lockdep.settle()
            self.clock.stale = True
            from lkmsh.kernel.oops import fault_summary, oops_lines, report_kind

            if fault.watch is not None and fault.kind is FaultKind.SOFT_LOCKUP:
                # the watchdog reports at its sample: that much virtual time went by
                self.clock.advance(max(0, fault.watch.report_ns - self.clock.ns()))
            taint = report_kind(fault)
            self._taints.add(taint)
            for level, line in oops_lines(self, fault):
                self.log.emit(level, line)
            raise ModuleFault(fault_summary(fault, self.arch)) from None
        except Exception as exc:  # imported here: the path of every call stays short
            from lkmsh.kernel.kapi.bug import KernelBug

            self.lockdep.settle()
            if not isinstance(exc, KernelBug):
                raise
            bug = exc
            self._taints.add(T.Taint.DIE)
            for line in bug.lines:
                self.log.emit(bug.level, line)
            raise ModuleFault(bug.message or "kernel BUG") from None
        finally:
            self.lockdep.settle()  # the read-side levels the code left taken
            self.clock.stale = True  # the code's run time, for the next clock read

    def cancel(self) -> None:
        """Stop a running module call (Ctrl-C); it ends as a soft lockup report."""
        if self._cpu is not None:
            self._cpu.cancel()

    # ------------------------------------------------------------ symbols
    def symbol_export(
        self,
        name: str,
        addr: int,
        kind: SymbolKind = SymbolKind.FUNCTION,
        owner: str | None = None,
        gpl: bool = False,
    ) -> KernelSymbol:
        with self._lock:
            sym = KernelSymbol(name, addr, kind, owner, gpl)
            self.symbol_table.export(sym)
            return sym

    def symbol_resolve(self, name: str) -> KernelSymbol | None:
        with self._lock:
            return self.symbol_table.resolve(name)

    def symbol_address(self, name: str) -> int | None:
        sym = self.symbol_resolve(name)
        return sym.addr if sym else None

    def symbol_unexport(self, name: str) -> KernelSymbol:
        with self._lock:
            sym = self.symbol_table.unexport(name)
            if sym is None:
                raise NotFound(f"symbol {name} is not exported")
            return sym

    def symbols(self, pattern: str | None = None, module: str | None = None) -> list[KernelSymbol]:
        with self._lock:
            return self.symbol_table.select(pattern, module)

    def symbol_stats(self) -> SymbolStats:
        with self._lock:
            return self.symbol_table.stats()

    def symbolize(self, addr: int, *, ret: bool = False) -> str:
        """'hx_init+0x12/0x40 [hx]' for module code, 'printk+0x0/0x10' for kernel slots.

        @ret: @addr is a return address, looked up one byte before as Linux's
        %pB does (a call to a noreturn function may end its caller).
        """
        name = self._slot_names.get(addr - addr % SLOT_SIZE)
        if name is not None and self.trap_range[0] <= addr < self.trap_range[1]:
            return f"{name}+{addr % SLOT_SIZE:#x}/{SLOT_SIZE:#x}"
        look = addr - 1 if ret else addr
        lib = self.klib.symbol_at(look) if self.klib is not None else None
        if lib is not None:
            return f"{lib.name}+{addr - lib.addr:#x}/{lib.size:#x}"
        for m in self._modules.values():
            if m.contains(look):
                s = m.symbol_at(look)
                if s is not None:
                    size = s.size or max(addr - s.addr + 1, 1)
                    return f"{s.name}+{addr - s.addr:#x}/{size:#x} [{m.name}]"
                return f"{addr:#x} [{m.name}]"
        return f"{addr:#x}"

    # ------------------------------------------------------------ modules
    def module_find(self, name: str) -> Module | None:
        with self._lock:
            return self._modules.get(name.replace("-", "_"))

    def module_list_all(self) -> list[Module]:
        """Newest first, as lsmod shows them."""
        with self._lock:
            return sorted(self._modules.values(), key=lambda m: -m.load_seq)

    def module_by_struct(self, addr: int) -> Module | None:
        for m in self._modules.values():
            if m.struct_addr == addr:
                return m
        return None

    def _need(self, name_or_module: str | Module) -> Module:
        name = name_or_module if isinstance(name_or_module, str) else name_or_module.name
        m = self.module_find(name)
        if m is None:
            raise NotFound(f"module {name} is not loaded")
        return m

    def module_get(self, name_or_module: str | Module) -> bool:
        with self._lock:
            m = self._need(name_or_module)
            if m.state is ModuleState.UNLOADING:
                return False
            m.extra_refs += 1
            return True

    def module_put(self, name_or_module: str | Module) -> None:
        with self._lock:
            m = self._need(name_or_module)
            if m.extra_refs <= 0:
                self.log.emit(4, f"WARNING: module_put on {m.name} with no reference held")
                return
            m.extra_refs -= 1

    def module_refcount(self, name_or_module: str | Module) -> int:
        with self._lock:
            return self._need(name_or_module).refcount

    @property
    def taints(self) -> str:
        return T.letters(self._taints)

    def tainted_field(self) -> str:
        return T.tainted_field(self._taints)

    def add_taint(self, letter: str) -> None:
        """Taint the kernel by Linux's letter (e.g. "W" after a warning)."""
        with self._lock:
            self._taints.add(T.BY_LETTER[letter])

    def bug_entry(self, pc: int) -> BugEntry | None:
        """The bug table entry of the BUG()/WARN() trap at @pc (lib/bug.c's find_bug)."""
        return find_bug(self.mem, self.module_list_all(), pc)

    def report_warning(self, fault: CpuFault, entry: BugEntry) -> None:
        """report_bug() for a WARN trap: __warn()'s report and its taint; a WARN_ON_ONCE
        that fired before is silent."""
        from lkmsh.kernel.oops import warning_lines

        if entry.flags & bugtable.ONCE:
            if entry.flags & bugtable.DONE:
                return
            bugtable.mark_done(self.mem, entry)
        for level, line in warning_lines(self, fault, entry):
            self.log.emit(level, line)
        taint = T.by_bit(entry.taint)
        if taint is not None:
            self._taints.add(taint)

    def _taint(self, taint: T.Taint, message: str | None = None) -> None:
        if taint not in self._taints and message:
            self.log.emit(4, message)
        self._taints.add(taint)

    def module_load(
        self,
        source: str | Path | bytes,
        params: str = "",
        *,
        force: bool = False,
        run_init: bool = True,
        path_hint: str | None = None,
    ) -> Module:
        """Load, link and (unless run_init=False) initialise a module image."""
        from lkmsh.elf import ElfFile

        path, data = self._read_image(source, path_hint)
        with self._lock, self._command("insmod"):
            ef = ElfFile(data)
            return self._load(ef, path, params, force, run_init)

    def _read_image(self, source: str | Path | bytes, hint: str | None) -> tuple[str, bytes]:
        if isinstance(source, bytes | bytearray | memoryview):
            data = bytes(source)
            if len(data) > MAX_MODULE_FILE:
                raise KernelError(f"module image of {len(data)} bytes is too large", E.EFBIG)
            return hint or "", data
        path = Path(source)
        try:
            return str(path.resolve()), read_module_file(path)
        except FileNotFoundError:
            raise NotFound(f"{path}: No such file or directory") from None
        except PermissionError:
            raise KernelError(f"{path}: Permission denied", E.EACCES) from None
        except OSError as exc:
            raise KernelError(f"{path}: {exc.strerror}", exc.errno or E.EIO) from None

    def _module_name(self, ef, path: str) -> str:
        name = dict(ef.modinfo).get("name")
        if not name:
            # modpost always writes name=; without it fall back to the file name.
            name = Path(path).name.split(".")[0] if path else ""
        name = name.replace("-", "_")
        # "." and ".." cannot be /sys/module directories; a space would split lsmod's columns
        if (
            not name
            or len(name) >= 56
            or not name.isprintable()
            or "/" in name
            or name in (".", "..")
            or any(c.isspace() for c in name)
        ):
            raise ElfError(f"bad module name {name!r}")
        return name

    def _check_image(self, ef, name: str, force: bool) -> list[tuple[str, str]]:
        from lkmsh.elf import constants as EC

        if ef.machine != self.arch.elf_machine:
            # Linux's words (elf_validity_cache_copy), and which machine it was
            machine = EC.MACHINE_NAMES.get(ef.machine, "unknown")
            self.log.emit(
                3,
                f"{name}: Invalid module architecture in ELF header: {ef.machine}"
                f" ({machine}; this kernel is {self.arch.name})",
            )
            raise ElfError(f"module {name} is for {machine}, kernel is {self.arch.name}")
        if ef.type not in (EC.ET_REL, EC.ET_DYN):
            raise ElfError(f"{name}: not a relocatable or shared object")
        info = ef.modinfo
        magic = dict(info).get("vermagic")
        if magic != VERMAGIC:
            if not force:
                if magic is None:
                    self.log.emit(3, f"{name}: no version magic, tainting kernel.")
                else:
                    self.log.emit(3, f"{name}: version magic '{magic}' should be '{VERMAGIC}'")
                raise ElfError(f"{name}: version magic mismatch")
            self._taint(T.Taint.FORCED_MODULE, f"{name}: loading with forced version magic")
        return info

    def _load(self, ef, path: str, params: str, force: bool, run_init: bool) -> Module:
        """load_module() in its phases (load.py), then do_init_module()."""
        from lkmsh.kernel.load import load_module

        module = load_module(self, ef, path, params, force).module
        if run_init:
            self._run_init(module)
        return module

    def _apply_params(self, module: Module, params: str) -> None:
        from lkmsh.kernel import params as P

        args = P.parse_args(params) if params.strip() else []
        if self.load_trace is not None:
            self.load_trace.params(args)
        addr, count = module.param_table
        if not args and not count:
            return
        specs = P.read_param_table(self.mem, addr, count, self.param_ops()) if count else []
        try:
            P.check_targets(self.mem, specs, module.name)
        except ElfError as err:
            self.log.emit(3, err.message)
            raise

        def dyndbg(name: str, value: str | None) -> bool:
            """ddebug_dyndbg_module_param_cb(): dyndbg="query" for this module's sites."""
            if name != "dyndbg":
                return False
            self.dyndbg.exec_queries(value if value is not None else "+p", module.name)
            return True

        with self.running(module):
            P.apply(
                self.mem, self.heap, specs, args, module.name, self.log, self.call, unknown=dyndbg
            )

    def param_ops(self) -> dict[int, ParamType]:
        """The kernel's struct kernel_param_ops (param_ops_int, ...) by address."""
        from lkmsh.kernel import params as P

        if self._param_ops is None:
            self._param_ops = P.kernel_ops_map(self.symbol_address)
        return self._param_ops

    def module_init_func(self, name: str) -> int:
        """Run the init of a module that module_load(run_init=False) left LOADED."""
        with self._lock, self._command("insmod"):
            module = self._need(name)
            if module.state is not ModuleState.LOADED:
                raise InvalidArgument(f"module {module.name} is {module.state.value}, not loaded")
            return self._run_init(module)

    def _run_init(self, module: Module) -> int:
        ret = 0
        if module.init_addr:
            with self.running(module):
                try:
                    ret = self._to_int(self.call(module.init_addr, path=KernelPath.INIT))
                except BaseException:
                    if self.load_trace is not None:
                        self.load_trace.init(self, module.init_addr, None)
                    self.livepatch.set_module_state(module, MODULE_STATE_GOING)
                    self._discard(module)
                    raise
        if self.load_trace is not None:
            self.load_trace.init(self, module.init_addr, ret)
        if ret < 0:
            self.livepatch.set_module_state(module, MODULE_STATE_GOING)
            self._discard(module)
            err = -ret
            raise InitFailed(
                f"{module.name}: init returned {ret}", errno=err if err < 4096 else E.EINVAL
            )
        if ret > 0:
            # Linux's do_init_module() warning, word for word (it loads the module anyway).
            self.log.emit(
                4,
                f"do_init_module: '{module.name}'->init suspiciously returned {ret},"
                " it should follow 0/-E convention",
            )
            self.log.emit(4, "do_init_module: loading module anyway...")
        module.state = ModuleState.RUNNING
        self.livepatch.set_module_state(module, MODULE_STATE_LIVE)
        # the MODULE_STATE_LIVE notifier: KUnit runs the module's suites
        if module.has_section(KUNIT_SECTION):
            with self.running(module):
                self.kunit.module_live(module)
        return ret

    @staticmethod
    def _to_int(rax: int) -> int:
        # init returns int: the low 32 bits, signed.
        v = rax & 0xFFFFFFFF
        return v - (1 << 32) if v & 0x80000000 else v

    def module_unload(self, name: str, force: bool = False) -> None:
        with self._lock, self._command("rmmod"):
            module = self.module_find(name)
            if module is None:
                raise NotFound(f"Module {name} is not currently loaded")
            if module.users and not force:
                raise Busy(
                    f"Module {module.name} is in use by: {' '.join(module.users)}", module.users
                )
            if module.state is not ModuleState.RUNNING and not force:
                raise Busy(f"Module {module.name} is {module.state.value}")
            if not force and (module.permanent or module.extra_refs):
                reason = "permanent (it has no exit function)" if module.permanent else "in use"
                raise Busy(f"Module {module.name} is {reason}")
            if force:
                self._taint(T.Taint.FORCED_RMMOD)
            module.state = ModuleState.UNLOADING
            self.livepatch.set_module_state(module, MODULE_STATE_GOING)
            fault: ModuleFault | None = None
            if module.exit_addr:
                with self.running(module):
                    try:
                        self.call(module.exit_addr, path=KernelPath.EXIT)
                    except ModuleFault as exc:
                        fault = exc
            self._discard(module)
            if fault is not None:
                raise fault

    def _forget(self, module: Module) -> None:
        """Take a module out of the list and out of everyone's "Used by"."""
        self._modules.pop(module.name, None)
        for dep in module.uses:
            other = self._modules.get(dep)
            if other and module.name in other.users:
                other.users.remove(module.name)
        for user in module.users:
            other = self._modules.get(user)
            if other and module.name in other.uses:
                other.uses.remove(module.name)

    def _hand_over_referenced(self, module: Module) -> None:
        """Memory has no owner in Linux: an object the going module allocated that another
        module still points at (a live patch's klp_state data, taken over by the patch
        that replaced it, as test_klp_state2.c) stays, that module's from now on, and is
        neither reclaimed with the going module nor reported as its leak. A pointer is a
        word holding the object's address, in the other module's data (its sections
        that are not code) or in an object it holds."""
        from lkmsh.kernel.heap import KIND_PERCPU

        held = [
            a for a in self.heap.allocations(module.name) if not a.managed and a.kind != KIND_PERCPU
        ]
        if not held:
            return
        spaces: list[tuple[str, bytes]] = []
        for m in self.module_list_all():
            if m.name != module.name:
                for p in m.placements:
                    if "x" not in p.perm and p.size:
                        spaces.append((m.name, self.mem.read(p.addr, p.size)))
        if not spaces:
            return
        names = {name for name, _ in spaces}
        for a in self.heap.allocations():
            if a.owner in names and a.size:
                with suppress(KernelError):
                    spaces.append((a.owner, self.mem.read(a.addr, a.size)))
        for a in held:
            word = a.addr.to_bytes(8, "little")
            for name, data in spaces:
                at = data.find(word)
                while at >= 0 and at % 8:
                    at = data.find(word, at + 1)
                if at >= 0:
                    a.owner = name
                    break

    def _discard(self, module: Module) -> None:
        """Free everything a module holds: each component's part of it, then its memory.

        This is Linux's MODULE_STATE_GOING notifier chain: newest component first.
        """
        if module.state is ModuleState.UNLOADING:
            self._hand_over_referenced(module)
        for component in reversed(self.components):
            for level, line in component.module_going(module):
                self.log.emit(level, line)
        self.livepatch.module_gone(module)  # klp_module_going(), after the notifier chain
        sysmodule.unpublish(self, module)
        self._forget(module)
        for vaddr in module.regions:
            self.mem.unmap(vaddr)
        if module.base:
            self.mem.modules.free(module.base)
        module.state = ModuleState.UNLOADED

    # ------------------------------------------------------------ dependencies
    def module_resolve_dependencies(self, source: str | Path | bytes) -> list[str]:
        """Loaded modules a module image needs, in load order (dependencies first)."""
        from lkmsh.elf import ElfFile

        _, data = self._read_image(source, None)
        ef = ElfFile(data)
        name = self._module_name(ef, "")
        undefined = {s.name for s in ef.undefined_symbols}
        with self._lock:
            provided = {s.name: (s.owner or "") for s in self.symbol_table if s.owner != name}
            graph = build_graph([ModuleNeeds(name, set(), undefined)], provided)
            if graph.missing.get(name):
                missing = graph.missing[name]
                raise UnknownSymbol(f"unknown symbols: {', '.join(missing)}", missing)
            deps = {m.name: list(m.uses) for m in self._modules.values()}
            deps[name] = graph.deps[name]
            return [n for n in topological_order(deps, [name]) if n != name]

    def module_check_circular(self, deps: dict[str, list[str]] | None = None) -> None:
        """Raise DependencyCycle if the graph (default: loaded modules) has a cycle."""
        with self._lock:
            if deps is None:
                deps = {m.name: list(m.uses) for m in self._modules.values()}
            check_circular(deps)

    def request_module(self, name: str) -> int:
        """Kernel-side automatic loading: a hook the modprobe layer installs.

        0 when modprobe loaded @name; when it failed, what Linux's
        call_usermodehelper() returns for it: the wait status of modprobe's exit(1).
        """
        loader = self.module_requester
        from lkmsh.kernel.cpu import MAX_DEPTH

        if self._cpu is not None and self._cpu.depth >= MAX_DEPTH:
            # Linux 6.1's __request_module when kmod_concurrent_max is used up
            self.log.emit(
                4,
                f"request_module: modprobe {name} cannot be processed, kmod busy with"
                f" {MAX_DEPTH} threads for more than 5 seconds now",
            )
            return -E.ETIME
        if loader is None:
            self.log.emit(4, f"request_module: modprobe {name} not available")
            return -E.ENOENT
        try:
            loader(self, name)
            return 0
        except KernelError:
            return MODPROBE_FAILED

    # ------------------------------------------------------------ tasks and time
    def sleep(self, ns: int) -> None:
        """Let @ns of virtual time pass: timers fire, sleeping threads wake and run."""
        if ns < 0:
            raise InvalidArgument("cannot sleep a negative time")
        with self._lock:
            self.sched.run_for(ns)

    def tasks(self) -> list[TaskInfo]:
        """Every task (ps): kthreads and kworkers, by pid."""
        with self._lock:
            return [self._task_info(t) for t in self.sched.all_tasks()]

    def _task_info(self, t) -> TaskInfo:
        return TaskInfo(t.pid, t.comm, t.state_letter, t.wchan, t.kind.value, t.module)

    def set_cmdline(self, cmdline: str) -> None:
        """A fresh boot's command line: /proc/cmdline shows it, modprobe reads its
        MODULE.PARAM words; logged as start_kernel() logs it."""
        if not valid_cmdline(cmdline):
            raise InvalidArgument(
                f"the kernel command line must be one printable line shorter than"
                f" {COMMAND_LINE_SIZE} bytes"
            )
        with self._lock:
            self.config.cmdline = cmdline
            if self.saved_config is not None:
                self.saved_config.cmdline = cmdline
            if cmdline:
                self.log.emit(5, f"Kernel command line: {cmdline}")

    def set_sched_seed(self, seed: int | None) -> None:
        """--sched-seed: which runnable task runs next is drawn from @seed (None: in order)."""
        with self._lock:
            self.sched.set_seed(seed)

    def task_stack(self, pid: int) -> str:
        """/proc/PID/stack: where a task waits, one symbolised frame a line."""
        with self._lock:
            task = self.sched.tasks.get(pid)
            if task is None:
                raise NotFound(f"/proc/{pid}/stack: No such file or directory")
            return "".join(f"[<0>]{line}\n" for line in self.sched.stack_lines(task))

    # ------------------------------------------------------------ dmesg and /proc
    def dmesg(self, levels: Iterable[int] | None = None):
        with self._lock:
            return self.log.records(levels)

    def boot_time_ns(self) -> int:
        """When the kernel booted, in wall-clock ns (now minus uptime; dmesg -T)."""
        return self.clock.real_ns() - self.clock.ns()

    def dmesg_clear(self) -> None:
        with self._lock:
            self.log.clear()

    def set_console_loglevel(self, level: int) -> None:
        """syslog(SYSLOG_ACTION_CONSOLE_LEVEL): 1..8, raised to the minimum (``dmesg -n``)."""
        if not 1 <= level <= CONSOLE_LOGLEVEL_MAX:
            raise InvalidArgument(f"console log level {level} is not 1..{CONSOLE_LOGLEVEL_MAX}")
        with self._lock:
            self.log.console_loglevel = max(level, self.log.printk_levels()[2])

    def set_printk_levels(self, levels: Iterable[int]) -> None:
        """A write of /proc/sys/kernel/printk: the first len(@levels) of the four."""
        with self._lock:
            self.log.set_printk_levels(levels)

    def printk_levels(self) -> tuple[int, int, int, int]:
        """/proc/sys/kernel/printk's four levels."""
        with self._lock:
            return self.log.printk_levels()

    def idle(self, waiting: bool) -> None:
        """The shell waits for its user (True) or runs a command again (False).

        Time spent waiting is not uptime, as between one-shot commands: a REPL
        keeping its kernel in memory gives the same timestamps as reloading it.
        """
        if waiting:
            self.clock.hold()
        else:
            self.clock.resume()

    def format_dmesg_line(self, rec) -> str:
        return self.log.format_line(rec)

    # ------------------------------------------------------------ files
    def open(self, path: str, flags: int = os.O_RDONLY) -> File:
        """Open a file of the tree (/proc, /sys, /dev, ...); close it with ``close``."""
        with self._lock, self._command("cat"):
            return self.vfs.open(self, path, flags)

    def read(self, file: File, count: int = READ_CHUNK) -> bytes:
        """One read(2) of at most ``count`` bytes at the file's position; b"" at EOF."""
        with self._lock, self._command("cat"):
            if not file.readable:
                raise FileError(f"{file.path}: {os.strerror(E.EBADF)}", E.EBADF)
            return self._ops(file).read(self, file, max(0, min(count, READ_ALL_LIMIT)))

    def write(self, file: File, data: bytes) -> int:
        """One write(2); returns how many bytes the file took."""
        with self._lock, self._command("sh"):
            if not file.writable:
                raise FileError(f"{file.path}: {os.strerror(E.EBADF)}", E.EBADF)
            return self._ops(file).write(self, file, data)

    def ioctl(self, file: File, cmd: int, arg: int = 0) -> int:
        """ioctl(2) with an integer argument; a negative result raises FileError."""
        with self._lock, self._command("ioctl"):
            return self._ops(file).ioctl(self, file, cmd, arg & (1 << 64) - 1)

    def ioctl_buffer(self, file: File, cmd: int, data: bytes, size: int = 0) -> tuple[int, bytes]:
        """ioctl(2) whose argument points to a user buffer of max(size, len(data)) bytes
        holding ``data``; returns the result and the buffer after the call."""
        with self._lock, self._command("ioctl"):
            ops = self._ops(file)
            size = max(size, len(data), 1)
            with self.user.buffer(size, data) as ubuf:
                ret = ops.ioctl(self, file, cmd, ubuf)
                return ret, self.mem.read(ubuf, size)

    def poll(self, file: File) -> int:
        """What ->poll says is ready now (EPOLLIN, EPOLLOUT, ... bits)."""
        with self._lock, self._command("poll"):
            return self._ops(file).poll(self, file)

    def mknod(self, path: str, major: int, minor: int, mode: int = 0o600) -> None:
        """A character device node made by hand (mknod PATH c MAJOR MINOR)."""
        from lkmsh.kernel.fsstructs import mkdev

        if not normpath(path).startswith("/dev/"):
            raise FileError(f"{path}: device nodes live under /dev", E.EINVAL)
        if not (0 <= major < 4096 and 0 <= minor < 1 << 20):
            raise FileError(f"{path}: device number {major}:{minor} out of range", E.EINVAL)
        with self._lock:
            self.chrdev.mknod(normpath(path), mkdev(major, minor), mode & 0o7777)

    def mkdir(self, path: str) -> None:
        """mkdir(2): configfs makes an item (its group's make_item/make_group), tracefs an
        instance; the kernel's other file systems have no mkdir (EPERM, as vfs_mkdir
        without one)."""
        path = normpath(path)
        with self._lock:
            if self.vfs.lookup(path) is not None:
                raise FileError(f"{path}: {os.strerror(E.EEXIST)}", E.EEXIST)
            parent = self.vfs.lookup(path.rsplit("/", 1)[0] or "/")
            if parent is None or not parent.is_dir:
                code = E.ENOENT if parent is None else E.ENOTDIR
                raise FileError(f"{path}: {os.strerror(code)}", code)
            if path.startswith(TRACE_INSTANCES):  # instance_mkdir(): a new trace array
                name = path[len(TRACE_INSTANCES) :]
                if "/" in name or self.trace_events.create(name) is None:
                    raise FileError(f"{path}: {os.strerror(E.EINVAL)}", E.EINVAL)
                return
            if not path.startswith(CONFIGFS_ROOT + "/"):
                raise FileError(f"{path}: {os.strerror(E.EPERM)}", E.EPERM)
            with self._command("mkdir"):
                self.configfs.mkdir(self, path)

    def rmdir(self, path: str) -> None:
        """rmdir(2): configfs drops a user-made item; elsewhere EPERM."""
        path = normpath(path)
        with self._lock:
            node = self.vfs.lookup(path)
            if node is None or not node.is_dir:
                code = E.ENOENT if node is None else E.ENOTDIR
                raise FileError(f"{path}: {os.strerror(code)}", code)
            arr = self.trace_events.arrays.get(path[len(TRACE_INSTANCES) :])
            if path.startswith(TRACE_INSTANCES) and arr is not None and arr.name:
                with self._command("rmdir"):  # instance_rmdir(): its events' unreg may run
                    ret = self.trace_events.destroy(arr)
                if ret < 0:
                    raise FileError(f"{path}: {os.strerror(-ret)}", -ret)
                return
            if not path.startswith(CONFIGFS_ROOT + "/"):
                code = E.EBUSY if path in ("/", *MOUNTS) else E.EPERM
                raise FileError(f"{path}: {os.strerror(code)}", code)
            with self._command("rmdir"):
                self.configfs.rmdir(self, path)

    def unlink(self, path: str) -> None:
        """Remove a node made with mknod."""
        with self._lock:
            if not self.chrdev.unlink(normpath(path)):
                node = self.vfs.lookup(path)
                code = E.ENOENT if node is None else E.EPERM
                raise FileError(f"{path}: {os.strerror(code)}", code)

    def lseek(self, file: File, offset: int, whence: int = os.SEEK_SET) -> int:
        with self._lock, self._command("cat"):
            return self._ops(file).llseek(self, file, offset, whence)

    def close(self, file: File) -> None:
        with self._lock, self._command("cat"):
            ops = file.inode.ops
            if ops is not None:
                ops.release(self, file)

    @staticmethod
    def _ops(file: File) -> FileOps:
        if file.inode.ops is None:
            raise FileError(f"{file.path}: {os.strerror(E.ENXIO)}", E.ENXIO)
        return file.inode.ops

    def read_file(self, path: str, limit: int = READ_ALL_LIMIT, lines: int | None = None) -> bytes:
        """Open, read until EOF (or ``limit`` bytes, or @lines newlines) in reads of GNU
        cat's size, close: as cat (and head -n, which stops reading when it has its lines)."""
        with self._lock, self._command("cat"):
            f = self.open(path)
            try:
                chunks: list[bytes] = []
                total = 0
                while total < limit:
                    chunk = self.read(f, min(CAT_READ, limit - total))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    total += len(chunk)
                    if lines is not None:
                        lines -= chunk.count(b"\n")
                        if lines <= 0:
                            break
                return b"".join(chunks)
            finally:
                self.close(f)

    def write_file(self, path: str, data: bytes, append: bool = False) -> int:
        """Open for writing, one write of ``data``, close: as ``echo data > path``."""
        flags = os.O_WRONLY | (os.O_APPEND if append else os.O_TRUNC)
        with self._lock, self._command("sh"):
            f = self.open(path, flags)
            try:
                return self.write(f, data)
            finally:
                self.close(f)

    def listdir(self, path: str) -> list[DirEntry]:
        with self._lock:
            return self.vfs.listdir(path)

    def stat(self, path: str) -> DirEntry:
        with self._lock:
            return self.vfs.entry(normpath(path), self.vfs.need(path))

    def lstat(self, path: str) -> DirEntry:
        """stat without following a last symlink (ls -l shows the link itself)."""
        with self._lock:
            node = self.vfs.lookup(path, follow=False)
            if node is None:
                return self.stat(path)  # the ENOENT (or ENOTDIR) stat gives
            return self.vfs.entry(normpath(path), node)

    def file_paths(self, under: str = "/") -> list[str]:
        """Every path of the tree below ``under`` (directories end in "/")."""
        with self._lock:
            return list(self.vfs.walk(under))

    def proc_entries(self) -> list[str]:
        """/proc/modules, /proc/kallsyms and the module-made /proc entries (relative names)."""
        with self._lock:
            return ["modules", "kallsyms", *self.procfs.names()]

    def read_proc(self, path: str) -> bytes:
        """A whole /proc (or other) file; ``path`` may omit the leading "/proc/"."""
        if not path.startswith("/"):
            path = f"/proc/{path}"
        return self.read_file(path)

    # ------------------------------------------------------------ looking inside
    def memory_map(self) -> MemoryMap:
        """The address space as memmap shows it (regions, module sections, notes)."""
        from lkmsh.kernel.memmap import memory_map

        with self._lock:
            return memory_map(self)

    def slab_stats(self) -> SlabStats:
        with self._lock:
            return SlabStats(self.heap.stats(), self.heap.live_bytes, self.heap.footprint)

    def peek(self, addr: int, size: int) -> bytes:
        """Kernel memory as a debugger reads it (any mapped page; BadAddress otherwise)."""
        with self._lock:
            return self.mem.read(addr, size)

    def peek_cstr(self, addr: int, limit: int = 4096) -> bytes:
        """The NUL-terminated bytes at ``addr`` (without the NUL), at most ``limit``."""
        with self._lock:
            return self.mem.read_cstr(addr, limit)

    def module_relocations(self, name: str) -> list[RelocRecord]:
        """The relocations applied to a loaded module, as recorded when it loaded."""
        with self._lock:
            return self.tracing.relocs.records(name, self.arch)

    @contextmanager
    def tracing_session(self, load_trace: LoadTrace | None = None, ftrace: bool = False):
        """Record the loads inside (``insmod --trace``) and/or run the function tracer;
        both are put back as they were after, whatever happens inside."""
        ft = self.tracing.ftrace
        was = ft.on, ft.tracer
        self.load_trace = load_trace
        if ftrace:
            ft.enabled = True
        try:
            yield self.tracing.ftrace
        finally:
            self.load_trace = None
            ft.on, ft.tracer = was

    @property
    def ftrace(self) -> FunctionTracer:
        """The function tracer (``trace on|off|clear``, /sys/kernel/tracing/trace)."""
        return self.tracing.ftrace

    def kmemleak_scan(self) -> LeakScan:
        from lkmsh.kernel.kmemleak import scan

        with self._lock:
            return scan(self)

    # ------------------------------------------------------------ the board (gpio.py, irq.py)
    def gpio_lines(self) -> list[Line]:
        with self._lock:
            return list(self.gpio.lines)

    def gpio_events(self) -> list[LineEvent]:
        with self._lock:
            return list(self.gpio.events)

    def gpio_changes(self) -> int:
        """How many line changes were ever logged (``gpio_events_since`` counts from it)."""
        with self._lock:
            return self.gpio.changes

    def gpio_events_since(self, seen: int) -> list[LineEvent]:
        with self._lock:
            return self.gpio.events_since(seen)

    def gpio_get(self, pin: int) -> int:
        with self._lock:
            return self.gpio.get(pin)

    def gpio_drive(self, pin: int, value: int) -> None:
        """The outside world puts ``value`` on an input line (its IRQ may fire)."""
        with self._lock, self._command("gpio"):
            self.gpio.drive(pin, value)

    def gpio_attach(self, pin: int, kind: str | None, **props: float) -> None:
        """Wire a part to a line (button, led, dht11), or remove it (None)."""
        with self._lock:
            if kind is None:
                self.gpio.detach(pin)
            else:
                self.gpio.attach(pin, kind, **props)

    def platform_devices(self) -> list[PDevice]:
        with self._lock:
            return list(self.platform.devices)

    def platform_drivers(self) -> list[PDriver]:
        with self._lock:
            return list(self.platform.drivers)

    def platform_device_add(self, name: str, props: dict[str, PropValue]) -> PDevice:
        """A device the board has (the shell's ``device add platform``), with a device-tree
        node holding ``props``; a matching driver binds at once."""
        with self._lock:
            return self.platform.add_board_device(name, props)

    def platform_device_del(self, dev_name: str) -> None:
        with self._lock:
            pdev = self.platform.device_named(dev_name)
            if pdev is None:
                raise NotFound(f"no platform device {dev_name}")
            for level, line in self.platform.remove_device(pdev):
                self.log.emit(level, line)

    def input_devices(self) -> list[InputDevice]:
        with self._lock:
            return list(self.input.devices)

    def input_capabilities(self, dev: InputDevice) -> list[tuple[int, list[int]]]:
        with self._lock:
            return self.input.capabilities(dev)

    def input_id(self, dev: InputDevice) -> tuple[int, int, int, int]:
        """(bustype, vendor, product, version) of an input device."""
        with self._lock:
            return self.input.device_id(dev)

    def _uart(self, dev_name: str) -> Uart16550:
        from lkmsh.kernel.mmio import Uart16550

        model = self.mmio.models.get(dev_name)
        if not isinstance(model, Uart16550):
            raise NotFound(f"{dev_name} has no UART")
        return model

    # ------------------------------------------------------------ network devices
    def net_devices(self) -> list[NetLink]:
        """Every registered network device as ``ip link`` shows it, by ifindex."""
        from lkmsh.kernel.netdev import NetLink

        with self._lock:
            net = self.net
            return [
                NetLink(d.ifindex, d.name, net.link_flags(d), net.mtu(d), net.operstate(d),
                        net.link_type(d), net.address(d), net.address(d, "broadcast"),
                        net.mem_u32(d, "tx_queue_len"), net.carrier_ok(d), net.stats(d))
                for d in sorted(net.devices, key=lambda d: d.ifindex) if d.registered
            ]  # fmt: skip

    def net_set_up(self, name: str, up: bool) -> None:
        """ip link set NAME up|down: dev_open (->ndo_open) or dev_close (->ndo_stop)."""
        with self._lock, self._command("ip"):
            dev = self.net.by_name(name)
            self.net.open(dev) if up else self.net.close(dev)

    def net_set_mtu(self, name: str, mtu: int) -> None:
        with self._lock, self._command("ip"):
            self.net.set_mtu(self.net.by_name(name), mtu)

    def net_send(self, name: str, data: bytes) -> str:
        """A packet into the device (dev_queue_xmit): "sent", "queued" or "dropped"."""
        with self._lock, self._command("ip"):
            return self.net.send(self.net.by_name(name), data)

    def connector_send(self, idx: int, val: int, data: bytes, seq: int = 0, ack: int = 0) -> str:
        """A connector message from user space to the callback of {idx, val}: its name."""
        with self._lock, self._command("cn"):
            return self.connector.deliver(idx, val, data, seq, ack)

    @contextmanager
    def kdb_session(self):
        """kdb entered from the keyboard: the machine stops (nothing else runs, no tick
        passes) until the session ends. Yields (the entry banner, run one line: what
        kdb printed and whether it was ``go``, the prompt)."""
        with self._lock, self.sched.foreground("kdb") as task:
            self.sched.give_struct()
            banner = (f"\nEntering kdb (current=0x{task.struct_addr:016x}, pid {task.pid}) "
                      "due to Keyboard Entry\n")  # fmt: skip
            yield banner, lambda line: self.kdb.run_line(line, self._kdb_call), self.kdb.prompt

    def _kdb_call(self, tab: int, argv: list[str]) -> int:
        """A module's kdb command: its func(argc, argv) on an argv in kernel memory."""
        from lkmsh.kernel.callctx import to_signed
        from lkmsh.kernel.sysfs import call_module_code

        words = [w.encode() + b"\0" for w in argv]
        table = 8 * (len(words) + 1)
        buf = self.heap.alloc(table + sum(map(len, words)), KERNEL_OWNER, zero=True)
        if not buf:
            return -E.ENOMEM
        at, ptrs = buf + table, b""
        for w in words:
            self.mem.write(at, w)
            ptrs += at.to_bytes(8, "little")
            at += len(w)
        self.mem.write(buf, ptrs)
        try:
            return to_signed(
                call_module_code(self, self.mem.read_u64(tab + 8), [len(argv) - 1, buf]), 32
            )
        except ModuleFault:
            self.kdb.printf("kdb: the command faulted (the Oops is in dmesg)\n")
            return 0
        finally:
            self.heap.free(buf)

    def net_packets(self, name: str) -> list[tuple[int, str, bytes]]:
        """(ns, "out"|"in", bytes) of the packets the device sent and received (tcpdump)."""
        with self._lock:
            dev = self.net.by_name(name)
            return [(ns, way, bytes.fromhex(h)) for ns, way, h in dev.packets]

    def tty_output_take(self) -> bytes:
        """What modules wrote to the shell's terminal (get_current_tty's ops->write) since
        the last take; the shell writes it on its output."""
        with self._lock:
            return self.console.take()

    def device_console(self, dev_name: str) -> str:
        """What a board device's UART has transmitted."""
        with self._lock:
            return str(self._uart(dev_name).state.get("tx", ""))

    def device_send(self, dev_name: str, data: bytes) -> None:
        """Bytes arriving at a board device's UART (its interrupt fires if enabled)."""
        with self._lock:
            self._uart(dev_name).receive(self, data)

    def irq_raise(self, irq: int) -> int:
        """Deliver interrupt ``irq``; how many handlers handled it."""
        with self._lock, self._command(f"irq/{irq}"):
            return self.irqs.raise_irq(irq)

    @property
    def taint_mask(self) -> int:
        return T.mask(self._taints)

    def proc_modules_text(self) -> str:
        lines = []
        for m in self.module_list_all():
            users = "".join(f"{u}," for u in m.users)
            if m.permanent:
                users += "[permanent],"
            flags = T.module_flags(T.from_letters(m.taints))
            line = (
                f"{m.name} {m.size} {m.refcount} {users or '-'} {m.state.proc_name} 0x{m.base:016x}"
            )
            lines.append(line + (f" {flags}" if flags else "") + "\n")
        return "".join(lines)

    def proc_kallsyms_text(self) -> str:
        out = []
        shadowed = klib.FAST_PATHS if self.heap.fast is not None else ()
        for addr, name in sorted(self._slot_names.items()):
            if name not in shadowed:  # the library's is the exported one
                out.append(f"{addr:016x} T {name}\n")
        if self.klib is not None:
            for ls in self.klib.symbols:
                out.append(f"{ls.addr:016x} T {ls.name}\n")
        for addr, d in self._data:
            out.append(f"{addr:016x} D {d.name}\n")
        for m in sorted(self._modules.values(), key=lambda m: m.base):
            for s in m.symbols:
                out.append(f"{s.addr:016x} {s.kind} {s.name}\t[{m.name}]\n")
        return "".join(out)

    # ------------------------------------------------------------ state
    def export_state(self) -> KernelState:
        with self._lock:
            regions = [
                RegionImage(
                    r.vaddr,
                    r.size,
                    r.name,
                    r.owner,
                    bytes(int(p) for p in r.page_perms),
                    bytes(r.data),
                )
                for r in self.mem.regions()
                if r.owner != "kernel" and not r.transient
            ]
            return KernelState(
                arch=self.config.arch,
                kapi_digest=kapi.table_digest(),
                config=asdict(self.saved_config or self.config),
                meta={
                    "kernel_image": self.image.to_data(),
                    "klib": {s.name: s.addr for s in self.klib.symbols} if self.klib else {},
                    "taints": self.taints,
                    "load_seq": self._load_seq,
                    "ranges": {
                        name: vr.allocations()
                        for name, vr in self.mem.ranges.items()
                        if vr.persistent
                    },
                },
                modules=[m.to_dict() for m in self.module_list_all()],
                components=self._component_rows(),
                regions=regions,
            )

    def _component_rows(self) -> dict[str, Any]:
        """Each component's data to save; a Part holding what it held when built saves
        no row, so the next restore need not build it."""
        rows: dict[str, Any] = {}
        pristine = self._pristine
        for c in self.components:
            data = c.to_data()
            if c.name not in pristine or data != pristine[c.name]:
                rows[c.name] = data
        return rows

    @classmethod
    def from_state(cls, state: KernelState) -> Kernel:
        from lkmsh.errors import StateError

        try:
            return cls._restore(state)
        except (
            KernelError,
            TypeError,
            ValueError,
            IndexError,
            KeyError,
            AttributeError,
            OverflowError,
            struct.error,
        ) as e:
            if isinstance(e, StateError):
                raise
            detail = e.message if isinstance(e, KernelError) else f"{type(e).__name__}: {e}"
            raise StateError.corrupt(detail) from None

    @classmethod
    def _restore(cls, state: KernelState) -> Kernel:
        """from_state's work; any inconsistency in the data raises (reported as corrupt)."""
        from lkmsh.errors import StateError

        saved = state.meta.get("kernel_image")
        if saved is None:
            if state.kapi_digest != kapi.table_digest():
                raise StateError(
                    f"the saved kernel was made by another lkmsh version ({REBOOT_HINT})"
                )
            image = None
        else:
            image = KernelImage.from_data(saved)
            used = RelocLog.used_names(state.components.get("tracing"))
            check_carried_over(image, image.extended(kapi.kapi_names(), kapi.kdata_table()), used)
            klib.check_carried_over(state.meta.get("klib") or {}, state.arch, used)
        cfg = KernelConfig.from_data(state.config)
        if cfg.arch != state.arch and state.arch:
            raise ValueError(f"config arch {cfg.arch!r} is not the state's {state.arch!r}")
        k = cls(cfg, image)
        for r in state.regions:
            if len(r.data) != r.size or len(r.perms) != r.size // PAGE_SIZE:
                raise ValueError(f"region {r.name} at {r.vaddr:#x} does not hold {r.size} bytes")
            region = k.mem.map(r.vaddr, r.size, Perm(r.perms[0]), r.name, r.owner)
            region.data[:] = r.data
            for i, p in enumerate(r.perms):
                if p != r.perms[0]:
                    k.mem.protect(r.vaddr + i * PAGE_SIZE, PAGE_SIZE, Perm(p))
        for name, allocations in state.meta["ranges"].items():
            for start, length in allocations:
                k.mem.ranges[name].reserve(start, length)
        k._taints = T.from_letters(state.meta["taints"])
        k._load_seq = state.meta["load_seq"]
        for d in reversed(state.modules):
            m = Module.from_dict(d)
            k._modules[m.name] = m
        rows = k.saved_rows = state.components
        built = {c.name: c for c in k.components}
        parts = {p.row: p for p in cls.PARTS}
        for name in COMPONENT_ORDER:  # a Part with a row is built (and restored) now: its
            if name in built:  # files and hooks are back before anything looks for them
                built[name].restore(_row_fetch(rows, name))
            elif name in rows and name in parts:
                getattr(k, parts[name].attr)
        for m in k.module_list_all():
            sysmodule.publish(k, m)
        return k
