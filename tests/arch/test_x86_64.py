"""x86-64 relocations applied to a real address space, and the arch registry."""

from __future__ import annotations

import errno

import pytest

from lkmsh.arch import get_arch, supported_arches
from lkmsh.arch import x86_64 as X
from lkmsh.arch.base import RelocContext
from lkmsh.errors import ElfError, RelocationError
from lkmsh.kernel import layout
from lkmsh.kernel.memory import AddressSpace, Perm

ARCH = get_arch("x86_64")
TEXT = layout.MODULES_BASE + 0x1000  # the place lives in module text
KAPI = layout.KERNEL_TEXT_BASE + 0x40  # a kernel API slot
GOT = layout.MODULES_BASE + 0x8000


@pytest.fixture
def mem() -> AddressSpace:
    mem = AddressSpace()
    mem.map(layout.MODULES_BASE, 0x10000, Perm.RX, "m:text")
    return mem


class Got:
    """The loader's per-module GOT: one 8-byte slot per symbol, holding S."""

    def __init__(self, mem: AddressSpace):
        self.mem = mem
        self.slots: dict[object, int] = {}

    def __call__(self, key, value: int) -> int:
        if key not in self.slots:
            self.slots[key] = GOT + 8 * len(self.slots)
            self.mem.write_u64(self.slots[key], value)
        return self.slots[key]


def apply(mem, rtype, *, P=TEXT, S=0, A=0, B=0, Z=0, key="sym", got=None) -> RelocContext:
    ctx = RelocContext(mem, P, S, A, B, Z, key, got)
    ARCH.apply_relocation(rtype, ctx)
    return ctx


def s32(mem, at=TEXT) -> int:
    v = mem.read_u32(at)
    return v - (1 << 32) if v >> 31 else v


# -- ET_REL types --------------------------------------------------------------


def test_r_64_stores_the_absolute_address(mem):
    apply(mem, X.R_X86_64_64, S=KAPI, A=8)
    assert mem.read_u64(TEXT) == KAPI + 8


def test_pc32_and_plt32_reach_kernel_slots_from_module_text(mem):
    # call rel32: the displacement is relative to the end of the field (A = -4)
    for rtype in (X.R_X86_64_PC32, X.R_X86_64_PLT32):
        apply(mem, rtype, S=KAPI, A=-4)
        assert s32(mem) == KAPI - 4 - TEXT
        assert TEXT + 4 + s32(mem) == KAPI


def test_pc32_that_does_not_fit_is_an_overflow_worded_as_linux(mem):
    far = layout.DIRECT_MAP_BASE  # a data symbol far outside +-2 GiB
    with pytest.raises(RelocationError) as err:
        apply(mem, X.R_X86_64_PC32, S=far, A=-4)
    val = (far - 4 - TEXT) & (1 << 64) - 1
    assert str(err.value) == f"overflow in relocation type 2 val {val:x}"
    assert err.value.errno == errno.ENOEXEC
    assert mem.read_u32(TEXT) == 0  # nothing written


def test_r_32s_takes_kernel_addresses_and_refuses_low_ones_above_2g(mem):
    apply(mem, X.R_X86_64_32S, S=KAPI)
    assert s32(mem) == KAPI - (1 << 64)  # sign-extends back to the address
    with pytest.raises(RelocationError, match="overflow in relocation type 11 val 80000000$"):
        apply(mem, X.R_X86_64_32S, S=0x80000000)


def test_r_32_is_zero_extended_so_kernel_addresses_overflow(mem):
    apply(mem, X.R_X86_64_32, S=0x1234, A=0x10)
    assert mem.read_u32(TEXT) == 0x1244
    with pytest.raises(RelocationError) as err:
        apply(mem, X.R_X86_64_32, S=0xFFFFFFFF12345678)
    assert str(err.value) == "overflow in relocation type 10 val ffffffff12345678"


def test_pc64_stores_a_64_bit_displacement(mem):
    apply(mem, X.R_X86_64_PC64, S=layout.DIRECT_MAP_BASE, A=0)
    assert mem.read_u64(TEXT) == (layout.DIRECT_MAP_BASE - TEXT) & (1 << 64) - 1


def test_small_fields(mem):
    apply(mem, X.R_X86_64_16, S=0xFFFF)
    assert mem.read_u16(TEXT) == 0xFFFF
    apply(mem, X.R_X86_64_16, S=0, A=-1)  # -1 fits a 16-bit field read as signed
    assert mem.read_u16(TEXT) == 0xFFFF
    apply(mem, X.R_X86_64_PC16, S=TEXT + 100)
    assert mem.read_u16(TEXT) == 100
    apply(mem, X.R_X86_64_8, S=0x80)
    assert mem.read_u8(TEXT) == 0x80
    apply(mem, X.R_X86_64_PC8, S=TEXT - 2)
    assert mem.read_u8(TEXT) == 0xFE
    with pytest.raises(RelocationError, match="type 12 val 10000$"):
        apply(mem, X.R_X86_64_16, S=0x10000)
    with pytest.raises(RelocationError, match="type 15 "):
        apply(mem, X.R_X86_64_PC8, S=TEXT + 128)


def test_size_relocations_store_the_symbol_size(mem):
    apply(mem, X.R_X86_64_SIZE32, Z=56, A=8)
    assert mem.read_u32(TEXT) == 64
    apply(mem, X.R_X86_64_SIZE64, Z=1 << 40)
    assert mem.read_u64(TEXT) == 1 << 40


