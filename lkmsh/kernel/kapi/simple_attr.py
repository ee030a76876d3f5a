"""Single-value attribute files (fs/libfs.c's simple_attr_*, debugfs_attr_*).

DEFINE_SIMPLE_ATTRIBUTE (<linux/fs.h>) and DEFINE_DEBUGFS_ATTRIBUTE
(<linux/debugfs.h>) make a file whose read calls the module's ``get(data,
&val)`` and prints the value with the macro's format, and whose write parses
an integer (kstrtoull, any base) for ``set(data, val)``. As Linux: the value
is read once, at the first read of an open file (a read from offset 0); a
write longer than 23 bytes is cut there; -EACCES without the callback.
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.callctx import to_signed
from lkmsh.kernel.fsstructs import FileOff, InodeOff
from lkmsh.kernel.kapi.common import format_sink, owner
from lkmsh.kernel.kapi.fs import read_from_buffer
from lkmsh.kernel.kapi.kstrtox import kstrtoull
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.vsprintf import Sink

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

# struct simple_attr (fs/libfs.c): get, set, get_buf[24], set_buf[24], data, fmt, mutex
GET, SET, GET_BUF, SET_BUF, DATA, FMT = 0, 8, 16, 40, 64, 72
BUF_SIZE = 24
SIZE = 96


def _int(value: int) -> int:
    return to_signed(value & 0xFFFFFFFF, 32)


@kapi(
    "simple_attr_open",
    "int simple_attr_open(struct inode *inode, struct file *file,"
    " int (*get)(void *, u64 *), int (*set)(void *, u64), const char *fmt)",
    gpl=True,
)
def simple_attr_open(ctx: CallContext) -> int:
    inode, file, get, set_, fmt = (ctx.arg(i) for i in range(5))
    attr = ctx.kernel.heap.alloc(SIZE, owner(ctx), caller=ctx.caller, zero=True)
    if not attr:
        return -E.ENOMEM
    mem = ctx.mem
    mem.write_u64(attr + GET, get)
    mem.write_u64(attr + SET, set_)
    mem.write_u64(attr + DATA, mem.read_u64(inode + InodeOff.i_private))
    mem.write_u64(attr + FMT, fmt)
    mem.write_u64(file + FileOff.private_data, attr)
    return 0


@kapi(
    "simple_attr_release",
    "int simple_attr_release(struct inode *inode, struct file *file)",
    gpl=True,
)
def simple_attr_release(ctx: CallContext) -> int:
    attr = ctx.mem.read_u64(ctx.arg(1) + FileOff.private_data)
    if attr:
        ctx.kernel.heap.free(attr, caller=ctx.caller)
    return 0


def _read(ctx: CallContext) -> int:
    file, buf, length, ppos = (ctx.arg(i) for i in range(4))
    mem = ctx.mem
    attr = mem.read_u64(file + FileOff.private_data)
    get = mem.read_u64(attr + GET)
    if not get:
        return -E.EACCES
    pos = to_signed(mem.read_u64(ppos))
    if pos and mem.read(attr + GET_BUF, 1) != b"\0":  # a continued read: the same text
        text = mem.read_cstr(attr + GET_BUF, BUF_SIZE)
    else:
        ret = _int(ctx.kernel.call(get, [mem.read_u64(attr + DATA), attr + GET_BUF]))
        if ret:
            return ret
        value = mem.read_u64(attr + GET_BUF)
        sink = format_sink(ctx, mem.read_u64(attr + FMT), iter([value]), Sink(BUF_SIZE - 1))
        text = sink.getvalue()
        mem.write(attr + GET_BUF, text + b"\0")
    return read_from_buffer(ctx, buf, length, ppos, attr + GET_BUF, len(text))


def _write(ctx: CallContext) -> int:
    file, buf, length = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    mem = ctx.mem
    attr = mem.read_u64(file + FileOff.private_data)
    set_ = mem.read_u64(attr + SET)
    if not set_:
        return -E.EACCES
    size = min(BUF_SIZE - 1, length)
    if ctx.kernel.user.copy_from_user(attr + SET_BUF, buf, size):
        return -E.EFAULT
    mem.write(attr + SET_BUF + size, b"\0")
    err, value = kstrtoull(mem.read(attr + SET_BUF, size).split(b"\0", 1)[0], 0)
    if err:
        return err
    ret = _int(ctx.kernel.call(set_, [mem.read_u64(attr + DATA), value]))
    return ret if ret else length  # on success, claim the whole input


_READ = "(struct file *file, char __user *buf, size_t len, loff_t *ppos)"
_WRITE = "(struct file *file, const char __user *buf, size_t len, loff_t *ppos)"

kapi("simple_attr_read", f"ssize_t simple_attr_read{_READ}", gpl=True)(_read)
kapi("simple_attr_write", f"ssize_t simple_attr_write{_WRITE}", gpl=True)(_write)
# debugfs's forms also hold the file against its removal (debugfs_file_get), which
# lkmsh's files do by themselves
kapi("debugfs_attr_read", f"ssize_t debugfs_attr_read{_READ}", gpl=True)(_read)
kapi("debugfs_attr_write", f"ssize_t debugfs_attr_write{_WRITE}", gpl=True)(_write)
