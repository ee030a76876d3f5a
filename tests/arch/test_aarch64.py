"""AArch64 relocations applied to real A64 instructions in a real address space.

Each test writes the instruction gcc or gas would leave at the place (its
immediate zero), applies one relocation type and decodes the field back.
Whole modules using every type run on the emulated CPU in
tests/kernel/test_aarch64.py.
"""

from __future__ import annotations

import pytest

from lkmsh.arch import aarch64 as A
from lkmsh.arch import get_arch
from lkmsh.arch.base import RelocContext
from lkmsh.errors import RelocationError
from lkmsh.kernel import layout
from lkmsh.kernel.memory import AddressSpace, Perm

ARCH = get_arch("aarch64")
TEXT = layout.MODULES_BASE + 0x1000
KAPI = layout.KERNEL_TEXT_BASE + 0x40
MASK = 2**64 - 1

MOVZ_X0 = 0xD2800000
MOVK_X0 = 0xF2800000
ADRP_X0 = 0x90000000
ADR_X0 = 0x10000000
ADD_X0 = 0x91000000
LDR_X0 = 0xF9400000
BL = 0x94000000
B = 0x14000000


@pytest.fixture
def mem() -> AddressSpace:
    mem = AddressSpace()
    mem.map(layout.MODULES_BASE, 0x10000, Perm.RX, "m:text")
    return mem


class Plt:
    """A loader's veneer area: entries at the end of the module's text."""

    def __init__(self, mem: AddressSpace, at: int = layout.MODULES_BASE + 0x8000):
        self.mem, self.next, self.made = mem, at, {}

    def __call__(self, target: int) -> int:
        if target not in self.made:
            self.made[target] = self.next
            self.mem.write(self.next, ARCH.plt_entry(self.next, target))
            self.next += ARCH.plt_entry_size
        return self.made[target]


def apply(mem, rtype, insn=None, *, P=TEXT, S=0, A=0, got=None, plt=None) -> int:
    if insn is not None:
        mem.write(P, insn.to_bytes(4, "little"))
    ARCH.apply_relocation(rtype, RelocContext(mem, P, S, A, 0, 0, "sym", got, plt))
    return mem.read_u32(P)


def imm16(insn: int) -> int:
    return insn >> 5 & 0xFFFF


def adr_imm(insn: int) -> int:
    v = (insn >> 29 & 3) | (insn >> 5 & 0x7FFFF) << 2
    return v - (1 << 21) if v >> 20 else v


def branch_target(insn: int, place: int) -> int:
    off = insn & 0x3FFFFFF
    off = off - (1 << 26) if off >> 25 else off
    return (place + 4 * off) & MASK


# -- data ------------------------------------------------------------------------


def test_abs64_and_prel_types_store_the_value(mem):
    apply(mem, A.R_AARCH64_ABS64, S=KAPI, A=8)
    assert mem.read_u64(TEXT) == KAPI + 8
    apply(mem, A.R_AARCH64_PREL32, S=TEXT + 0x100)
    assert mem.read_u32(TEXT) == 0x100
    apply(mem, A.R_AARCH64_PREL64, S=KAPI)
    assert mem.read_u64(TEXT) == (KAPI - TEXT) & MASK


def test_abs32_takes_the_psabi_range_and_overflows_in_linux_words(mem):
    apply(mem, A.R_AARCH64_ABS32, S=KAPI)  # -2**31 <= X: top-2 GiB addresses fit
    with pytest.raises(RelocationError, match="overflow in relocation type 258 val ffff8880"):
        apply(mem, A.R_AARCH64_ABS32, S=layout.DIRECT_MAP_BASE)
    apply(mem, A.R_AARCH64_ABS32, S=0xFFFFFFFF)  # unsigned 32 bits fit
    apply(mem, A.R_AARCH64_ABS32, S=(-5) & MASK)  # and so do signed ones
    assert mem.read_u32(TEXT) == 0xFFFFFFFB


def test_prel32_from_modules_to_kernel_text_fits_but_not_beyond_2_gib(mem):
    apply(mem, A.R_AARCH64_PREL32, S=KAPI)
    with pytest.raises(RelocationError, match="type 261"):
        apply(mem, A.R_AARCH64_PREL32, S=layout.DIRECT_MAP_BASE)


# -- instruction immediates -------------------------------------------------------------


