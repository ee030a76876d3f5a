"""The emulated CPU: unicorn in virtual-TLB mode over an AddressSpace.

Every region's bytearray is mapped into unicorn at its physical address with
``mem_map_ptr`` (kernel and CPU share the bytes); virtual addresses are
resolved by a TLB-fill hook from ``AddressSpace.translate``, which is also
where page faults and permission violations are recorded. Kernel API calls
are a code hook limited to the trap range (the ``ret`` in each slot).

Tasks (task.py) run on their own stacks with ``run_task``: a trap handler
that raises ``Park`` stops the engine and ``run_task`` returns the registers
as they will be when the kernel call returns, so the scheduler can resume the
task later (even in another process) with ``run_task(regs=...)``.

Nesting (a trap handler calling ``Cpu.call`` again, e.g. request_module
running another module's init) uses one unicorn engine per nesting depth:
unicorn can re-enter ``emu_start`` on one engine, but the inner call then
clobbers the outer call's instruction budget. Engines share the memory
buffers, so nesting costs one engine per depth, created on first use.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import math
import os
import struct
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import unicorn
from unicorn import UcError, unicorn_const

from lkmsh.arch.base import Arch
from lkmsh.errors import KernelError
from lkmsh.kernel import blockmeter, exitcheck, layout
from lkmsh.kernel.bugtable import BugEntry
from lkmsh.kernel.callctx import CallContext, trap_context_class
from lkmsh.kernel.fault import Access, CpuFault, FaultKind
from lkmsh.kernel.memory import AddressSpace, Perm, Region
from lkmsh.kernel.task import Park

MASK64 = (1 << 64) - 1
_U64 = struct.Struct("<Q")
#: Deepest nesting of calls into module code (request_module chains).
MAX_DEPTH = 16

#: Translated-code cache per engine.
TCG_BUFFER_SIZE = 64 << 20
#: Physical page that stands in for a faulting page while its exact address is found.
PROBE_PADDR = 0x1000
assert PROBE_PADDR + layout.PAGE_SIZE <= layout.PHYS_BASE

TrapHandler = Callable[[int, CallContext], "int | None"]


def _raw_library() -> ctypes.PyDLL | None:
    """libunicorn's functions without the binding's argtypes, holding the GIL.

    The binding converts every argument through its declared types (about
    0.6 us a call); called with ready ctypes objects the same function costs
    0.2 us. PyDLL keeps the GIL for these short calls (no hand-over to
    another thread in the middle of a kernel call). None when the binding's
    layout is not the one known here: the public API is used instead.
    """
    try:
        from unicorn.unicorn_py3.unicorn import uclib

        return ctypes.PyDLL(uclib._name)
    except (ImportError, AttributeError, OSError):
        return None


_RAW = _raw_library()
#: uc_cb_hookcode_t with plain integers (the binding's builds a uc_engine object per call)
_CODE_HOOK = ctypes.CFUNCTYPE(
    None, ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32, ctypes.c_void_p
)
#: uc_emu_stop, which the block meter calls when a run reaches its limit
_EMU_STOP = ctypes.cast(_RAW.uc_emu_stop, ctypes.c_void_p).value if _RAW is not None else None
#: unicorn's name for each guest architecture's code generator (check_exit_request_<name>)
_UC_ARCH_NAME = {"UC_ARCH_X86": "x86_64", "UC_ARCH_ARM64": "aarch64"}
_EXIT_FLAG: dict[str, int | None] = {}


def _exit_flag_offset(uc_arch: str) -> int | None:
    """Where no_exit_request sits in uc_struct (see exitcheck.py), once per architecture."""
    if uc_arch not in _EXIT_FLAG:
        name = _UC_ARCH_NAME.get(uc_arch)
        found = None if _RAW is None or name is None else exitcheck.flag_offset(_RAW, name)
        _EXIT_FLAG[uc_arch] = found
    return _EXIT_FLAG[uc_arch]


#: kernel_fpu_begin's MXCSR (all exceptions masked, round to nearest) and fninit's x87 control word
MXCSR_DEFAULT = 0x1F80
FNINIT_CONTROL_WORD = 0x037F

#: the soft-lockup watchdog's measure of run time: each translated block run
#: counts 100 ns of virtual time (an emulated CPU's pace: 20 s is 200 M blocks,
#: seconds of host time), each kernel call 10 us, each hlt one tick (4 ms)
NS_PER_BLOCK = 100
TRAP_BLOCKS = 100
HALT_BLOCKS = 40_000
#: the clock's measure of the same run time (ktime_get, get_cycles, printk's stamps):
#: 2 ns per block run, a block being ~5 instructions of a ~2.5 instructions/ns CPU,
#: so what module code times reads as on hardware (the watchdog's pace is slower
#: on purpose: a 20 s lockup must not take 20 s of emulation to detect)
CLOCK_NS_PER_BLOCK = 2


_ACCESS = {
    unicorn_const.UC_MEM_READ: Access.READ,
    unicorn_const.UC_MEM_WRITE: Access.WRITE,
    unicorn_const.UC_MEM_FETCH: Access.EXEC,
}
_NEEDED_PERM = {Access.READ: Perm.R, Access.WRITE: Perm.W, Access.EXEC: Perm.X}


class _Stopped(Exception):
    """Raised by Cpu.poll inside a kernel function; the call ends as CANCELLED."""


def _uc_const(module: Any, prefix: str, name: str) -> int:
    return getattr(module, f"{prefix}{name.upper()}")


class _RegBank:
    """Batch access to a fixed list of 64-bit registers through prebuilt ctypes arrays.

    unicorn's public ``reg_write_batch``/``reg_read`` cost microseconds per
    register in Python; this keeps a call's setup at a single C call.
    """

    def __init__(self, uc: unicorn.Uc, reg_ids: Sequence[int]):
        n = len(reg_ids)
        self.uc = uc
        self.ids = (ctypes.c_int * n)(*reg_ids)
        self.vals = (ctypes.c_uint64 * n)()
        base = ctypes.addressof(self.vals)
        self.ptrs = (ctypes.c_void_p * n)(*(base + 8 * i for i in range(n)))
        self.count = n
        self.uch = getattr(uc, "_uch", None)
        self.raw = _RAW is not None and self.uch is not None  # else: through the binding
        self._reg_ids = list(reg_ids)

    def write(self, values: Sequence[int]) -> None:
        if not self.raw:
            self.uc.reg_write_batch(list(zip(self._reg_ids, values, strict=True)))
            return
        self.vals[:] = values
        status = _RAW.uc_reg_write_batch(self.uch, self.ids, self.ptrs, self.count)
        if status != unicorn_const.UC_ERR_OK:
            raise UcError(status)

    def read(self) -> list[int]:
        if not self.raw:
            return [v & MASK64 for v in self.uc.reg_read_batch(self._reg_ids)]
        status = _RAW.uc_reg_read_batch(self.uch, self.ids, self.ptrs, self.count)
        if status != unicorn_const.UC_ERR_OK:
            raise UcError(status)
        return self.vals[:]


class _Watchdog:
    """Stops calls into module code that run past their deadline (the soft-lockup watchdog).

    One sleeping thread for the whole process, woken only when a deadline
    nearer than the one it sleeps towards is armed: a call pays a dict insert
    and delete, and unicorn runs without a per-instruction count. (unicorn's own
    ``timeout`` starts and joins a polling thread in every ``emu_start``, about
    0.6 ms a call.) An expired call is stopped again every ``RETRY_S`` until
    it ends, so a stop that lands just before ``emu_start`` is not lost;
    ``expire`` is how Ctrl-C (``Cpu.cancel``) gets the same guarantee.
    """

    RETRY_S = 0.02

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._armed: dict[_Engine, float] = {}  # engine -> monotonic deadline
        self._wake_at = math.inf
        self._thread: threading.Thread | None = None

    def arm(self, eng: _Engine, seconds: float | None) -> None:
        deadline = math.inf if seconds is None else time.monotonic() + seconds
        with self._cond:
            self._armed[eng] = deadline
            if deadline < self._wake_at:
                self._wake(deadline)

    def disarm(self, eng: _Engine) -> None:
        with self._cond:
            self._armed.pop(eng, None)

    def expire(self, engines: Sequence[_Engine]) -> None:
        """Stop these calls now and keep stopping them until they end."""
        now = time.monotonic()
        with self._cond:
            for eng in engines:
                if eng in self._armed:
                    self._armed[eng] = now
            self._wake(now)

    def _wake(self, at: float) -> None:
        self._wake_at = at
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="lkmsh-watchdog", daemon=True)
            self._thread.start()
        else:
            self._cond.notify()

    def _watch(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                nearest = math.inf
                for eng, deadline in self._armed.items():
                    if deadline <= now:
                        eng.expired = True
                        eng.uc.emu_stop()
                        deadline = now + self.RETRY_S
                    nearest = min(nearest, deadline)
                self._wake_at = nearest
                self._cond.wait(None if nearest == math.inf else nearest - now)


_WATCHDOG = _Watchdog()
# A forked child has no watchdog thread: it starts its own.
os.register_at_fork(after_in_child=_WATCHDOG.__init__)


class _Engine:
    """One unicorn instance; ``Cpu`` keeps one per nesting depth."""

    def __init__(self, cpu: Cpu, stepper: bool = False):
        self.cpu = cpu
        arch = cpu.arch
        uc = unicorn.Uc(getattr(unicorn_const, arch.uc_arch), getattr(unicorn_const, arch.uc_mode))
        # arm64 unicorn defaults to 1 KiB pages (settable before first use only);
        # x86's are fixed at 4 KiB and refuse the call.
        with contextlib.suppress(UcError):
            uc.ctl_set_page_size(layout.PAGE_SIZE)
        # unicorn reserves 1 GiB of translation cache per instance by default;
        # module code is small, and a full cache is simply flushed.
        uc.ctl_set_tcg_buffer_size(TCG_BUFFER_SIZE)
        uc.ctl_set_tlb_mode(unicorn_const.UC_TLB_VIRTUAL)
        self.uc = uc
        #: unicorn's exit check after each load and store: off (exitcheck.py) unless None
        self.checks = self._exit_checks()
        #: the registers where a hook stopped the call (reported instead of where unicorn stopped)
        self.stop_regs: list[int] | None = None
        self.code_generation = -1
        self.fault: tuple[int, Access, bool] | None = None  # (address, access, protection)
        self.vector: int | None = None
        self.insn_rip: int | None = None  # RIP of an instruction _no_such_insn refused
        self.pending: BaseException | None = None
        self.running = False
        self.started = 0.0
        self.expired = False  # the watchdog stopped this call
        self.stack: Region | None = None  # the running call's stack
        self.probe_page: int | None = None  # see Cpu._exact_address
        #: all general registers + ip + flags, in Cpu._reg_ids order
        self.all_regs = _RegBank(uc, list(cpu._reg_ids.values()))
        #: instruction pointer and return register, read after every call
        self.exit_regs = _RegBank(uc, [cpu._ip_reg, cpu._ret_reg])
        uc.hook_add(unicorn_const.UC_HOOK_TLB_FILL, self._fill)
        uc.hook_add(unicorn_const.UC_HOOK_INTR, self._intr)
        #: blocks run since the soft-lockup watchdog was last touched (None: not counted);
        #: the single-step engine's instruction is the probed code's, not run time of its own
        self.meter = None if stepper else self._add_meter()
        self.watch: Any = None  # the kernel's watchdog deadline for the running code
        self.traps = 0
        #: the meter's count at which the watchdog reports, and at which jiffies next moves;
        #: the meter stops at the nearer (Meter.limit)
        self.lockup_at = blockmeter.NEVER
        self.tick_at = blockmeter.NEVER
        self.ticks = False  # this run stops at jiffies (not under an instruction budget)
        #: the meter's count the clock has seen, and blocks counted before a touch
        self.clocked = 0
        self.unclocked = 0
        # No system calls and no I/O ports on this machine: unicorn would
        # otherwise step over these instructions silently (see _no_such_insn).
        # Which ones, and their vectors, are the arch's (x86: syscall, in, ...;
        # arm64's svc/hvc raise an exception by themselves).
        consts = importlib.import_module(f"unicorn.{arch.uc_reg_module}")
        for insn_name, vector in arch.insn_faults.items():
            uc.hook_add(
                unicorn_const.UC_HOOK_INSN,
                partial(self._no_such_insn, vector),
                None,
                1,
                0,
                getattr(consts, insn_name),
            )
        self._callbacks: dict[Any, Any] = {}  # the ctypes callbacks unicorn holds pointers to
        self._add_code_hook(self._make_trap(), cpu._trap_at, cpu._trap_at)
        for paddr, (size, buf) in (*cpu._buffers.items(), *cpu._kept.items()):
            uc.mem_map_ptr(paddr, size, unicorn_const.UC_PROT_ALL, ctypes.addressof(buf))
        #: kprobes' code hooks, by address (none on the single-step engine)
        self.probe_hooks: dict[int, int] = {}
        #: a probe came or went while this engine ran: it stops and resumes (Cpu._after_rearm)
        self.rearm = False
        #: a hook whose work is done stopped the code for a rearm: resumed at that hook's
        #: address, it does not run again (-1: none); the last probe that let its
        #: instruction run where it was, for that
        self.hook_done = -1
        self.probe_let_run = -1
        self.stepper = stepper
        for addr in cpu.probes:
            self.add_probe(addr)
        #: hardware breakpoints' memory hooks, by watched physical address
        self.watch_hooks: dict[int, int] = {}
        #: accesses to watched ranges since the engine last stopped: (paddr, size,
        #: write, the bytes a write replaced)
        self.watch_hits: list[tuple[int, int, bool, bytes | None]] = []
        self.watch_regs: list[int] = []
        if not stepper:
            for paddr, (size, kinds) in cpu.watches.items():
                self.add_watch(paddr, size, kinds)
        # scratch physical page below the AddressSpace's physical range
        uc.mem_map(PROBE_PADDR, layout.PAGE_SIZE, unicorn_const.UC_PROT_ALL)

    def _exit_checks(self) -> exitcheck.ExitChecks | None:
        uch = getattr(self.uc, "_uch", None)
        offset = _exit_flag_offset(self.cpu.arch.uc_arch)
        if uch is None or offset is None:
            return None
        try:
            checks = exitcheck.ExitChecks(uch.value, offset)
        except ValueError:
            return None
        checks.set(False)
        return checks

    def exit_checks(self, on: bool) -> None:
        """Switch the per-access exit checks; translation reads them, so retranslate on a change."""
        if self.checks is not None and self.checks.set(on):
            self.uc.ctl_flush_tb()

    def _add_meter(self) -> blockmeter.Meter | None:
        uch = getattr(self.uc, "_uch", None)
        if blockmeter.HOOK is None or _RAW is None or uch is None:
            return None
        meter = blockmeter.Meter(0, blockmeter.NEVER, _EMU_STOP)
        handle = ctypes.c_size_t()
        status = _RAW.uc_hook_add(
            uch,
            ctypes.byref(handle),
            unicorn_const.UC_HOOK_BLOCK,
            ctypes.c_void_p(blockmeter.HOOK),
            ctypes.byref(meter),
            ctypes.c_uint64(1),
            ctypes.c_uint64(0),  # begin > end: every address
        )
        return meter if status == unicorn_const.UC_ERR_OK else None

    def touch(self, watch: Any) -> None:
        """Start the soft-lockup count again (the code scheduled, or just started)."""
        self.watch = watch
        self.traps = 0
        m = self.meter
        if m is not None:
            self.unclocked += m.blocks - self.clocked
            self.clocked = 0
            m.blocks = 0
            self.lockup_at = (
                blockmeter.NEVER if watch is None else max(1, watch.budget_ns // NS_PER_BLOCK)
            )
            self.tick_at = self.cpu._blocks_to_jiffy(False) if self.ticks else blockmeter.NEVER
            m.limit = min(self.lockup_at, self.tick_at)

    def charge(self, blocks: int) -> None:
        """Count @blocks more of run time towards the soft-lockup limit."""
        m = self.meter
        if m is not None and self.lockup_at != blockmeter.NEVER:
            self.lockup_at = max(0, self.lockup_at - blocks)
            m.limit = min(self.lockup_at, self.tick_at)

    @property
    def locked_up(self) -> bool:
        """The block meter stopped this run: it reached the watchdog's limit."""
        m = self.meter
        return m is not None and self.lockup_at != blockmeter.NEVER and m.blocks >= self.lockup_at

    def tick(self, blocks: int) -> None:
        """Stop again @blocks from now: the next jiffy."""
        m = self.meter
        if m is not None:
            self.tick_at = m.blocks + blocks
            m.limit = min(self.lockup_at, self.tick_at)

    # hooks: never let an exception escape into unicorn (it would be lost)

    def _fill(self, uc, vaddr, access, entry, data) -> bool:
        acc = _ACCESS.get(access, Access.READ)
        if self.probe_page is not None and vaddr & layout.PAGE_MASK == self.probe_page:
            entry.paddr = PROBE_PADDR
            entry.perms = int(Perm.RWX)
            return True
        hit = self.cpu.mem.translate(vaddr)
        if hit is None:
            self.fault = (vaddr, acc, False)
            return False
        paddr, perm = hit
        if not perm & _NEEDED_PERM[acc] or self.cpu.mem.region_at(vaddr).user:
            # module code runs in kernel mode: user pages are SMAP/PAN-protected
            # (copy_{to,from}_user are the kernel's, and reach them from Python)
            self.fault = (vaddr, acc, True)
            return False
        entry.paddr = paddr & layout.PAGE_MASK
        entry.perms = int(perm)
        return True

    def _intr(self, uc, intno, data) -> None:
        self.vector = intno
        uc.emu_stop()

    def _no_such_insn(self, vector: int, uc, *args) -> int:
        """syscall/sysenter/in/out: fault at the instruction instead of a silent no-op."""
        if self.vector is None:
            self.vector = vector
            self.insn_rip = uc.reg_read(self.cpu._ip_reg)
            self.stop_regs = self.all_regs.read()
            self.stop_regs[self.cpu._ip_slot] = self.insn_rip
        uc.emu_stop()
        return 0  # what an IN reads; never seen, the call faults

    def _add_code_hook(self, fn: Callable[[Any, int, int, Any], None], begin: int, end: int) -> Any:
        """A code hook ``fn(engine, address, size, data)``, registered past the binding's
        wrappers; its handle (for uc_hook_del).

        The binding's callback wraps the hook in three Python frames and an
        engine object per call: most of a kernel call's round trip.
        """
        if _RAW is None or getattr(self.uc, "_uch", None) is None:
            return self.uc.hook_add(unicorn_const.UC_HOOK_CODE, fn, begin=begin, end=end)
        callback = self._callbacks.get(fn)
        if callback is None:  # one per function, referenced for as long as unicorn may call it
            callback = self._callbacks[fn] = _CODE_HOOK(fn)
        handle = ctypes.c_size_t()
        status = _RAW.uc_hook_add(
            self.uc._uch,
            ctypes.byref(handle),
            unicorn_const.UC_HOOK_CODE,
            callback,
            None,
            ctypes.c_uint64(begin),
            ctypes.c_uint64(end),
        )
        if status != unicorn_const.UC_ERR_OK:
            raise UcError(status)
        return handle.value

    def _del_hook(self, handle: Any) -> None:
        if _RAW is None or getattr(self.uc, "_uch", None) is None:
            self.uc.hook_del(handle)
        else:
            _RAW.uc_hook_del(self.uc._uch, ctypes.c_size_t(handle))

    def _make_trap(self) -> Callable[[Any, int, int, Any], None]:
        """The code hook of a kernel API call: the common trap entry stored its
        registers in the cell. A closure over what is fixed per CPU: it runs at
        every kernel call, and each attribute lookup saved is a few percent of one."""
        cpu = self.cpu
        cell = cpu._cell.data
        unpack_cell = cpu._cell_words.unpack_from
        ret_at = cpu._cell_ret
        trap_at = cpu._trap_at
        nargs = cpu._nargs
        link = cpu._link_reg is not None
        context = cpu._context
        pack_u64 = _U64.pack_into
        unpack_u64 = _U64.unpack_from

        def trap(_uc: Any, _address: int, _size: int, _data: Any) -> None:
            if self.probe_page is not None:
                return  # re-running a faulting instruction: no kernel calls
            if self.hook_done == trap_at:
                self.hook_done = -1  # resumed at the hook after this call's own stop
                return
            self.traps += 1
            if not self.traps & 63:
                self.charge(64 * TRAP_BLOCKS)
            try:
                regs = unpack_cell(cell)
                sp = regs[nargs]
                if link:
                    caller = regs[nargs + 1]
                else:  # where call pushed it: on the call's own stack, unless sp moved
                    stack = self.stack
                    off = sp - stack.vaddr
                    if 0 <= off <= stack.size - 8:
                        caller = unpack_u64(stack.data, off)[0]
                    else:
                        caller = cpu.mem.read_u64(sp)
                result = cpu.trap_handler(regs[-1], context(regs, caller))
                if result is not None:  # the entry loads it into the return register
                    pack_u64(cell, ret_at, result & MASK64)
            except Park as park:
                # the task stops here; saved as if the kernel call had returned
                saved = self.all_regs.read()
                saved[cpu._ip_slot] = caller
                if not link:
                    saved[cpu._sp_slot] = sp + 8  # the ret pops the return address
                park.regs = saved
                if self.pending is None:
                    self.pending = park
                self.uc.emu_stop()
            except BaseException as exc:  # re-raised by Cpu.call once unicorn stopped
                if self.pending is None:
                    self.pending = exc
                    # unicorn stops at the next block: report the call where it was
                    self.stop_regs = self.all_regs.read()
                self.uc.emu_stop()

        return trap

    def flush_tlb(self) -> None:
        self.uc.ctl(unicorn_const.UC_CTL_TLB_FLUSH, unicorn_const.UC_CTL_IO_WRITE)

    # -- kprobes -----------------------------------------------------------------

    def add_probe(self, addr: int) -> None:
        """A code hook at @addr; the translation of its block is dropped so that it takes."""
        if self.stepper or addr in self.probe_hooks:
            return
        self.probe_hooks[addr] = self._add_code_hook(self._on_probe, addr, addr)
        self._changed_code()

    def remove_probe(self, addr: int) -> None:
        handle = self.probe_hooks.pop(addr, None)
        if handle is not None:
            self._del_hook(handle)
            self._changed_code()

    # -- hardware breakpoints -----------------------------------------------------

    def add_watch(self, paddr: int, size: int, kinds: int) -> None:
        """A memory hook on @size bytes at physical @paddr (memory hooks see physical
        addresses in virtual-TLB mode) for @kinds (UC_HOOK_MEM_READ/WRITE bits)."""
        if paddr in self.watch_hooks:
            return
        self.watch_hooks[paddr] = self.uc.hook_add(
            kinds, self._on_watch, begin=paddr, end=paddr + size - 1
        )
        self._changed_code()  # translations redone with the hook's calls in them

    def remove_watch(self, paddr: int) -> None:
        handle = self.watch_hooks.pop(paddr, None)
        if handle is not None:
            self.uc.hook_del(handle)
            self._changed_code()

    def _on_watch(self, uc: Any, access: int, paddr: int, size: int, value: int, _d: Any) -> None:
        """Module code touched a watched range: the engine stops right after the access
        (module code cannot run inside a memory hook), and Cpu._after_watch runs the
        breakpoint's handler before the code goes on."""
        if self.probe_page is not None or self.cpu.watch_handler is None or not self.running:
            return
        write = access == unicorn_const.UC_MEM_WRITE
        old = self.cpu.phys_bytes(paddr, size) if write else None  # before the store
        if not self.watch_hits:  # the registers before the instruction (a load's
            self.watch_regs = self.all_regs.read()  # target is written by the stop)
        self.watch_hits.append((paddr, size, write, old))
        uc.emu_stop()

    def _changed_code(self) -> None:
        """Translations must be redone (with or without a hook): now, or, while this
        engine runs code, once it has stopped (flushing under running code is unsafe)."""
        self.code_generation = -1
        if self.running:
            self.rearm = True
            self.uc.emu_stop()

    def _on_probe(self, _uc: Any, address: int, _size: int, _data: Any) -> None:
        """A kprobe's address is reached: the kernel runs its handlers; the registers it
        returns (the probed instruction done) are where the code goes on."""
        handler = self.cpu.probe_handler
        if self.probe_page is not None or handler is None or not self.running:
            return
        if self.hook_done == address:
            self.hook_done = -1
            return
        try:
            regs = handler(address, self.all_regs.read())
            if regs is None:
                if self.rearm:  # its handler changed the probes: the stop lands right here
                    self.probe_let_run = address
            else:
                self.all_regs.write(regs)
                # a pc of its own: unicorn leaves the block and goes on from there (a pc
                # in a batch write is taken as the same instruction again)
                self.uc.reg_write(self.cpu._ip_reg, regs[self.cpu._ip_slot])
        except BaseException as exc:  # re-raised by Cpu.call once unicorn stopped
            if self.pending is None:
                self.pending = exc
                self.stop_regs = self.all_regs.read()
            self.uc.emu_stop()


