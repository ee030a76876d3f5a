"""AArch64: relocation handlers (ELF for the Arm 64-bit Architecture), PLT veneers, CPU setup.

Handlers follow Linux's arch/arm64/kernel/module.c: data relocations write
the value (checking that it fits), instruction relocations patch the
immediate field of the A64 instruction at the place. A CALL26/JUMP26 whose
target is beyond +-128 MiB goes through a veneer in the module's own text, as
Linux's module_emit_plt_entry does: lkmsh's kernel text and modules area are
about 500 MiB apart, so every call into the kernel API needs one.
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
from lkmsh.errors import RelocationError

EM_AARCH64 = 183

RELOC_NAMES: dict[int, str] = {
    0: "R_AARCH64_NONE",
    256: "R_AARCH64_NONE",
    257: "R_AARCH64_ABS64",
    258: "R_AARCH64_ABS32",
    259: "R_AARCH64_ABS16",
    260: "R_AARCH64_PREL64",
    261: "R_AARCH64_PREL32",
    262: "R_AARCH64_PREL16",
    263: "R_AARCH64_MOVW_UABS_G0",
    264: "R_AARCH64_MOVW_UABS_G0_NC",
    265: "R_AARCH64_MOVW_UABS_G1",
    266: "R_AARCH64_MOVW_UABS_G1_NC",
    267: "R_AARCH64_MOVW_UABS_G2",
    268: "R_AARCH64_MOVW_UABS_G2_NC",
    269: "R_AARCH64_MOVW_UABS_G3",
    270: "R_AARCH64_MOVW_SABS_G0",
    271: "R_AARCH64_MOVW_SABS_G1",
    272: "R_AARCH64_MOVW_SABS_G2",
    273: "R_AARCH64_LD_PREL_LO19",
    274: "R_AARCH64_ADR_PREL_LO21",
    275: "R_AARCH64_ADR_PREL_PG_HI21",
    276: "R_AARCH64_ADR_PREL_PG_HI21_NC",
    277: "R_AARCH64_ADD_ABS_LO12_NC",
    278: "R_AARCH64_LDST8_ABS_LO12_NC",
    279: "R_AARCH64_TSTBR14",
    280: "R_AARCH64_CONDBR19",
    282: "R_AARCH64_JUMP26",
    283: "R_AARCH64_CALL26",
    284: "R_AARCH64_LDST16_ABS_LO12_NC",
    285: "R_AARCH64_LDST32_ABS_LO12_NC",
    286: "R_AARCH64_LDST64_ABS_LO12_NC",
    287: "R_AARCH64_MOVW_PREL_G0",
    288: "R_AARCH64_MOVW_PREL_G0_NC",
    289: "R_AARCH64_MOVW_PREL_G1",
    290: "R_AARCH64_MOVW_PREL_G1_NC",
    291: "R_AARCH64_MOVW_PREL_G2",
    292: "R_AARCH64_MOVW_PREL_G2_NC",
    293: "R_AARCH64_MOVW_PREL_G3",
    299: "R_AARCH64_LDST128_ABS_LO12_NC",
    307: "R_AARCH64_GOTREL64",
    308: "R_AARCH64_GOTREL32",
    309: "R_AARCH64_GOT_LD_PREL19",
    310: "R_AARCH64_LD64_GOTOFF_LO15",
    311: "R_AARCH64_ADR_GOT_PAGE",
    312: "R_AARCH64_LD64_GOT_LO12_NC",
    313: "R_AARCH64_LD64_GOTPAGE_LO15",
    1024: "R_AARCH64_COPY",
    1025: "R_AARCH64_GLOB_DAT",
    1026: "R_AARCH64_JUMP_SLOT",
    1027: "R_AARCH64_RELATIVE",
    1028: "R_AARCH64_TLS_DTPMOD",
    1029: "R_AARCH64_TLS_DTPREL",
    1030: "R_AARCH64_TLS_TPREL",
    1031: "R_AARCH64_TLSDESC",
    1032: "R_AARCH64_IRELATIVE",
}
R_AARCH64_NONE = 0
R_AARCH64_ABS64 = 257
R_AARCH64_ABS32 = 258
R_AARCH64_ABS16 = 259
R_AARCH64_PREL64 = 260
R_AARCH64_PREL32 = 261
R_AARCH64_PREL16 = 262
R_AARCH64_MOVW_UABS_G0 = 263
R_AARCH64_MOVW_UABS_G0_NC = 264
R_AARCH64_MOVW_UABS_G1 = 265
R_AARCH64_MOVW_UABS_G1_NC = 266
R_AARCH64_MOVW_UABS_G2 = 267
R_AARCH64_MOVW_UABS_G2_NC = 268
R_AARCH64_MOVW_UABS_G3 = 269
R_AARCH64_MOVW_SABS_G0 = 270
R_AARCH64_MOVW_SABS_G1 = 271
R_AARCH64_MOVW_SABS_G2 = 272
R_AARCH64_LD_PREL_LO19 = 273
R_AARCH64_ADR_PREL_LO21 = 274
R_AARCH64_ADR_PREL_PG_HI21 = 275
R_AARCH64_ADR_PREL_PG_HI21_NC = 276
R_AARCH64_ADD_ABS_LO12_NC = 277
R_AARCH64_LDST8_ABS_LO12_NC = 278
R_AARCH64_TSTBR14 = 279
R_AARCH64_CONDBR19 = 280
R_AARCH64_JUMP26 = 282
R_AARCH64_CALL26 = 283
R_AARCH64_LDST16_ABS_LO12_NC = 284
R_AARCH64_LDST32_ABS_LO12_NC = 285
R_AARCH64_LDST64_ABS_LO12_NC = 286
R_AARCH64_MOVW_PREL_G0 = 287
R_AARCH64_MOVW_PREL_G0_NC = 288
R_AARCH64_MOVW_PREL_G1 = 289
R_AARCH64_MOVW_PREL_G1_NC = 290
R_AARCH64_MOVW_PREL_G2 = 291
R_AARCH64_MOVW_PREL_G2_NC = 292
R_AARCH64_MOVW_PREL_G3 = 293
R_AARCH64_LDST128_ABS_LO12_NC = 299
R_AARCH64_GOTREL64 = 307
R_AARCH64_GOTREL32 = 308
R_AARCH64_GOT_LD_PREL19 = 309
R_AARCH64_LD64_GOTOFF_LO15 = 310
R_AARCH64_ADR_GOT_PAGE = 311
R_AARCH64_LD64_GOT_LO12_NC = 312
R_AARCH64_LD64_GOTPAGE_LO15 = 313
R_AARCH64_COPY = 1024
R_AARCH64_GLOB_DAT = 1025
R_AARCH64_JUMP_SLOT = 1026
R_AARCH64_RELATIVE = 1027
R_AARCH64_TLS_DTPMOD = 1028
R_AARCH64_TLS_DTPREL = 1029
R_AARCH64_TLS_TPREL = 1030
R_AARCH64_TLSDESC = 1031
R_AARCH64_IRELATIVE = 1032

_NUMBER = {name: number for number, name in RELOC_NAMES.items() if number != 0}

# -- values -------------------------------------------------------------------


def _s64(value: int) -> int:
    value &= MASK64
    return value - (1 << 64) if value >> 63 else value


def _page(addr: int) -> int:
    return addr & ~0xFFF & MASK64


def _data(rtype: int, ctx: RelocContext, value: int, size: int, *, pcrel: bool) -> None:
    """Linux's reloc_data: a PC-relative value must fit signed; an absolute one either way."""
    value = _s64(value)
    bits = 8 * size
    ok = (
        fits_signed(value, bits)
        if pcrel
        else (fits_signed(value, bits) or fits_unsigned(value & MASK64, bits))
    )
    if size < 8 and not ok:
        raise overflow(rtype, value)
    ctx.write(value, size)


