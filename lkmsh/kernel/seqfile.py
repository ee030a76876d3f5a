"""seq_file: the iterator behind most /proc files, as fs/seq_file.c runs it.

A ``struct seq_file`` lives in kernel memory with its page-sized output
buffer; the seq_* functions module code calls (seq_printf, ...) append to
that buffer and mark it overflowed when it is full (``count == size``).
``read`` is seq_read_iter: it calls the iterator's start/show/next/stop in
module code, doubles the buffer when one record does not fit, keeps what
the reader did not take for the next read, and re-walks from the start when
the reader seeks (traverse). single_open's iterator (one record, shown once)
is the kernel's own: an operations table whose start is NULL.

Copying out goes through ``sink(data) -> taken`` so the same walk serves a
read(2) into user memory and the kernel's own whole-file reads.
"""

from __future__ import annotations

import errno as E
from collections.abc import Callable
from typing import Any

from lkmsh.errors import ModuleFault
from lkmsh.kernel.callctx import to_signed
from lkmsh.kernel.fsstructs import SeqOff, SeqOp
from lkmsh.kernel.heap import KERNEL_OWNER

PAGE_SIZE = 4096
#: the largest buffer one record may need (Linux's kvmalloc goes further)
SEQ_BUF_MAX = 4 << 20
MASK64 = (1 << 64) - 1
SEQ_START_TOKEN = 1
EAGAIN_RETRY = object()

Sink = Callable[[bytes], int]


def is_err(p: int) -> bool:
    return p >= (-4095) & MASK64


