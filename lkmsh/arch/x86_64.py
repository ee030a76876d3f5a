"""x86-64: relocation handlers (System V psABI), calling convention, trap slots.

Handlers follow Linux's apply_relocate_add: compute the psABI value, check it
fits the field (Linux checks R_X86_64_32 and 32S; lkmsh checks every
truncating type, since a silently wrong call target is worse than an error),
then store it little-endian at the place.
"""

from __future__ import annotations

from lkmsh.arch.base import (
    MASK64,
    Arch,
    RelocContext,
    RelocType,
    fits_signed,
    fits_unsigned,
    overflow,
)

EM_X86_64 = 62

R_X86_64_NONE = 0
R_X86_64_64 = 1
R_X86_64_PC32 = 2
R_X86_64_GOT32 = 3
R_X86_64_PLT32 = 4
R_X86_64_COPY = 5
R_X86_64_GLOB_DAT = 6
R_X86_64_JUMP_SLOT = 7
R_X86_64_RELATIVE = 8
R_X86_64_GOTPCREL = 9
R_X86_64_32 = 10
R_X86_64_32S = 11
R_X86_64_16 = 12
R_X86_64_PC16 = 13
R_X86_64_8 = 14
R_X86_64_PC8 = 15
R_X86_64_PC64 = 24
R_X86_64_SIZE32 = 32
R_X86_64_SIZE64 = 33
R_X86_64_GOTPCRELX = 41
R_X86_64_REX_GOTPCRELX = 42

#: psABI names of every type, for messages about the ones lkmsh refuses.
RELOC_NAMES: dict[int, str] = {
    0: "R_X86_64_NONE",
    1: "R_X86_64_64",
    2: "R_X86_64_PC32",
    3: "R_X86_64_GOT32",
    4: "R_X86_64_PLT32",
    5: "R_X86_64_COPY",
    6: "R_X86_64_GLOB_DAT",
    7: "R_X86_64_JUMP_SLOT",
    8: "R_X86_64_RELATIVE",
    9: "R_X86_64_GOTPCREL",
    10: "R_X86_64_32",
    11: "R_X86_64_32S",
    12: "R_X86_64_16",
    13: "R_X86_64_PC16",
    14: "R_X86_64_8",
    15: "R_X86_64_PC8",
    16: "R_X86_64_DTPMOD64",
    17: "R_X86_64_DTPOFF64",
    18: "R_X86_64_TPOFF64",
    19: "R_X86_64_TLSGD",
    20: "R_X86_64_TLSLD",
    21: "R_X86_64_DTPOFF32",
    22: "R_X86_64_GOTTPOFF",
    23: "R_X86_64_TPOFF32",
    24: "R_X86_64_PC64",
    25: "R_X86_64_GOTOFF64",
    26: "R_X86_64_GOTPC32",
    27: "R_X86_64_GOT64",
    28: "R_X86_64_GOTPCREL64",
    29: "R_X86_64_GOTPC64",
    30: "R_X86_64_GOTPLT64",
    31: "R_X86_64_PLTOFF64",
    32: "R_X86_64_SIZE32",
    33: "R_X86_64_SIZE64",
    34: "R_X86_64_GOTPC32_TLSDESC",
    35: "R_X86_64_TLSDESC_CALL",
    36: "R_X86_64_TLSDESC",
    37: "R_X86_64_IRELATIVE",
    38: "R_X86_64_RELATIVE64",
    41: "R_X86_64_GOTPCRELX",
    42: "R_X86_64_REX_GOTPCRELX",
    43: "R_X86_64_CODE_4_GOTPCRELX",
    44: "R_X86_64_CODE_4_GOTTPOFF",
    45: "R_X86_64_CODE_4_GOTPC32_TLSDESC",
}


def _s64(value: int) -> int:
    value &= MASK64
    return value - (1 << 64) if value >> 63 else value


def _signed_field(rtype: int, ctx: RelocContext, value: int, size: int) -> None:
    value = _s64(value)
    if not fits_signed(value, 8 * size):
        raise overflow(rtype, value)
    ctx.write(value, size)


def _unsigned_field(rtype: int, ctx: RelocContext, value: int, size: int) -> None:
    value &= MASK64
    if not fits_unsigned(value, 8 * size):
        raise overflow(rtype, value)
    ctx.write(value, size)


def _bitfield(rtype: int, ctx: RelocContext, value: int, size: int) -> None:
    """Fits if either the signed or the unsigned reading fits (ld's "bitfield")."""
    signed = _s64(value)
    if not (fits_signed(signed, 8 * size) or fits_unsigned(value & MASK64, 8 * size)):
        raise overflow(rtype, value)
    ctx.write(signed, size)


def r_none(ctx: RelocContext) -> None:
    return None


def r_64(ctx: RelocContext) -> None:
    ctx.write(ctx.S + ctx.A, 8)


