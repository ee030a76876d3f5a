"""kprobes, kretprobes (<linux/kprobes.h>) and stack traces (<linux/stacktrace.h>); kernel/kprobes.py."""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1
#: kprobes_register's array forms take at most this many (a module's bad count is bounded)
MAX_ARRAY = 4096
#: frames a stack walk follows at most
MAX_FRAMES = 64


def _kp(ctx: CallContext):
    return ctx.kernel.kprobes


def _int(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


@kapi("register_kprobe", "int register_kprobe(struct kprobe *p)", gpl=True)
def register_kprobe(ctx: CallContext) -> int:
    return _kp(ctx).register(ctx.arg(0), owner(ctx))


@kapi("unregister_kprobe", "void unregister_kprobe(struct kprobe *p)", gpl=True)
def unregister_kprobe(ctx: CallContext) -> None:
    _kp(ctx).unregister(ctx.arg(0))


def _array(ctx: CallContext) -> list[int] | int:
    """The pointers of a register_kprobes()-style array, or -EINVAL for a bad count."""
    num = _int(ctx.arg(1))
    if num <= 0 or num > MAX_ARRAY or not ctx.arg(0):
        return -E.EINVAL
    base = ctx.arg(0)
    return [ctx.mem.read_u64(base + 8 * i) for i in range(num)]


def _register_all(ctx: CallContext, one, undo) -> int:
    items = _array(ctx)
    if isinstance(items, int):
        return items
    done: list[int] = []
    for p in items:
        ret = one(p, owner(ctx))
        if ret < 0:
            for q in done:
                undo(q)
            return ret
        done.append(p)
    return 0


@kapi("register_kprobes", "int register_kprobes(struct kprobe **kps, int num)", gpl=True)
def register_kprobes(ctx: CallContext) -> int:
    kp = _kp(ctx)
    return _register_all(ctx, kp.register, kp.unregister)


@kapi("unregister_kprobes", "void unregister_kprobes(struct kprobe **kps, int num)", gpl=True)
def unregister_kprobes(ctx: CallContext) -> None:
    items = _array(ctx)
    for p in [] if isinstance(items, int) else items:
        _kp(ctx).unregister(p)


@kapi("register_kretprobe", "int register_kretprobe(struct kretprobe *rp)", gpl=True)
def register_kretprobe(ctx: CallContext) -> int:
    return _kp(ctx).register_kretprobe(ctx.arg(0), owner(ctx))


@kapi("unregister_kretprobe", "void unregister_kretprobe(struct kretprobe *rp)", gpl=True)
def unregister_kretprobe(ctx: CallContext) -> None:
    _kp(ctx).unregister(ctx.arg(0))


@kapi("register_kretprobes", "int register_kretprobes(struct kretprobe **rps, int num)", gpl=True)
def register_kretprobes(ctx: CallContext) -> int:
    kp = _kp(ctx)
    return _register_all(ctx, kp.register_kretprobe, kp.unregister)


@kapi(
    "unregister_kretprobes",
    "void unregister_kretprobes(struct kretprobe **rps, int num)",
    gpl=True,
)
def unregister_kretprobes(ctx: CallContext) -> None:
    items = _array(ctx)
    for p in [] if isinstance(items, int) else items:
        _kp(ctx).unregister(p)


@kapi("disable_kprobe", "int disable_kprobe(struct kprobe *kp)", gpl=True)
def disable_kprobe(ctx: CallContext) -> int:
    return _kp(ctx).set_disabled(ctx.arg(0), True)


@kapi("enable_kprobe", "int enable_kprobe(struct kprobe *kp)", gpl=True)
def enable_kprobe(ctx: CallContext) -> int:
    return _kp(ctx).set_disabled(ctx.arg(0), False)


def _trampoline(ctx: CallContext) -> None:
    """Never run: the kprobes hook at its first instruction sends the code home first."""


for _name in ("arch_rethook_trampoline", "__kretprobe_trampoline"):
    kapi(_name, f"void {_name}(void)")(_trampoline)


@kapi("kallsyms_lookup_name", "unsigned long kallsyms_lookup_name(const char *name)")
def kallsyms_lookup_name(ctx: CallContext) -> int:
    """Any symbol's address (CONFIG_KALLSYMS_ALL), 0 when there is none; not exported since
    5.7, so module code reaches it only through a kprobe's ``addr`` (as Linux's tests do)."""
    name = ctx.mem.read_cstr(ctx.arg(0), 512).decode("utf-8", "replace")
    return ctx.kernel.kprobes.lookup(name, text_only=False) or 0


@kapi("kernel_clone", "pid_t kernel_clone(struct kernel_clone_args *kargs)")
def kernel_clone(ctx: CallContext) -> int:
    """Not a module's to call (not exported): the kernel runs it, Kprobes.kernel_function."""
    return -E.ENOSYS


# -- <linux/stacktrace.h> ------------------------------------------------------------


def _frames(ctx: CallContext, ip: int | None, fp: int, used: int) -> tuple[list[int], int]:
    """@ip, then the return address of each frame record from @fp, up to the kernel."""
    k = ctx.kernel
    real = k.kprobes.real_return
    out: list[int] = []
    if ip is not None:
        addr, used = real(ip, used)
        out.append(addr)
    for _ in range(MAX_FRAMES):
        try:
            ret, nxt = k.mem.read_u64(fp + 8), k.mem.read_u64(fp)
        except Exception:  # a bad frame pointer ends the walk, as the unwinder's checks
            break
        if ret in (k.return_slot, 0):
            break
        addr, used = real(ret, used)
        out.append(addr)
        if nxt <= fp:
            break
        fp = nxt
    return out, used


def _interrupted(ctx: CallContext, used: int) -> list[int]:
    """The code kprobe handlers interrupted, innermost first: its pc, then its frames."""
    k = ctx.kernel
    at, arch = k.kprobes.reg_at, k.arch
    out: list[int] = []
    for regs in reversed(k.kprobes.interrupted):
        ip = regs[at[arch.ip]]
        if not k.kprobes.function_entry(ip):
            more, used = _frames(ctx, ip, regs[at[arch.frame_reg]], used)
            out += more
            continue
        # at a function's first instruction its frame is not made yet: the return
        # address is in the link register (arm64) or on top of the stack (x86-64)
        addr, used = k.kprobes.real_return(ip, used)
        out.append(addr)
        link = arch.link_reg
        ret = regs[at[link]] if link else _word(ctx, regs[at[arch.sp]])
        if ret in (k.return_slot, 0):
            continue  # called by the kernel: the walk ends
        more, used = _frames(ctx, ret, regs[at[arch.frame_reg]], used)
        out += more
    return out


def _word(ctx: CallContext, addr: int) -> int:
    try:
        return ctx.mem.read_u64(addr)
    except Exception:  # a bad stack pointer ends the walk, as the unwinder's checks
        return 0


def _store(ctx: CallContext, entries: list[int], store: int, size: int, skip: int) -> int:
    entries = entries[skip : skip + min(size, 1 << 16)]
    ctx.mem.write(store, b"".join(e.to_bytes(8, "little") for e in entries))
    return len(entries)


@kapi(
    "stack_trace_save",
    "unsigned int stack_trace_save(unsigned long *store, unsigned int size, unsigned int skipnr)",
    gpl=True,
)
def stack_trace_save(ctx: CallContext) -> int:
    own, used = _frames(ctx, ctx.caller, ctx.fp, 0)
    return _store(ctx, own + _interrupted(ctx, used), ctx.arg(0), ctx.arg(1), ctx.arg(2))


@kapi(
    "stack_trace_save_regs",
    "unsigned int stack_trace_save_regs(struct pt_regs *regs, unsigned long *store,"
    " unsigned int size, unsigned int skipnr)",
)
def stack_trace_save_regs(ctx: CallContext) -> int:
    """Not exported in 6.1 (lib/test_kprobes.c leaves its check out when built as a module)."""
    k, pt = ctx.kernel, ctx.arg(0)
    slots = list(k.arch.pt_regs)
    ip = ctx.mem.read_u64(pt + 8 * slots.index(k.arch.ip))
    fp = ctx.mem.read_u64(pt + 8 * slots.index(k.arch.frame_reg))
    entries, _ = _frames(ctx, ip, fp, 0)
    return _store(ctx, entries, ctx.arg(1), ctx.arg(2), ctx.arg(3))


def _lines(ctx: CallContext, trace: int, nr: int, spaces: int) -> list[str]:
    nr = min(nr, 1 << 16)
    words = ctx.mem.read(trace, 8 * nr)
    pad = " " * (1 + max(0, min(_int(spaces), 256)))
    return [
        pad + ctx.kernel.symbolize(int.from_bytes(words[8 * i : 8 * i + 8], "little"))
        for i in range(nr)
    ]


@kapi(
    "stack_trace_print",
    "void stack_trace_print(const unsigned long *trace, unsigned int nr_entries, int spaces)",
    gpl=True,
)
def stack_trace_print(ctx: CallContext) -> None:
    if not ctx.arg(0):
        return
    for line in _lines(ctx, ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2)):
        ctx.kernel.log.emit(4, line)


@kapi(
    "stack_trace_snprint",
    "int stack_trace_snprint(char *buf, size_t size, const unsigned long *entries,"
    " unsigned int nr_entries, int spaces)",
    gpl=True,
)
def stack_trace_snprint(ctx: CallContext) -> int:
    buf, size = ctx.arg(0), ctx.arg(1)
    if not ctx.arg(2):
        return 0
    text = "".join(
        f"{line}\n" for line in _lines(ctx, ctx.arg(2), ctx.arg(3) & 0xFFFFFFFF, ctx.arg(4))
    )
    data = text.encode()
    if buf and size:
        n = min(len(data), size - 1)
        ctx.mem.write(buf, data[:n] + b"\0")
    return len(data)
