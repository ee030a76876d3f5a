"""debugfs (<linux/debugfs.h>): directories, value files and blobs, as fs/debugfs in 6.1.

Creating returns a ``struct dentry *``, or ``ERR_PTR(-EEXIST)`` with
debugfs's "already present!" message for a taken name; a parent that is an
ERR_PTR is handed back unchanged (so an error propagates down a chain of
creations, as Linux's start_creating does). ``debugfs_remove`` (which 6.1's header
also names ``debugfs_remove_recursive``) takes a whole subtree and ignores NULL and
error pointers.
"""

from __future__ import annotations

import errno
import stat as S
import zlib
from typing import TYPE_CHECKING

from lkmsh.errors import KernelError
from lkmsh.kernel.debugfs import DENTRY_SIZE, DebugEntry, DebugFS
from lkmsh.kernel.fsstructs import DNAME_INLINE_LEN, DentryOff
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MAX_ERRNO = 4095
MASK64 = (1 << 64) - 1
NAME_MAX = 255


def is_err(ptr: int) -> bool:
    return ptr >= (MASK64 + 1) - MAX_ERRNO


def err_ptr(err: int) -> int:
    """ERR_PTR(err) for a negative errno."""
    return err & MASK64


def _fs(ctx: CallContext) -> DebugFS:
    return ctx.kernel.debugfs


def create(
    ctx: CallContext,
    name_addr: int,
    mode: int,
    parent: int,
    kind: str,
    value: int = 0,
    data: int = 0,
    extra: int = 0,
) -> int:
    """Make one debugfs entry for the calling module; its dentry, or an ERR_PTR.

    Other kernel API families (debugfs_create_file) make their files with this.
    """
    if is_err(parent):
        return parent
    fs = _fs(ctx)
    name = decode(cstr(ctx, name_addr, NAME_MAX + 1))
    path = fs.path_for(name, parent)
    if not name or path is None:
        return err_ptr(-errno.ENOENT)
    if fs.exists(path):
        pname = "/" if not parent else fs.by_addr(parent).name
        if fs.is_dir_at(path):
            ctx.kernel.log.emit(
                3, f"debugfs: Directory '{name}' with parent '{pname}' already present!"
            )
        else:
            ctx.kernel.log.emit(
                3, f"debugfs: File '{name}' in directory '{pname}' already present!"
            )
        return err_ptr(-errno.EEXIST)
    heap = ctx.kernel.heap
    raw = name.encode()
    # a name too long for d_iname lives right after the dentry, as __d_alloc's external name
    extra_name = len(raw) + 1 if len(raw) >= DNAME_INLINE_LEN else 0
    dentry = heap.alloc(DENTRY_SIZE + extra_name, owner(ctx), ctx.caller, zero=True, managed=True)
    if not dentry:
        return err_ptr(-errno.ENOMEM)
    _name_dentry(ctx, dentry, raw, parent, dentry + DENTRY_SIZE if extra_name else 0)
    mode = S.S_IFDIR | 0o755 if kind == "dir" else S.S_IFREG | (mode & 0o7777)
    try:
        fs.add(DebugEntry(path, dentry, owner(ctx), mode, kind, value, data, extra))
    except KernelError as exc:
        heap.free(dentry)
        return err_ptr(-exc.errno)
    return dentry


def _root_dentry(ctx: CallContext) -> int:
    """debugfs's root dentry ("/", its own parent), the parent of top-level entries."""
    fs = _fs(ctx)
    if not fs.root_dentry:
        root = ctx.kernel.heap.alloc(DENTRY_SIZE, KERNEL_OWNER, zero=True)
        if root:
            _name_dentry(ctx, root, b"/", root, 0)
        fs.root_dentry = root
    return fs.root_dentry


def _name_dentry(ctx: CallContext, dentry: int, name: bytes, parent: int, outside: int) -> None:
    """d_name and d_parent, as %pd and module code read them."""
    at = outside or dentry + DentryOff.d_iname
    ctx.mem.write(at, name + b"\0")
    ctx.mem.write_u64(dentry + DentryOff.d_parent, parent or _root_dentry(ctx) or dentry)
    ctx.mem.write_u32(dentry + DentryOff.d_name_hash, zlib.crc32(name))
    ctx.mem.write_u32(dentry + DentryOff.d_name_len, len(name))
    ctx.mem.write_u64(dentry + DentryOff.d_name_name, at)


@kapi(
    "debugfs_create_dir",
    "struct dentry *debugfs_create_dir(const char *name, struct dentry *parent)",
    gpl=True,
)
def debugfs_create_dir(ctx: CallContext) -> int:
    return create(ctx, ctx.arg(0), 0, ctx.arg(1), "dir")


def _remove(ctx: CallContext, dentry: int) -> None:
    if not dentry or is_err(dentry):
        return
    fs = _fs(ctx)
    entry = fs.by_addr(dentry)
    if entry is None:
        return
    fs.free_dentries(fs.remove(entry.path))


@kapi("debugfs_remove", "void debugfs_remove(struct dentry *dentry)", gpl=True)
def debugfs_remove(ctx: CallContext) -> None:
    _remove(ctx, ctx.arg(0))


@kapi(
    "debugfs_lookup",
    "struct dentry *debugfs_lookup(const char *name, struct dentry *parent)",
    gpl=True,
)
def debugfs_lookup(ctx: CallContext) -> int:
    fs = _fs(ctx)
    if is_err(ctx.arg(1)):
        return 0
    path = fs.path_for(decode(cstr(ctx, ctx.arg(0), NAME_MAX + 1)), ctx.arg(1))
    entry = fs.entries.get(path) if path is not None else None
    return entry.addr if entry is not None else 0


@kapi(
    "debugfs_lookup_and_remove",
    "void debugfs_lookup_and_remove(const char *name, struct dentry *parent)",
    gpl=True,
)
def debugfs_lookup_and_remove(ctx: CallContext) -> None:
    _remove(ctx, debugfs_lookup(ctx) or 0)


@kapi("debugfs_initialized", "bool debugfs_initialized(void)", gpl=True)
def debugfs_initialized(ctx: CallContext) -> int:
    return 1


def _value(kind: str, ctype: str) -> None:
    name = f"debugfs_create_{kind}"

    @kapi(
        name,
        f"void {name}(const char *name, umode_t mode, struct dentry *parent, {ctype} *value)",
        gpl=True,  # every one of fs/debugfs/file.c's is EXPORT_SYMBOL_GPL
    )
    def _create(ctx: CallContext) -> None:
        create(ctx, ctx.arg(0), ctx.arg(1) & 0xFFFF, ctx.arg(2), kind, ctx.arg(3))


for _kind, _ctype in (
    ("u8", "u8"),
    ("u16", "u16"),
    ("u32", "u32"),
    ("u64", "u64"),
    ("x8", "u8"),
    ("x16", "u16"),
    ("x32", "u32"),
    ("x64", "u64"),
    ("size_t", "size_t"),
    ("ulong", "unsigned long"),
    ("atomic_t", "atomic_t"),
    ("bool", "bool"),
):
    _value(_kind, _ctype)


@kapi(
    "debugfs_create_blob",
    "struct dentry *debugfs_create_blob(const char *name, umode_t mode, struct dentry *parent, "
    "struct debugfs_blob_wrapper *blob)",
    gpl=True,
)
def debugfs_create_blob(ctx: CallContext) -> int:
    return create(ctx, ctx.arg(0), ctx.arg(1) & 0xFFFF, ctx.arg(2), "blob", ctx.arg(3))
