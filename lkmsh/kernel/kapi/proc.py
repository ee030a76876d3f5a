"""/proc entries and seq_file output (<linux/proc_fs.h>, <linux/seq_file.h>).

``proc_create_single_data`` hands the module a small kernel object as its
``struct proc_dir_entry *`` (opaque to modules; it holds the entry's name).
A name already registered gives NULL and Linux's warning
"proc_dir_entry '/proc/NAME' already registered". The seq_* functions append
to the output of the /proc file being read (lkmsh/kernel/procfs.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kapi.bug import KernelBug, call_trace, warn
from lkmsh.kernel.kapi.common import cstr, decode, format_args, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.procfs import PDE_SIZE, SEQ_MAX, ProcEntry

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

S_IFDIR = 0o040000
S_IFREG = 0o100000


def _parent_label(ctx: CallContext, parent: int) -> str:
    if not parent:
        return "/proc"
    p = ctx.kernel.procfs.by_addr(parent)
    return p.name if p is not None else f"{parent:#x}"


def _register(
    ctx: CallContext, name_addr: int, mode: int, parent: int, show: int, data: int
) -> int:
    procfs = ctx.kernel.procfs
    name = decode(cstr(ctx, name_addr, 256))
    is_dir = show == 0 and mode & S_IFDIR != 0
    path = procfs.path_for(name, parent)
    if not name or path is None:
        return 0
    if procfs.lookup(path) is not None:
        warn(ctx, [f"proc_dir_entry '{_parent_label(ctx, parent)}/{name}' already registered"])
        return 0
    if "/" in path and procfs.lookup(path.rsplit("/", 1)[0]) is None:
        return 0  # an intermediate directory that does not exist: -ENOENT, NULL
    heap = ctx.kernel.heap
    pde = heap.alloc(PDE_SIZE, KERNEL_OWNER, ctx.caller, zero=True, managed=True)
    if not pde:
        return 0
    ctx.mem.write(pde, name.encode()[: PDE_SIZE - 1])
    if not mode & 0o7777:
        mode |= 0o555 if is_dir else 0o444
    mode |= S_IFDIR if is_dir else S_IFREG
    procfs.add(ProcEntry(path, mode, owner(ctx), pde, parent, show, data, is_dir))
    return pde


@kapi(
    "proc_create_single_data",
    "struct proc_dir_entry *proc_create_single_data(const char *name, umode_t mode, "
    "struct proc_dir_entry *parent, int (*show)(struct seq_file *, void *), void *data)",
)
def proc_create_single_data(ctx: CallContext) -> int:
    show = ctx.arg(3)
    if not show:
        return 0
    return _register(ctx, ctx.arg(0), ctx.arg(1) & 0xFFFF & ~S_IFDIR, ctx.arg(2), show, ctx.arg(4))


@kapi(
    "proc_mkdir",
    "struct proc_dir_entry *proc_mkdir(const char *name, struct proc_dir_entry *parent)",
)
def proc_mkdir(ctx: CallContext) -> int:
    return _register(ctx, ctx.arg(0), S_IFDIR, ctx.arg(1), 0, 0)


@kapi(
    "remove_proc_entry", "void remove_proc_entry(const char *name, struct proc_dir_entry *parent)"
)
def remove_proc_entry(ctx: CallContext) -> None:
    procfs = ctx.kernel.procfs
    name = decode(cstr(ctx, ctx.arg(0), 256))
    parent = ctx.arg(1)
    path = procfs.path_for(name, parent)
    entry = procfs.lookup(path) if path is not None else None
    if entry is None:
        warn(ctx, [f"name '{name}'"])
        return
    gone = procfs.remove(entry.path)
    children = [e for e in gone if e is not entry]
    if children:
        warn(
            ctx,
            [
                f"remove_proc_entry: removing non-empty directory "
                f"'{_parent_label(ctx, parent)}/{name}', leaking at least '{children[0].name}'"
            ],
        )
    heap = ctx.kernel.heap
    for e in gone:
        if heap.lookup(e.addr) is not None:
            heap.free(e.addr)


def _buffer(ctx: CallContext, seq: int) -> bytearray:
    buf = ctx.kernel.procfs.seq_buffer(seq)
    if buf is None:
        lines = [f"BUG: {ctx.name}() on {seq:#x}, which is not a seq_file being shown"]
        raise KernelBug(lines[0], [*lines, *call_trace(ctx)])
    return buf


def _append(buf: bytearray, data: bytes) -> int:
    room = SEQ_MAX - len(buf)
    buf += data[: max(room, 0)]
    return 0 if len(data) <= room else -1


@kapi("seq_printf", "void seq_printf(struct seq_file *m, const char *fmt, ...)")
def seq_printf(ctx: CallContext) -> None:
    buf = _buffer(ctx, ctx.arg(0))
    _append(buf, format_args(ctx, ctx.arg(1), 2))


@kapi("seq_puts", "void seq_puts(struct seq_file *m, const char *s)")
def seq_puts(ctx: CallContext) -> None:
    buf = _buffer(ctx, ctx.arg(0))
    _append(buf, cstr(ctx, ctx.arg(1)))


@kapi("seq_putc", "void seq_putc(struct seq_file *m, char c)")
def seq_putc(ctx: CallContext) -> None:
    buf = _buffer(ctx, ctx.arg(0))
    _append(buf, bytes((ctx.arg(1) & 0xFF,)))


@kapi("seq_write", "int seq_write(struct seq_file *seq, const void *data, size_t len)")
def seq_write(ctx: CallContext) -> int:
    buf = _buffer(ctx, ctx.arg(0))
    n = ctx.arg(2)
    return _append(buf, ctx.mem.read(ctx.arg(1), n) if n else b"")