def test_movw_uabs_groups_build_a_64_bit_address(mem):
    parts = []
    for rtype, base in (
        (A.R_AARCH64_MOVW_UABS_G3, MOVZ_X0),
        (A.R_AARCH64_MOVW_UABS_G2_NC, MOVK_X0),
        (A.R_AARCH64_MOVW_UABS_G1_NC, MOVK_X0),
        (A.R_AARCH64_MOVW_UABS_G0_NC, MOVK_X0),
    ):
        insn = apply(mem, rtype, base, S=KAPI)
        assert insn & ~(0xFFFF << 5) == base  # only the immediate changed
        parts.append(imm16(insn))
    assert int("".join(f"{p:04x}" for p in parts), 16) == KAPI


def test_checked_movw_groups_refuse_values_that_do_not_fit(mem):
    assert imm16(apply(mem, A.R_AARCH64_MOVW_UABS_G0, MOVZ_X0, S=0xFFFF)) == 0xFFFF
    with pytest.raises(RelocationError, match="type 263 val 10000"):
        apply(mem, A.R_AARCH64_MOVW_UABS_G0, MOVZ_X0, S=0x10000)
    assert imm16(apply(mem, A.R_AARCH64_MOVW_UABS_G1, MOVZ_X0, S=0x12345678)) == 0x1234
    with pytest.raises(RelocationError, match="type 265"):
        apply(mem, A.R_AARCH64_MOVW_UABS_G1, MOVZ_X0, S=1 << 32)
    with pytest.raises(RelocationError, match="type 267"):
        apply(mem, A.R_AARCH64_MOVW_UABS_G2, MOVZ_X0, S=KAPI)


def test_signed_movw_turns_into_movn_for_a_negative_value(mem):
    insn = apply(mem, A.R_AARCH64_MOVW_SABS_G0, MOVZ_X0, S=(-2) & MASK)
    assert insn >> 29 & 3 == 0 and imm16(insn) == 1  # MOVN x0, #1 is -2
    insn = apply(mem, A.R_AARCH64_MOVW_SABS_G0, insn, S=7)
    assert insn >> 29 & 3 == 2 and imm16(insn) == 7  # back to MOVZ
    with pytest.raises(RelocationError, match="type 270"):
        apply(mem, A.R_AARCH64_MOVW_SABS_G0, MOVZ_X0, S=(-0x10001) & MASK)


def test_adrp_add_and_ldst_reach_an_address_4_gib_away(mem):
    page = KAPI & ~0xFFF
    target = page + 0x678
    pages = adr_imm(apply(mem, A.R_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, S=target))
    assert (TEXT & ~0xFFF) + (pages << 12) == target & ~0xFFF
    assert apply(mem, A.R_AARCH64_ADD_ABS_LO12_NC, ADD_X0, S=target) >> 10 & 0xFFF == 0x678
    # loads scale the offset by the access size
    assert apply(mem, A.R_AARCH64_LDST64_ABS_LO12_NC, LDR_X0, S=page + 0x5F8) >> 10 & 0xFFF == 0xBF
    assert apply(mem, A.R_AARCH64_LDST8_ABS_LO12_NC, LDR_X0, S=page + 0x5F9) >> 10 & 0xFFF == 0x5F9
    assert apply(mem, A.R_AARCH64_LDST128_ABS_LO12_NC, LDR_X0, S=page + 0x5F0) >> 10 & 0xFFF == 0x5F


def test_adrp_beyond_4_gib_overflows_unless_nc(mem):
    with pytest.raises(RelocationError, match="type 275"):
        apply(mem, A.R_AARCH64_ADR_PREL_PG_HI21, ADRP_X0, S=layout.DIRECT_MAP_BASE)
    apply(mem, A.R_AARCH64_ADR_PREL_PG_HI21_NC, ADRP_X0, S=layout.DIRECT_MAP_BASE)


def test_adr_reaches_one_mib(mem):
    assert adr_imm(apply(mem, A.R_AARCH64_ADR_PREL_LO21, ADR_X0, S=TEXT - 12)) == -12
    with pytest.raises(RelocationError, match="type 274"):
        apply(mem, A.R_AARCH64_ADR_PREL_LO21, ADR_X0, S=TEXT + (1 << 20))


