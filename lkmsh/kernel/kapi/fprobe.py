"""<linux/fprobe.h>: register_fprobe and its array forms (kprobes.py runs the hits).

As kernel/trace/fprobe.c in 6.1: a glob filter (and a glob of functions not
to probe), an array of ftrace locations, or an array of symbols, which Linux
sorts in place before looking them up; errno as ftrace gives it (-EINVAL for
a filter that matches nothing or an address that is no function's entry,
-ENOENT for an unknown symbol).
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.fprobes import MAX_ARRAY
from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

KSYM_NAME_LEN = 512


def _text(ctx: CallContext, addr: int) -> str:
    return ctx.mem.read_cstr(addr, 4096).decode("utf-8", "replace")


def _array(ctx: CallContext) -> tuple[int, int, int] | None:
    """(fp, array, num) of an array registration, or None where Linux says -EINVAL
    (a NULL fprobe or array, a count of 0 or less; lkmsh bounds it too)."""
    fp, base, num = ctx.arg(0), ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF
    num = num - (1 << 32) if num & 0x80000000 else num
    return (fp, base, num) if fp and base and 0 < num <= MAX_ARRAY else None


@kapi(
    "register_fprobe",
    "int register_fprobe(struct fprobe *fp, const char *filter, const char *notfilter)",
    gpl=True,
)
def register_fprobe(ctx: CallContext) -> int:
    fp, filt, notfilt = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    if not fp or not filt:
        return -E.EINVAL
    k = ctx.kernel
    chosen = k.kprobes.fprobe_filter(_text(ctx, filt))
    if not chosen:
        return -E.EINVAL
    left = set(chosen)
    if notfilt:
        skipped = k.kprobes.fprobe_filter(_text(ctx, notfilt))
        if not skipped:
            return -E.EINVAL
        left -= skipped
    return k.kprobes.register_fprobe(fp, sorted(left), len(chosen), owner(ctx))


@kapi(
    "register_fprobe_ips",
    "int register_fprobe_ips(struct fprobe *fp, unsigned long *addrs, int num)",
    gpl=True,
)
def register_fprobe_ips(ctx: CallContext) -> int:
    args = _array(ctx)
    if args is None:
        return -E.EINVAL
    fp, addrs, num = args
    targets = [ctx.mem.read_u64(addrs + 8 * i) for i in range(num)]
    return ctx.kernel.kprobes.register_fprobe(fp, targets, num, owner(ctx))


@kapi(
    "register_fprobe_syms",
    "int register_fprobe_syms(struct fprobe *fp, const char **syms, int num)",
    gpl=True,
)
def register_fprobe_syms(ctx: CallContext) -> int:
    args = _array(ctx)
    if args is None:
        return -E.EINVAL
    fp, syms, num = args
    mem = ctx.mem
    ptrs = [mem.read_u64(syms + 8 * i) for i in range(num)]
    named = sorted(((mem.read_cstr(p, KSYM_NAME_LEN), p) for p in ptrs), key=lambda t: t[0])
    # get_ftrace_locations() sorts the caller's array (strcmp order) before the lookup
    mem.write(syms, b"".join(p.to_bytes(8, "little") for _, p in named))
    addrs = ctx.kernel.kprobes.fprobe_symbols([n.decode("utf-8", "replace") for n, _ in named])
    if isinstance(addrs, int):
        return addrs
    return ctx.kernel.kprobes.register_fprobe(fp, addrs, num, owner(ctx))


@kapi("unregister_fprobe", "int unregister_fprobe(struct fprobe *fp)", gpl=True)
def unregister_fprobe(ctx: CallContext) -> int:
    fp = ctx.arg(0)
    if not fp:
        return -E.EINVAL
    return ctx.kernel.kprobes.unregister_fprobe(fp)
