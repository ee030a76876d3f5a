"""Kprobes and kretprobes (<linux/kprobes.h>): module handlers run at any instruction.

Linux puts a breakpoint at the probed address, runs the probe's pre_handler
from the trap, single-steps a copy of the instruction and runs its
post_handler. lkmsh does the same with the emulated CPU: a probe is a code
hook at its address (Cpu.set_probe); when the code gets there the kernel
calls the handlers with a struct pt_regs of the interrupted code, runs the
instruction on a second engine (Cpu.single_step) and the code goes on from
the registers that gives (the handlers may have changed them).

A kretprobe is a probe on a function's entry whose handler swaps the return
address for a trampoline in kernel text (``arch_rethook_trampoline`` on
x86-64, ``__kretprobe_trampoline`` on arm64, as 6.1); a probe on the
trampoline calls the return handler and sends the code to the real return
address. Stack traces taken meanwhile show the real address (stack_trace_save,
CONFIG_ARCH_CORRECT_STACKTRACE_ON_KRETPROBE).

While one handler runs, a probe hit does not run its handlers and counts in
the probe's ``nmissed``, as Linux's kprobe_reenter for a nested hit.
"""

from __future__ import annotations

import errno as E
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.fprobes import (
    FPROBE,
    FPROBE_FL_DISABLED,
    FTRACE_OPS_FL_ENABLED,
    FTRACE_OPS_FL_SAVE_REGS,
    MAX_ENTRY_DATA,
    MAX_NODES,
    NODE_DATA,
    NODE_ENTRY_IP,
    RETHOOK_SIZE,
    Fprobe,
    lookup_symbols,
    match_filter,
)
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kimage import TRAMPOLINE
from lkmsh.kernel.symbols import SymbolKind

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.module import Module

MASK64 = (1 << 64) - 1
KPROBE_FLAG_GONE = 1
KPROBE_FLAG_DISABLED = 2
KRETPROBE_MAX_DATA_SIZE = 4096
#: an arm64 pt_regs' pstate outside the condition flags: EL1h, kernel mode
PSTATE_EL1H = 0x5
#: x86-64's flags in a kernel function called with interrupts on (IF, ZF, PF, bit 1)
X86_FLAGS_IN_KERNEL = 0x246

# struct kprobe and struct kretprobe differ by architecture (kprobe's arch_specific_insn)
KPROBE = {
    arch: cstruct(
        "struct kprobe",
        "linux/kprobes.h",
        size,
        arch,
        nmissed=(32, 8),
        addr=(40, 8),
        symbol_name=(48, 8),
        offset=(56, 4),
        pre_handler=(64, 8),
        post_handler=(72, 8),
        flags=(flags, 4),
    )  # fmt: skip
    for arch, size, flags in (("x86_64", 128, 120), ("aarch64", 120, 112))
}
KRETPROBE = {
    arch: cstruct(
        "struct kretprobe",
        "linux/kprobes.h",
        168,
        arch,
        handler=(kp, 8),
        entry_handler=(kp + 8, 8),
        maxactive=(kp + 16, 4),
        nmissed=(kp + 20, 4),
        data_size=(kp + 24, 8),
        **{holder: (160, 8)},
    )  # fmt: skip
    for arch, kp, holder in (("x86_64", 128, "rh"), ("aarch64", 120, "rph"))
}
#: an instance: where the holder (rethook / kretprobe_holder) and the return address sit
INSTANCE_HOLDER, INSTANCE_RET_ADDR, INSTANCE_FRAME, INSTANCE_DATA = 24, 32, 40, 48
#: struct rethook / struct kretprobe_holder: the kretprobe's address comes first
HOLDER_SIZE = 48


@dataclass
class Probe:
    """One registered struct kprobe (a kretprobe's own kprobe has @rp set)."""

    kp: int
    addr: int
    owner: str
    rp: int = 0  # the struct kretprobe whose entry this is
    holder: int = 0  # its rethook / kretprobe_holder
    free: list[int] = field(default_factory=list)  # its unused instances
    instances: list[int] = field(default_factory=list)  # all of them


@dataclass
class Pending:
    """A kretprobe instance in flight: the function has not returned yet."""

    ri: int
    rp: int  # 0 once the kretprobe was unregistered: the return still goes home
    ret_addr: int
    pid: int
    fp: int = 0  # an fprobe's return (ri is its node); 0 once it was unregistered


