"""Lay out, relocate and link one module image, as Linux's module loader does.

The loader works on a validated ``ElfFile`` and the kernel's address space;
it returns a ``LinkedImage`` describing where everything landed. It never
runs module code and never touches the module list: the kernel decides what
to do with the image (and frees it if anything later fails).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lkmsh.arch.base import Arch, RelocContext, Sibling, SiblingLookup
from lkmsh.elf import ElfFile
from lkmsh.elf import constants as E
from lkmsh.errors import ElfError, OutOfMemory, RelocationError
from lkmsh.kernel.memory import PAGE_SIZE, AddressSpace, Perm
from lkmsh.kernel.module import ModuleSymbol, Placement
from lkmsh.kernel.symbols import KernelSymbol, SymbolKind
from lkmsh.kernel.trace import RelocApplied

#: Sections Linux keeps out of the loaded image (they are read from the file).
SKIPPED_SECTIONS = frozenset({".modinfo", "__versions"})
KSYMTAB_ENTRY = 12
PARAM_ENTRY = 40
#: Largest image (text, data and .bss together) one module may have.
MAX_MODULE_SIZE = 64 << 20
#: All modules' memory together (Linux's module area is 1 GiB; lkmsh's state
#: holds every byte of it, so it stays well under the host budget of 1 GB).
MODULES_MEMORY_MAX = 256 << 20

Resolver = Callable[[str], "KernelSymbol | None"]


@dataclass
class Unresolved:
    """Symbols the loader could not bind, with the reason the kernel logs."""

    missing: list[str] = field(default_factory=list)
    gpl_only: list[str] = field(default_factory=list)


@dataclass
class LinkedImage:
    """A module laid out and linked: its base, regions, section places and symbols."""

    base: int
    size: int
    regions: list[int]
    placements: list[Placement]
    symbols: list[ModuleSymbol]
    exports: list[KernelSymbol]
    uses: list[str]
    struct_addr: int
    init_addr: int
    exit_addr: int
    param_table: tuple[int, int]


@dataclass
class _Group:
    """Sections that share one permission, laid out together (text, rodata, data)."""

    perm: Perm
    label: str
    sections: list = field(default_factory=list)  # (section, offset in group)
    size: int = 0


def _align(value: int, alignment: int) -> int:
    alignment = max(alignment, 1)
    return (value + alignment - 1) // alignment * alignment


def _perm_text(perm: Perm) -> str:
    return (
        ("r" if perm & Perm.R else "-")
        + ("w" if perm & Perm.W else "-")
        + ("x" if perm & Perm.X else "-")
    )


class ModuleLoader:
    """One load attempt: holds what was mapped so a failure can undo it."""

    def __init__(self, ef: ElfFile, mem: AddressSpace, arch: Arch, name: str):
        self.ef = ef
        self.mem = mem
        self.arch = arch
        self.name = name
        self.regions: list[int] = []
        self.section_addr: dict[int, int] = {}
        self.got_slots: dict[object, int] = {}
        self.got_next = 0
        self.got_end = 0
        self.plt_slots: dict[int, int] = {}
        self.plt_next = 0
        self.plt_end = 0
        self.base = 0
        #: every relocation as it was applied (the trace, disasm and the relocation log
        #: read these instead of walking the relocation sections again)
        self.applied: list[RelocApplied] = []
        #: read each place back after applying it (for a traced load)
        self.record_values = False

    # -- undo ------------------------------------------------------------------
    def release(self) -> None:
        for vaddr in self.regions:
            self.mem.unmap(vaddr)
        self.regions.clear()
        if self.base:
            self.mem.modules.free(self.base)
            self.base = 0

    # -- layout -----------------------------------------------------------------
    def _groups(self) -> list[_Group]:
        text = _Group(Perm.R | Perm.X, "text")
        ro = _Group(Perm.R, "rodata")
        rw = _Group(Perm.R | Perm.W, "data")
        bss = _Group(Perm.R | Perm.W, "bss")
        for sec in self.ef.sections:
            if not sec.flags & E.SHF_ALLOC or sec.name in SKIPPED_SECTIONS or sec.size == 0:
                continue
            if sec.type == E.SHT_NOBITS:
                group = bss
            elif sec.flags & E.SHF_EXECINSTR:
                group = text
            elif sec.flags & E.SHF_WRITE:
                group = rw
            else:
                group = ro
            offset = _align(group.size, sec.addralign)
            group.sections.append((sec, offset))
            group.size = offset + sec.size
        return [text, ro, rw, bss]

    def _got_entries(self) -> int:
        got_types = {n for n, r in self.arch.relocations.items() if r.uses_got}
        return len(
            {
                r.symbol
                for rs in self.ef.relocation_sections
                for r in rs.relocations
                if r.type in got_types
            }
        )

    def _plt_entries(self) -> int:
        """Distinct external branch targets that may need a veneer (Linux's count_plts)."""
        plt_types = {n for n, r in self.arch.relocations.items() if r.may_need_plt}
        if not plt_types or self.arch.plt_entry is None:
            return 0
        symbols = self.ef.symbols
        return len(
            {
                (r.symbol, r.addend)
                for rs in self.ef.relocation_sections
                for r in rs.relocations
                if r.type in plt_types
                and r.symbol < len(symbols)
                and symbols[r.symbol].shndx == E.SHN_UNDEF
            }
        )

    def _alloc(self, total: int) -> int:
        """Module memory for ``total`` bytes, within MAX_MODULE_SIZE and MODULES_MEMORY_MAX.

        Every byte of a module's image is host memory now and in every later
        command (the state holds it), so a .bss claiming 1000 MiB is refused
        as Linux's module_alloc refuses what its area cannot hold.
        """
        used = sum(n for _, n in self.mem.modules.allocations())
        if total > MAX_MODULE_SIZE or used + total > MODULES_MEMORY_MAX:
            raise OutOfMemory(
                f"vmap allocation for size {total} failed: use vmalloc=<size> to increase size"
            )
        return self.mem.modules.alloc(total)

    def layout_rel(self) -> tuple[int, int, list[Placement]]:
        """Place allocated sections in text, rodata, data, bss groups, each page aligned."""
        groups = self._groups()
        plt = self._plt_entries() * self.arch.plt_entry_size
        if plt:
            # Veneers sit at the end of the text group, within branch range of it.
            text = groups[0]
            offset = _align(text.size, 16)
            text.size = offset + plt
            self.plt_next = offset
            self.plt_end = offset + plt
        got = self._got_entries() * 8
        if got:
            # The GOT sits with rodata: the kernel fills it, modules only read it.
            ro = groups[1]
            offset = _align(ro.size, 8)
            ro.size = offset + got
            self.got_next = offset
            self.got_end = offset + got
        total = sum(_align(g.size, PAGE_SIZE) for g in groups if g.size)
        if total == 0:
            raise ElfError(f"{self.name}: module has no loadable sections")
        base = self.base = self._alloc(total)
        placements: list[Placement] = []
        at = base
        for g in groups:
            if not g.size:
                continue
            size = _align(g.size, PAGE_SIZE)
            self.mem.map(at, size, g.perm, f"{self.name}:{g.label}", owner=self.name)
            self.regions.append(at)
            for sec, off in g.sections:
                addr = at + off
                self.section_addr[sec.index] = addr
                if sec.type != E.SHT_NOBITS:
                    self.mem.write(addr, self.ef.section_data(sec))
                placements.append(Placement(sec.name, addr, sec.size, _perm_text(g.perm)))
            if g.label == "rodata" and self.got_end:
                self.got_next += at
                self.got_end += at
            if g.label == "text" and self.plt_end:
                self.plt_next += at
                self.plt_end += at
                # Linux's arm64 modules carry their veneers in a .plt section too
                plt_size = self.plt_end - self.plt_next
                placements.append(Placement(".plt", self.plt_next, plt_size, _perm_text(g.perm)))
            at += size
        return base, total, placements

    def layout_dyn(self) -> tuple[int, int, list[Placement]]:
        """ET_DYN: keep the link-time addresses, relative to one load base."""
        secs = [
            s
            for s in self.ef.sections
            if s.flags & E.SHF_ALLOC and s.name not in SKIPPED_SECTIONS and s.size
        ]
        if not secs:
            raise ElfError(f"{self.name}: module has no loadable sections")
        end = max(s.addr + s.size for s in secs)
        if end > 1 << 30:
            raise ElfError(f"{self.name}: shared module spans {end:#x} bytes")
        total = _align(end, PAGE_SIZE)
        base = self.base = self._alloc(total)
        # Page permissions: the union of what the sections on a page need.
        page_perm: dict[int, Perm] = {}
        for s in secs:
            perm = Perm.R
            if s.flags & E.SHF_EXECINSTR:
                perm |= Perm.X
            if s.flags & E.SHF_WRITE:
                perm |= Perm.W
            for page in range(s.addr // PAGE_SIZE, (s.addr + s.size - 1) // PAGE_SIZE + 1):
                page_perm[page] = page_perm.get(page, Perm.R) | perm
        self.mem.map(base, total, Perm.R, f"{self.name}:image", owner=self.name)
        self.regions.append(base)
        placements = []
        for s in secs:
            addr = base + s.addr
            self.section_addr[s.index] = addr
            if s.type != E.SHT_NOBITS:
                self.mem.write(addr, self.ef.section_data(s))
            perm = (
                Perm.R
                | (Perm.X if s.flags & E.SHF_EXECINSTR else Perm(0))
                | (Perm.W if s.flags & E.SHF_WRITE else Perm(0))
            )
            placements.append(Placement(s.name, addr, s.size, _perm_text(perm)))
        for page, perm in page_perm.items():
            self.mem.protect(base + page * PAGE_SIZE, PAGE_SIZE, perm)
        return base, total, placements

    # -- symbols ----------------------------------------------------------------
    def symbol_values(
        self, symbols, resolve: Resolver, gpl_ok: bool, base: int = 0
    ) -> tuple[list[int], list[str], Unresolved]:
        """Value of every symbol; undefined ones bound to kernel/module exports."""
        values = [0] * len(symbols)
        owners: set[str] = set()
        bad = Unresolved()
        for sym in symbols:
            if sym.index == 0:
                continue
            if sym.shndx == E.SHN_UNDEF:
                if not sym.name:
                    continue
                ks = resolve(sym.name)
                if ks is None:
                    if sym.bind != E.STB_WEAK:
                        bad.missing.append(sym.name)
                    continue
                if ks.gpl and not gpl_ok:
                    bad.gpl_only.append(sym.name)
                    continue
                values[sym.index] = ks.addr
                if ks.owner and ks.owner != self.name:
                    owners.add(ks.owner)
            elif sym.shndx == E.SHN_ABS:
                values[sym.index] = sym.value
            elif sym.shndx == E.SHN_COMMON:
                raise ElfError(f"{self.name}: please compile with -fno-common")
            elif sym.shndx in self.section_addr:
                values[sym.index] = self.section_addr[sym.shndx] + (
                    sym.value if self.ef.type == E.ET_REL else sym.value - self._sec_addr(sym.shndx)
                )
            elif self.ef.type == E.ET_DYN and sym.shndx < len(self.ef.sections):
                values[sym.index] = base + sym.value
        return values, sorted(owners), bad

    def _sec_addr(self, index: int) -> int:
        return self.ef.sections[index].addr

    # -- relocation -------------------------------------------------------------
    def _got_slot(self, key: object, value: int) -> int:
        slot = self.got_slots.get(key)
        if slot is None:
            if self.got_next + 8 > self.got_end:
                raise RelocationError(f"{self.name}: GOT overflow")
            slot = self.got_next
            self.got_next += 8
            self.got_slots[key] = slot
            self.mem.write_u64(slot, value)
        return slot

    def _plt_slot(self, target: int) -> int:
        slot = self.plt_slots.get(target)
        if slot is None:
            size = self.arch.plt_entry_size
            if self.plt_next + size > self.plt_end or self.arch.plt_entry is None:
                raise RelocationError(f"{self.name}: PLT overflow")
            slot = self.plt_next
            self.plt_next += size
            self.plt_slots[target] = slot
            self.mem.write(slot, self.arch.plt_entry(slot, target))
        return slot

    def relocate_rel(self, symtab, values: list[int]) -> None:
        sizes, names = [s.size for s in symtab], self._symbol_names(symtab)
        for rs in self.ef.relocation_sections:
            target = self.section_addr.get(rs.target.index) if rs.target else None
            if target is None:
                continue  # relocations of sections not loaded (debug info, .modinfo)
            siblings = self._siblings(rs.relocations, target, values, 0)
            end = target + rs.target.size
            where = (rs.target.name, target)
            for r in rs.relocations:
                place = target + r.offset
                self._apply(r, place, values[r.symbol], sizes[r.symbol], 0, siblings, end)
                self._record(r, place, where, names)

    def relocate_dyn(self, base: int, symtab, values: list[int]) -> None:
        sizes, names = [s.size for s in symtab], self._symbol_names(symtab)
        image_end = max(
            (s.addr + s.size for s in self.ef.sections if s.flags & E.SHF_ALLOC), default=0
        )
        placed = sorted(
            (addr, self.ef.sections[i].name, self.ef.sections[i].size)
            for i, addr in self.section_addr.items()
        )
        for rs in self.ef.dynamic_relocation_sections:
            siblings = self._siblings(rs.relocations, base, values, base)
            t = rs.target
            end = base + (t.addr + t.size if t is not None and t.flags & E.SHF_ALLOC else image_end)
            for r in rs.relocations:
                place = base + r.offset
                self._apply(r, place, values[r.symbol], sizes[r.symbol], base, siblings, end)
                self._record(r, place, _section_of(placed, place), names)

    def _symbol_names(self, symtab) -> list[str]:
        """What objdump names each symbol by (a section symbol by its section)."""
        secs = self.ef.sections
        return [
            secs[s.shndx].name if s.type == E.STT_SECTION and s.shndx < len(secs) else s.name
            for s in symtab
        ]

    def _record(self, r, place: int, where: tuple[str, int], names: list[str]) -> None:
        rel = self.arch.relocations.get(r.type)
        size = rel.size if rel else 0
        value = (
            int.from_bytes(self.mem.read(place, size), "little")
            if size and self.record_values
            else 0
        )
        self.applied.append(
            RelocApplied(
                where[0], place - where[1], place, self.arch.reloc_names.get(r.type, str(r.type)),
                names[r.symbol] if 0 < r.symbol < len(names) else "",
                r.addend if r.addend is not None else 0, value, size,
            )
        )  # fmt: skip

    def _siblings(self, relocs, start: int, values: list[int], base: int) -> SiblingLookup:
        """A section's relocations by place, for handlers that pair up (made on first use,
        with the addends as the file has them: before any relocation is applied)."""
        table: dict[int, Sibling] | None = None
        implicit = {
            r.offset: self.arch.implicit_addend(r.type, RelocContext(self.mem, start + r.offset))
            for r in relocs
            if r.addend is None and r.type in self.arch.relocations
        } if any(r.addend is None for r in relocs) else {}  # fmt: skip

        def lookup(place: int) -> Sibling | None:
            nonlocal table
            if table is None:
                table = {
                    start + r.offset: Sibling(
                        r.type,
                        start + r.offset,
                        values[r.symbol],
                        implicit.get(r.offset, 0) if r.addend is None else r.addend,
                    )  # fmt: skip
                    for r in relocs
                }
            return table.get(place)

        return lookup

    def _apply(
        self,
        r,
        place: int,
        value: int,
        size: int,
        base: int,
        siblings: SiblingLookup,
        end: int,
    ) -> None:
        rel = self.arch.relocation(r.type)
        if place + rel.size > end:  # the reader checked the offset; the width is checked here
            raise RelocationError(
                f"{self.name}: {rel.name} at {place:#x} writes {rel.size} bytes,"
                f" past the end of its section at {end:#x}"
            )
        ctx = RelocContext(
            self.mem, place, value, 0, base, size, r.symbol, self._got_slot, self._plt_slot,
            siblings,
        )  # fmt: skip
        ctx.A = self.arch.implicit_addend(r.type, ctx) if r.addend is None else r.addend
        try:
            rel.handler(ctx)
        except RelocationError as exc:
            raise RelocationError(f"{self.name}: {exc}") from None

    # -- what the image says about itself ------------------------------------------
    def find_symbol(self, symbols, values, name: str) -> int:
        for s in symbols:
            if s.name == name and s.shndx != E.SHN_UNDEF:
                return values[s.index]
        return 0

    def module_symbols(self, symbols, values) -> list[ModuleSymbol]:
        """Symbols for kallsyms and symbolisation, with Linux's type letters."""
        out = []
        for s in symbols:
            if (
                s.index == 0
                or not s.name
                or s.shndx == E.SHN_UNDEF
                or s.type in (E.STT_SECTION, E.STT_FILE)
                or s.shndx not in self.section_addr
                or s.name.startswith(("__UNIQUE_ID", ".L", "__ksymtab", "__kstrtab", "$"))
            ):
                continue
            sec = self.ef.sections[s.shndx]
            if sec.flags & E.SHF_EXECINSTR:
                letter = "t"
            elif sec.type == E.SHT_NOBITS:
                letter = "b"
            elif sec.flags & E.SHF_WRITE:
                letter = "d"
            else:
                letter = "r"
            if s.bind != E.STB_LOCAL:
                letter = letter.upper()
            out.append(ModuleSymbol(s.name, values[s.index], s.size, letter))
        out.sort(key=lambda m: (m.addr, m.name))
        return out

    def exports(self, modsyms: list[ModuleSymbol]) -> list[KernelSymbol]:
        """Decode __ksymtab/__ksymtab_gpl from loaded (relocated) memory, as Linux does."""
        by_addr = {m.addr: m for m in modsyms}
        out: list[KernelSymbol] = []
        for secname, gpl in (("__ksymtab", False), ("__ksymtab_gpl", True)):
            sec = self.ef.section_by_name(secname)
            if sec is None or sec.index not in self.section_addr:
                continue
            if sec.size % KSYMTAB_ENTRY:
                raise ElfError(f"{self.name}: {secname} size {sec.size} is not a multiple of 12")
            start = self.section_addr[sec.index]
            for entry in range(start, start + sec.size, KSYMTAB_ENTRY):
                value = (entry + _s32(self.mem.read_u32(entry))) & 0xFFFFFFFFFFFFFFFF
                name_at = (entry + 4 + _s32(self.mem.read_u32(entry + 4))) & 0xFFFFFFFFFFFFFFFF
                ns_at = (entry + 8 + _s32(self.mem.read_u32(entry + 8))) & 0xFFFFFFFFFFFFFFFF
                name = self.mem.read_cstr(name_at, 512).decode("latin-1")
                ns = self.mem.read_cstr(ns_at, 512).decode("latin-1") if ns_at != entry + 8 else ""
                ms = by_addr.get(value)
                if ms is None:
                    kind = SymbolKind.DATA
                elif ms.kind in "tT":
                    kind = SymbolKind.FUNCTION
                else:
                    kind = SymbolKind.OBJECT
                out.append(KernelSymbol(name, value, kind, self.name, gpl, ns))
        return out

    def param_table(self) -> tuple[int, int]:
        sec = self.ef.section_by_name("__param")
        if sec is None or sec.index not in self.section_addr:
            return (0, 0)
        if sec.size % PARAM_ENTRY:
            raise ElfError(f"{self.name}: __param size {sec.size} is not a multiple of 40")
        return (self.section_addr[sec.index], sec.size // PARAM_ENTRY)


def _s32(v: int) -> int:
    return v - (1 << 32) if v & 0x80000000 else v


def _section_of(placed: list[tuple[int, str, int]], addr: int) -> tuple[str, int]:
    """(section name, its start) of the placed section holding ``addr``."""
    for start, name, size in placed:
        if start <= addr < start + size:
            return name, start
    return "", 0
