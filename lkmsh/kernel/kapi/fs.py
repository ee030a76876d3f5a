"""File helpers drivers call (<linux/fs.h>): the llseek implementations,
nonseekable_open/stream_open/simple_open, simple_{read_from,write_to}_buffer.

A driver puts these in its file_operations (``.llseek = no_llseek``), so the
kernel also reaches them through the table when it dispatches a seek.
"""

from __future__ import annotations

import errno as E
import zlib
from typing import TYPE_CHECKING

from lkmsh.kernel.callctx import to_signed
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.fsstructs import (
    FMODE_ATOMIC_POS,
    FMODE_LSEEK,
    FMODE_PREAD,
    FMODE_PWRITE,
    FMODE_STREAM,
    FS_TYPE,
    FileOff,
    InodeOff,
)
from lkmsh.kernel.kapi.data import BUILTIN_FS
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE = range(5)
MAX_LFS_FILESIZE = (1 << 63) - 1
OFFSET_MAX = MAX_LFS_FILESIZE
FMODE_UNSIGNED_OFFSET = 0x2000
MASK64 = (1 << 64) - 1


def _pos(ctx: CallContext, file: int) -> int:
    return to_signed(ctx.mem.read_u64(file + FileOff.f_pos))


def _size(ctx: CallContext, file: int) -> int:
    inode = ctx.mem.read_u64(file + FileOff.f_inode)
    return to_signed(ctx.mem.read_u64(inode + InodeOff.i_size)) if inode else 0


def _unsigned_offsets(ctx: CallContext, file: int) -> bool:
    return bool(ctx.mem.read_u32(file + FileOff.f_mode) & FMODE_UNSIGNED_OFFSET)


def setpos(ctx: CallContext, file: int, offset: int, maxsize: int) -> int:
    """vfs_setpos: the new position, or -EINVAL."""
    if offset < 0 and not _unsigned_offsets(ctx, file):
        return -E.EINVAL
    if offset > maxsize:
        return -E.EINVAL
    ctx.mem.write_u64(file + FileOff.f_pos, offset & MASK64)
    return offset


def llseek_size(
    ctx: CallContext, file: int, offset: int, whence: int, maxsize: int, eof: int
) -> int:
    """generic_file_llseek_size."""
    if whence == SEEK_END:
        offset += eof
    elif whence == SEEK_CUR:
        if offset == 0:
            return _pos(ctx, file)
        return setpos(ctx, file, _pos(ctx, file) + offset, maxsize)
    elif whence in (SEEK_DATA, SEEK_HOLE):
        if offset & MASK64 >= eof:
            return -E.ENXIO
        if whence == SEEK_HOLE:
            offset = eof
    elif whence != SEEK_SET:
        return -E.EINVAL
    return setpos(ctx, file, offset, maxsize)


@kapi("no_llseek", "loff_t no_llseek(struct file *file, loff_t offset, int whence)")
def no_llseek(ctx: CallContext) -> int:
    return -E.ESPIPE


@kapi("noop_llseek", "loff_t noop_llseek(struct file *file, loff_t offset, int whence)")
def noop_llseek(ctx: CallContext) -> int:
    """The position stays; the call succeeds (for devices where seeking means nothing)."""
    return _pos(ctx, ctx.arg(0))


@kapi("default_llseek", "loff_t default_llseek(struct file *file, loff_t offset, int whence)")
def default_llseek(ctx: CallContext) -> int:
    file, offset, whence = ctx.arg(0), ctx.sarg(1), ctx.sarg(2, 32)
    size = _size(ctx, file)
    if whence == SEEK_END:
        offset += size
    elif whence == SEEK_CUR:
        if offset == 0:
            return _pos(ctx, file)
        offset += _pos(ctx, file)
    elif whence in (SEEK_DATA, SEEK_HOLE):
        if offset >= size:
            return -E.ENXIO
        if whence == SEEK_HOLE:
            offset = size
    if offset >= 0 or _unsigned_offsets(ctx, file):
        ctx.mem.write_u64(file + FileOff.f_pos, offset & MASK64)
        return offset
    return -E.EINVAL


