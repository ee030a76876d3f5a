"""/proc entries and seq_file output (<linux/proc_fs.h>, <linux/seq_file.h>).

``proc_create_single_data`` hands the module a small kernel object as its
``struct proc_dir_entry *`` (opaque to modules; it holds the entry's name).
A name already registered gives NULL and Linux's warning
"proc_dir_entry '/proc/NAME' already registered". ``proc_create_data`` takes
the module's ``struct proc_ops`` (its handlers are called as a char device's,
fops.py), ``proc_create_seq_private`` a ``struct seq_operations``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kapi.bug import warn
from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.procfs import PDE_SIZE, ProcEntry

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
    ctx: CallContext, name_addr: int, mode: int, parent: int, show: int, data: int, **extra: int
) -> int:
    procfs = ctx.kernel.procfs
    name = decode(cstr(ctx, name_addr, 256))
    is_dir = show == 0 and not extra and mode & S_IFDIR != 0
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
    procfs.add(ProcEntry(path, mode, owner(ctx), pde, parent, show, data, is_dir, **extra))
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


@kapi(
    "proc_create_data",
    "struct proc_dir_entry *proc_create_data(const char *name, umode_t mode, "
    "struct proc_dir_entry *parent, const struct proc_ops *proc_ops, void *data)",
)
def proc_create_data(ctx: CallContext) -> int:
    ops = ctx.arg(3)
    if not ops:
        return 0
    mode = ctx.arg(1) & 0xFFFF & ~S_IFDIR
    return _register(ctx, ctx.arg(0), mode, ctx.arg(2), 0, ctx.arg(4), proc_ops=ops)


@kapi(
    "proc_create",
    "struct proc_dir_entry *proc_create(const char *name, umode_t mode, "
    "struct proc_dir_entry *parent, const struct proc_ops *proc_ops)",
)
def proc_create(ctx: CallContext) -> int:
    ops = ctx.arg(3)
    if not ops:
        return 0
    return _register(
        ctx, ctx.arg(0), ctx.arg(1) & 0xFFFF & ~S_IFDIR, ctx.arg(2), 0, 0, proc_ops=ops
    )


@kapi(
    "proc_create_seq_private",
    "struct proc_dir_entry *proc_create_seq_private(const char *name, umode_t mode, "
    "struct proc_dir_entry *parent, const struct seq_operations *ops, "
    "unsigned int state_size, void *data)",
)
def proc_create_seq_private(ctx: CallContext) -> int:
    ops = ctx.arg(3)
    if not ops:
        return 0
    mode = ctx.arg(1) & 0xFFFF & ~S_IFDIR
    size = ctx.arg(4) & 0xFFFFFFFF
    return _register(ctx, ctx.arg(0), mode, ctx.arg(2), 0, ctx.arg(5), seq_ops=ops, state_size=size)


def _entry(ctx: CallContext, pde: int) -> ProcEntry | None:
    return ctx.kernel.procfs.by_addr(pde) if pde else None


@kapi("proc_set_size", "void proc_set_size(struct proc_dir_entry *de, loff_t size)")
def proc_set_size(ctx: CallContext) -> None:
    entry = _entry(ctx, ctx.arg(0))
    if entry is not None:
        entry.size = ctx.sarg(1)
        ctx.kernel.procfs.republish(entry)


@kapi("proc_set_user", "void proc_set_user(struct proc_dir_entry *de, kuid_t uid, kgid_t gid)")
def proc_set_user(ctx: CallContext) -> None:
    entry = _entry(ctx, ctx.arg(0))
    if entry is not None:
        entry.uid, entry.gid = ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2) & 0xFFFFFFFF


@kapi("proc_remove", "void proc_remove(struct proc_dir_entry *de)")
def proc_remove(ctx: CallContext) -> None:
    """Remove an entry and everything under it (NULL is fine), as remove_proc_subtree."""
    entry = _entry(ctx, ctx.arg(0))
    if entry is None:
        return
    heap = ctx.kernel.heap
    for e in ctx.kernel.procfs.remove(entry.path):
        if heap.lookup(e.addr) is not None:
            heap.free(e.addr)
