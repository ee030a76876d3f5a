"""Loading a module in Linux's load_module() phases, each a function of one ``Loading``.

    check -> layout -> resolve_symbols -> relocate -> find_entry_points
          -> export_symbols -> commit -> coming -> parameters (init: Kernel._run_init)

Each phase reads what the earlier ones found in the ``Loading`` and adds its
own result there, so the loader's result is data (``Loading``), the trace
(``insmod --trace``) is told at each step, and a failure anywhere is undone by
one ``unwind``: nothing of a failed load stays in the kernel but dmesg lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.elf import constants as EC
from lkmsh.errors import (
    AlreadyExists,
    ElfError,
    KernelError,
    OutOfMemory,
    TooMany,
    UnknownSymbol,
)
from lkmsh.kernel import sysmodule
from lkmsh.kernel import taint as T
from lkmsh.kernel.cstructs import MODULE
from lkmsh.kernel.livepatch import (
    MODULE_STATE_COMING,
    MODULE_STATE_GOING,
    MODULE_STATE_UNFORMED,
)
from lkmsh.kernel.loader import ModuleLoader
from lkmsh.kernel.module import (
    Module,
    ModuleState,
    ModuleSymbol,
    Placement,
    license_is_gpl_compatible,
)
from lkmsh.kernel.symbols import KernelSymbol

if TYPE_CHECKING:
    from lkmsh.elf import ElfFile
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.trace import LoadTrace, RelocApplied

#: Largest .modinfo a loaded module may carry (real ones hold a few KiB; one
#: with thousands of aliases ~100 KiB): the state keeps every record.
MODINFO_MAX = 256 << 10
#: Most .modinfo records (the largest in Debian's 6.12 tree, option.ko, has 1,607):
#: every later command that restores the kernel parses them.
MODINFO_RECORDS_MAX = 16384
#: Most entries a module's symbol table may hold: the kernel keeps its symbols for
#: kallsyms and Oopses and the state saves them (a module has hundreds; the largest
#: drivers tens of thousands).
SYMBOLS_MAX = 1 << 18


@dataclass
class Loading:
    """One module being loaded: the image, the module record and what each phase found."""

    kernel: Kernel
    ef: ElfFile
    module: Module
    loader: ModuleLoader
    force: bool
    params: str
    taints: set[T.Taint] = field(default_factory=set)
    base: int = 0
    size: int = 0
    placements: list[Placement] = field(default_factory=list)
    symtab: Any = None
    values: list[int] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    symbols: list[ModuleSymbol] = field(default_factory=list)
    exported: list[KernelSymbol] = field(default_factory=list)
    listed: bool = False  # in the module list (commit ran)
    klp_coming: bool = False  # klp_module_coming ran (coming)
    coming: bool = False  # its tracepoints and events are registered (coming ran)

    @property
    def name(self) -> str:
        return self.module.name

    @property
    def trace(self) -> LoadTrace | None:
        return self.kernel.load_trace

    @property
    def applied(self) -> list[RelocApplied]:
        return self.loader.applied


def check(kernel: Kernel, ef: ElfFile, path: str, params: str, force: bool) -> Loading:
    """Refuse what cannot load (size, vermagic, name, limit) before memory is taken."""
    modinfo = ef.section_by_name(".modinfo")
    if modinfo is not None and modinfo.size > MODINFO_MAX:
        kernel.log.emit(3, f"module .modinfo of {modinfo.size} bytes: over {MODINFO_MAX}")
        raise ElfError(f".modinfo of {modinfo.size} bytes is larger than {MODINFO_MAX}")
    name = kernel._module_name(ef, path)
    for sec in ef.sections:
        count = sec.size // 24  # sizeof(Elf64_Sym)
        if sec.type in (EC.SHT_SYMTAB, EC.SHT_DYNSYM) and count > SYMBOLS_MAX:
            kernel.log.emit(3, f"{name}: {count} symbols: over {SYMBOLS_MAX}")
            raise ElfError(f"{count} symbols are more than {SYMBOLS_MAX}")
    info = kernel._check_image(ef, name, force)
    if len(info) > MODINFO_RECORDS_MAX:
        kernel.log.emit(3, f"{name}: {len(info)} .modinfo records: over {MODINFO_RECORDS_MAX}")
        raise ElfError(f"{len(info)} .modinfo records are more than {MODINFO_RECORDS_MAX}")
    if kernel.module_find(name) is not None:
        raise AlreadyExists(f"module {name} is already loaded")
    if len(kernel.module_list_all()) >= kernel.config.max_modules:
        raise TooMany(f"module limit of {kernel.config.max_modules} reached")
    if kernel.load_trace is not None:
        kernel.load_trace.checks(kernel, ef, name, force)
    module = Module(name=name, path=path, modinfo=list(info), params=params)
    module.elf_type = "ET_DYN" if ef.type == EC.ET_DYN else "ET_REL"
    taints: set[T.Taint] = set()
    if not license_is_gpl_compatible(module.license):
        taints.add(T.Taint.PROPRIETARY_MODULE)
    if module.info("intree") != "Y":
        taints.add(T.Taint.OOT_MODULE)
    if force:
        taints.add(T.Taint.FORCED_MODULE)
    loader = ModuleLoader(ef, kernel.mem, kernel.arch, name)
    loader.record_values = kernel.load_trace is not None
    return Loading(kernel, ef, module, loader, force, params, taints)


def layout(ld: Loading) -> None:
    """Place the sections (text r-x, rodata r--, data and bss rw-) in the modules area."""
    try:
        if ld.ef.type == EC.ET_DYN:
            ld.base, ld.size, ld.placements = ld.loader.layout_dyn()
            ld.symtab = ld.ef.dynamic_symbols
        else:
            ld.base, ld.size, ld.placements = ld.loader.layout_rel()
            ld.symtab = ld.ef.symbols
    except OutOfMemory as exc:
        ld.kernel.log.emit(4, exc.message)  # alloc_vmap_area's warning
        raise
    if ld.trace is not None:
        ld.trace.sections(ld.placements)


def resolve_symbols(ld: Loading) -> None:
    """Bind undefined symbols to exports; refuse unknown and GPL-only ones as Linux."""
    k, name = ld.kernel, ld.name
    resolve = k.symbol_table.resolve
    ld.values, ld.uses, bad = ld.loader.symbol_values(
        ld.symtab, resolve, ld.module.gpl_compatible, ld.base
    )
    if ld.trace is not None:
        ld.trace.symbols(ld.symtab, ld.values, bad, resolve)
    if not (bad.gpl_only or bad.missing):
        return
    # Linux 6.1's find_symbol() skips GPL-only exports for a proprietary
    # module: they are as unknown as a missing one, and worded the same
    missing = sorted(bad.gpl_only + bad.missing)
    for sym in missing:
        k.log.emit(4, f"{name}: Unknown symbol {sym} (err -2)")
    raise UnknownSymbol(f"{name}: unknown symbols: {', '.join(missing)}", missing)


def relocate(ld: Loading) -> None:
    """Apply the relocations (recorded as they are applied) and name the module's symbols."""
    loader, k = ld.loader, ld.kernel
    if ld.ef.type == EC.ET_DYN:
        loader.relocate_dyn(ld.base, ld.symtab, ld.values)
        if ld.ef.symbols:
            all_values, _, _ = loader.symbol_values(
                ld.ef.symbols, k.symbol_table.resolve, True, ld.base
            )
            ld.symbols = loader.module_symbols(ld.ef.symbols, all_values)
        else:
            ld.symbols = loader.module_symbols(ld.symtab, ld.values)
    else:
        loader.relocate_rel(ld.symtab, ld.values)
        ld.symbols = loader.module_symbols(ld.symtab, ld.values)
    k.tracing.relocs.remember(ld.name, ld.base, ld.applied, k.arch)
    if ld.trace is not None:
        ld.trace.relocations(ld.applied)