def r_pc32(ctx: RelocContext) -> None:
    _signed_field(R_X86_64_PC32, ctx, ctx.S + ctx.A - ctx.P, 4)


def r_plt32(ctx: RelocContext) -> None:
    # No PLT: kernel API slots and other modules are within +-2 GiB.
    _signed_field(R_X86_64_PLT32, ctx, ctx.S + ctx.A - ctx.P, 4)


def r_32(ctx: RelocContext) -> None:
    _unsigned_field(R_X86_64_32, ctx, ctx.S + ctx.A, 4)


def r_32s(ctx: RelocContext) -> None:
    _signed_field(R_X86_64_32S, ctx, ctx.S + ctx.A, 4)


def r_16(ctx: RelocContext) -> None:
    _bitfield(R_X86_64_16, ctx, ctx.S + ctx.A, 2)


def r_pc16(ctx: RelocContext) -> None:
    _signed_field(R_X86_64_PC16, ctx, ctx.S + ctx.A - ctx.P, 2)


def r_8(ctx: RelocContext) -> None:
    _bitfield(R_X86_64_8, ctx, ctx.S + ctx.A, 1)


def r_pc8(ctx: RelocContext) -> None:
    _signed_field(R_X86_64_PC8, ctx, ctx.S + ctx.A - ctx.P, 1)


def r_pc64(ctx: RelocContext) -> None:
    ctx.write(ctx.S + ctx.A - ctx.P, 8)


def r_size32(ctx: RelocContext) -> None:
    _unsigned_field(R_X86_64_SIZE32, ctx, ctx.Z + ctx.A, 4)


def r_size64(ctx: RelocContext) -> None:
    ctx.write(ctx.Z + ctx.A, 8)


def _gotpcrel(rtype: int, ctx: RelocContext) -> None:
    # G + GOT + A - P, with G + GOT the address of the symbol's slot.
    _signed_field(rtype, ctx, ctx.got() + ctx.A - ctx.P, 4)


def r_gotpcrel(ctx: RelocContext) -> None:
    _gotpcrel(R_X86_64_GOTPCREL, ctx)


def r_gotpcrelx(ctx: RelocContext) -> None:
    _gotpcrel(R_X86_64_GOTPCRELX, ctx)


def r_rex_gotpcrelx(ctx: RelocContext) -> None:
    _gotpcrel(R_X86_64_REX_GOTPCRELX, ctx)


def r_relative(ctx: RelocContext) -> None:
    ctx.write(ctx.B + ctx.A, 8)


def r_glob_dat(ctx: RelocContext) -> None:
    ctx.write(ctx.S, 8)


def r_jump_slot(ctx: RelocContext) -> None:
    ctx.write(ctx.S, 8)


def _t(number: int, size: int, signed: bool, handler, **kw) -> RelocType:
    return RelocType(number, RELOC_NAMES[number], size, signed, handler, **kw)


#: Relocation types lkmsh applies, ET_REL and ET_DYN alike.
RELOCATIONS: dict[int, RelocType] = {
    r.number: r
    for r in (
        _t(R_X86_64_NONE, 0, False, r_none, uses_symbol=False),
        _t(R_X86_64_64, 8, False, r_64),
        _t(R_X86_64_PC32, 4, True, r_pc32),
        _t(R_X86_64_PLT32, 4, True, r_plt32),
        _t(R_X86_64_32, 4, False, r_32),
        _t(R_X86_64_32S, 4, True, r_32s),
        _t(R_X86_64_16, 2, False, r_16),
        _t(R_X86_64_PC16, 2, True, r_pc16),
        _t(R_X86_64_8, 1, False, r_8),
        _t(R_X86_64_PC8, 1, True, r_pc8),
        _t(R_X86_64_PC64, 8, True, r_pc64),
        _t(R_X86_64_SIZE32, 4, False, r_size32),
        _t(R_X86_64_SIZE64, 8, False, r_size64),
        _t(R_X86_64_GOTPCREL, 4, True, r_gotpcrel, uses_got=True),
        _t(R_X86_64_GOTPCRELX, 4, True, r_gotpcrelx, uses_got=True),
        _t(R_X86_64_REX_GOTPCRELX, 4, True, r_rex_gotpcrelx, uses_got=True),
        _t(R_X86_64_RELATIVE, 8, True, r_relative, uses_symbol=False),
        _t(R_X86_64_GLOB_DAT, 8, False, r_glob_dat),
        _t(R_X86_64_JUMP_SLOT, 8, False, r_jump_slot),
    )
}

#: A kernel API slot is ``jmp`` to its trap entry, TRAP_ENTRY_OFFSET away, whose
#: displacement bytes are int3s like the padding: a jump into the middle of a
#: slot still traps at once.
TRAP_JUMP = 0xCCCCCCCC
TRAP_SLOT = b"\xe9" + TRAP_JUMP.to_bytes(4, "little") + b"\xcc" * 11
TRAP_ENTRY_OFFSET = 5 + TRAP_JUMP - (1 << 32)  # rel32 counts from the end of the jmp