@kapi(
    "generic_file_llseek_size",
    "loff_t generic_file_llseek_size(struct file *file, loff_t offset, int whence, "
    "loff_t maxsize, loff_t eof)",
)
def generic_file_llseek_size(ctx: CallContext) -> int:
    return llseek_size(ctx, ctx.arg(0), ctx.sarg(1), ctx.sarg(2, 32), ctx.sarg(3), ctx.sarg(4))


@kapi(
    "generic_file_llseek",
    "loff_t generic_file_llseek(struct file *file, loff_t offset, int whence)",
)
def generic_file_llseek(ctx: CallContext) -> int:
    file = ctx.arg(0)
    return llseek_size(ctx, file, ctx.sarg(1), ctx.sarg(2, 32), MAX_LFS_FILESIZE, _size(ctx, file))


@kapi(
    "fixed_size_llseek",
    "loff_t fixed_size_llseek(struct file *file, loff_t offset, int whence, loff_t size)",
)
def fixed_size_llseek(ctx: CallContext) -> int:
    whence, size = ctx.sarg(2, 32), ctx.sarg(3)
    if whence not in (SEEK_SET, SEEK_CUR, SEEK_END):
        return -E.EINVAL
    return llseek_size(ctx, ctx.arg(0), ctx.sarg(1), whence, size, size)


@kapi(
    "no_seek_end_llseek",
    "loff_t no_seek_end_llseek(struct file *file, loff_t offset, int whence)",
)
def no_seek_end_llseek(ctx: CallContext) -> int:
    whence = ctx.sarg(2, 32)
    if whence not in (SEEK_SET, SEEK_CUR):
        return -E.EINVAL
    return llseek_size(ctx, ctx.arg(0), ctx.sarg(1), whence, OFFSET_MAX, 0)


def _clear_mode(ctx: CallContext, file: int, clear: int, add: int = 0) -> None:
    at = file + FileOff.f_mode
    ctx.mem.write_u32(at, (ctx.mem.read_u32(at) & ~clear) | add)


@kapi("nonseekable_open", "int nonseekable_open(struct inode *inode, struct file *filp)")
def nonseekable_open(ctx: CallContext) -> int:
    _clear_mode(ctx, ctx.arg(1), FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE)
    return 0


@kapi("stream_open", "int stream_open(struct inode *inode, struct file *filp)")
def stream_open(ctx: CallContext) -> int:
    """A stream: no position at all (read/write get a NULL ppos), as stream_open."""
    mask = FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE | FMODE_ATOMIC_POS
    _clear_mode(ctx, ctx.arg(1), mask, FMODE_STREAM)
    return 0


@kapi("simple_open", "int simple_open(struct inode *inode, struct file *file)")
def simple_open(ctx: CallContext) -> int:
    private = ctx.mem.read_u64(ctx.arg(0) + InodeOff.i_private)
    if private:
        ctx.mem.write_u64(ctx.arg(1) + FileOff.private_data, private)
    return 0


def _buffer_span(ctx: CallContext, ppos: int, count: int, available: int) -> tuple[int, int] | int:
    pos = to_signed(ctx.mem.read_u64(ppos))
    if pos < 0:
        return -E.EINVAL
    if pos >= available or not count:
        return 0
    return pos, min(count, available - pos)


@kapi(
    "simple_read_from_buffer",
    "ssize_t simple_read_from_buffer(void __user *to, size_t count, loff_t *ppos, "
    "const void *from, size_t available)",
)
def simple_read_from_buffer(ctx: CallContext) -> int:
    return read_from_buffer(ctx, *(ctx.arg(i) for i in range(5)))


def read_from_buffer(
    ctx: CallContext, to: int, count: int, ppos: int, src: int, available: int
) -> int:
    """simple_read_from_buffer(): @available bytes at kernel @src, read at *@ppos into user @to."""
    span = _buffer_span(ctx, ppos, count, available)
    if isinstance(span, int):
        return span
    pos, count = span
    left = ctx.kernel.user.copy_to_user(to, src + pos, count)
    if left == count:
        return -E.EFAULT
    count -= left
    ctx.mem.write_u64(ppos, pos + count)
    return count