class Kprobes(Component):
    name = "kprobes"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.by_kp: dict[int, Probe] = {}
        self.fprobes: dict[int, Fprobe] = {}
        self.pending: list[Pending] = []
        #: handlers running (a kprobe's, a kretprobe's or an fprobe's): hits are missed
        self.busy = 0
        #: the kprobe whose handler runs (kprobe_running(), current_kprobe); 0: none
        self.current = 0
        #: the registers of the code each running handler interrupted, innermost last
        self.interrupted: list[list[int]] = []

    # -- state ---------------------------------------------------------------

    def to_data(self) -> Any:
        return {
            "probes": [asdict(p) for p in self.by_kp.values()],
            "pending": [asdict(p) for p in self.pending],
            "fprobes": [asdict(f) for f in self.fprobes.values()],
        }

    def load_data(self, data: Any) -> None:
        if not data:
            return
        self.by_kp = {p["kp"]: Probe(**p) for p in data["probes"]}
        self.pending = [Pending(**p) for p in data["pending"]]
        self.fprobes = {f["fp"]: Fprobe(**f) for f in data.get("fprobes", ())}

    def addresses(self) -> set[int]:
        """Where the CPU must stop: every probe, and the trampoline while returns are due."""
        out = {p.addr for p in self.by_kp.values()}
        for f in self.fprobes.values():
            out.update(f.addrs)
        returns = any(p.rp for p in self.by_kp.values()) or any(
            f.rethook for f in self.fprobes.values()
        )
        if self.pending or returns:
            out.add(self.trampoline)
        hw = self.kernel.part_in_use("hw_breakpoints")
        if hw is not None:  # execute breakpoints stop at their instruction too
            out |= hw.exec_addresses()
        lp = getattr(self.kernel, "livepatch", None)
        if lp is not None and lp.patches:  # live patches redirect there (livepatch.py)
            out |= lp.addresses()
        return out

    # -- layouts ---------------------------------------------------------------

    @property
    def _kprobe(self):
        return KPROBE[self.kernel.arch.name]

    @property
    def _kretprobe(self):
        return KRETPROBE[self.kernel.arch.name]

    @property
    def trampoline(self) -> int:
        addr = self.kernel.image.text.get(TRAMPOLINE[self.kernel.arch.name])
        if addr is None:
            raise KernelError("no kretprobe trampoline in kernel text")
        return addr

    # -- registration ----------------------------------------------------------

    def resolve(self, kp: int) -> int:
        """The probed address of struct kprobe @kp (_kprobe_addr); -errno when there is none."""
        mem, K = self.kernel.mem, self._kprobe
        name_at, addr = mem.read_u64(kp + K.off("symbol_name")), mem.read_u64(kp + K.off("addr"))
        offset = mem.read_u32(kp + K.off("offset"))
        if name_at and addr:
            return -E.EINVAL
        if name_at:
            name = mem.read_cstr(name_at, 512).decode("utf-8", "replace")
            found = self.lookup(name)
            if found is None:
                return -E.ENOENT
            addr = found
        if not addr:
            return -E.EINVAL
        addr = (addr + offset) & MASK64
        if not self._probeable(addr):
            return -E.EINVAL
        return addr

    def lookup(self, name: str, text_only: bool = True) -> int | None:
        """kallsyms_lookup_name: the kernel first, then modules (``module:symbol`` too);
        @text_only: functions only (what a probe may be put on)."""
        k = self.kernel
        mod_name, _, sym_name = name.rpartition(":")
        if not mod_name:
            slot = k.image.text.get(name)  # every kernel function, exported or not
            if slot is not None and slot != k.return_slot:
                return slot
            sym = k.symbol_resolve(name)
            text = sym is not None and sym.kind is SymbolKind.FUNCTION
            if sym is not None and sym.owner is None and (text or not text_only):
                return sym.addr
        for m in k.module_list_all():
            if mod_name and m.name != mod_name:
                continue
            for s in m.symbols:
                if s.name == sym_name and (s.kind in ("t", "T") or not text_only):
                    return s.addr
        return None

    def _probeable(self, addr: int) -> bool:
        """Kernel text (a kernel function's slot, the library) or a module's text."""
        k = self.kernel
        if addr == self.trampoline:
            return False  # Linux's kprobes blacklist has it
        if k.trap_range[0] <= addr < k.trap_range[1]:
            return addr - addr % k.arch.slot_size in k._slot_names
        if k.klib is not None and k.klib.symbol_at(addr) is not None:
            return True
        for m in k.module_list_all():
            if m.contains(addr):
                sym = m.symbol_at(addr)
                return sym is not None and sym.kind in ("t", "T")
        return False

    def register(self, kp: int, owner: str) -> int:
        """register_kprobe(); 0 or -errno."""
        if kp in self.by_kp:
            return -E.EINVAL  # Linux WARNs on a registered kprobe registered again
        addr = self.resolve(kp)
        if addr < 0:
            return addr
        self._add(Probe(kp, addr, owner))
        return 0

    def _add(self, probe: Probe) -> None:
        mem, K = self.kernel.mem, self._kprobe
        mem.write_u64(probe.kp + K.off("addr"), probe.addr)
        mem.write_u64(probe.kp + K.off("nmissed"), 0)
        flags = mem.read_u32(probe.kp + K.off("flags"))
        mem.write_u32(probe.kp + K.off("flags"), flags & KPROBE_FLAG_DISABLED)
        new = probe.addr not in {p.addr for p in self.by_kp.values()}
        self.by_kp[probe.kp] = probe
        cpu = self.kernel._cpu
        if cpu is not None:
            if new:
                cpu.set_probe(probe.addr, True)
            if probe.rp:
                cpu.set_probe(self.trampoline, True)

    def unregister(self, kp: int) -> None:
        probe = self.by_kp.pop(kp, None)
        if probe is None:
            return
        heap = self.kernel.heap
        if probe.rp:
            for p in self.pending:  # returns due still go home, without the handler
                if p.rp == probe.rp:
                    p.rp = 0
            in_flight = {p.ri for p in self.pending}
            for ri in probe.instances:
                if ri not in in_flight:
                    heap.free(ri)
            heap.free(probe.holder)
            mem = self.kernel.mem
            mem.write_u64(probe.rp + self._holder_off, 0)
        self._disarm()

    def disarm(self) -> None:
        """The CPU stops only where a probe (or an execute breakpoint) still is."""
        self._disarm()

    def _disarm(self) -> None:
        cpu = self.kernel._cpu
        if cpu is None:
            return
        wanted = self.addresses()
        for addr in list(cpu.probes):
            if addr not in wanted:
                cpu.set_probe(addr, False)

    @property
    def _holder_off(self) -> int:
        return self._kretprobe.off("rh" if self.kernel.arch.name == "x86_64" else "rph")

    def register_kretprobe(self, rp: int, owner: str) -> int:
        """register_kretprobe(); 0 or -errno (the probe must be a function's entry)."""
        if rp in self.by_kp:
            return -E.EINVAL
        addr = self.resolve(rp)
        if addr < 0:
            return addr
        if not self.function_entry(addr):
            return -E.EINVAL
        mem, R = self.kernel.mem, self._kretprobe
        data_size = mem.read_u64(rp + R.off("data_size"))
        if data_size > KRETPROBE_MAX_DATA_SIZE:
            return -E.E2BIG
        maxactive = int.from_bytes(mem.read(rp + R.off("maxactive"), 4), "little", signed=True)
        if maxactive <= 0:
            maxactive = 10  # max(10, 2 * num_possible_cpus())
        heap = self.kernel.heap
        holder = heap.alloc(HOLDER_SIZE, KERNEL_OWNER, zero=True)
        if not holder:
            return -E.ENOMEM
        instances = []
        for _ in range(min(maxactive, 1024)):
            ri = heap.alloc(INSTANCE_DATA + data_size, KERNEL_OWNER, zero=True)
            if not ri:
                break
            mem.write_u64(ri + INSTANCE_HOLDER, holder)
            instances.append(ri)
        if not instances:
            heap.free(holder)
            return -E.ENOMEM
        mem.write_u64(holder, rp)  # rethook.data / kretprobe_holder.rp
        mem.write_u64(rp + self._holder_off, holder)
        mem.write_u32(rp + R.off("nmissed"), 0)
        self._add(Probe(rp, addr, owner, rp, holder, list(instances), instances))
        return 0

    def function_entry(self, addr: int) -> bool:
        """kprobe_on_func_entry(): the probe is the first instruction of a function."""
        k = self.kernel
        if k.trap_range[0] <= addr < k.trap_range[1]:
            return addr in k._slot_names
        lib = k.klib.symbol_at(addr) if k.klib is not None else None
        if lib is not None:
            return lib.addr == addr
        for m in k.module_list_all():
            if m.contains(addr):
                sym = m.symbol_at(addr)
                return sym is not None and sym.addr == addr
        return False

    def set_disabled(self, kp: int, disabled: bool) -> int:
        """disable_kprobe() / enable_kprobe(); -EINVAL for a kprobe not registered."""
        if kp not in self.by_kp:
            return -E.EINVAL
        mem, off = self.kernel.mem, self._kprobe.off("flags")
        flags = mem.read_u32(kp + off)
        mem.write_u32(
            kp + off, flags | KPROBE_FLAG_DISABLED if disabled else flags & ~KPROBE_FLAG_DISABLED
        )
        return 0

    # -- fprobes -------------------------------------------------------------------

    def register_fprobe(self, fp: int, addrs: list[int], num: int, owner: str) -> int:
        """register_fprobe_ips() for the functions at @addrs (@num: how many the caller
        named, which sizes the node pool as Linux's); 0 or -errno."""
        if fp in self.fprobes:
            return -E.EBUSY  # its ftrace_ops is enabled already
        targets = sorted(set(addrs))
        if not targets or num <= 0:
            return -E.EINVAL
        if not all(self.function_entry(a) for a in targets):
            return -E.EINVAL  # not an ftrace location
        mem, F, heap = self.kernel.mem, FPROBE, self.kernel.heap
        mem.write_u64(fp + F.off("nmissed"), 0)
        flags = mem.read_u64(fp + F.off("ops__flags"))
        f = Fprobe(fp, targets, owner)
        if mem.read_u64(fp + F.off("exit_handler")):
            maxactive = int.from_bytes(
                mem.read(fp + F.off("nr_maxactive"), 4), "little", signed=True
            )
            size = maxactive or num * 2  # num * num_possible_cpus() * 2
            data_size = mem.read_u64(fp + F.off("entry_data_size"))
            if size <= 0:
                return -E.EINVAL
            if data_size > MAX_ENTRY_DATA:
                return -E.ENOMEM
            f.rethook = heap.alloc(RETHOOK_SIZE, KERNEL_OWNER, zero=True)
            for _ in range(min(size, MAX_NODES) if f.rethook else 0):
                node = heap.alloc(NODE_DATA + data_size, KERNEL_OWNER, zero=True)
                if not node:
                    break
                mem.write_u64(node + INSTANCE_HOLDER, f.rethook)
                f.nodes.append(node)
            if len(f.nodes) < min(size, MAX_NODES):
                for node in f.nodes:
                    heap.free(node)
                if f.rethook:
                    heap.free(f.rethook)
                return -E.ENOMEM
            mem.write_u64(f.rethook, fp)  # rethook.data
            f.free = list(f.nodes)
        mem.write_u64(fp + F.off("rethook"), f.rethook)
        mem.write_u64(
            fp + F.off("ops__flags"), flags | FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_ENABLED
        )
        self.fprobes[fp] = f
        cpu = self.kernel._cpu
        if cpu is not None:
            for addr in targets + ([self.trampoline] if f.rethook else []):
                if addr not in cpu.probes:
                    cpu.set_probe(addr, True)
        return 0

    def fprobe_filter(self, pattern: str) -> set[int]:
        """The functions ftrace's filter @pattern names (fprobes.match_filter)."""
        return match_filter(self.kernel, pattern)

    def fprobe_symbols(self, names: list[str]) -> list[int] | int:
        """ftrace_lookup_symbols() (fprobes.lookup_symbols)."""
        return lookup_symbols(self.kernel, names)

    def unregister_fprobe(self, fp: int) -> int:
        """unregister_fprobe(); -EINVAL for an fprobe not registered."""
        f = self.fprobes.pop(fp, None)
        if f is None:
            return -E.EINVAL
        for p in self.pending:  # returns due still go home, without the handler
            if p.fp == fp:
                p.fp = 0
        in_flight = {p.ri for p in self.pending}
        heap, mem = self.kernel.heap, self.kernel.mem
        for node in f.nodes:
            if node not in in_flight:
                heap.free(node)
        if f.rethook:
            heap.free(f.rethook)
        off = FPROBE.off("ops__flags")
        mem.write_u64(fp + off, mem.read_u64(fp + off) & ~FTRACE_OPS_FL_ENABLED)
        self._disarm()
        return 0

    def _fprobes_at(self, addr: int) -> list[Fprobe]:
        return [f for f in self.fprobes.values() if addr in f.addrs]

    def _fprobe_entered(self, f: Fprobe, addr: int, pt: int) -> int | None:
        """fprobe_handler(): the entry handler; the node whose return is to be hooked
        (0: no exit handler), or None when the fprobe is disabled or out of nodes."""
        mem, F = self.kernel.mem, FPROBE
        if mem.read_u32(f.fp + F.off("flags")) & FPROBE_FL_DISABLED:
            return None
        node = 0
        if f.rethook and mem.read_u64(f.fp + F.off("exit_handler")):
            if not f.free:
                self._missed(f.fp + F.off("nmissed"), 8)
                return None
            node = f.free.pop()
            mem.write_u64(node + NODE_ENTRY_IP, addr)
        entry = mem.read_u64(f.fp + F.off("entry_handler"))
        if entry:
            has_data = node and mem.read_u64(f.fp + F.off("entry_data_size"))
            self._call(f.owner, entry, [f.fp, addr, pt, node + NODE_DATA if has_data else 0])
        return node

    def _fprobe_exited(self, f: Fprobe, node: int, pt: int) -> None:
        """fprobe_exit_handler(): the exit handler, unless the fprobe is disabled now."""
        mem, F = self.kernel.mem, FPROBE
        handler = mem.read_u64(f.fp + F.off("exit_handler"))
        if not handler or mem.read_u32(f.fp + F.off("flags")) & FPROBE_FL_DISABLED:
            return
        has_data = mem.read_u64(f.fp + F.off("entry_data_size"))
        entry_ip = mem.read_u64(node + NODE_ENTRY_IP)
        self._call(f.owner, handler, [f.fp, entry_ip, pt, node + NODE_DATA if has_data else 0])

    # -- hits --------------------------------------------------------------------

    def _armed_at(self, addr: int) -> list[Probe]:
        """The probes at @addr that are neither disabled nor gone."""
        mem, off = self.kernel.mem, self._kprobe.off("flags")
        off_flags = KPROBE_FLAG_DISABLED | KPROBE_FLAG_GONE
        return [
            p
            for p in self.by_kp.values()
            if p.addr == addr and not mem.read_u32(p.kp + off) & off_flags
        ]

    def _missed(self, counter: int, size: int) -> None:
        """One more in a probe's nmissed (a kprobe's unsigned long, a kretprobe's int)."""
        mem = self.kernel.mem
        value = int.from_bytes(mem.read(counter, size), "little") + 1
        mem.write(counter, (value % (1 << (8 * size))).to_bytes(size, "little"))

    def hit(self, addr: int, regs: list[int]) -> list[int] | None:
        """The CPU reached @addr: the registers to go on with, or None (run on as it was)."""
        if addr == self.trampoline and self.pending:
            return self._returned(regs)
        hw = self.kernel.hw_breakpoints
        if hw.by_event and addr in hw.exec_addresses():
            hw.executed(addr, regs)
        mem = self.kernel.mem
        probes = self._armed_at(addr)
        fprobes = self._fprobes_at(addr)
        lp = self.kernel.livepatch
        target = lp.redirect(addr) if lp.patches else None
        if not probes and not fprobes:
            return None if target is None else self._redirected(regs, target)
        if self.busy:  # a handler is running: the probe is missed
            for p in probes:
                self._missed(p.kp + self._kprobe.off("nmissed"), 8)
            for f in fprobes:
                self._missed(f.fp + FPROBE.off("nmissed"), 8)
            return None if target is None else self._redirected(regs, target)
        K = self._kprobe
        with self._handling(regs) as pt:
            self._put_regs(pt, regs)
            for f in fprobes:
                node = self._fprobe_entered(f, addr, pt)
                if node:
                    ret_addr = self._hook_return(pt, node)
                    pid = self.kernel.current_task_id()[1]
                    self.pending.append(Pending(node, 0, ret_addr, pid, fp=f.fp))
            for p in probes:
                self.current = p.kp
                if p.rp:
                    self._entered(p, pt)
                    continue
                pre = mem.read_u64(p.kp + K.off("pre_handler"))
                if pre and self._call(p.owner, pre, [p.kp, pt]) & 0xFFFFFFFF:
                    return self._get_regs(pt, regs)  # the handler chose where the code goes
            after = self._get_regs(pt, regs)
            posts = [(p, mem.read_u64(p.kp + K.off("post_handler"))) for p in probes if not p.rp]
            posts = [(p, post) for p, post in posts if post]
            if target is not None and after[self.reg_at[self.kernel.arch.ip]] == addr:
                after = self._redirected(after, target)  # the live patch's jump, as ftrace's
            elif after == regs and not posts:
                return None  # nothing changed: the instruction runs where it is
            else:
                after = self.kernel.cpu.single_step(after)
            if posts:
                self._put_regs(pt, after)
                for p, post in posts:
                    self.current = p.kp
                    self._call(p.owner, post, [p.kp, pt, 0])
                after = self._get_regs(pt, after)
            return after

    def _redirected(self, regs: list[int], target: int) -> list[int]:
        """The registers with the pc at a live patch's new function (klp_ftrace_handler)."""
        out = list(regs)
        out[self.reg_at[self.kernel.arch.ip]] = target
        return out

    def _entered(self, probe: Probe, pt: int) -> None:
        """pre_handler_kretprobe(): an instance, the entry handler, the return address swapped."""
        k, mem, R = self.kernel, self.kernel.mem, self._kretprobe
        if not probe.free:
            self._missed(probe.rp + R.off("nmissed"), 4)
            return
        ri = probe.free.pop()
        self._return_address(pt, ri)
        entry = mem.read_u64(probe.rp + R.off("entry_handler"))
        if entry and self._call(probe.owner, entry, [ri, pt]) & 0xFFFFFFFF:
            probe.free.append(ri)  # the entry handler declined this call
            return
        ret_addr = self._hook_return(pt, ri)
        # the trampoline is armed while a kretprobe is registered (_add)
        self.pending.append(Pending(ri, probe.rp, ret_addr, k.current_task_id()[1]))

    def _return_address(self, pt: int, node: int) -> int:
        """Where the function entered at @pt returns, noted in instance @node (with its frame)."""
        arch, mem = self.kernel.arch, self.kernel.mem
        sp = self._reg(pt, arch.sp)
        ret_addr = self._reg(pt, arch.link_reg) if arch.link_reg else mem.read_u64(sp)
        mem.write_u64(node + INSTANCE_RET_ADDR, ret_addr)
        mem.write_u64(node + INSTANCE_FRAME, sp)
        return ret_addr

    def _hook_return(self, pt: int, node: int) -> int:
        """The function returns through the trampoline (rethook_hook); its real return address."""
        arch = self.kernel.arch
        ret_addr = self._return_address(pt, node)
        if arch.link_reg:
            self._set_reg(pt, arch.link_reg, self.trampoline)
        else:
            self.kernel.mem.write_u64(self._reg(pt, arch.sp), self.trampoline)
        return ret_addr

    def _returned(self, regs: list[int]) -> list[int]:
        """The trampoline: the return handler, then the real return address."""
        k = self.kernel
        pid = k.current_task_id()[1]
        at = max((i for i, p in enumerate(self.pending) if p.pid == pid), default=None)
        if at is None:
            raise KernelError("kretprobe trampoline reached with no return due")
        due = self.pending.pop(at)
        arch, at = k.arch, self.reg_at
        out = list(regs)
        out[at[arch.ip]] = due.ret_addr
        if arch.link_reg:
            out[at[arch.link_reg]] = due.ret_addr
        f = self.fprobes.get(due.fp) if due.fp else None
        if f is not None:
            if not self.busy:
                with self._handling(out) as pt:
                    self._put_regs(pt, out)
                    self._fprobe_exited(f, due.ri, pt)
                    out = self._get_regs(pt, out)
            f.free.append(due.ri)
            return out
        probe = self.by_kp.get(due.rp) if due.rp else None
        if probe is not None:
            handler = k.mem.read_u64(due.rp + self._kretprobe.off("handler"))
            if handler and not self.busy:
                with self._handling(out) as pt:
                    self._put_regs(pt, out)
                    self.current = due.rp
                    self._call(probe.owner, handler, [due.ri, pt])
                    out = self._get_regs(pt, out)
            probe.free.append(due.ri)
        elif due.ri:
            k.heap.free(due.ri)  # its kretprobe is gone: the last of its instances
        # the trampoline's hook stays until the next unregister: probes change only
        # from kernel calls, never inside a probe's own hook (Cpu._after_rearm)
        return out

    # -- the kernel's own functions -----------------------------------------------

    def armed(self, name: str) -> bool:
        """Whether a probe waits on the kernel's function @name (kernel_clone)."""
        addr = self.kernel.image.text.get(name) if self.by_kp or self.fprobes else None
        return addr is not None and bool(self._armed_at(addr) or self._fprobes_at(addr))

    def kernel_function(self, name: str, args: list[int], run: Callable[[], int]) -> int:
        """The kernel runs its function @name (kernel_clone): probes on it see the call.

        lkmsh's kernel is Python, so there is no instruction to stop at: the
        handlers run around @run, on registers made for the call (@args in the
        argument registers, the pc at the function), and a kretprobe's handler
        sees @run's result in the return register.
        """
        if self.busy or not (self.by_kp or self.fprobes):
            return run()
        addr = self.kernel.image.text.get(name)
        if addr is None:
            return run()
        mem = self.kernel.mem
        probes = self._armed_at(addr)
        fprobes = self._fprobes_at(addr)
        if not probes and not fprobes:
            return run()
        arch = self.kernel.arch
        at = self.reg_at
        regs = [0] * len(at)
        regs[at[arch.ip]] = addr
        if arch.flags_reg == "eflags":
            regs[at[arch.flags_reg]] = X86_FLAGS_IN_KERNEL
        for reg, value in zip(arch.arg_regs, args, strict=False):
            regs[at[reg]] = value & MASK64
        K, R = self._kprobe, self._kretprobe
        due: list[tuple[Probe, int]] = []
        returns: list[tuple[Fprobe, int]] = []
        with self._handling(regs) as pt:
            self._put_regs(pt, regs)
            for f in fprobes:
                node = self._fprobe_entered(f, addr, pt)
                if node:
                    mem.write_u64(node + INSTANCE_RET_ADDR, 0)  # the kernel's Python called it
                    returns.append((f, node))
            for p in probes:
                self.current = p.kp
                if p.rp:
                    if not p.free:
                        self._missed(p.rp + R.off("nmissed"), 4)
                        continue
                    ri = p.free.pop()
                    mem.write_u64(ri + INSTANCE_RET_ADDR, 0)
                    entry = mem.read_u64(p.rp + R.off("entry_handler"))
                    if entry and self._call(p.owner, entry, [ri, pt]) & 0xFFFFFFFF:
                        p.free.append(ri)
                    else:
                        due.append((p, ri))
                    continue
                for field_name, extra in (("pre_handler", []), ("post_handler", [0])):
                    fn = mem.read_u64(p.kp + K.off(field_name))
                    if fn:
                        self._call(p.owner, fn, [p.kp, pt, *extra])
        result = run()
        if not due and not returns:
            return result
        regs[at[arch.return_reg]] = result & MASK64
        with self._handling(regs) as pt:
            self._put_regs(pt, regs)
            for p, ri in due:
                self.current = p.rp
                handler = mem.read_u64(p.rp + R.off("handler"))
                if handler:
                    self._call(p.owner, handler, [ri, pt])
                p.free.append(ri)
            self.current = 0
            for f, node in reversed(returns):  # entered first, so it returns last
                if f.fp in self.fprobes:
                    self._fprobe_exited(f, node, pt)
                    f.free.append(node)
        return result

    # -- handlers ------------------------------------------------------------------

    def _call(self, owner: str, func: int, args: list[int]) -> int:
        k = self.kernel
        module = k.module_find(owner) if owner != KERNEL_OWNER else None
        with k.running(module):
            return k.call(func, args)

    @contextmanager
    def _handling(self, regs: list[int]) -> Iterator[int]:
        """A pt_regs for the handlers, kprobe_running() set, the interrupted code noted."""
        pt = self.kernel.heap.alloc(self.kernel.arch.pt_regs_size, KERNEL_OWNER, zero=True)
        if not pt:
            raise KernelError("no memory for a kprobe's pt_regs", E.ENOMEM)
        self.interrupted.append(regs)
        self.busy += 1
        try:
            yield pt
        finally:
            self.current = 0
            self.busy -= 1
            self.interrupted.pop()
            self.kernel.heap.free(pt)
            self.kernel.kernel_data_changed()  # current_kprobe: none again

    @contextmanager
    def interrupted_regs(self, regs: list[int]) -> Iterator[int]:
        """A pt_regs of @regs for a handler that is no probe's (a hardware breakpoint's);
        probes hit meanwhile are missed, stack traces go on into the interrupted code."""
        with self._handling(regs) as pt:
            self._put_regs(pt, regs)
            yield pt

    @cached_property
    def reg_at(self) -> dict[str, int]:
        """Where each register is in the CPU's register lists (Arch.run_regs)."""
        return {name: i for i, name in enumerate(self.kernel.arch.run_regs)}

    @cached_property
    def _slots(self) -> tuple[str | int, ...]:
        """struct pt_regs, word by word (Arch.pt_regs)."""
        return self.kernel.arch.pt_regs

    def _put_regs(self, pt: int, regs: list[int]) -> None:
        at = self.reg_at
        words = []
        for slot in self._slots:
            if isinstance(slot, int):
                words.append(slot)
                continue
            value = regs[at[slot]]
            if slot == "nzcv":
                value |= PSTATE_EL1H
            words.append(value & MASK64)
        self.kernel.mem.write(pt, b"".join(w.to_bytes(8, "little") for w in words))

    def _get_regs(self, pt: int, regs: list[int]) -> list[int]:
        at = self.reg_at
        out = list(regs)
        data = self.kernel.mem.read(pt, 8 * len(self._slots))
        for i, slot in enumerate(self._slots):
            if isinstance(slot, int):
                continue
            value = int.from_bytes(data[8 * i : 8 * i + 8], "little")
            if slot == "nzcv":
                value &= 0xF0000000
            out[at[slot]] = value
        return out

    def _reg(self, pt: int, name: str) -> int:
        return self.kernel.mem.read_u64(pt + 8 * self._slots.index(name))

    def _set_reg(self, pt: int, name: str, value: int) -> None:
        self.kernel.mem.write_u64(pt + 8 * self._slots.index(name), value)

    # -- stack traces ----------------------------------------------------------------

    def real_return(self, addr: int, used: int) -> tuple[int, int]:
        """A return address a stack walk found: the trampoline stands for the @used-th
        newest return due (kretprobe_find_ret_addr); (address, returns used so far)."""
        if not self.pending or addr != self.trampoline:
            return addr, used
        pid = self.kernel.current_task_id()[1]
        due = [p for p in self.pending if p.pid == pid]
        if used < len(due):
            return due[-1 - used].ret_addr, used + 1
        return addr, used

    # -- unload ----------------------------------------------------------------------

    def module_going(self, module: Module) -> list[Report]:
        """Probes in the module's text are gone (kill_kprobe); probes whose handlers
        are the module's are unregistered, and said so: Linux would run freed code."""
        reports: list[Report] = []
        for probe in list(self.by_kp.values()):
            mine = probe.owner == module.name or module.contains(probe.kp)
            if mine:
                what = "kretprobe" if probe.rp else "kprobe"
                where = self.kernel.symbolize(probe.addr)
                reports.append(
                    (
                        4,
                        f"{module.name}: {what} at {where} still registered at unload; unregistered",
                    )
                )
                self.unregister(probe.kp)
            elif module.contains(probe.addr):
                off = self._kprobe.off("flags")
                mem = self.kernel.mem
                mem.write_u32(probe.kp + off, mem.read_u32(probe.kp + off) | KPROBE_FLAG_GONE)
        for f in list(self.fprobes.values()):
            if f.owner == module.name or module.contains(f.fp):
                where = self.kernel.symbolize(f.addrs[0])
                more = f" and {len(f.addrs) - 1} more" if len(f.addrs) > 1 else ""
                reports.append(
                    (4, f"{module.name}: fprobe at {where}{more} still registered at unload;"
                     " unregistered")
                )  # fmt: skip
                self.unregister_fprobe(f.fp)
            elif any(module.contains(a) for a in f.addrs):  # ftrace_release_mod
                f.addrs = [a for a in f.addrs if not module.contains(a)]
                self._disarm()
        return reports