class SeqWalk:
    """One seq_file's state in memory, and the calls into its iterator."""

    def __init__(self, kernel: Any, m: int, owner: Any = None, path: Any = None):
        self.k = kernel
        self.mem = kernel.mem
        self.m = m
        self.owner = owner
        self.path = path  # the kernel path running the walk, for call traces

    # -- fields ---------------------------------------------------------------
    def get(self, off: int) -> int:
        return self.mem.read_u64(self.m + off)

    def set(self, off: int, value: int) -> None:
        self.mem.write_u64(self.m + off, value & MASK64)

    def overflowed(self) -> bool:
        return self.get(SeqOff.count) == self.get(SeqOff.size_)

    # -- the iterator -------------------------------------------------------------
    def _fn(self, which: int) -> int:
        op = self.get(SeqOff.op)
        return self.mem.read_u64(op + which) if op else 0

    def _call(self, fn: int, args: list[int]) -> int:
        from lkmsh.kernel.fops import module_at

        owner = module_at(self.k, fn) if hasattr(self.k, "module_list_all") else None
        with self.k.running(owner or self.owner):
            ret = self.k.call(fn, args, path=self.path)
        if self.k.heap.lookup(self.m) is None:  # the iterator freed the seq_file
            raise use_after_free(self.k, self.m + SeqOff.count, self.path)
        return ret

    def start(self) -> int:
        fn = self._fn(SeqOp.start)
        if not fn:  # single_start
            return 0 if self.get(SeqOff.index) else SEQ_START_TOKEN
        return self._call(fn, [self.m, self.m + SeqOff.index]) & MASK64

    def next(self, v: int) -> int:
        fn = self._fn(SeqOp.next)
        if not fn:  # single_next
            self.set(SeqOff.index, self.get(SeqOff.index) + 1)
            return 0
        return self._call(fn, [self.m, v, self.m + SeqOff.index]) & MASK64

    def stop(self, v: int) -> None:
        fn = self._fn(SeqOp.stop)
        if fn:
            self._call(fn, [self.m, v])

    def show(self, v: int) -> int:
        return to_signed(self._call(self._fn(SeqOp.show), [self.m, v]), 32)

    # -- the buffer ---------------------------------------------------------------
    def alloc_buf(self, size: int) -> bool:
        if size > SEQ_BUF_MAX:
            return False
        buf = self.k.heap.alloc(size, KERNEL_OWNER, 0, managed=True)
        if not buf:
            return False
        self.set(SeqOff.buf, buf)
        self.set(SeqOff.size_, size)
        return True

    def free_buf(self) -> None:
        buf = self.get(SeqOff.buf)
        if buf and self.k.heap.lookup(buf) is not None:
            self.k.heap.free(buf)
        self.set(SeqOff.buf, 0)

    def grow(self) -> bool:
        size = self.get(SeqOff.size_) << 1
        self.free_buf()
        self.set(SeqOff.count, 0)
        return self.alloc_buf(size)

    def out(self, sink: Sink, at: int, n: int) -> int:
        return sink(self.mem.read(self.get(SeqOff.buf) + at, n)) if n else 0

    # -- traverse and read ---------------------------------------------------------
    def traverse(self, offset: int) -> int | object:
        self.set(SeqOff.index, 0)
        self.set(SeqOff.count, 0)
        self.set(SeqOff.from_, 0)
        if not offset:
            return 0
        if not self.get(SeqOff.buf) and not self.alloc_buf(PAGE_SIZE):
            return -E.ENOMEM
        pos, error = 0, 0
        p = self.start()
        while p:
            if is_err(p):
                error = to_signed(p)
                break
            error = self.show(p)
            if error < 0:
                break
            if error:
                error = 0
                self.set(SeqOff.count, 0)
            if self.overflowed():
                self.stop(p)
                return EAGAIN_RETRY if self.grow() else -E.ENOMEM
            p = self.next(p)
            count = self.get(SeqOff.count)
            if pos + count > offset:
                self.set(SeqOff.from_, offset - pos)
                self.set(SeqOff.count, count - (offset - pos))
                break
            pos += count
            self.set(SeqOff.count, 0)
            if pos == offset:
                break
        self.stop(p)
        return error

    def read(self, pos: int, want: int, sink: Sink) -> tuple[int, int]:
        """seq_read_iter at ``pos`` for ``want`` bytes: (copied or -errno, new pos)."""
        if want <= 0:
            return 0, pos
        copied, err = 0, 0
        if pos == 0:
            self.set(SeqOff.index, 0)
            self.set(SeqOff.count, 0)
        if pos != to_signed(self.get(SeqOff.read_pos)):
            while (got := self.traverse(pos)) is EAGAIN_RETRY:
                pass
            if got:
                for off in (SeqOff.read_pos, SeqOff.index, SeqOff.count):
                    self.set(off, 0)
                return int(got), pos  # type: ignore[call-overload]
            self.set(SeqOff.read_pos, pos)
        if not self.get(SeqOff.buf) and not self.alloc_buf(PAGE_SIZE):
            return -E.ENOMEM, pos
        count = self.get(SeqOff.count)
        if count:
            n = self.out(sink, self.get(SeqOff.from_), min(count, want))
            self.set(SeqOff.count, count - n)
            self.set(SeqOff.from_, self.get(SeqOff.from_) + n)
            copied += n
            if count - n:
                return self._done(copied, err, pos)
        self.set(SeqOff.from_, 0)
        p = self.start()
        filled = False
        while True:
            if not p or is_err(p):
                err = to_signed(p) if p else 0
                break
            err = self.show(p)
            if err < 0:
                break
            if err:
                self.set(SeqOff.count, 0)
            if not self.get(SeqOff.count):
                p = self.next(p)
                continue
            if not self.overflowed():
                filled = True
                break
            self.stop(p)
            if not self.grow():
                return self._done(copied, -E.ENOMEM, pos)
            p = self.start()
        if filled:
            while True:
                offs, index = self.get(SeqOff.count), self.get(SeqOff.index)
                p = self.next(p)
                if index == self.get(SeqOff.index):
                    self.k.log.emit(
                        6,
                        f"buggy .next function {self.k.symbolize(self._fn(SeqOp.next))}"
                        " did not update position index",
                    )
                    self.set(SeqOff.index, index + 1)
                if not p or is_err(p):
                    break
                if self.get(SeqOff.count) >= want - copied:
                    break
                e = self.show(p)
                if e > 0:
                    self.set(SeqOff.count, offs)
                elif e or self.overflowed():
                    self.set(SeqOff.count, offs)
                    break
            self.stop(p)
            count = self.get(SeqOff.count)
            n = self.out(sink, 0, min(count, want - copied))
            copied += n
            self.set(SeqOff.count, count - n)
            self.set(SeqOff.from_, n)
        else:
            self.stop(p)
        return self._done(copied, err, pos)

    def _done(self, copied: int, err: int, pos: int) -> tuple[int, int]:
        if not copied:
            return (-E.EFAULT if self.get(SeqOff.count) else err), pos
        self.set(SeqOff.read_pos, self.get(SeqOff.read_pos) + copied)
        return copied, pos + copied