@kapi(
    "simple_write_to_buffer",
    "ssize_t simple_write_to_buffer(void *to, size_t available, loff_t *ppos, "
    "const void __user *from, size_t count)",
)
def simple_write_to_buffer(ctx: CallContext) -> int:
    to, available, ppos, src, count = (ctx.arg(i) for i in range(5))
    span = _buffer_span(ctx, ppos, count, available)
    if isinstance(span, int):
        return span
    pos, count = span
    left = ctx.kernel.user.copy_from_user(to + pos, src, count)
    if left == count:
        return -E.EFAULT
    count -= left
    ctx.mem.write_u64(ppos, pos + count)
    return count


# -- debugfs files with file operations ---------------------------------------------


def _debugfs_file(ctx: CallContext, size: int = 0) -> int:
    from lkmsh.kernel.kapi.debugfs import create

    name, mode, parent, data, fops = (ctx.arg(i) for i in range(5))
    return create(ctx, name, mode & 0xFFFF, parent, "fops", value=fops, data=data, extra=size)


@kapi(
    "debugfs_create_file",
    "struct dentry *debugfs_create_file(const char *name, umode_t mode, "
    "struct dentry *parent, void *data, const struct file_operations *fops)",
    gpl=True,
)
def debugfs_create_file(ctx: CallContext) -> int:
    """A debugfs file served by the module's ``fops``; ``inode->i_private`` is ``data``."""
    return _debugfs_file(ctx)


@kapi(
    "debugfs_create_file_unsafe",
    "struct dentry *debugfs_create_file_unsafe(const char *name, umode_t mode, "
    "struct dentry *parent, void *data, const struct file_operations *fops)",
    gpl=True,
)
def debugfs_create_file_unsafe(ctx: CallContext) -> int:
    return _debugfs_file(ctx)


@kapi(
    "debugfs_create_file_size",
    "void debugfs_create_file_size(const char *name, umode_t mode, struct dentry *parent, "
    "void *data, const struct file_operations *fops, loff_t file_size)",
    gpl=True,
)
def debugfs_create_file_size(ctx: CallContext) -> None:
    _debugfs_file(ctx, max(ctx.sarg(5), 0))


# -- filesystem types (fs/filesystems.c) -------------------------------------------


def _find_fs(ctx: CallContext, name: str) -> int:
    base = ctx.kernel.symbol_address("__lkmsh_filesystems") or 0
    for i, (fs, _) in enumerate(BUILTIN_FS):
        if fs == name:
            return base + i * FS_TYPE.size
    return 0


@kapi("get_fs_type", "struct file_system_type *get_fs_type(const char *name)")
def get_fs_type(ctx: CallContext) -> int:
    """The named filesystem type; as Linux, an unknown one is looked for again after
    request_module("fs-NAME") (lkmsh has no register_filesystem, so only built-ins answer).
    A "type.subtype" name looks for "type"."""
    from lkmsh.kernel.kapi.common import cstr, decode

    name = decode(cstr(ctx, ctx.arg(0), 256)).partition(".")[0]
    found = _find_fs(ctx, name)
    if not found and name:
        ctx.kernel.request_module(f"fs-{name}")
        found = _find_fs(ctx, name)
    return found


# -- filp_open: a struct file of a path, for kernel code -----------------------------

ADDRESS_SPACE = cstruct(
    "struct address_space", "linux/fs.h", 112, host=(0, 8), i_mmap_rwsem=(56, 40)
)
SUPER_BLOCK = cstruct(
    "struct super_block", "linux/fs.h", 152, s_magic=(56, 8), s_umount=(72, 40), s_id=(120, 32)
)
#: each mount's superblock magic and s_id (include/uapi/linux/magic.h)
_SUPERS = (
    ("/sys/kernel/debug", 0x64626720, "debugfs"),
    ("/sys/kernel/tracing", 0x74726163, "tracefs"),
    ("/proc", 0x9FA0, "proc"),
    ("/sys", 0x62656572, "sysfs"),
    ("/dev", 0x01021994, "devtmpfs"),
    ("/", 0x858458F6, "rootfs"),  # RAMFS_MAGIC
)
_MAPPING_AT = FileOff.SIZE + InodeOff.SIZE
_SUPER_AT = _MAPPING_AT + ADDRESS_SPACE.size
FILP_SIZE = _SUPER_AT + SUPER_BLOCK.size
O_ACCMODE = 3
MAX_ERRNO = 4095


