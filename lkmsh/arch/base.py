"""What every architecture provides: its description and its relocation machinery.

The arch layer knows nothing of the kernel: a relocation is applied through a
``RelocContext`` whose memory is anything with ``read(vaddr, n)`` and
``write(vaddr, data)`` (the kernel's AddressSpace fits).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from lkmsh.errors import RelocationError

MASK64 = (1 << 64) - 1


class PlaceMemory(Protocol):
    def read(self, vaddr: int, n: int) -> bytes: ...

    def write(self, vaddr: int, data: bytes) -> None: ...


#: ``got_slot(symbol_key, S) -> address`` of a per-module GOT entry holding S.
GotAllocator = Callable[[Hashable, int], int]
#: ``plt_slot(target) -> address`` of a per-module PLT entry (veneer) jumping to target.
PltAllocator = Callable[[int], int]


@dataclass(frozen=True, slots=True)
class Sibling:
    """Another relocation of the same section: its type, place, symbol value and addend."""

    rtype: int
    P: int
    S: int
    A: int


#: ``sibling(place) -> Sibling`` of the section's relocation at that place, or None.
SiblingLookup = Callable[[int], "Sibling | None"]


@dataclass(slots=True)
class RelocContext:
    """One relocation being applied, in the ELF psABI's notation.

    ``P`` place, ``S`` symbol value, ``A`` addend, ``B`` load base (ET_DYN),
    ``Z`` symbol size. ``symbol_key`` identifies the symbol for GOT slots (the
    loader picks it; a name or a symbol index), ``got_slot`` allocates them.
    """

    mem: PlaceMemory
    P: int
    S: int = 0
    A: int = 0
    B: int = 0
    Z: int = 0
    symbol_key: Hashable = None
    got_slot: GotAllocator | None = None
    plt_slot: PltAllocator | None = None
    #: the section's other relocations by place (RISC-V's PCREL_LO12 finds its HI20)
    siblings: SiblingLookup | None = None

    def read(self, size: int) -> int:
        """The unsigned little-endian value of ``size`` bytes at the place."""
        return int.from_bytes(self.mem.read(self.P, size), "little")

    def write(self, value: int, size: int) -> None:
        """Store the low ``size`` bytes of ``value`` (two's complement) at the place."""
        mask = (1 << (8 * size)) - 1
        self.mem.write(self.P, (value & mask).to_bytes(size, "little"))

    def got(self) -> int:
        """Address of this symbol's GOT slot (G + GOT in the psABI)."""
        if self.got_slot is None:
            raise RelocationError("relocation needs a GOT but the loader provides none")
        return self.got_slot(self.symbol_key, self.S)

    def sibling(self, place: int) -> Sibling | None:
        """The relocation of this section applied at ``place``, if there is one."""
        return self.siblings(place) if self.siblings is not None else None

    def plt(self, target: int) -> int:
        """Address of a veneer in this module's text that jumps to ``target``."""
        if self.plt_slot is None:
            raise RelocationError("branch target out of range and the loader provides no PLT")
        return self.plt_slot(target)


Handler = Callable[[RelocContext], None]


@dataclass(frozen=True, slots=True)
class RelocType:
    """One relocation type: its number, psABI name, field size and handler."""

    number: int
    name: str
    size: int  # bytes written at the place (0 for NONE)
    signed: bool  # implicit addends (REL) are sign-extended
    handler: Handler
    uses_symbol: bool = True
    uses_got: bool = False
    #: a branch that goes through a PLT veneer when its target is out of range;
    #: the loader reserves one entry per distinct external target
    may_need_plt: bool = False


@dataclass(frozen=True)
class Arch:
    """An architecture as the kernel and CPU need to know it.

    Register names are lower-case and match unicorn's ``UC_<ARCH>_REG_<NAME>``
    constants, so ``cpu.py`` maps them without the arch layer importing unicorn.
    """

    name: str
    elf_machine: int
    uc_arch: str  # unicorn constant name, e.g. "UC_ARCH_X86"
    uc_mode: str  # e.g. "UC_MODE_64"
    page_size: int
    word_size: int
    arg_regs: tuple[str, ...]
    return_reg: str
    sp: str
    ip: str
    flags_reg: str
    gp_regs: tuple[str, ...]  # shown in register dumps, in Linux's order
    stack_align: int
    trap_slot: bytes  # the bytes of one kernel API slot: a jump to its trap entry
    #: a slot's trap entry is this far from the slot (the CPU maps the entries)
    trap_entry_offset: int
    #: ``trap_entry(at, slot, common) -> bytes``: 16 bytes putting the slot's
    #: address in a scratch register and going to the common entry
    trap_entry: Callable[[int, int, int], bytes]
    #: ``trap_common(at, cell) -> (bytes, hook)``: stores the argument registers,
    #: sp, the link register (if any), fp, the slot and the return register into
    #: the cell (8 bytes each, in that order), then at offset ``hook`` loads the
    #: return register back from the cell and returns
    trap_common: Callable[[int, int], tuple[bytes, int]]
    bug_insn: bytes  # what BUG() compiles to
    relocations: Mapping[int, RelocType]
    reloc_names: Mapping[int, str]
    # -- how the CPU runs code of this architecture (data only: no unicorn here).
    # No defaults: a new architecture must say each of these, not inherit x86-64's.
    uc_reg_module: str  # unicorn submodule holding the register ids ("x86_const")
    uc_reg_prefix: str  # "UC_X86_REG_"
    #: register holding the return address at a call (None: it is on the stack)
    link_reg: str | None
    #: where the first stack argument is, relative to sp at a function's entry
    stack_args_offset: int
    initial_flags: int
    #: the frame-pointer register whose chain the Oops call trace walks
    frame_reg: str
    # -- what the kernel and the shell choose by (data; the code lives above arch/)
    #: Linux's ARCH name: picks the Oops and BUG wording ("x86", "arm64")
    family: str
    #: the procedure-call ABI's va_list layout ("sysv-x86_64", "aapcs64")
    va_list_abi: str
    #: capstone's (architecture, mode) constant names, for disasm
    capstone: tuple[str, str]
    #: disasm shows AT&T syntax by default (objdump's choice on x86)
    att_syntax: bool
    #: the Oops call trace adds a scan of the stack for '? ' frames (x86's unwinder)
    stack_scan: bool
    #: Linux's struct pt_regs, one 8-byte word after another: a register's name, or
    #: the constant the word holds in kernel mode (x86-64's cs and ss); the rest of
    #: ``pt_regs_size`` is zero (what a kprobe handler reads, kprobes.py)
    pt_regs: tuple[str | int, ...]
    pt_regs_size: int
    #: unicorn interrupt numbers -> FaultKind names (the CPU maps the rest to
    #: a general protection fault)
    fault_vectors: Mapping[int, str] = field(default_factory=dict)
    #: unicorn instruction ids (names in uc_reg_module) that must fault with
    #: this vector instead of being stepped over silently
    insn_faults: Mapping[str, int] = field(default_factory=dict)
    #: an access to a non-canonical address is a general protection fault (x86)
    noncanonical_gp: bool = False
    #: ``plt_entry(entry_address, target) -> bytes`` of one veneer (None: no PLTs)
    plt_entry: Callable[[int, int], bytes] | None = None
    plt_entry_size: int = 0
    #: other names Linux's register dumps use for a register (x86-64: rflags is eflags)
    reg_aliases: Mapping[str, str] = field(default_factory=dict)
    #: an instruction that waits for the next interrupt (x86 hlt): the timer's
    #: interrupt comes, so execution goes on after it
    halt_insn: bytes = b""

    @property
    def run_regs(self) -> tuple[str, ...]:
        """The registers of running code, in the order the CPU reads and writes them:
        the general ones, then the ip and the flags (each once: arm64's sp is general)."""
        return tuple(dict.fromkeys((*self.gp_regs, self.ip, self.flags_reg)))

    @property
    def slot_size(self) -> int:
        return len(self.trap_slot)

    def relocation(self, rtype: int) -> RelocType:
        """The relocation type ``rtype``, or RelocationError if unsupported."""
        rel = self.relocations.get(rtype)
        if rel is None:
            raise RelocationError(
                f"unsupported relocation type {rtype} ({self.reloc_names.get(rtype, 'unknown')})"
            )
        return rel

    def apply_relocation(self, rtype: int, ctx: RelocContext) -> None:
        self.relocation(rtype).handler(ctx)

    def implicit_addend(self, rtype: int, ctx: RelocContext) -> int:
        """The addend a REL (not RELA) relocation keeps at its place."""
        rel = self.relocation(rtype)
        if rel.size == 0:
            return 0
        value = ctx.read(rel.size)
        bits = 8 * rel.size
        if rel.signed and value >> (bits - 1):
            value -= 1 << bits
        return value


def overflow(rtype: int, value: int) -> RelocationError:
    """Linux's wording (arch/x86/kernel/module.c): the value as a u64 in hex."""
    return RelocationError(f"overflow in relocation type {rtype} val {value & MASK64:x}")


def fits_signed(value: int, bits: int) -> bool:
    return -(1 << (bits - 1)) <= value < (1 << (bits - 1))


def fits_unsigned(value: int, bits: int) -> bool:
    return 0 <= value < (1 << bits)