# -- instruction fields -----------------------------------------------------------


def _patch(ctx: RelocContext, mask: int, bits: int) -> None:
    insn = ctx.read(4)
    ctx.write((insn & ~mask) | (bits & mask), 4)


def _imm(ctx: RelocContext, value: int, lsb: int, width: int) -> None:
    """Put ``width`` bits of ``value`` into the instruction at bit ``lsb``."""
    field = (1 << width) - 1
    _patch(ctx, field << lsb, (value & field) << lsb)


def _adr_imm(ctx: RelocContext, imm: int) -> None:
    """ADR/ADRP: immlo in bits 30:29, immhi in bits 23:5."""
    imm &= (1 << 21) - 1
    _patch(ctx, (3 << 29) | (0x7FFFF << 5), ((imm & 3) << 29) | ((imm >> 2) << 5))


def _check_signed(rtype: int, value: int, bits: int) -> None:
    if not fits_signed(value, bits):
        raise overflow(rtype, value)


# -- handlers ---------------------------------------------------------------------


def r_none(ctx: RelocContext) -> None:
    return None


def _abs(rtype: int, size: int):
    def handler(ctx: RelocContext) -> None:
        _data(rtype, ctx, ctx.S + ctx.A, size, pcrel=False)

    return handler


def _prel(rtype: int, size: int):
    def handler(ctx: RelocContext) -> None:
        _data(rtype, ctx, ctx.S + ctx.A - ctx.P, size, pcrel=True)

    return handler


