"""Kernel live patching (<linux/livepatch.h>), as kernel/livepatch in Linux 6.1.

A livepatch module's init calls klp_enable_patch() with a struct klp_patch:
objects (vmlinux, or a module by name) and in each the functions it
replaces. Linux registers an ftrace handler at each old function that moves
the call to the newest replacement on the function's stack; lkmsh stops the
CPU there with the same code hook kprobes use (kprobes.py's dispatcher asks
``redirect``) and sends the code to the new function. Kernel functions the
kernel itself calls from Python (cmdline_proc_show behind /proc/cmdline,
meminfo_proc_show behind /proc/meminfo) ask ``kernel_target`` and run the
replacement on the CPU.

The consistency model is Linux's: while a patch is in transition each task
keeps the old or the new code (its patch state) until its stack holds none
of the functions being changed; the check runs at enable and then every
second of virtual time (klp_transition_work), and the patch is complete
when every task has switched. A module loaded later is patched in its coming
phase, before its init (klp_module_coming), and unpatched when it goes
(klp_module_going). /sys/kernel/livepatch/NAME has enabled, transition and
force, and an object directory with patched.

The patches' state is saved with the kernel (their structs live in module
memory, which is saved too), so a transition goes on across one-shot commands.
"""

from __future__ import annotations

import errno as E
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.errors import BadAddress
from lkmsh.kernel import klpsysfs
from lkmsh.kernel.clock import HZ, NSEC_PER_JIFFY
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.cstructs import MODULE, cstruct

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.module import Module

KLP_UNDEFINED, KLP_UNPATCHED, KLP_PATCHED = -1, 0, 1
MODULE_STATE_LIVE, MODULE_STATE_COMING, MODULE_STATE_GOING, MODULE_STATE_UNFORMED = range(4)
KSYM_NAME_LEN = 512
MODULE_NAME_LEN = 56
#: how many objects and functions one patch may list (bounds the walk of module memory)
MAX_ENTRIES = 4096
SIGNALS_TIMEOUT = 15
EVENT = "klp_transition"

KLP_FUNC = cstruct(
    "struct klp_func", "linux/livepatch.h", 152,
    old_name=(0, 8), new_func=(8, 8), old_sympos=(16, 8), old_func=(24, 8),
    old_size=(128, 8), new_size=(136, 8), nop=(144, 1), patched=(145, 1), transition=(146, 1),
)  # fmt: skip
KLP_OBJECT = cstruct(
    "struct klp_object", "linux/livepatch.h", 168,
    name=(0, 8), funcs=(8, 8), callbacks__pre_patch=(16, 8), callbacks__post_patch=(24, 8),
    callbacks__pre_unpatch=(32, 8), callbacks__post_unpatch=(40, 8),
    callbacks__post_unpatch_enabled=(48, 1), mod=(152, 8), dynamic=(160, 1), patched=(161, 1),
)  # fmt: skip
KLP_PATCH = cstruct(
    "struct klp_patch", "linux/livepatch.h", 200,
    mod=(0, 8), objs=(8, 8), states=(16, 8), replace=(24, 1), enabled=(128, 1), forced=(129, 1),
)  # fmt: skip
KLP_STATE = cstruct(
    "struct klp_state", "linux/livepatch.h", 24, id=(0, 8), version=(8, 4), data=(16, 8)
)
CALLBACKS = ("pre_patch", "post_patch", "pre_unpatch", "post_unpatch")


class KlpError(Exception):
    """A step of klp_enable_patch() failed with -errno (Linux's goto err)."""

    def __init__(self, err: int):
        super().__init__(err)
        self.err = err


@dataclass
class Func:
    """One function a livepatch replaces (struct klp_func)."""

    addr: int  # its struct klp_func; 0 for a nop made by atomic replace
    old_name: str
    sympos: int
    new_func: int
    nop: bool = False
    old_func: int = 0
    old_size: int = 0
    new_size: int = 0
    patched: bool = False
    transition: bool = False
    seq: int = 0  # when it went on its function's stack: the newest is on top