@pytest.mark.parametrize(
    "rtype", [X.R_X86_64_GOTPCREL, X.R_X86_64_GOTPCRELX, X.R_X86_64_REX_GOTPCRELX]
)
def test_gotpcrel_points_at_a_per_module_slot_holding_the_symbol(mem, rtype):
    got = Got(mem)
    apply(mem, rtype, S=KAPI, A=-4, key="printk", got=got)
    slot = got.slots["printk"]
    assert mem.read_u64(slot) == KAPI
    assert TEXT + 4 + s32(mem) == slot  # mov printk@GOTPCREL(%rip), %rax
    # a second use of the same symbol shares the slot
    apply(mem, rtype, P=TEXT + 16, S=KAPI, A=-4, key="printk", got=got)
    assert TEXT + 16 + 4 + s32(mem, TEXT + 16) == slot and len(got.slots) == 1


def test_a_got_relocation_without_a_got_is_an_error(mem):
    with pytest.raises(RelocationError, match="GOT"):
        apply(mem, X.R_X86_64_GOTPCREL, S=KAPI)


def test_none_does_nothing(mem):
    mem.write_u64(TEXT, 0x1122334455667788)
    apply(mem, X.R_X86_64_NONE, S=KAPI, A=5)
    assert mem.read_u64(TEXT) == 0x1122334455667788


# -- ET_DYN types --------------------------------------------------------------


def test_dynamic_relocations(mem):
    base = layout.MODULES_BASE
    apply(mem, X.R_X86_64_RELATIVE, B=base, A=0x2040)
    assert mem.read_u64(TEXT) == base + 0x2040
    apply(mem, X.R_X86_64_GLOB_DAT, S=layout.KERNEL_DATA_BASE, A=99)  # addend ignored
    assert mem.read_u64(TEXT) == layout.KERNEL_DATA_BASE
    apply(mem, X.R_X86_64_JUMP_SLOT, S=KAPI)
    assert mem.read_u64(TEXT) == KAPI
    apply(mem, X.R_X86_64_64, S=KAPI, A=16)
    assert mem.read_u64(TEXT) == KAPI + 16


# -- unsupported types, REL addends, the table ---------------------------------


@pytest.mark.parametrize(
    ("rtype", "text"),
    [
        (23, "unsupported relocation type 23 (R_X86_64_TPOFF32)"),
        (X.R_X86_64_COPY, "unsupported relocation type 5 (R_X86_64_COPY)"),
        (200, "unsupported relocation type 200 (unknown)"),
    ],
)
def test_unsupported_types_are_refused_by_number_and_name(mem, rtype, text):
    with pytest.raises(RelocationError) as err:
        apply(mem, rtype, S=KAPI)
    assert str(err.value) == text and err.value.errno == errno.ENOEXEC
    assert isinstance(err.value, ElfError)


def test_rel_sections_keep_the_addend_at_the_place(mem):
    mem.write_u32(TEXT, (-4) & 0xFFFFFFFF)
    ctx = RelocContext(mem, TEXT, KAPI)
    ctx.A = ARCH.implicit_addend(X.R_X86_64_PC32, ctx)
    assert ctx.A == -4  # sign-extended for PC-relative fields
    mem.write_u32(TEXT, 0xFFFFFFF0)
    assert ARCH.implicit_addend(X.R_X86_64_32, ctx) == 0xFFFFFFF0  # zero-extended
    mem.write_u64(TEXT, 0x20)
    assert ARCH.implicit_addend(X.R_X86_64_64, ctx) == 0x20
    assert ARCH.implicit_addend(X.R_X86_64_NONE, ctx) == 0


def test_the_table_says_what_each_type_needs():
    pc32 = ARCH.relocation(X.R_X86_64_PC32)
    assert (pc32.name, pc32.size, pc32.signed, pc32.uses_got) == ("R_X86_64_PC32", 4, True, False)
    assert ARCH.relocation(X.R_X86_64_REX_GOTPCRELX).uses_got
    assert not ARCH.relocation(X.R_X86_64_RELATIVE).uses_symbol
    assert all(r.number == n and r.name == X.RELOC_NAMES[n] for n, r in ARCH.relocations.items())


# -- the arch description and registry -----------------------------------------


def test_the_x86_64_description():
    assert (ARCH.name, ARCH.elf_machine, ARCH.word_size, ARCH.page_size) == ("x86_64", 62, 8, 4096)
    assert ARCH.arg_regs == ("rdi", "rsi", "rdx", "rcx", "r8", "r9")
    assert (ARCH.return_reg, ARCH.sp, ARCH.ip) == ("rax", "rsp", "rip")
    # a slot is `jmp` to its trap entry; every byte after the opcode is an int3
    assert ARCH.trap_slot == b"\xe9" + b"\xcc" * 15 and ARCH.slot_size == 16
    assert ARCH.trap_entry_offset == 5 + 0xCCCCCCCC - (1 << 32)
    assert ARCH.bug_insn == b"\x0f\x0b"
    assert (ARCH.uc_arch, ARCH.uc_mode) == ("UC_ARCH_X86", "UC_MODE_64")


def test_arches_are_found_by_name_alias_or_elf_machine():
    assert get_arch("x86_64") is get_arch(62) is get_arch("amd64") is get_arch("X86-64")
    assert supported_arches() == ["aarch64", "x86_64"]
    with pytest.raises(ElfError, match=r"ELF machine 40 \(arm\)"):
        get_arch(40)
    with pytest.raises(ElfError, match="unsupported architecture: sparc"):
        get_arch("sparc")