@kapi("filp_open", "struct file *filp_open(const char *filename, int flags, umode_t mode)")
def filp_open(ctx: CallContext) -> int:
    """The path looked up in lkmsh's tree and given as a struct file with its inode, the
    inode's address_space and its mount's super_block (their locks are real rwsems);
    the file's own open is not run and no read goes through it (lkmsh has no kernel_read)."""
    from lkmsh.kernel.heap import KERNEL_OWNER
    from lkmsh.kernel.kapi.common import cstr, decode
    from lkmsh.kernel.vfs import normpath

    mem, k = ctx.mem, ctx.kernel
    path = normpath(decode(cstr(ctx, ctx.arg(0), 4096)))
    flags = ctx.arg(1) & 0xFFFFFFFF
    node = k.vfs.lookup(path)
    if node is None:
        return -E.ENOENT & MASK64
    writing = flags & O_ACCMODE != 0
    if writing and (node.is_dir or not node.mode & 0o222):
        return -(E.EISDIR if node.is_dir else E.EACCES) & MASK64
    filp = k.heap.alloc(FILP_SIZE, KERNEL_OWNER, ctx.caller, zero=True, managed=True)
    if not filp:
        return -E.ENOMEM & MASK64
    inode, mapping, sb = filp + FileOff.SIZE, filp + _MAPPING_AT, filp + _SUPER_AT
    mem.write_u64(filp + FileOff.f_inode, inode)
    mem.write_u64(filp + FileOff.f_mapping, mapping)
    mem.write_u64(filp + FileOff.f_count, 1)
    mem.write_u32(filp + FileOff.f_flags, flags)
    acc = flags & O_ACCMODE  # FMODE_READ 1, FMODE_WRITE 2, as OPEN_FMODE
    mem.write_u32(filp + FileOff.f_mode, {0: 1, 1: 2, 2: 3}.get(acc, 0))
    mem.write_u16(inode + InodeOff.i_mode, node.mode & 0xFFFF)
    mem.write_u64(inode + InodeOff.i_sb, sb)
    mem.write_u64(inode + InodeOff.i_mapping, mapping)
    mem.write_u64(inode + InodeOff.i_ino, zlib.crc32(path.encode()) | 1)
    mem.write_u64(inode + InodeOff.i_size, node.size)
    mem.write_u64(mapping + ADDRESS_SPACE.off("host"), inode)
    magic, name = next(
        (m, n) for root, m, n in _SUPERS if path == root or path.startswith(root.rstrip("/") + "/")
    )
    mem.write_u64(sb + SUPER_BLOCK.off("s_magic"), magic)
    mem.write(sb + SUPER_BLOCK.off("s_id"), name.encode() + b"\0")
    return filp


def _fput(ctx: CallContext, filp: int) -> None:
    if not filp or filp >= MASK64 - MAX_ERRNO:
        return
    count = ctx.mem.read_u64(filp + FileOff.f_count) - 1
    ctx.mem.write_u64(filp + FileOff.f_count, count & MASK64)
    if count == 0 and ctx.kernel.heap.lookup(filp) is not None:
        ctx.kernel.heap.free(filp)


@kapi("fput", "void fput(struct file *file)")
def fput(ctx: CallContext) -> None:
    """Drop a reference; the last one frees what filp_open made."""
    _fput(ctx, ctx.arg(0))


@kapi("filp_close", "int filp_close(struct file *filp, fl_owner_t id)")
def filp_close(ctx: CallContext) -> int:
    _fput(ctx, ctx.arg(0))
    return 0