class Cpu:
    """Runs module code: ``call(addr, args)`` returns the function's result.

    ``trap_handler(slot_address, ctx)`` runs when module code calls into the
    trap range; an int it returns lands in the return register. Exceptions it
    raises propagate out of ``call`` unchanged. ``default_budget`` is the
    instruction budget of calls that pass none (None: unlimited).
    """

    def __init__(
        self,
        mem: AddressSpace,
        arch: Arch,
        trap_handler: TrapHandler,
        trap_range: tuple[int, int] | None = None,
        return_slot: int | None = None,
        *,
        kernel: Any = None,
        default_budget: int | None = None,
    ):
        if not arch.uc_reg_prefix:
            raise KernelError(f"no CPU emulation for {arch.name}")
        self.mem = mem
        self.arch = arch
        self.trap_handler = trap_handler
        self.trap_range = trap_range or (
            layout.KERNEL_TEXT_BASE,
            layout.KERNEL_TEXT_BASE + layout.KERNEL_TEXT_SIZE,
        )
        self.kernel = kernel
        self.default_budget = default_budget
        #: the memory kernel API functions see: checked as module code's own accesses
        self.checked = mem.checked
        mem.checked.poll = self.poll
        consts = importlib.import_module(f"unicorn.{arch.uc_reg_module}")
        self._reg_ids = {
            name: _uc_const(consts, arch.uc_reg_prefix, name) for name in arch.run_regs
        }
        self._arg_reg_ids = [self._reg_ids[r] for r in arch.arg_regs]
        self._nargs = len(self._arg_reg_ids)
        #: the link register (arm64's x30), or None when call pushes the return address
        self._link_reg = arch.link_reg
        #: the trap cell: argument registers, sp, (link register), fp, slot; then the result
        self._cell_words = struct.Struct(f"<{self._nargs + (4 if arch.link_reg else 3)}Q")
        self._cell_ret = self._cell_words.size
        #: kernel functions see the checked view: the CPU's permission checks
        self._context = trap_context_class(
            kernel, self.checked, self._nargs, arch.stack_args_offset
        )
        self._vector_kind = {v: FaultKind[k] for v, k in arch.fault_vectors.items()}
        self._ret_reg = self._reg_ids[arch.return_reg]
        self._sp_reg = self._reg_ids[arch.sp]
        self._ip_reg = self._reg_ids[arch.ip]
        self._flags_reg = self._reg_ids[arch.flags_reg]
        names = list(self._reg_ids)
        self._arg_slots = [names.index(r) for r in arch.arg_regs]
        self._sp_slot = names.index(arch.sp)
        self._ip_slot = names.index(arch.ip)
        self._ret_slot = names.index(arch.return_reg)
        self._initial_regs = [0] * len(names)
        self._initial_regs[names.index(arch.flags_reg)] = arch.initial_flags
        self._link_slot = names.index(arch.link_reg) if arch.link_reg is not None else None
        self._buffers: dict[int, tuple[int, ctypes.Array]] = {}
        #: pooled ranges (AddressSpace.POOL_BYTES) left mapped in every engine for reuse
        self._kept: dict[int, tuple[int, ctypes.Array]] = {}
        self._engines: list[_Engine] = []
        #: kprobes' addresses (kprobes.py); probe_handler(address, regs) runs at each
        self.probes: set[int] = set()
        self.probe_handler: Callable[[int, list[int]], list[int] | None] | None = None
        #: hardware breakpoints' watched ranges: physical address -> (size, hook kinds);
        #: watch_handler([(paddr, size, write)...], regs) runs for each instruction
        #: that accessed one
        self.watches: dict[int, tuple[int, int]] = {}
        self.watch_handler: Callable[[list[tuple[int, int, bool]], list[int]], None] | None = None
        self._stepper: _Engine | None = None  # runs a probed instruction (single_step)
        self._stacks: list[Region] = []
        self._depth = 0
        #: (paddr, (size, ctypes buffer), the engines that map it) unmapped while running
        self._deferred_unmaps: list[tuple[int, tuple[int, ctypes.Array], list[_Engine]]] = []
        self._cancel = threading.Event()
        self._closed = False
        self.last_call_seconds = 0.0
        for region in mem.regions():
            self._mirror(region)
        mem.add_observer(self)
        self._own_return_page = (
            return_slot is None and mem.region_at(layout.CPU_RETURN_PAGE) is None
        )
        if self._own_return_page:
            page = mem.map(
                layout.CPU_RETURN_PAGE,
                layout.PAGE_SIZE,
                Perm.RX,
                "cpu return",
                "cpu",
                transient=True,
            )
            page.data[:] = b"\xcc" * layout.PAGE_SIZE  # int3: reaching the slot *is* the end
        # unicorn translates the byte before the stop address when starting, so
        # that byte must be mapped executable too: the slot sits mid-page.
        #: Address a called function returns to; reaching it ends the call.
        self.return_slot = layout.CPU_RETURN_PAGE + 0x800 if return_slot is None else return_slot
        for probe in (self.return_slot - 1, self.return_slot):
            hit = mem.translate(probe)
            if hit is None or not hit[1] & Perm.X:
                raise KernelError(
                    f"return slot {self.return_slot:#x}: {probe:#x} is not executable"
                )
        self._trap_pages: list[int] = []
        self._cell, self._trap_at = self._map_trap_entries()

    def _map_trap_entries(self) -> tuple[Region, int]:
        """Each slot's trap entry (arch.trap_entry_offset away), the common entry and its cell.

        A slot jumps to its entry, which puts the slot's address in a scratch
        register and goes to the common entry; that stores the argument
        registers, sp and fp in the cell and loads the result from it, and
        the code hook sits on that load. Python then reads a call's registers
        with one unpack and writes its result with one pack: no register
        access through libunicorn (about 0.8 us a call).
        """
        arch = self.arch
        begin, end = self.trap_range
        first = layout.page_align_down(begin + arch.trap_entry_offset)
        last = layout.page_align_up(end + arch.trap_entry_offset)
        common_at, cell_at = first - layout.PAGE_SIZE, first - 2 * layout.PAGE_SIZE
        pages = [
            (cell_at, layout.PAGE_SIZE, Perm.RW, "cpu trap cell"),
            (common_at, layout.PAGE_SIZE, Perm.RX, "cpu trap entry"),
            (first, last - first, Perm.RX, "cpu trap entries"),
        ]
        regions = {}
        for vaddr, size, perm, name in pages:
            region = self.mem.map(vaddr, size, perm, name, "cpu", transient=True)
            region.data[:] = arch.trap_slot[-1:] * size  # int3 / udf between entries
            regions[vaddr] = region
            self._trap_pages.append(vaddr)
        code, hook = arch.trap_common(common_at, cell_at)
        regions[common_at].data[: len(code)] = code
        table = regions[first].data
        for slot in range(begin, end, len(arch.trap_slot)):
            at = slot + arch.trap_entry_offset
            entry = arch.trap_entry(at, slot, common_at)
            table[at - first : at - first + len(entry)] = entry
        return regions[cell_at], common_at + hook

    # -- memory mirroring (AddressSpace observer) ------------------------------

    def _every_engine(self) -> list[_Engine]:
        """The engines memory is mirrored to: one per depth and the single-step one."""
        if self._stepper is None:
            return self._engines
        return [*self._engines, self._stepper]

    def _mirror(self, region: Region) -> None:
        kept = self._kept.pop(region.paddr, None)
        if kept is not None:  # a pooled backing: the same buffer is still mapped everywhere
            self._buffers[region.paddr] = kept
            return
        buf = (ctypes.c_char * region.size).from_buffer(region.data)
        self._buffers[region.paddr] = (region.size, buf)
        for eng in self._every_engine():
            eng.uc.mem_map_ptr(
                region.paddr, region.size, unicorn_const.UC_PROT_ALL, ctypes.addressof(buf)
            )

    def on_map(self, region: Region) -> None:
        self._mirror(region)

    def on_unmap(self, region: Region, pooled: bool) -> bool:
        """Drop a region from unicorn; while module code runs, only from the TLB.

        A pooled region's range stays mapped (its next user maps the same
        buffer): only the TLB forgets the virtual pages, which then fault.

        uc.mem_unmap from inside a hook (kfree of a page-backed allocation)
        derails the running code: it resumes at a physical address. So until
        the outermost call returns, the buffer stays mapped in unicorn (the
        TLB flush already makes its pages fault) and its physical range
        stays reserved.
        """
        entry = self._buffers.pop(region.paddr, None)
        if entry is None:
            return False
        if pooled:
            self._kept[region.paddr] = entry
            for eng in self._every_engine():
                eng.flush_tlb()
            return False
        if self._depth:
            # an engine made from now on (a deeper call's, the single-step one) never maps it
            self._deferred_unmaps.append((region.paddr, entry, list(self._every_engine())))
            for eng in self._every_engine():
                eng.flush_tlb()
            return True
        for eng in self._every_engine():
            eng.uc.mem_unmap(region.paddr, region.size)
            eng.flush_tlb()
        return False

    def _finish_deferred_unmaps(self) -> None:
        deferred, self._deferred_unmaps = self._deferred_unmaps, []
        for paddr, (size, _buf), engines in deferred:
            for eng in engines:
                eng.uc.mem_unmap(paddr, size)
                eng.flush_tlb()
            self.mem.release_physical(paddr, size)

    def on_protect(self, vaddr: int, size: int, perm: Perm) -> None:
        for eng in self._every_engine():
            eng.flush_tlb()

    # -- calls -----------------------------------------------------------------

    @property
    def depth(self) -> int:
        """How many calls into module code are running (nested ones count)."""
        return self._depth

    @property
    def cancelled(self) -> bool:
        """A cancel() is pending (long-running trap handlers may poll this)."""
        return self._cancel.is_set()

    def poll(self) -> None:
        """Called by kernel functions between pieces of long work (a 1 GiB memset,
        a format of many fields): a pending cancel() ends the call there, so Ctrl-C
        stops a command within a piece's time whatever the module asked for."""
        if self._cancel.is_set():
            raise _Stopped()

    def touch_watchdog(self, watch: Any) -> None:
        """The running code scheduled (touch_softlockup_watchdog): count from @watch again."""
        for eng in self._engines[: self._depth]:
            if eng.running:
                eng.touch(watch)

    def _blocks_to_jiffy(self, tick: bool) -> int:
        """Blocks of module code until jiffies next moves; @tick: it moves now (see _after_tick)."""
        next_jiffy = getattr(self.kernel, "next_jiffy_ns", None)
        if next_jiffy is None:
            return blockmeter.NEVER
        return max(1, -(-next_jiffy(tick=tick) // CLOCK_NS_PER_BLOCK))

    def run_ns(self) -> int:
        """Virtual ns module code ran since the last call: its blocks, at the clock's rate.

        Read by every clock read, so kept to a few attribute reads per engine.
        """
        n = 0
        for eng in self._engines:
            m = eng.meter
            if m is None:
                continue
            b = m.blocks
            if b != eng.clocked or eng.unclocked:
                n += eng.unclocked + b - eng.clocked
                eng.clocked = b
                eng.unclocked = 0
        return n * CLOCK_NS_PER_BLOCK

    def watchdog_busy(self, ns: int) -> None:
        """A busy-wait of @ns in the running code (udelay): run time, as executed blocks."""
        if self._depth:
            self._engines[self._depth - 1].charge(ns // NS_PER_BLOCK)

    def cancel(self) -> None:
        """Stop the running call (from another thread); it fails as CANCELLED."""
        if self._depth == 0:
            return
        self._cancel.set()
        running = [eng for eng in self._engines if eng.running]
        for eng in running:
            eng.uc.emu_stop()
        _WATCHDOG.expire(running)  # and again until they end: this stop may land too early

    def _stack_for(self, depth: int) -> Region:
        while len(self._stacks) <= depth:
            base = self.mem.stacks.alloc(layout.STACK_GUARD + layout.STACK_SIZE)
            self._stacks.append(
                self.mem.map(
                    base + layout.STACK_GUARD,
                    layout.STACK_SIZE,
                    Perm.RW,
                    f"cpu stack {len(self._stacks)}",
                    "cpu",
                    transient=True,
                )
            )
        return self._stacks[depth]

    def call(
        self,
        func_addr: int,
        args: Sequence[int] = (),
        *,
        budget: int | None = None,
        timeout_s: float | None = None,
        watch: Any = None,
    ) -> int:
        """Run the function at ``func_addr`` with integer ``args``; its return value (u64).

        Raises CpuFault when the code faults, hits BUG(), exhausts ``budget``
        instructions or ``timeout_s`` seconds, runs past @watch's virtual
        time without scheduling (SOFT_LOCKUP), or is cancelled. @watch has a
        ``budget_ns``; the fault carries it back.
        """
        result = self._enter(func_addr, args, budget, timeout_s, None, None, watch)
        if isinstance(result, Park):
            raise KernelError("a task parked outside the scheduler")
        return result

    def run_task(
        self,
        stack: Region,
        *,
        entry: int = 0,
        args: Sequence[int] = (),
        regs: Sequence[int] | None = None,
        budget: int | None = None,
        timeout_s: float | None = None,
        watch: Any = None,
    ) -> int | Park:
        """Start ``entry(args)`` on @stack, or resume saved @regs; its result, or its Park.

        A Park holds the registers to resume with (``regs``); their return
        register is the kernel call's result, which the waker may change
        (``set_result``).
        """
        return self._enter(entry, args, budget, timeout_s, stack, regs, watch)

    def set_result(self, regs: list[int], value: int) -> None:
        """Put @value in the return register of saved task registers."""
        regs[self._ret_slot] = value & MASK64

    def saved_pc(self, regs: Sequence[int]) -> int:
        return regs[self._ip_slot]

    def _enter(
        self,
        func_addr: int,
        args: Sequence[int],
        budget: int | None,
        timeout_s: float | None,
        task_stack: Region | None,
        regs: Sequence[int] | None,
        watch: Any = None,
    ) -> int | Park:
        if self._closed:
            raise KernelError("CPU is closed")
        depth = self._depth
        if depth >= MAX_DEPTH:
            raise KernelError(f"calls into module code nested deeper than {MAX_DEPTH}")
        if depth == 0:
            self._cancel.clear()
        while len(self._engines) <= depth:
            self._engines.append(_Engine(self))
        eng = self._engines[depth]
        stack = task_stack if task_stack is not None else self._stack_for(depth)
        if budget is None:
            budget = self.default_budget
        self._depth = depth + 1
        started = time.perf_counter()
        try:
            # unicorn counts a budget per emu_start: a run resumed at each jiffy would get
            # it again, so runs under one keep jiffies as of their kernel calls
            eng.ticks = not budget
            eng.touch(watch)
            return self._run(eng, stack, func_addr, args, budget, timeout_s, regs)
        finally:
            self._depth = depth
            self.last_call_seconds = time.perf_counter() - started
            if depth == 0 and self._deferred_unmaps:
                self._finish_deferred_unmaps()

    def _run(
        self,
        eng: _Engine,
        stack: Region,
        func_addr: int,
        args: Sequence[int],
        budget: int | None,
        timeout_s: float | None,
        regs: Sequence[int] | None = None,
    ) -> int | Park:
        uc = eng.uc
        mem = self.mem
        if eng.code_generation != mem.code_generation:
            uc.ctl_flush_tb()  # module code was (re)written since this engine last ran
            eng.code_generation = mem.code_generation
        if regs is not None:
            values = list(regs)
            func_addr = values[self._ip_slot]
        else:
            values = self._entry_regs(stack, args)
        eng.all_regs.write(values)
        # unicorn's count stops through those checks, and a probe's new pc lands through them
        eng.exit_checks(bool(budget) or bool(eng.probe_hooks) or bool(eng.watch_hooks))
        eng.fault = None
        eng.vector = None
        eng.insn_rip = None
        eng.pending = None
        eng.stop_regs = None
        eng.running = True
        eng.expired = False
        eng.stack = stack
        eng.started = time.perf_counter()
        try:
            if self._cancel.is_set():
                raise self._fault(eng, FaultKind.CANCELLED, detail="cancelled before start")
            # The wall-clock limit is the watchdog thread's; an instruction budget,
            # when one is given, is unicorn's count (exact, but checked at every
            # instruction: tens of times slower).
            _WATCHDOG.arm(eng, timeout_s)
            error: UcError | None = None
            start_at = func_addr & MASK64
            try:
                while True:
                    try:
                        uc.emu_start(start_at, self.return_slot, 0, budget or 0)
                    except UcError as err:
                        if err.errno == unicorn_const.UC_ERR_INSN_INVALID:
                            start_at = self._after_warning(eng)  # x86's WARN: a ud2
                            if start_at is not None:
                                continue
                        error = err
                        break
                    # hlt waits for the next interrupt, which comes (the timer ticks):
                    # go on after it while the wall-clock watchdog has time left
                    # a stop of the meter first: the byte before a block is no sign of a hlt
                    start_at = self._after_watch(eng)
                    if start_at is None:
                        start_at = self._after_rearm(eng)
                    if start_at is None and eng.vector is not None:
                        start_at = self._after_warning(eng)  # arm64's WARN: a brk
                    if start_at is None:
                        start_at = self._after_tick(eng)
                    if start_at is None:
                        start_at = self._after_halt(eng, timeout_s)
                    if start_at is None:
                        break
            finally:
                _WATCHDOG.disarm(eng)
            pending, eng.pending = eng.pending, None
            if isinstance(pending, Park):
                return pending
            if pending is not None:
                raise self._pending_fault(eng, pending) from None
            if error is not None:
                raise self._error_fault(eng, error) from None
            if eng.vector is not None:
                vector = eng.vector
                kind = self._vector_kind.get(vector, FaultKind.GENERAL_PROTECTION)
                if kind is FaultKind.BREAKPOINT and self._at_bug(eng):  # arm64's BUG() is a brk
                    raise self._fault(eng, FaultKind.BUG, vector=vector, detail=self._bug_at(eng))
                raise self._fault(eng, kind, vector=vector)
            rip, result = eng.exit_regs.read()
            if rip != self.return_slot:
                if self._cancel.is_set():
                    raise self._fault(eng, FaultKind.CANCELLED, detail="cancelled")
                if eng.expired and timeout_s is not None:
                    detail = f"no return within {timeout_s:g}s"
                elif eng.locked_up:
                    detail = f"no schedule within {eng.watch.budget_ns / 1e9:g}s of virtual time"
                elif budget:
                    detail = f"no return within {budget} instructions"
                else:
                    detail = "stopped before returning"
                raise self._fault(eng, FaultKind.SOFT_LOCKUP, detail=detail, watch=eng.watch)
            return result
        finally:
            eng.running = False

    def _after_watch(self, eng: _Engine) -> int | None:
        """Where to resume after a watched access stopped the code (None: none did).

        unicorn stops right after the access but puts the pc back at its
        instruction: the bytes it stored and the registers as they were before it are
        put back and the instruction runs once more on the single-step engine (which
        has no watches), so it runs once in all; the kernel's handler runs after it on x86-64 (a debug trap after the
        access) or before it on arm64 (a watchpoint exception at the instruction),
        as Linux reports them.
        """
        if not eng.watch_hits:
            return None
        hits, eng.watch_hits = eng.watch_hits, []
        for paddr, _size, _write, old in reversed(hits):
            if old is not None:
                self.set_phys_bytes(paddr, old)
        if eng.pending is not None or eng.vector is not None or self._cancel.is_set():
            return None
        handler = self.watch_handler
        before = eng.watch_regs
        trap_after = self.arch.family == "x86"
        try:
            accesses = [(paddr, size, write) for paddr, size, write, _old in hits]
            if not trap_after and handler is not None:
                handler(accesses, before)
            after = self.single_step(before)
            if trap_after and handler is not None:
                handler(accesses, after)
        except BaseException as exc:  # raised as the call's own, once it returns
            eng.pending = exc
            eng.stop_regs = before
            return None
        eng.all_regs.write(after)
        return after[self._ip_slot]

    def _after_rearm(self, eng: _Engine) -> int | None:
        """Where to resume when a probe came or went while the code ran (None: it did
        not): translations are dropped now, the exit checks switched as probes need."""
        if not eng.rearm:
            return None
        eng.rearm = False
        if eng.pending is not None or eng.vector is not None or self._cancel.is_set():
            return None
        if eng.locked_up or eng.expired:
            return None
        rip = eng.uc.reg_read(self._ip_reg)
        if rip == self.return_slot:
            return None
        # with the exit checks on, the stop lands right after the hook that asked for it
        eng.hook_done = rip if rip in (self._trap_at, eng.probe_let_run) else -1
        eng.probe_let_run = -1
        eng.uc.ctl_flush_tb()
        eng.code_generation = self.mem.code_generation
        hooks = bool(eng.probe_hooks or eng.watch_hooks)
        if eng.checks is not None and eng.checks.set(eng.checks.on or hooks):
            eng.uc.ctl_flush_tb()
        return rip

    # -- kprobes -------------------------------------------------------------------

    def set_probe(self, addr: int, on: bool) -> None:
        """Stop at @addr (on) or no longer: kprobes.py's handler runs there."""
        if on:
            self.probes.add(addr)
        else:
            self.probes.discard(addr)
        for eng in self._engines:
            if on:
                eng.add_probe(addr)
            else:
                eng.remove_probe(addr)

    def _phys(self, paddr: int, n: int) -> tuple[ctypes.Array, int] | None:
        for base, (size, buf) in self._buffers.items():
            if base <= paddr and paddr + n <= base + size:
                return buf, paddr - base
        return None

    def phys_bytes(self, paddr: int, n: int) -> bytes | None:
        """@n bytes of physical memory (every engine maps the same buffers)."""
        at = self._phys(paddr, n)
        return None if at is None else bytes(memoryview(at[0]).cast("B")[at[1] : at[1] + n])

    def set_phys_bytes(self, paddr: int, data: bytes) -> None:
        at = self._phys(paddr, len(data))
        if at is not None:
            ctypes.memmove(ctypes.addressof(at[0]) + at[1], data, len(data))

    def set_watch(self, paddr: int, size: int, read: bool, write: bool) -> None:
        """Watch @size bytes at physical @paddr for reads and/or writes (hwbreak.py)."""
        kinds = (unicorn_const.UC_HOOK_MEM_READ if read else 0) | (
            unicorn_const.UC_HOOK_MEM_WRITE if write else 0
        )
        self.watches[paddr] = (size, kinds)
        for eng in self._engines:
            eng.add_watch(paddr, size, kinds)

    def clear_watch(self, paddr: int) -> None:
        self.watches.pop(paddr, None)
        for eng in self._engines:
            eng.remove_watch(paddr)

    def fpu_defaults(self, *, mxcsr: bool, x87: bool) -> None:
        """kernel_fpu_begin: the running code's MXCSR to its default (round to nearest,
        every exception masked), the x87 unit reset as fninit leaves it (x86-64 only)."""
        if not self._depth or self.arch.family != "x86":
            return
        uc = self._engines[self._depth - 1].uc
        consts = importlib.import_module(f"unicorn.{self.arch.uc_reg_module}")
        if mxcsr:
            uc.reg_write(consts.UC_X86_REG_MXCSR, MXCSR_DEFAULT)
        if x87:
            uc.reg_write(consts.UC_X86_REG_FPCW, FNINIT_CONTROL_WORD)

    def single_step(self, regs: list[int]) -> list[int]:
        """Run the one instruction at @regs' pc on an engine of its own; the registers after.

        A probe's handlers run in the middle of the probed code's engine, which
        cannot run one instruction on its own: a second engine (sharing memory)
        does, as Linux runs the probed instruction out of line.
        """
        eng = self._stepper
        if eng is None:
            eng = self._stepper = _Engine(self, stepper=True)
        if eng.code_generation != self.mem.code_generation:
            eng.uc.ctl_flush_tb()
            eng.code_generation = self.mem.code_generation
        eng.exit_checks(True)  # unicorn's count of one stops through them
        eng.all_regs.write(regs)
        eng.fault = eng.vector = eng.pending = None
        eng.stack = self._engines[self._depth - 1].stack if self._depth else None
        eng.running = True
        try:
            eng.uc.emu_start(regs[self._ip_slot], self.return_slot, 0, 1)
        except UcError as err:
            raise self._error_fault(eng, err) from None
        finally:
            eng.running = False
        if eng.vector is not None:
            kind = self._vector_kind.get(eng.vector, FaultKind.GENERAL_PROTECTION)
            raise self._fault(eng, kind, vector=eng.vector)
        return eng.all_regs.read()

    def _after_halt(self, eng: _Engine, timeout_s: float | None) -> int | None:
        """Where to resume when the code stopped right after a halt instruction
        (x86 hlt): None when it did not, or when the watchdog's time is up."""
        halt = self.arch.halt_insn
        if not halt or eng.pending is not None or eng.vector is not None:
            return None
        if self._cancel.is_set() or timeout_s is None or eng.expired or eng.locked_up:
            return None  # without a wall-clock limit a halt loop would never end
        m = eng.meter
        if m is not None and m.blocks >= m.limit:
            return None  # the meter stopped it at a block start, before any hlt could run
        rip = eng.uc.reg_read(self._ip_reg)
        if rip == self.return_slot or self._peek(rip - len(halt), len(halt)) != halt:
            return None
        if time.perf_counter() - eng.started >= timeout_s:
            return None
        eng.charge(HALT_BLOCKS)  # it waited a tick for the timer interrupt
        return rip

    def _after_tick(self, eng: _Engine) -> int | None:
        """Where to resume when the block meter stopped the code at the next jiffy (None:
        it stopped for another reason). As the timer interrupt on Linux, the tick moves
        jiffies under code that polls it, at the same block on every run."""
        m = eng.meter
        if m is None or eng.tick_at == blockmeter.NEVER or m.blocks < eng.tick_at:
            return None
        if eng.pending is not None or eng.vector is not None or eng.locked_up:
            return None
        if self._cancel.is_set() or eng.expired:
            return None
        rip = eng.uc.reg_read(self._ip_reg)
        if rip == self.return_slot:
            return None
        in_fast_path = getattr(self.kernel, "in_fast_path", None)
        if in_fast_path is not None and in_fast_path(rip):
            # moving the clock settles the heap, which reads the record kmalloc/kfree are
            # writing: tick once they are done, trying again after each block (the meter
            # counts the block it stops in, so 2 runs one). A longer fixed step can land
            # inside them on every try in a loop of kmalloc/kfree whose period divides it.
            eng.tick(2)
            return rip
        eng.tick(self._blocks_to_jiffy(True))
        return rip

    def _pending_fault(self, eng: _Engine, pending: BaseException) -> BaseException:
        """What a trap handler raised, as the call's error (Ctrl-C inside one: CANCELLED)."""
        if isinstance(pending, _Stopped):
            return self._fault(eng, FaultKind.CANCELLED, detail="cancelled")
        return pending

    def _entry_regs(self, stack: Region, args: Sequence[int]) -> list[int]:
        """Registers (and the stack frame written) for a call of a function with @args."""
        extra = [a & MASK64 for a in args[self._nargs :]]
        # SysV: at entry (rsp + 8) is 16-byte aligned; [rsp] is the return address.
        # AAPCS64: sp is 16-byte aligned, stack arguments start at [sp], and the
        # return address is in the link register.
        args_at = (stack.end - 8 * len(extra) - 64) & ~(self.arch.stack_align - 1)
        if self._link_slot is None:
            sp = args_at - 8
            frame = [self.return_slot, *extra]
        else:
            sp = args_at
            frame = extra
        off = sp - stack.vaddr
        stack.data[off : off + 8 * len(frame)] = b"".join(v.to_bytes(8, "little") for v in frame)
        values = self._initial_regs.copy()
        for index, a in zip(self._arg_slots, args, strict=False):
            values[index] = a & MASK64
        values[self._sp_slot] = sp
        if self._link_slot is not None:
            values[self._link_slot] = self.return_slot
        return values

    # -- fault reports ---------------------------------------------------------

    def _error_fault(self, eng: _Engine, err: UcError) -> CpuFault:
        if err.errno == unicorn_const.UC_ERR_INSN_INVALID:
            if self._at_bug(eng):
                return self._fault(eng, FaultKind.BUG, detail=self._bug_at(eng))
            return self._fault(eng, FaultKind.INVALID_OPCODE, vector=6)
        if eng.fault is not None:
            page, access, protection = eng.fault
            address = self._exact_address(eng, page, access)
            if self.arch.noncanonical_gp and not layout.is_canonical(address):
                return self._fault(
                    eng, FaultKind.GENERAL_PROTECTION, address=address, access=access, vector=13
                )
            kind = FaultKind.PROTECTION_FAULT if protection else FaultKind.PAGE_FAULT
            guarded = self._stack_of_guard(address)
            if guarded is not None and not protection:
                begin, end = guarded
                return self._fault(
                    eng,
                    FaultKind.STACK_GUARD,
                    address=address,
                    access=access,
                    vector=14,
                    detail=f"{begin:#x}..{end:#x}",
                )
            region = self.mem.region_at(address)
            user = protection and region is not None and region.user
            return self._fault(eng, kind, address=address, access=access, vector=14, user_page=user)
        return self._fault(eng, FaultKind.GENERAL_PROTECTION, vector=13, detail=str(err))

    def _stack_of_guard(self, address: int) -> tuple[int, int] | None:
        """(begin, end) of the stack whose guard page holds ``address``, if one does."""
        for stack in self._stacks:
            if stack.vaddr - layout.STACK_GUARD <= address < stack.vaddr:
                return stack.vaddr, stack.end
        return None

    def _bug_entry(self, eng: _Engine) -> BugEntry | None:
        """The bug table entry of the BUG()/WARN() trap the code stopped at, if it has one."""
        find = getattr(self.kernel, "bug_entry", None)
        if find is None or not self._at_bug(eng):
            return None
        return find(eng.uc.reg_read(self._ip_reg))

    def _bug_at(self, eng: _Engine) -> str:
        """FILE:LINE of the BUG() the code stopped at ("" without a table entry)."""
        entry = self._bug_entry(eng)
        return entry.where if entry is not None else ""

    def _after_warning(self, eng: _Engine) -> int | None:
        """Where to resume after a WARN() trap, its report written (None: not one), as
        report_bug() returns BUG_TRAP_TYPE_WARN and the trap handler skips the ud2/brk."""
        if eng.pending is not None or self._cancel.is_set() or eng.expired or eng.locked_up:
            return None
        entry = self._bug_entry(eng)
        if entry is None or not entry.warning:
            return None
        self.kernel.report_warning(self._fault(eng, FaultKind.BUG), entry)
        eng.vector = None
        eng.stop_regs = None
        return entry.addr + len(self.arch.bug_insn)

    def _at_bug(self, eng: _Engine) -> bool:
        """Is the instruction at the PC the architecture's BUG() instruction?"""
        pc = eng.uc.reg_read(self._ip_reg)
        return self._peek(pc, len(self.arch.bug_insn)) == self.arch.bug_insn

    def _exact_address(self, eng: _Engine, page: int, access: Access) -> int:
        """The faulting address, which unicorn only reports to the TLB hook by page.

        For a data access, re-run the one faulting instruction with that page
        backed by a scratch page and a memory hook watching it (memory hooks
        see physical addresses in virtual-TLB mode), then put every register
        back. An instruction fetch faults at RIP.
        """
        uc = eng.uc
        rip = uc.reg_read(self._ip_reg)
        if access is Access.EXEC:
            return rip if rip & layout.PAGE_MASK == page else page
        hits: list[tuple[int, int]] = []

        def on_access(uc, kind, paddr, size, value, data):
            if PROBE_PADDR <= paddr < PROBE_PADDR + layout.PAGE_SIZE:
                hits.append((kind, paddr - PROBE_PADDR))

        saved = eng.all_regs.read()
        hook = uc.hook_add(
            unicorn_const.UC_HOOK_MEM_READ | unicorn_const.UC_HOOK_MEM_WRITE, on_access
        )
        eng.probe_page = page
        eng.exit_checks(True)  # the probe stops after one instruction: through those checks
        meter_limit = eng.meter.limit if eng.meter is not None else None
        if eng.meter is not None:
            eng.meter.limit = blockmeter.NEVER  # the probe is not run time
        try:
            uc.ctl_flush_tb()  # retranslate with the memory hook in place
            eng.flush_tlb()
            with contextlib.suppress(UcError):  # it faults again, or not: either is fine
                uc.emu_start(rip, self.return_slot, 0, 1)
        finally:
            eng.probe_page = None
            if eng.meter is not None and meter_limit is not None:
                eng.meter.limit = meter_limit
            uc.hook_del(hook)
            eng.exit_checks(False)
            uc.ctl_flush_tb()
            eng.flush_tlb()
            eng.all_regs.write(saved)
            eng.code_generation = -1
        wanted = unicorn_const.UC_MEM_WRITE if access is Access.WRITE else unicorn_const.UC_MEM_READ
        for kind, offset in hits:
            if kind == wanted:
                return page + offset
        return page + hits[0][1] if hits else page

    def _peek(self, vaddr: int, n: int) -> bytes:
        """Bytes at ``vaddr`` while they are mapped (kernel view, ignoring perms)."""
        out = bytearray()
        while len(out) < n:
            region = self.mem.region_at(vaddr + len(out))
            if region is None:
                break
            off = vaddr + len(out) - region.vaddr
            out += region.data[off : off + n - len(out)]
        return bytes(out)

    def _fault(self, eng: _Engine, kind: FaultKind, **kw: Any) -> CpuFault:
        stopped = eng.stop_regs if eng.stop_regs is not None else eng.all_regs.read()
        regs = dict(zip(self._reg_ids, stopped, strict=True))
        for alias, reg in self.arch.reg_aliases.items():
            regs[alias] = regs[reg]
        rip = regs[self.arch.ip]
        before = b""
        start = max(rip - 42, 0)
        for lo in range(start, rip):  # the longest readable run ending at RIP
            if self.mem.is_mapped(lo, rip - lo):
                before = self._peek(lo, rip - lo)
                break
        return CpuFault(
            kind,
            rip=rip,
            regs=regs,
            code=self._peek(rip, 22),
            code_before=before,
            elapsed_s=time.perf_counter() - eng.started,
            **kw,
        )

    # -- lifetime --------------------------------------------------------------

    def close(self) -> None:
        """Unmap the CPU's stacks and return page and stop following the address space."""
        if self._closed or self._depth:
            return
        self._closed = True
        self.mem.remove_observer(self)
        for stack in self._stacks:
            self.mem.unmap(stack.vaddr)
            self.mem.stacks.free(stack.vaddr - layout.STACK_GUARD)
        self._stacks.clear()
        if self._own_return_page and self.mem.region_at(layout.CPU_RETURN_PAGE) is not None:
            self.mem.unmap(layout.CPU_RETURN_PAGE)
        for vaddr in self._trap_pages:
            self.mem.unmap(vaddr)
        self._engines.clear()
        self._stepper = None
        self._buffers.clear()