def find_entry_points(ld: Loading) -> None:
    """Where the module is: its struct module (THIS_MODULE), init, exit, parameters."""
    m, loader, mem = ld.module, ld.loader, ld.kernel.mem
    m.base, m.size, m.placements = ld.base, ld.size, ld.placements
    m.symbols = ld.symbols
    m.regions = list(loader.regions)
    m.struct_addr = loader.find_symbol(ld.symtab, ld.values, "__this_module")
    if m.struct_addr:
        m.init_addr = mem.read_u64(m.struct_addr + MODULE.off("init"))
        m.exit_addr = mem.read_u64(m.struct_addr + MODULE.off("exit"))
    else:
        m.init_addr = loader.find_symbol(ld.symtab, ld.values, "init_module")
        m.exit_addr = loader.find_symbol(ld.symtab, ld.values, "cleanup_module")
    m.param_table = loader.param_table()
    ld.kernel.livepatch.set_module_state(m, MODULE_STATE_UNFORMED)


def export_symbols(ld: Loading) -> None:
    """__ksymtab* as Linux decodes it; a duplicate export fails the load."""
    k = ld.kernel
    for ks in ld.loader.exports(ld.symbols):
        try:
            k.symbol_table.export(ks)
        except AlreadyExists as exc:
            k.log.emit(3, f"{ld.name}: {exc}")
            raise ElfError(f"{ld.name}: {exc}") from None
        ld.exported.append(ks)
    ld.module.exports = [s.name for s in ld.exported]
    if ld.trace is not None:
        ld.trace.exports(ld.exported)