@dataclass
class Obj:
    """The object (vmlinux or a module) a livepatch patches, with its functions."""

    addr: int  # its struct klp_object; 0 for one made by atomic replace
    name: str | None  # None: vmlinux
    funcs: list[Func]
    mod: str | None = None  # obj->mod: the module, while it is loaded
    patched: bool = False
    dynamic: bool = False
    post_unpatch_enabled: bool = False

    @property
    def label(self) -> str:
        return self.name or "vmlinux"


@dataclass
class Patch:
    """A registered livepatch (struct klp_patch) and the objects it patches."""

    addr: int  # its struct klp_patch
    mod: str  # the livepatch module
    replace: bool
    objs: list[Obj]
    states: list[list[int]] = field(default_factory=list)  # [id, version, struct klp_state]
    enabled: bool = False
    forced: bool = False


def _patch_from(d: dict[str, Any]) -> Patch:
    objs = [Obj(**{**o, "funcs": [Func(**f) for f in o["funcs"]]}) for o in d["objs"]]
    return Patch(**{**d, "objs": objs})


class Livepatch(Component):
    name = "livepatch"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        #: klp_patches: the patches enabled or in transition, oldest first
        self.patches: list[Patch] = []
        self.transition: Patch | None = None  # klp_transition_patch
        self.target = KLP_UNDEFINED  # klp_target_state
        #: tasks not yet switched to the target state (pid -> their patch state)
        self.pending: dict[int, int] = {}
        self.signals_cnt = 0
        self.retry_at: int | None = None  # the transition work's next run (ns)
        self.seq = 0
        self.going: set[str] = set()  # klp_module_going ran: klp_alive is false
        self._stacks: dict[int, list[Func]] | None = None
        kernel.sched.on_event(EVENT, self._retry)
        klpsysfs.publish_root(kernel)

    # -- state ---------------------------------------------------------------------

    def to_data(self) -> Any:
        if not self.patches and self.transition is None:
            return None
        return {
            "patches": [asdict(p) for p in self.patches],
            "transition": self.transition.addr if self.transition else 0,
            "target": self.target,
            "pending": sorted(self.pending.items()),
            "signals_cnt": self.signals_cnt,
            "retry_at": self.retry_at,
            "seq": self.seq,
        }

    def load_data(self, data: Any) -> None:
        if not data:
            return
        self.patches = [_patch_from(p) for p in data["patches"]]
        self.transition = next((p for p in self.patches if p.addr == data["transition"]), None)
        self.target = int(data["target"])
        self.pending = {int(pid): int(s) for pid, s in data["pending"]}
        self.signals_cnt = int(data["signals_cnt"])
        self.retry_at = data["retry_at"]
        self.seq = int(data["seq"])
        for p in self.patches:
            klpsysfs.publish(self.kernel, self, p)

    # -- the function stacks (klp_ops) ----------------------------------------------

    def stacks(self) -> dict[int, list[Func]]:
        """Each patched old function's replacements, newest first (ops->func_stack)."""
        if self._stacks is None:
            out: dict[int, list[Func]] = {}
            for p in self.patches:
                for o in p.objs:
                    for f in o.funcs:
                        if f.patched:
                            out.setdefault(f.old_func, []).append(f)
            for funcs in out.values():
                funcs.sort(key=lambda f: -f.seq)
            self._stacks = out
        return self._stacks

    def addresses(self) -> set[int]:
        """Where the CPU must stop for a redirect (kprobes.py arms them with its own)."""
        return set(self.stacks())

    def _changed(self) -> None:
        """The stacks changed: the CPU stops where they say, and nowhere else."""
        self._stacks = None
        kp = self.kernel.kprobes
        cpu = self.kernel._cpu
        if cpu is not None:
            for addr in self.addresses():
                if addr not in cpu.probes:
                    cpu.set_probe(addr, True)
        kp.disarm()

    def task_state(self, pid: int) -> int:
        """current->patch_state."""
        if self.target == KLP_UNDEFINED:
            return KLP_UNDEFINED
        return self.pending.get(pid, self.target)

    def redirect(self, addr: int) -> int | None:
        """klp_ftrace_handler(): where a call of @addr goes (None: the function itself)."""
        stack = self.stacks().get(addr)
        if not stack:
            return None
        func = stack[0]
        if func.transition:
            pid = self.kernel.current_task_id()[1]
            if self.task_state(pid) == KLP_UNPATCHED:
                if len(stack) < 2:
                    return None
                func = stack[1]
        return None if func.nop else func.new_func

    def kernel_target(self, name: str) -> int | None:
        """The replacement the kernel's own call of its function @name goes to, if any."""
        if not self.patches:
            return None
        addr = self.kernel.image.text.get(name)
        return self.redirect(addr) if addr is not None else None

    def cmdline_text(self) -> bytes:
        """What cmdline_proc_show() shows: the command line and a newline."""
        return f"{self.kernel.config.cmdline}\n".encode()

    def show_with(self, show: int) -> bytes:
        """A kernel seq_file shown by @show (single_open's one record), as the kernel's own
        read of one of its files whose show function a live patch replaced."""
        from lkmsh.kernel import seqfile

        k = self.kernel
        ops = seqfile.single_ops(k, show)
        if not ops:
            return b""
        try:
            err, data = seqfile.read_all(k, ops, 0, owner=k.module_containing(show))
        finally:
            k.heap.free(ops)
        return data if err >= 0 else b""

    # -- memory ------------------------------------------------------------------------

    def _u64(self, addr: int) -> int:
        return self.kernel.mem.read_u64(addr)

    def _str(self, addr: int, limit: int) -> str:
        return self.kernel.mem.read_cstr(addr, limit).decode("utf-8", "replace")

    def _write_obj(self, o: Obj) -> None:
        if not o.addr:
            return
        k, K = self.kernel, KLP_OBJECT
        mod = k.module_find(o.mod) if o.mod else None
        k.mem.write_u64(o.addr + K.off("mod"), mod.struct_addr if mod else 0)
        k.mem.write_u8(o.addr + K.off("patched"), int(o.patched))
        k.mem.write_u8(
            o.addr + K.off("callbacks__post_unpatch_enabled"), int(o.post_unpatch_enabled)
        )
        for f in o.funcs:
            if f.addr:
                F = KLP_FUNC
                for name in ("old_func", "old_size", "new_size"):
                    k.mem.write_u64(f.addr + F.off(name), getattr(f, name))
                k.mem.write_u8(f.addr + F.off("patched"), int(f.patched))
                k.mem.write_u8(f.addr + F.off("transition"), int(f.transition))

    def _write_patch(self, p: Patch) -> None:
        mem = self.kernel.mem
        mem.write_u8(p.addr + KLP_PATCH.off("enabled"), int(p.enabled))
        mem.write_u8(p.addr + KLP_PATCH.off("forced"), int(p.forced))

    def _read_patch(self, addr: int, module: Module) -> Patch:
        """klp_init_patch_early(): the objects and functions as the module wrote them."""
        P, OB, F = KLP_PATCH, KLP_OBJECT, KLP_FUNC
        objs: list[Obj] = []
        at = self._u64(addr + P.off("objs"))
        for _ in range(MAX_ENTRIES):
            name_at, funcs_at = self._u64(at + OB.off("name")), self._u64(at + OB.off("funcs"))
            if not name_at and not funcs_at:
                break
            if not funcs_at:
                raise KlpError(-E.EINVAL)
            name = self._str(name_at, 4096) if name_at else None
            funcs: list[Func] = []
            fat = funcs_at
            for _ in range(MAX_ENTRIES):
                old_at, new, pos = (
                    self._u64(fat + F.off(n)) for n in ("old_name", "new_func", "old_sympos")
                )
                if not old_at and not new and not pos:
                    break
                if not old_at:
                    raise KlpError(-E.EINVAL)
                funcs.append(Func(fat, self._str(old_at, 4096), pos, new))
                fat += F.size
            objs.append(Obj(at, name, funcs))
            at += OB.size
        states: list[list[int]] = []
        sat = self._u64(addr + P.off("states"))
        while sat and len(states) < MAX_ENTRIES:
            sid = self._u64(sat + KLP_STATE.off("id"))
            if not sid:
                break
            states.append([sid, self.kernel.mem.read_u32(sat + KLP_STATE.off("version")), sat])
            sat += KLP_STATE.size
        replace = bool(self.kernel.mem.read_u8(addr + P.off("replace")))
        return Patch(addr, module.name, replace, objs, states)

    # -- symbols -------------------------------------------------------------------------

    def _find_symbol(self, objname: str | None, name: str, sympos: int) -> int:
        """klp_find_object_symbol(): the address, or -EINVAL with Linux's error line."""
        k = self.kernel
        found: list[int] = []
        if objname is None:
            addr = k.image.text.get(name)
            if addr is not None and addr != k.return_slot:
                found.append(addr)
            libs = k.klib.symbols + k.klib.local_symbols if k.klib is not None else ()
            found += [s.addr for s in libs if s.name == name and not found]
            data = k.image.data.get(name)
            if data is not None and not found:
                found.append(data[0])
        else:
            mod = k.module_find(objname)
            for s in mod.symbols if mod is not None else ():
                if s.name == name:
                    found.append(s.addr)
                    if (sympos and len(found) == sympos) or (not sympos and len(found) > 1):
                        break
        log = k.log
        if not found:
            log.emit(3, f"livepatch: symbol '{name}' not found in symbol table")
        elif len(found) > 1 and sympos == 0:
            log.emit(
                3, f"livepatch: unresolvable ambiguity for symbol '{name}' in object '{objname}'"
            )
        elif sympos > 0 and sympos != len(found):
            log.emit(
                3,
                f"livepatch: symbol position {sympos} for symbol '{name}' in object"
                f" '{objname or 'vmlinux'}' not found",
            )
        else:
            return found[-1]
        return -E.EINVAL

    def size_of(self, addr: int) -> int:
        """kallsyms_lookup_size_offset(): the size of the symbol @addr starts (0: none)."""
        k = self.kernel
        if k.trap_range[0] <= addr < k.trap_range[1] and k.kernel_function_at(addr):
            from lkmsh.kernel.kimage import SLOT_SIZE

            return SLOT_SIZE
        lib = k.klib.symbol_at(addr) if k.klib is not None else None
        if lib is not None:
            return lib.size or 1
        mod = k.module_containing(addr)
        sym = mod.symbol_at(addr) if mod is not None else None
        return (sym.size or 1) if sym is not None else 0

    def _init_object_loaded(self, o: Obj) -> None:
        """klp_init_object_loaded(): each function's old address and both sizes."""
        for f in o.funcs:
            addr = self._find_symbol(o.name, f.old_name, f.sympos)
            if addr < 0:
                raise KlpError(addr)
            f.old_func = addr
            f.old_size = self.size_of(addr)
            if not f.old_size:
                self.kernel.log.emit(
                    3, f"livepatch: kallsyms size lookup failed for '{f.old_name}'"
                )
                raise KlpError(-E.ENOENT)
            if f.nop:
                f.new_func = f.old_func
            f.new_size = self.size_of(f.new_func)
            if not f.new_size:
                self.kernel.log.emit(
                    3, f"livepatch: kallsyms size lookup failed for '{f.old_name}' replacement"
                )
                raise KlpError(-E.ENOENT)
        self._write_obj(o)

    def loaded(self, o: Obj) -> bool:
        return o.name is None or o.mod is not None

    def alive(self, name: str) -> bool:
        """mod->klp_alive: between klp_module_coming and klp_module_going."""
        return self.kernel.module_find(name) is not None and name not in self.going

    # -- callbacks (module code of the patch) -------------------------------------------

    def _callback(self, p: Patch, o: Obj, which: str) -> int:
        if not o.addr:
            return 0
        k = self.kernel
        fn = self._u64(o.addr + KLP_OBJECT.off(f"callbacks__{which}"))
        if not fn:
            return 0
        self._write_obj(o)
        with k.running(k.module_find(p.mod)):
            ret = k.call(fn, [o.addr]) & 0xFFFFFFFF
        return ret - (1 << 32) if ret >> 31 else ret

    def pre_patch(self, p: Patch, o: Obj) -> int:
        ret = self._callback(p, o, "pre_patch")
        o.post_unpatch_enabled = not ret
        return ret

    def post_unpatch(self, p: Patch, o: Obj) -> None:
        if o.post_unpatch_enabled:
            self._callback(p, o, "post_unpatch")
        o.post_unpatch_enabled = False

    # -- patch.c ---------------------------------------------------------------------------

    def patch_object(self, o: Obj) -> int:
        """klp_patch_object(): every function onto its stack; 0 or -errno."""
        kp = self.kernel.kprobes
        for f in o.funcs:
            if f.patched:
                continue
            if not kp.function_entry(f.old_func):
                self.kernel.log.emit(
                    3, f"livepatch: failed to set ftrace filter for function '{f.old_name}' (-22)"
                )
                self.unpatch_object(o)
                return -E.EINVAL
            self.seq += 1
            f.seq, f.patched = self.seq, True
        o.patched = True
        self._write_obj(o)
        self._changed()
        return 0

    def unpatch_object(self, o: Obj, dynamic_only: bool = False) -> None:
        for f in o.funcs:
            if f.patched and (not dynamic_only or f.nop):
                f.patched = False
        if not dynamic_only:
            o.patched = False
        self._write_obj(o)
        self._changed()

    def unpatch_objects(self, p: Patch) -> None:
        for o in p.objs:
            if o.patched:
                self.unpatch_object(o)

    # -- sysfs stores ---------------------------------------------------------------------

    def find(self, name: str) -> Patch | None:
        return next((p for p in self.patches if p.mod == name), None)

    def set_enabled(self, p: Patch, enabled: bool) -> int:
        """enabled_store(): 0 or -errno."""
        from lkmsh.kernel import klptransition as T

        if p.enabled == enabled:
            return -E.EINVAL
        if p is self.transition:
            T.reverse(self)
            return 0
        if not enabled:
            return T.disable(self, p)
        return -E.EINVAL

    def force(self, p: Patch) -> int:
        from lkmsh.kernel import klptransition as T

        if p is not self.transition:
            return -E.EINVAL
        T.force(self)
        return 0

    # -- the transition work --------------------------------------------------------------

    def schedule_retry(self) -> None:
        """schedule_delayed_work(&klp_transition_work, round_jiffies_relative(HZ))."""
        k = self.kernel
        now = k.clock.jiffies()
        j = now + HZ
        rem = j % HZ
        j = j - rem if rem < HZ // 4 else j - rem + HZ
        if j <= now:
            j = now + HZ
        when = k.clock.ns() + (j - now) * NSEC_PER_JIFFY
        self.retry_at = when
        k.sched.add_event(when, EVENT, 0)

    def _retry(self, _key: int, when: int) -> None:
        from lkmsh.kernel import klptransition as T

        if self.retry_at != when:
            return  # a newer run is due, or the transition ended
        self.retry_at = None
        if self.transition is not None:
            T.try_complete(self)

    # -- modules ------------------------------------------------------------------------------

    def module_coming(self, module: Module) -> int:
        """klp_module_coming(): patch a module before its init; 0 or -errno."""
        from lkmsh.kernel import klptransition as T

        self.going.discard(module.name)
        return T.module_coming(self, module)

    def module_gone(self, module: Module) -> None:
        """klp_module_going(), after the module notifier chain (Component.module_going)."""
        from lkmsh.kernel import klptransition as T

        self.going.add(module.name)
        if self.patches:
            T.cleanup_module(self, module.name, None)
        self.going.discard(module.name)

    def module_going(self, module: Module) -> list[Report]:
        """A patch module removed with its patch still on (rmmod -f): Linux would run freed
        code; lkmsh takes the patch off and says so."""
        p = self.find(module.name)
        if p is None:
            return []
        from lkmsh.kernel import klptransition as T

        T.drop(self, p)
        return [(4, f"livepatch: patch '{p.mod}' still enabled at unload; unpatched")]

    def set_module_state(self, module: Module, state: int) -> None:
        """mod->state in the module's struct module, as Linux keeps it."""
        if not module.struct_addr:
            return
        with suppress(BadAddress):  # a hostile image's __this_module at its section's end
            self.kernel.mem.write_u32(module.struct_addr + MODULE.off("state"), state)