#: the registers the common entry stores, in the order of Cpu's trap cell; rax
#: last, where the result goes: a kernel function without one leaves it alone
_CELL_REGS = (7, 6, 2, 1, 8, 9, 4, 5, 11, 0)  # rdi rsi rdx rcx r8 r9, rsp, rbp, r11, rax


def _rel32(target: int, end: int) -> bytes:
    disp = (target - end + (1 << 63)) % (1 << 64) - (1 << 63)
    if not fits_signed(disp, 32):
        raise ValueError(f"trap entry: {target:#x} is out of reach of {end:#x}")
    return (disp & 0xFFFFFFFF).to_bytes(4, "little")


def trap_entry(at: int, slot: int, common: int) -> bytes:
    """``mov $slot, %r11; jmp common``: the slot's own entry (r11 is call-clobbered)."""
    if not fits_signed(slot - (1 << 64) if slot >> 63 else slot, 32):
        raise ValueError(f"trap entry: slot {slot:#x} is not a sign-extended imm32")
    code = b"\x49\xc7\xc3" + (slot & 0xFFFFFFFF).to_bytes(4, "little")
    code += b"\xe9" + _rel32(common, at + len(code) + 5)
    return code.ljust(16, b"\xcc")


def trap_common(at: int, cell: int) -> tuple[bytes, int]:
    """Store the argument registers, sp, fp, the slot and rax in the cell; load rax back; ret.

    Python's code hook runs at the load (offset returned): it reads the
    registers from memory and writes the result there, no register access.
    """
    code = bytearray()
    for i, reg in enumerate(_CELL_REGS):
        rex = 0x48 | (0x04 if reg >= 8 else 0)
        insn = bytes([rex, 0x89, ((reg & 7) << 3) | 5])
        code += insn + _rel32(cell + 8 * i, at + len(code) + 7)
    hook = len(code)
    code += b"\x48\x8b\x05" + _rel32(cell + 8 * (len(_CELL_REGS) - 1), at + len(code) + 7)
    code += b"\xc3"
    return bytes(code), hook


X86_64 = Arch(
    name="x86_64",
    elf_machine=EM_X86_64,
    uc_arch="UC_ARCH_X86",
    uc_mode="UC_MODE_64",
    page_size=4096,
    word_size=8,
    arg_regs=("rdi", "rsi", "rdx", "rcx", "r8", "r9"),
    return_reg="rax",
    sp="rsp",
    ip="rip",
    flags_reg="eflags",
    gp_regs=(
        "rax",
        "rbx",
        "rcx",
        "rdx",
        "rsi",
        "rdi",
        "rbp",
        "rsp",
        "r8",
        "r9",
        "r10",
        "r11",
        "r12",
        "r13",
        "r14",
        "r15",
    ),
    stack_align=16,
    trap_slot=TRAP_SLOT,
    trap_entry_offset=TRAP_ENTRY_OFFSET,
    trap_entry=trap_entry,
    trap_common=trap_common,
    halt_insn=b"\xf4",
    bug_insn=b"\x0f\x0b",
    relocations=RELOCATIONS,
    reloc_names=RELOC_NAMES,
    uc_reg_module="x86_const",
    uc_reg_prefix="UC_X86_REG_",
    link_reg=None,  # call pushes the return address
    stack_args_offset=8,
    initial_flags=0x2,  # the reserved bit; DF clear
    frame_reg="rbp",
    # r15 .. di, orig_ax, ip, cs (__KERNEL_CS), flags, sp, ss (__KERNEL_DS)
    pt_regs=(
        "r15",
        "r14",
        "r13",
        "r12",
        "rbp",
        "rbx",
        "r11",
        "r10",
        "r9",
        "r8",
        "rax",
        "rcx",
        "rdx",
        "rsi",
        "rdi",
        0,
        "rip",
        0x10,
        "eflags",
        "rsp",
        0x18,
    ),  # fmt: skip
    pt_regs_size=168,
    family="x86",
    va_list_abi="sysv-x86_64",
    capstone=("CS_ARCH_X86", "CS_MODE_64"),
    att_syntax=True,
    stack_scan=True,
    reg_aliases={"rflags": "eflags"},
    fault_vectors={
        0: "DIVIDE_ERROR",
        3: "BREAKPOINT",
        6: "INVALID_OPCODE",
        13: "GENERAL_PROTECTION",
        14: "PAGE_FAULT",
    },
    insn_faults={
        "UC_X86_INS_SYSCALL": 6,  # EFER.SCE is clear: #UD, as hardware
        "UC_X86_INS_SYSENTER": 13,  # SYSENTER_CS MSR is 0: #GP, as hardware
        "UC_X86_INS_IN": 13,  # no I/O ports
        "UC_X86_INS_OUT": 13,
    },
    noncanonical_gp=True,
)