def commit(ld: Loading) -> None:
    """The module goes in: taints (only now), the module list, users' "Used by"."""
    k, m, name = ld.kernel, ld.module, ld.name
    if T.Taint.PROPRIETARY_MODULE in ld.taints:
        if T.Taint.PROPRIETARY_MODULE not in k._taints:
            k.log.emit(4, f"{name}: module license '{m.license or 'unspecified'}' taints kernel.")
            k.log.emit(4, "Disabling lock debugging due to kernel taint")
        k._taints.add(T.Taint.PROPRIETARY_MODULE)
    if T.Taint.OOT_MODULE in ld.taints:
        k._taint(T.Taint.OOT_MODULE, f"{name}: loading out-of-tree module taints kernel.")
    if m.info("livepatch") is not None:  # check_modinfo_livepatch(): mod->klp
        ld.taints.add(T.Taint.LIVEPATCH)
        if T.Taint.LIVEPATCH not in k._taints:  # pr_notice_once
            k.log.emit(5, f"{name}: tainting kernel with TAINT_LIVEPATCH")
        k._taints.add(T.Taint.LIVEPATCH)
    if ld.force:
        k._taint(T.Taint.FORCED_MODULE)
    m.taints = T.letters(ld.taints)
    m.uses = ld.uses
    k._load_seq += 1
    m.load_seq = k._load_seq
    m.state = ModuleState.LOADED
    k._modules[name] = m
    ld.listed = True
    for dep in ld.uses:
        k._modules[dep].users.insert(0, name)
    k.livepatch.set_module_state(m, MODULE_STATE_COMING)


def coming(ld: Loading) -> None:
    """prepare_coming_module(): live patches for the module are applied before anything
    of it runs (klp_module_coming; a patch that fails refuses the module), then the
    MODULE_STATE_COMING notifiers register its tracepoints and trace events."""
    k = ld.kernel
    err = k.livepatch.module_coming(ld.module) if k.livepatch.patches else 0
    if err:
        raise KernelError(f"{ld.name}: a live patch refused the module", -err)
    ld.klp_coming = True
    k.trace_events.module_coming(ld.module)
    ld.coming = True


def parameters(ld: Loading) -> None:
    """insmod's NAME=VALUE into the module's parameters, then /sys/module/NAME."""
    ld.kernel._apply_params(ld.module, ld.params)
    sysmodule.publish(ld.kernel, ld.module)


def unwind(ld: Loading) -> None:
    """Undo whatever the phases did (the load failed)."""
    k = ld.kernel
    if ld.coming:  # coming_cleanup: the MODULE_STATE_GOING notifiers, then klp_module_going()
        k.trace_events.module_going(ld.module)
        k.tracepoints.module_going(ld.module)
    if ld.klp_coming:
        k.livepatch.set_module_state(ld.module, MODULE_STATE_GOING)
        k.livepatch.module_gone(ld.module)
    k.tracing.relocs.forget(ld.name)
    for ks in ld.exported:
        k.symbol_table.unexport(ks.name)
    if ld.listed and k.module_find(ld.name) is ld.module:
        sysmodule.unpublish(k, ld.module)
        k._forget(ld.module)
    k.heap.reclaim(ld.name)  # parameter strings already copied
    ld.loader.release()


PHASES = (
    layout,
    resolve_symbols,
    relocate,
    find_entry_points,
    export_symbols,
    commit,
    coming,
    parameters,
)


def load_module(kernel: Kernel, ef: ElfFile, path: str, params: str, force: bool) -> Loading:
    """Every phase after ``check``, in order; a failure unwinds and propagates."""
    ld = check(kernel, ef, path, params, force)
    try:
        for phase in PHASES:
            phase(ld)
    except BaseException:
        unwind(ld)
        raise
    return ld