def _movw(rtype: int, group: int, *, check: bool, signed: bool, pcrel: bool):
    """MOVZ/MOVK/MOVN immediates: 16 bits of the value from bit 16*group.

    Checked (non-_NC) groups must hold the whole value: unsigned ones below
    2**(16*(group+1)), signed ones within +-2**(16*(group+1)). A signed group
    turns the instruction into MOVN for a negative value, as Linux does.
    """
    shift = 16 * group
    width = 16 * (group + 1)

    def handler(ctx: RelocContext) -> None:
        value = _s64(ctx.S + ctx.A - (ctx.P if pcrel else 0))
        if signed:
            if check and not fits_signed(value, width + 1 if group < 3 else 64):
                raise overflow(rtype, value)
            insn = ctx.read(4)
            if value < 0:
                insn &= ~(3 << 29)  # MOVN
                imm = (~value >> shift) & 0xFFFF
            else:
                insn = (insn & ~(3 << 29)) | (2 << 29)  # MOVZ
                imm = (value >> shift) & 0xFFFF
            ctx.write((insn & ~(0xFFFF << 5)) | (imm << 5), 4)
            return
        if check and group < 3 and not fits_unsigned(value & MASK64, width):
            raise overflow(rtype, value)
        _imm(ctx, (value & MASK64) >> shift, 5, 16)

    return handler


def _adrp(rtype: int, *, check: bool):
    def handler(ctx: RelocContext) -> None:
        imm = _s64(_page(ctx.S + ctx.A) - _page(ctx.P)) >> 12
        if check:
            _check_signed(rtype, imm, 21)
        _adr_imm(ctx, imm)

    return handler


def r_adr_prel_lo21(ctx: RelocContext) -> None:
    value = _s64(ctx.S + ctx.A - ctx.P)
    _check_signed(R_AARCH64_ADR_PREL_LO21, value, 21)
    _adr_imm(ctx, value)


def _lo12(scale: int):
    """ADD/LDST immediate: bits 11:scale of the address, in bits 21:10."""

    def handler(ctx: RelocContext) -> None:
        _imm(ctx, ((ctx.S + ctx.A) & 0xFFF) >> scale, 10, 12)

    return handler


def _pcrel_branch(rtype: int, lsb: int, width: int):
    """Conditional/test branches and literal loads: ``width`` bits of (S+A-P)/4."""

    def handler(ctx: RelocContext) -> None:
        offset = _s64(ctx.S + ctx.A - ctx.P)
        _check_signed(rtype, offset, width + 2)
        _imm(ctx, offset >> 2, lsb, width)

    return handler


def _branch26(rtype: int):
    """B/BL: +-128 MiB, else through a veneer (Linux's module_emit_plt_entry)."""

    def handler(ctx: RelocContext) -> None:
        target = (ctx.S + ctx.A) & MASK64
        offset = _s64(target - ctx.P)
        if not fits_signed(offset, 28):
            offset = _s64(ctx.plt(target) - ctx.P)
            if not fits_signed(offset, 28):
                raise overflow(rtype, offset)
        _imm(ctx, offset >> 2, 0, 26)

    return handler


def _got_value(ctx: RelocContext) -> int:
    if ctx.A:
        raise RelocationError(f"GOT relocation with addend {ctx.A} is not supported")
    return ctx.got()


def r_adr_got_page(ctx: RelocContext) -> None:
    imm = _s64(_page(_got_value(ctx)) - _page(ctx.P)) >> 12
    _check_signed(R_AARCH64_ADR_GOT_PAGE, imm, 21)
    _adr_imm(ctx, imm)


def r_ld64_got_lo12_nc(ctx: RelocContext) -> None:
    _imm(ctx, (_got_value(ctx) & 0xFFF) >> 3, 10, 12)


def r_relative(ctx: RelocContext) -> None:
    ctx.write(ctx.B + ctx.A, 8)


def r_glob_dat(ctx: RelocContext) -> None:
    ctx.write(ctx.S + ctx.A, 8)


# -- veneers --------------------------------------------------------------------

PLT_ENTRY_SIZE = 12


def plt_entry(at: int, target: int) -> bytes:
    """``adrp x16, target; add x16, x16, :lo12:target; br x16`` placed at ``at``.

    x16 (IP0) is the register the AAPCS64 reserves for veneers.
    """
    pages = _s64(_page(target) - _page(at)) >> 12
    if not fits_signed(pages, 21):
        raise overflow(R_AARCH64_ADR_PREL_PG_HI21, target)
    pages &= (1 << 21) - 1
    adrp = 0x90000010 | ((pages & 3) << 29) | ((pages >> 2) << 5)
    add = 0x91000210 | ((target & 0xFFF) << 10)
    br = 0xD61F0200
    return b"".join(i.to_bytes(4, "little") for i in (adrp, add, br))