def use_after_free(kernel: Any, addr: int, path: Any) -> ModuleFault:
    """seq_read_iter reading a seq_file that module code freed: KASAN's report (6.1's
    words), taint B; the read then fails (Linux would go on reading freed memory)."""
    from lkmsh.kernel.stacktrace import KernelPath, kernel_frames

    obj = kernel.heap.freed_record(addr)
    comm, pid = kernel.current_task_id()
    frames = kernel_frames(kernel.arch.name, path or KernelPath.PROC_READ)
    if not frames or "seq_read_iter" not in frames[0]:
        frames = [" seq_read_iter+0x11f/0x460", " seq_read+0xad/0xe0", *frames]
    where = frames[0].strip()
    rule = "=" * 66
    lines = [
        rule,
        f"BUG: KASAN: use-after-free in {where}",
        f"Read of size 8 at addr {addr:016x} by task {comm}/{pid}",
        "",
        "Call Trace:",
        " <TASK>",
        *frames,
        " </TASK>",
        "",
    ]
    if obj is not None:
        freer = kernel.symbolize(obj.free_caller) if obj.free_caller else "(kernel)"
        lines += [
            "Allocated by task 1:",
            " seq_open+0x4e/0xd0",
            "",
            "Freed by task 1:",
            f" {freer}",
            "",
            f"The buggy address belongs to the object at {obj.addr:016x}",
            f" which belongs to the cache {obj.cache_name} of size {obj.capacity}",
            f"The buggy address is located {addr - obj.addr} bytes inside of",
            f" {obj.capacity}-byte region [{obj.addr:016x}, {obj.addr + obj.capacity:016x})",
        ]
    lines.append(rule)
    kernel.log.emit_lines(3, lines)
    kernel.add_taint("B")
    return ModuleFault(f"use-after-free of the seq_file at {addr - SeqOff.count:#x}")


def seq_alloc(kernel: Any, ops: int, file: int, private: int = 0) -> int:
    """A zeroed struct seq_file for ``file`` iterating with ``ops`` (0 on no memory)."""
    m = kernel.heap.alloc(SeqOff.SIZE, KERNEL_OWNER, 0, zero=True, managed=True)
    if m:
        mem = kernel.mem
        mem.write_u64(m + SeqOff.op, ops)
        mem.write_u64(m + SeqOff.file, file)
        mem.write_u64(m + SeqOff.private, private)
        kernel.procfs.seq_files.add(m)
    return m


def seq_free(kernel: Any, m: int) -> None:
    SeqWalk(kernel, m).free_buf()
    kernel.procfs.seq_files.discard(m)
    if kernel.heap.lookup(m) is not None:
        kernel.heap.free(m)


def single_ops(kernel: Any, show: int) -> int:
    """single_open's operations table: the kernel's one-record iterator and ``show``."""
    op = kernel.heap.alloc(SeqOp.SIZE, KERNEL_OWNER, 0, zero=True, managed=True)
    if op:
        kernel.mem.write_u64(op + SeqOp.show, show)
    return op


def read_all(
    kernel: Any, ops: int, private: int, owner: Any = None, path: Any = None
) -> tuple[int, bytes]:
    """Every record of a seq_file at once (the kernel's own reads, no struct file)."""
    m = seq_alloc(kernel, ops, 0, private)
    if not m:
        return -E.ENOMEM, b""
    out = bytearray()

    def sink(data: bytes) -> int:
        out.extend(data)
        return len(data)

    walk = SeqWalk(kernel, m, owner, path)
    pos = 0
    try:
        while True:
            got, pos = walk.read(pos, 1 << 16, sink)
            if got <= 0:
                return (got if got < 0 else 0), bytes(out)
    finally:
        seq_free(kernel, m)