def test_got_relocations_load_the_slot_the_loader_gives(mem):
    slot_at = layout.MODULES_BASE + 0x9008

    def got(key, value):
        mem.write_u64(slot_at, value)
        return slot_at

    pages = adr_imm(apply(mem, A.R_AARCH64_ADR_GOT_PAGE, ADRP_X0, S=KAPI, got=got))
    assert (TEXT & ~0xFFF) + (pages << 12) == slot_at & ~0xFFF
    insn = apply(mem, A.R_AARCH64_LD64_GOT_LO12_NC, LDR_X0, S=KAPI, got=got)
    assert (insn >> 10 & 0xFFF) * 8 == slot_at & 0xFFF
    assert mem.read_u64(slot_at) == KAPI
    assert ARCH.relocation(A.R_AARCH64_ADR_GOT_PAGE).uses_got


# -- branches and veneers ------------------------------------------------------------------


def test_a_near_call_is_direct(mem):
    insn = apply(mem, A.R_AARCH64_CALL26, BL, S=TEXT + 0x400)
    assert insn >> 26 == BL >> 26 and branch_target(insn, TEXT) == TEXT + 0x400


def test_a_call_into_kernel_text_goes_through_one_shared_veneer(mem):
    plt = Plt(mem)
    call = apply(mem, A.R_AARCH64_CALL26, BL, S=KAPI, plt=plt)
    jump = apply(mem, A.R_AARCH64_JUMP26, B, P=TEXT + 4, S=KAPI, plt=plt)
    veneer = branch_target(call, TEXT)
    assert veneer == branch_target(jump, TEXT + 4) == plt.made[KAPI]
    assert jump >> 26 == B >> 26  # still a B, not a BL
    adrp, add, br = (mem.read_u32(veneer + 4 * i) for i in range(3))
    assert br == 0xD61F0200  # br x16
    assert (veneer & ~0xFFF) + (adr_imm(adrp) << 12) + (add >> 10 & 0xFFF) == KAPI
    for rtype in (A.R_AARCH64_CALL26, A.R_AARCH64_JUMP26):
        assert ARCH.relocation(rtype).may_need_plt


def test_a_far_branch_without_a_plt_is_an_error(mem):
    with pytest.raises(RelocationError, match="no PLT"):
        apply(mem, A.R_AARCH64_CALL26, BL, S=KAPI)


def test_conditional_and_test_branches_check_their_range(mem):
    insn = apply(mem, A.R_AARCH64_CONDBR19, 0xB4000000, S=TEXT + 0x40)  # cbz x0
    assert (insn >> 5 & 0x7FFFF) * 4 == 0x40
    with pytest.raises(RelocationError, match="type 280"):
        apply(mem, A.R_AARCH64_CONDBR19, 0xB4000000, S=TEXT + (1 << 20))
    with pytest.raises(RelocationError, match="type 279"):
        apply(mem, A.R_AARCH64_TSTBR14, 0x36000000, S=TEXT + (1 << 15))


# -- ET_DYN and the description ---------------------------------------------------------------


def test_dynamic_relocations(mem):
    ctx = RelocContext(mem, TEXT, KAPI, 0x10, B=layout.MODULES_BASE)
    ARCH.apply_relocation(A.R_AARCH64_RELATIVE, ctx)
    assert mem.read_u64(TEXT) == layout.MODULES_BASE + 0x10
    for rtype in (A.R_AARCH64_GLOB_DAT, A.R_AARCH64_JUMP_SLOT):
        ARCH.apply_relocation(rtype, RelocContext(mem, TEXT, KAPI))
        assert mem.read_u64(TEXT) == KAPI


def test_unsupported_types_are_named():
    with pytest.raises(
        RelocationError, match=r"unsupported relocation type 1031 \(R_AARCH64_TLSDESC\)"
    ):
        ARCH.relocation(1031)


def test_the_aarch64_description():
    assert (ARCH.name, ARCH.elf_machine, ARCH.word_size) == ("aarch64", 183, 8)
    assert get_arch("arm64") is get_arch(183) is ARCH
    assert ARCH.arg_regs == tuple(f"x{i}" for i in range(8)) and ARCH.return_reg == "x0"
    assert (ARCH.link_reg, ARCH.stack_args_offset, ARCH.frame_reg) == ("x30", 0, "x29")
    # a slot is `b` to its trap entry, then udf #0 (zeros)
    branch = int.from_bytes(ARCH.trap_slot[:4], "little")
    assert branch >> 26 == 0b000101 and ARCH.trap_slot[4:] == bytes(12) and ARCH.slot_size == 16
    assert ((branch & 0x3FFFFFF) - (1 << 26)) * 4 == ARCH.trap_entry_offset
    assert ARCH.bug_insn == (0xD4210000).to_bytes(4, "little")  # brk #0x800
    assert ARCH.plt_entry_size == 12
