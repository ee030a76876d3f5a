"""Dynamic debug's kernel functions (<linux/dynamic_debug.h>): the enabled pr_debug()
sites' printing and the class parameters, param_ops_dyndbg_classes.

The control file and its queries are lkmsh/kernel/dyndbg.py's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel import dyndbg as D
from lkmsh.kernel.kapi.common import cstr, decode, format_args
from lkmsh.kernel.kapi.printk import log_text
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.params import KERNEL_PARAM

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

PREFIX_SIZE = 64
IRQ_MASK = 0xFFFF00  # HARDIRQ_MASK | SOFTIRQ_MASK | NMI_MASK: in_interrupt()
PAGE_SIZE = 4096
EINVAL = 22
# struct ddebug_class_param: bits/lvl, flags[8], map
_DCP_FLAGS, _DCP_MAP = 8, 16


def _prefix(ctx: CallContext, desc: int, flags: int) -> bytes:
    """__dynamic_emit_prefix(): "[pid] ", "mod:", "func:", "line:" and a space."""
    if not flags & D.INCL_ANY:
        return b""
    site = ctx.kernel.dyndbg._site(desc)
    out = ""
    if flags & D.TID:
        irqs = getattr(ctx.kernel, "irqs", None)
        in_interrupt = irqs is not None and irqs.preempt_count & IRQ_MASK
        out += "<intr> " if in_interrupt else f"[{ctx.kernel.current_task_id()[1]}] "
    tid = len(out)
    if flags & D.MODNAME:
        out += f"{site.modname}:"
    if flags & D.FUNCNAME:
        out += f"{site.function}:"
    if flags & D.LINENO:
        out += f"{site.lineno}:"
    if len(out) > tid:
        out += " "
    return out.encode()[: PREFIX_SIZE - 1]


@kapi(
    "__dynamic_pr_debug",
    "void __dynamic_pr_debug(struct _ddebug *descriptor, const char *fmt, ...)",
)
def dynamic_pr_debug(ctx: CallContext) -> None:
    desc = ctx.arg(0)
    flags = ctx.mem.read(desc + 35, 1)[0]  # the flags:8 of the bit-field word at 32
    body = format_args(ctx, ctx.arg(1), 2)
    log_text(ctx, b"\x017" + _prefix(ctx, desc, flags) + body)


def _class_param(ctx: CallContext, kp: int) -> tuple[int, str, D.ClassMap]:
    dcp = ctx.mem.read_u64(kp + KERNEL_PARAM.off("arg"))
    state = ctx.mem.read_u64(dcp)
    flags = decode(cstr(ctx, dcp + _DCP_FLAGS, 8))
    cm = ctx.kernel.dyndbg._map(ctx.mem.read_u64(dcp + _DCP_MAP))
    return state, flags, cm


def _kp_name(ctx: CallContext, kp: int) -> str:
    return decode(cstr(ctx, ctx.mem.read_u64(kp + KERNEL_PARAM.off("name")), 256))


def _mask(width: int) -> int:
    return (1 << width) - 1


@kapi(
    "param_set_dyndbg_classes",
    "int param_set_dyndbg_classes(const char *instr, const struct kernel_param *kp)",
)
def param_set_dyndbg_classes(ctx: CallContext) -> int:
    instr, kp = decode(cstr(ctx, ctx.arg(0), PAGE_SIZE)), ctx.arg(1)
    state, flags, cm = _class_param(ctx, kp)
    dd, name = ctx.kernel.dyndbg, _kp_name(ctx, kp)
    if cm.map_type in (D.DISJOINT_NAMES, D.LEVEL_NAMES):
        _set_classnames(ctx, instr, kp, state, flags, cm)
        return 0
    if cm.map_type not in (D.DISJOINT_BITS, D.LEVEL_NUM):
        dd._err(f"{name}: bad map type: {cm.map_type}")
        return -EINVAL
    inrep = _kstrtoul(instr)
    if inrep is None:
        dd._err(f"expecting numeric input: {instr} > {name}")
        return -EINVAL
    if cm.map_type == D.DISJOINT_BITS:
        bits = ctx.mem.read_u64(state)
        if inrep & ~_mask(len(cm.names)):
            _warn(
                ctx, f"{name}: input: {inrep:#x} exceeds mask: {_mask(len(cm.names)):#x}, masking"
            )
            inrep &= _mask(len(cm.names))
        dd.apply_class_bits(cm, flags, inrep, bits)
        ctx.mem.write_u64(state, inrep)
    else:
        if inrep > len(cm.names):
            _warn(ctx, f"{name}: level:{inrep} exceeds max:{len(cm.names)}, clamping")
            inrep = len(cm.names)
        old = _mask(ctx.mem.read_u32(state))
        dd.apply_class_bits(cm, flags, _mask(inrep), old)
        ctx.mem.write_u32(state, inrep)
    return 0


def _set_classnames(
    ctx: CallContext, instr: str, kp: int, state: int, flags: str, cm: D.ClassMap
) -> None:
    """param_set_dyndbg_classnames(): a comma-separated list of [+-]NAME."""
    dd, name = ctx.kernel.dyndbg, _kp_name(ctx, kp)
    curr = ctx.mem.read_u64(state) if cm.map_type == D.DISJOINT_NAMES else 0
    for word in instr.split("\n", 1)[0].split(","):
        wanted = not word.startswith("-")
        cls = word[1:] if word[:1] in ("+", "-") else word
        if cls not in cm.names:
            dd._err(f"{cls} unknown to {name}")
            continue
        cls_id = cm.names.index(cls)
        if cm.map_type == D.DISJOINT_NAMES:
            if bool(curr >> cls_id & 1) == wanted:
                continue
            new = curr ^ (1 << cls_id)
            dd.apply_class_bits(cm, flags, new, ctx.mem.read_u64(state))
            ctx.mem.write_u64(state, new)
            curr = new
        else:
            level = cls_id + (1 if wanted else 0)
            dd.apply_class_bits(cm, flags, _mask(level), _mask(ctx.mem.read_u32(state)))
            ctx.mem.write_u32(state, level)


def _kstrtoul(text: str) -> int | None:
    """kstrtoul(s, 0): decimal, 0x hex or 0 octal, one trailing newline allowed."""
    t = text[:-1] if text.endswith("\n") else text
    try:
        if t.lower().startswith("0x"):
            v = int(t[2:], 16)
        elif t.startswith("0") and len(t) > 1:
            v = int(t[1:], 8)
        else:
            v = int(t, 10) if t.isdigit() else None
    except ValueError:
        return None
    return v if v is not None and v < 1 << 64 else None


def _warn(ctx: CallContext, text: str) -> None:
    ctx.kernel.log.emit(4, f"dyndbg: {text}")


@kapi(
    "param_get_dyndbg_classes",
    "int param_get_dyndbg_classes(char *buffer, const struct kernel_param *kp)",
)
def param_get_dyndbg_classes(ctx: CallContext) -> int:
    buffer, kp = ctx.arg(0), ctx.arg(1)
    state, _flags, cm = _class_param(ctx, kp)
    if cm.map_type in (D.DISJOINT_NAMES, D.DISJOINT_BITS):
        text = f"{ctx.mem.read_u64(state):#x}\n"
    elif cm.map_type in (D.LEVEL_NAMES, D.LEVEL_NUM):
        text = f"{ctx.mem.read_u32(state) & 0x7FFFFFFF:d}\n"
    else:
        return -1
    ctx.mem.write(buffer, text.encode() + b"\0")
    return len(text)
