"""seq_file from module code (<linux/seq_file.h>): the output functions (seq_printf,
seq_puts, ...) into the seq_file's buffer, and the file operations a driver
plugs in (seq_open, seq_read, seq_lseek, seq_release, single_open, ...).

The output functions write into ``m->buf`` as Linux's do: when a record does
not fit, the seq_file is marked overflowed (``m->count = m->size``) and
seq_read retries with a buffer twice the size (kernel/seqfile.py).
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.callctx import to_signed
from lkmsh.kernel.fsstructs import FMODE_PWRITE, FileOff, SeqOff
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kapi.bug import KernelBug, call_trace, warn
from lkmsh.kernel.kapi.common import cstr, format_args
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.seqfile import EAGAIN_RETRY, SeqWalk, seq_alloc, seq_free, single_ops

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1
SEEK_SET, SEEK_CUR = 0, 1


def _seq(ctx: CallContext, m: int) -> int:
    if m not in ctx.kernel.procfs.seq_files:
        lines = [f"BUG: {ctx.name}() on {m:#x}, which is not a seq_file"]
        raise KernelBug(lines[0], [*lines, *call_trace(ctx)])
    return m


def _append(ctx: CallContext, m: int, data: bytes) -> int:
    """Add ``data`` to m->buf, or mark the seq_file overflowed; 0 or -1 as seq_write."""
    mem = ctx.mem
    count, size = mem.read_u64(m + SeqOff.count), mem.read_u64(m + SeqOff.size_)
    if count + len(data) < size:
        mem.write(mem.read_u64(m + SeqOff.buf) + count, data)
        mem.write_u64(m + SeqOff.count, count + len(data))
        return 0
    mem.write_u64(m + SeqOff.count, size)  # seq_set_overflow
    return -1


@kapi("seq_printf", "void seq_printf(struct seq_file *m, const char *fmt, ...)")
def seq_printf(ctx: CallContext) -> None:
    m = _seq(ctx, ctx.arg(0))
    room = ctx.mem.read_u64(m + SeqOff.size_) - ctx.mem.read_u64(m + SeqOff.count)
    # formatted into the room left (one byte more tells an overflow), as Linux's seq_vprintf
    _append(ctx, m, format_args(ctx, ctx.arg(1), 2, max(room, 0) + 1))


@kapi("seq_puts", "void seq_puts(struct seq_file *m, const char *s)")
def seq_puts(ctx: CallContext) -> None:
    m = _seq(ctx, ctx.arg(0))
    _append(ctx, m, cstr(ctx, ctx.arg(1)))


@kapi("seq_putc", "void seq_putc(struct seq_file *m, char c)")
def seq_putc(ctx: CallContext) -> None:
    m = _seq(ctx, ctx.arg(0))
    mem = ctx.mem
    count = mem.read_u64(m + SeqOff.count)
    if count < mem.read_u64(m + SeqOff.size_):
        mem.write_u8(mem.read_u64(m + SeqOff.buf) + count, ctx.arg(1))
        mem.write_u64(m + SeqOff.count, count + 1)


@kapi("seq_write", "int seq_write(struct seq_file *seq, const void *data, size_t len)")
def seq_write(ctx: CallContext) -> int:
    m = _seq(ctx, ctx.arg(0))
    n = ctx.arg(2)
    if n > ctx.mem.read_u64(m + SeqOff.size_):
        ctx.mem.write_u64(m + SeqOff.count, ctx.mem.read_u64(m + SeqOff.size_))
        return -1
    return _append(ctx, m, ctx.mem.read(ctx.arg(1), n) if n else b"")


# -- opening and closing ---------------------------------------------------------------


def _private(ctx: CallContext, file: int) -> int:
    return ctx.mem.read_u64(file + FileOff.private_data)


def open_seq(ctx: CallContext, file: int, ops: int, private: int = 0) -> int:
    """seq_open: a seq_file in file->private_data; 0 or -ENOMEM."""
    if _private(ctx, file):
        warn(ctx, [f"WARNING: seq_open: file->private_data is already set on {file:#x}"])
    m = seq_alloc(ctx.kernel, ops, file, private)
    if not m:
        return -E.ENOMEM
    ctx.mem.write_u64(file + FileOff.private_data, m)
    mode = ctx.mem.read_u32(file + FileOff.f_mode)
    ctx.mem.write_u32(file + FileOff.f_mode, mode & ~FMODE_PWRITE)
    return 0


@kapi("seq_open", "int seq_open(struct file *file, const struct seq_operations *op)")
def seq_open(ctx: CallContext) -> int:
    return open_seq(ctx, ctx.arg(0), ctx.arg(1))


@kapi(
    "single_open",
    "int single_open(struct file *file, int (*show)(struct seq_file *, void *), void *data)",
)
def single_open(ctx: CallContext) -> int:
    ops = single_ops(ctx.kernel, ctx.arg(1))
    if not ops:
        return -E.ENOMEM
    ret = open_seq(ctx, ctx.arg(0), ops, ctx.arg(2))
    if ret:
        ctx.kernel.heap.free(ops)
    return ret


def seq_private_open(ctx: CallContext, file: int, ops: int, psize: int) -> int:
    """__seq_open_private: the zeroed per-open state, or 0."""
    heap = ctx.kernel.heap
    private = heap.alloc(psize, KERNEL_OWNER, ctx.caller, zero=True, managed=True) if psize else 0
    if psize and not private:
        return 0
    if open_seq(ctx, file, ops, private):
        if private:
            heap.free(private)
        return 0
    return private


@kapi(
    "__seq_open_private",
    "void *__seq_open_private(struct file *f, const struct seq_operations *ops, int psize)",
)
def seq_open_private_ptr(ctx: CallContext) -> int:
    return seq_private_open(ctx, ctx.arg(0), ctx.arg(1), ctx.sarg(2, 32))


@kapi(
    "seq_open_private",
    "int seq_open_private(struct file *filp, const struct seq_operations *ops, int psize)",
)
def seq_open_private(ctx: CallContext) -> int:
    return 0 if seq_private_open(ctx, ctx.arg(0), ctx.arg(1), ctx.sarg(2, 32)) else -E.ENOMEM


def _release(ctx: CallContext, file: int) -> int:
    """seq_release's work; returns the seq_file's op table (single_release frees it)."""
    m = _private(ctx, file)
    if m not in ctx.kernel.procfs.seq_files:
        return 0
    ops = ctx.mem.read_u64(m + SeqOff.op)
    seq_free(ctx.kernel, m)
    return ops


@kapi("seq_release", "int seq_release(struct inode *inode, struct file *file)")
def seq_release(ctx: CallContext) -> int:
    _release(ctx, ctx.arg(1))
    return 0


@kapi("single_release", "int single_release(struct inode *inode, struct file *file)")
def single_release(ctx: CallContext) -> int:
    ops = _release(ctx, ctx.arg(1))
    if ops and ctx.kernel.heap.lookup(ops) is not None:
        ctx.kernel.heap.free(ops)
    return 0


@kapi("seq_release_private", "int seq_release_private(struct inode *inode, struct file *file)")
def seq_release_private(ctx: CallContext) -> int:
    m = _private(ctx, ctx.arg(1))
    if m in ctx.kernel.procfs.seq_files:
        private = ctx.mem.read_u64(m + SeqOff.private)
        if private and ctx.kernel.heap.lookup(private) is not None:
            ctx.kernel.heap.free(private)
    _release(ctx, ctx.arg(1))
    return 0


# -- reading and seeking ---------------------------------------------------------------


@kapi(
    "seq_read",
    "ssize_t seq_read(struct file *file, char __user *buf, size_t size, loff_t *ppos)",
)
def seq_read(ctx: CallContext) -> int:
    file, buf, size, ppos = (ctx.arg(i) for i in range(4))
    m = _seq(ctx, _private(ctx, file))
    user = ctx.kernel.user
    written = 0

    def sink(data: bytes) -> int:
        nonlocal written
        n = user.write_user(buf + written, data)
        written += n
        return n

    pos = to_signed(ctx.mem.read_u64(ppos)) if ppos else 0
    got, pos = SeqWalk(ctx.kernel, m).read(pos, min(size, 0x7FFFF000), sink)
    if ppos:
        ctx.mem.write_u64(ppos, pos & MASK64)
    return got


@kapi("seq_lseek", "loff_t seq_lseek(struct file *file, loff_t offset, int whence)")
def seq_lseek(ctx: CallContext) -> int:
    file, offset, whence = ctx.arg(0), ctx.sarg(1), ctx.sarg(2, 32)
    m = _seq(ctx, _private(ctx, file))
    mem = ctx.mem
    if whence == SEEK_CUR:
        offset += to_signed(mem.read_u64(file + FileOff.f_pos))
    elif whence != SEEK_SET:
        return -E.EINVAL
    if offset < 0:
        return -E.EINVAL
    walk = SeqWalk(ctx.kernel, m)
    if offset != to_signed(walk.get(SeqOff.read_pos)):
        while (got := walk.traverse(offset)) is EAGAIN_RETRY:
            pass
        if got:
            mem.write_u64(file + FileOff.f_pos, 0)
            for off in (SeqOff.read_pos, SeqOff.index, SeqOff.count):
                walk.set(off, 0)
            return int(got)  # type: ignore[call-overload]
        walk.set(SeqOff.read_pos, offset)
    mem.write_u64(file + FileOff.f_pos, offset)
    return offset


# -- list helpers ---------------------------------------------------------------------


@kapi("seq_list_start", "struct list_head *seq_list_start(struct list_head *head, loff_t pos)")
def seq_list_start(ctx: CallContext) -> int:
    head, pos = ctx.arg(0), ctx.sarg(1)
    lh = ctx.mem.read_u64(head)
    steps = 0
    while lh != head and steps < 1 << 20:
        if pos == 0:
            return lh
        pos -= 1
        lh = ctx.mem.read_u64(lh)
        steps += 1
    return 0


@kapi(
    "seq_list_start_head",
    "struct list_head *seq_list_start_head(struct list_head *head, loff_t pos)",
)
def seq_list_start_head(ctx: CallContext) -> int:
    if not ctx.sarg(1):
        return ctx.arg(0)
    inner = type(ctx)(ctx.kernel, ctx.mem, [ctx.arg(0), ctx.arg(1) - 1], caller=ctx.caller)
    return seq_list_start(inner)


@kapi(
    "seq_list_next",
    "struct list_head *seq_list_next(void *v, struct list_head *head, loff_t *ppos)",
)
def seq_list_next(ctx: CallContext) -> int:
    v, head, ppos = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    lh = ctx.mem.read_u64(v)
    ctx.mem.write_u64(ppos, ctx.mem.read_u64(ppos) + 1)
    return 0 if lh == head else lh