# -- the table -----------------------------------------------------------------------


def _t(name: str, size: int, handler, **kw) -> RelocType:
    number = _NUMBER[name]
    return RelocType(number, name, size, True, handler, **kw)


def _table() -> dict[int, RelocType]:
    n = _NUMBER
    types = [
        RelocType(0, "R_AARCH64_NONE", 0, False, r_none, uses_symbol=False),
        _t("R_AARCH64_NONE", 0, r_none, uses_symbol=False),
        _t("R_AARCH64_ABS64", 8, _abs(n["R_AARCH64_ABS64"], 8)),
        _t("R_AARCH64_ABS32", 4, _abs(n["R_AARCH64_ABS32"], 4)),
        _t("R_AARCH64_ABS16", 2, _abs(n["R_AARCH64_ABS16"], 2)),
        _t("R_AARCH64_PREL64", 8, _prel(n["R_AARCH64_PREL64"], 8)),
        _t("R_AARCH64_PREL32", 4, _prel(n["R_AARCH64_PREL32"], 4)),
        _t("R_AARCH64_PREL16", 2, _prel(n["R_AARCH64_PREL16"], 2)),
        _t("R_AARCH64_ADR_PREL_LO21", 4, r_adr_prel_lo21),
        _t("R_AARCH64_ADR_PREL_PG_HI21", 4, _adrp(n["R_AARCH64_ADR_PREL_PG_HI21"], check=True)),
        _t(
            "R_AARCH64_ADR_PREL_PG_HI21_NC",
            4,
            _adrp(n["R_AARCH64_ADR_PREL_PG_HI21_NC"], check=False),
        ),
        _t("R_AARCH64_ADD_ABS_LO12_NC", 4, _lo12(0)),
        _t("R_AARCH64_LDST8_ABS_LO12_NC", 4, _lo12(0)),
        _t("R_AARCH64_LDST16_ABS_LO12_NC", 4, _lo12(1)),
        _t("R_AARCH64_LDST32_ABS_LO12_NC", 4, _lo12(2)),
        _t("R_AARCH64_LDST64_ABS_LO12_NC", 4, _lo12(3)),
        _t("R_AARCH64_LDST128_ABS_LO12_NC", 4, _lo12(4)),
        _t("R_AARCH64_LD_PREL_LO19", 4, _pcrel_branch(n["R_AARCH64_LD_PREL_LO19"], 5, 19)),
        _t("R_AARCH64_CONDBR19", 4, _pcrel_branch(n["R_AARCH64_CONDBR19"], 5, 19)),
        _t("R_AARCH64_TSTBR14", 4, _pcrel_branch(n["R_AARCH64_TSTBR14"], 5, 14)),
        _t("R_AARCH64_JUMP26", 4, _branch26(n["R_AARCH64_JUMP26"]), may_need_plt=True),
        _t("R_AARCH64_CALL26", 4, _branch26(n["R_AARCH64_CALL26"]), may_need_plt=True),
        _t("R_AARCH64_ADR_GOT_PAGE", 4, r_adr_got_page, uses_got=True),
        _t("R_AARCH64_LD64_GOT_LO12_NC", 4, r_ld64_got_lo12_nc, uses_got=True),
        _t("R_AARCH64_RELATIVE", 8, r_relative, uses_symbol=False),
        _t("R_AARCH64_GLOB_DAT", 8, r_glob_dat),
        _t("R_AARCH64_JUMP_SLOT", 8, r_glob_dat),
    ]
    for g in range(4):
        suffix = f"G{g}"
        name = f"R_AARCH64_MOVW_UABS_{suffix}"
        types.append(_t(name, 4, _movw(n[name], g, check=True, signed=False, pcrel=False)))
        if g < 3:
            nc = name + "_NC"
            types.append(_t(nc, 4, _movw(n[nc], g, check=False, signed=False, pcrel=False)))
            sabs = f"R_AARCH64_MOVW_SABS_{suffix}"
            types.append(_t(sabs, 4, _movw(n[sabs], g, check=True, signed=True, pcrel=False)))
        prel = f"R_AARCH64_MOVW_PREL_{suffix}"
        types.append(_t(prel, 4, _movw(n[prel], g, check=True, signed=True, pcrel=True)))
        if g < 3:
            nc = prel + "_NC"
            types.append(_t(nc, 4, _movw(n[nc], g, check=False, signed=False, pcrel=True)))
    return {t.number: t for t in types}


#: Relocation types lkmsh applies, ET_REL and ET_DYN alike.
RELOCATIONS: dict[int, RelocType] = _table()

RET = 0xD65F03C0
#: ``brk #0x800``: what Linux's arm64 BUG() compiles to.
BUG_INSN = 0xD4210000
#: A kernel API slot is ``b`` to its trap entry, TRAP_ENTRY_OFFSET away, then
#: three ``udf #0`` (a jump past the branch faults, as before).
TRAP_ENTRY_OFFSET = -0x2000000
TRAP_SLOT = (0x14000000 | (TRAP_ENTRY_OFFSET >> 2) & 0x3FFFFFF).to_bytes(4, "little") + bytes(12)


def _insns(*words: int) -> bytes:
    return b"".join(w.to_bytes(4, "little") for w in words)


def _branch(at: int, target: int) -> int:
    off = _s64(target - at)
    if not fits_signed(off >> 2, 26):
        raise ValueError(f"trap entry: {target:#x} is out of reach of {at:#x}")
    return 0x14000000 | (off >> 2) & 0x3FFFFFF


def trap_entry(at: int, slot: int, common: int) -> bytes:
    """``ldr x16, =slot; b common``: the slot's own entry (x16 is IP0, free at a call)."""
    return _insns(0x58000050, _branch(at + 4, common)) + slot.to_bytes(8, "little")


def trap_common(at: int, cell: int) -> tuple[bytes, int]:
    """Store x0-x7, sp, x30, x29, the slot (x16) and x0 again in the cell; load x0 back; ret.

    Python's code hook runs at the load (offset returned). x9 and x17 are
    scratch registers a callee may clobber.
    """
    off = _s64(cell - at)
    if not fits_signed(off, 21):
        raise ValueError(f"trap entry: the cell {cell:#x} is out of reach of {at:#x}")
    adr = 0x10000011 | (off & 3) << 29 | (off >> 2 & 0x7FFFF) << 5  # adr x17, cell

    def stp(a: int, b: int, offset: int) -> int:  # stp xa, xb, [x17, #offset]
        return 0xA9000000 | (offset // 8) << 15 | b << 10 | 17 << 5 | a

    code = _insns(
        adr,
        stp(0, 1, 0),
        stp(2, 3, 16),
        stp(4, 5, 32),
        stp(6, 7, 48),
        0x910003E9,  # mov x9, sp
        stp(9, 30, 64),
        stp(29, 16, 80),
        0xF9000000 | (96 // 8) << 10 | 17 << 5,  # str x0, [x17, #96]: kept when no result
    )
    return code + _insns(0xF9400000 | (96 // 8) << 10 | 17 << 5, RET), len(code)


AARCH64 = Arch(
    name="aarch64",
    elf_machine=EM_AARCH64,
    uc_arch="UC_ARCH_ARM64",
    uc_mode="UC_MODE_ARM",
    page_size=4096,
    word_size=8,
    arg_regs=("x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"),
    return_reg="x0",
    sp="sp",
    ip="pc",
    flags_reg="nzcv",
    gp_regs=tuple(f"x{i}" for i in range(31)) + ("sp",),
    stack_align=16,
    trap_slot=TRAP_SLOT,
    trap_entry_offset=TRAP_ENTRY_OFFSET,
    trap_entry=trap_entry,
    trap_common=trap_common,
    bug_insn=BUG_INSN.to_bytes(4, "little"),
    relocations=RELOCATIONS,
    reloc_names=RELOC_NAMES,
    uc_reg_module="arm64_const",
    uc_reg_prefix="UC_ARM64_REG_",
    link_reg="x30",
    stack_args_offset=0,
    initial_flags=0,
    frame_reg="x29",
    # regs[31], sp, pc, pstate (EL1h: 0x5, with the NZCV flags), then orig_x0 .. exit_rcu
    pt_regs=(*(f"x{i}" for i in range(31)), "sp", "pc", "nzcv"),
    pt_regs_size=336,
    family="arm64",
    va_list_abi="aapcs64",
    capstone=("CS_ARCH_ARM64", "CS_MODE_ARM"),
    att_syntax=False,
    stack_scan=False,
    # unicorn passes QEMU's exception numbers: EXCP_UDEF 1, EXCP_BKPT 7
    fault_vectors={1: "INVALID_OPCODE", 7: "BREAKPOINT"},
    noncanonical_gp=False,
    plt_entry=plt_entry,
    plt_entry_size=PLT_ENTRY_SIZE,
)
