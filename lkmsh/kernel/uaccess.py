"""User memory: the buffer a file operation's caller hands the driver.

lkmsh has no processes, but a driver's read/write/ioctl must see a user
pointer, as on Linux: each operation maps the caller's buffer in user pages
(below ``TASK_SIZE_MAX``, far from every kernel address), passes their
address, and unmaps them afterwards. copy_to_user and friends check a user
range as Linux's access_ok and its exception fixups do: an address that is
not a user one copies nothing, an unmapped or read-only page stops the copy
there, and the driver sees the short count (and returns -EFAULT) instead of
an Oops.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lkmsh.errors import InvalidArgument
from lkmsh.kernel.layout import PAGE_SIZE, page_align_up
from lkmsh.kernel.memory import AddressSpace, Perm, VirtualRange

#: Where callers' buffers are mapped (a typical x86-64 and arm64 mmap area).
USER_BASE = 0x00007F0000000000
USER_SIZE = 1 << 36
#: The end of user space, as access_ok has it.
TASK_SIZE_MAX = {"x86_64": (1 << 47) - PAGE_SIZE, "aarch64": 1 << 48}
#: One operation's buffer is bounded (a read(2) of more is cut, as MAX_RW_COUNT).
USER_BUFFER_MAX = 16 << 20
#: What vm_mmap() may map for one command's task at a time (host memory stays bounded).
USER_MMAP_MAX = 64 << 20


def access_ok(arch: str, addr: int, size: int) -> bool:
    limit = TASK_SIZE_MAX.get(arch, TASK_SIZE_MAX["x86_64"])
    return size <= limit and addr <= limit - size


class UserMemory:
    """The user pages of the running file operation(s) and copies to and from them."""

    def __init__(self, mem: AddressSpace, arch: str):
        self.mem = mem
        self.arch = arch
        self.range = VirtualRange("user", USER_BASE, USER_SIZE, persistent=False)
        #: vm_mmap()'s anonymous mappings in the command's task: (address, length)
        self.mappings: list[tuple[int, int]] = []

    @contextmanager
    def buffer(self, size: int, data: bytes = b"", perm: Perm = Perm.RW) -> Iterator[int]:
        """Map ``size`` bytes of user memory holding ``data``; yields its address.

        The region is unmapped when the block ends; read what the driver
        left there with ``read`` before that.
        """
        size = max(size, len(data), 1)
        if size > USER_BUFFER_MAX:
            raise InvalidArgument(f"a user buffer of {size} bytes is too large")
        length = page_align_up(size)
        vaddr = self.range.alloc(length)
        # the buffer ends where the mapping ends, so overrunning it faults
        start = vaddr + length - size
        region = self.mem.map(
            vaddr, length, Perm.RW, "user:buffer", owner="user", transient=True, user=True
        )
        try:
            if data:
                self.mem.write(start, data)
            if perm != Perm.RW:
                self.mem.protect(vaddr, length, perm)
            yield start
        finally:
            self.mem.unmap(region.vaddr)
            self.range.free(vaddr)

    def mmap(self, length: int, perm: Perm) -> int | None:
        """vm_mmap() of anonymous memory in the command's task: zeroed pages, or None when
        the task's mappings would pass USER_MMAP_MAX. They go with the command
        (``unmap_all``), as a process's mappings go when it exits."""
        length = page_align_up(length)
        if sum(n for _, n in self.mappings) + length > USER_MMAP_MAX:
            return None
        vaddr = self.range.alloc(length)
        self.mem.map(vaddr, length, Perm.RW, "user:mmap", owner="user", transient=True, user=True)
        if perm != Perm.RW:
            self.mem.protect(vaddr, length, perm)
        self.mappings.append((vaddr, length))
        return vaddr

    def munmap(self, addr: int, length: int) -> None:
        """vm_munmap(): every mapping inside [addr, addr + length) goes (a part of one is
        not split off: it stays whole)."""
        end = addr + page_align_up(length)
        for vaddr, n in [m for m in self.mappings if addr <= m[0] and m[0] + m[1] <= end]:
            self.mappings.remove((vaddr, n))
            self.mem.unmap(vaddr)
            self.range.free(vaddr)

    def unmap_all(self) -> None:
        """The command's task exits: its mappings go."""
        for vaddr, _ in self.mappings:
            self.mem.unmap(vaddr)
            self.range.free(vaddr)
        self.mappings = []

    def check_zeroed(self, src: int, n: int) -> int:
        """check_zeroed_user(): 1 if [src, src+n) is all zero, 0 if not, -EFAULT if not readable."""
        if n <= 0:
            return 1
        data = self.read_user(src, n)
        if data.count(0) != len(data):
            return 0
        return 1 if len(data) == n else -14

    def span(self, addr: int, n: int, need: Perm, user: bool) -> int:
        """How many bytes from ``addr`` (at most ``n``) are mapped with ``need``."""
        if n <= 0:
            return 0
        if user and not access_ok(self.arch, addr, n):
            return 0
        done = 0
        while done < n:
            at = addr + done
            hit = self.mem.translate(at)
            if hit is None or hit[1] & need != need:
                break
            if user and not self.range.contains(at):
                break
            done += min(n - done, PAGE_SIZE - (at & (PAGE_SIZE - 1)))
        return min(done, n)

    def copy_to_user(self, to: int, src: int, n: int) -> int:
        """Copy kernel memory to user memory; returns the bytes NOT copied."""
        ok = self.span(to, n, Perm.W, True)
        ok = self.span(src, ok, Perm.R, False)
        if ok:
            self.mem.write(to, self.mem.read(src, ok))
        return n - ok

    def copy_from_user(self, to: int, src: int, n: int) -> int:
        """Copy user memory to kernel memory; the rest of ``to`` is zeroed, as Linux."""
        user = self.span(src, n, Perm.R, True)
        # what was not copied is zeroed, all n bytes when access_ok fails (as Linux's
        # _copy_from_user), within what the kernel buffer has writable
        room = self.span(to, n, Perm.W, False)
        ok = min(user, room)
        if ok:
            self.mem.write(to, self.mem.read(src, ok))
        if room > ok:
            self.mem.write(to + ok, bytes(room - ok))
        return n - ok

    def write_user(self, to: int, data: bytes) -> int:
        """Store kernel-made bytes in user memory (seq_read); returns how many fit."""
        ok = self.span(to, len(data), Perm.W, True)
        if ok:
            self.mem.write(to, data[:ok])
        return ok

    def read_user(self, src: int, n: int) -> bytes:
        """The readable prefix of [src, src+n) of user memory."""
        ok = self.span(src, n, Perm.R, True)
        return self.mem.read(src, ok) if ok else b""

    def clear_user(self, to: int, n: int) -> int:
        ok = self.span(to, n, Perm.W, True)
        if ok:
            self.mem.write(to, bytes(ok))
        return n - ok

    def strncpy_from_user(self, dst: int, src: int, count: int) -> int:
        """Linux's strncpy_from_user: the length copied, ``count`` if no NUL, -EFAULT."""
        if count <= 0:
            return 0
        avail = self.span(src, count, Perm.R, True)
        if not avail:
            return -14
        data = self.mem.read(src, avail)
        nul = data.find(0)
        if nul >= 0:
            self.mem.write(dst, data[: nul + 1])
            return nul
        if avail < count:
            return -14
        self.mem.write(dst, data)
        return count

    def strnlen_user(self, src: int, n: int) -> int:
        """Length including the NUL, 0 on a fault, n+1 if no NUL in n bytes (as Linux)."""
        avail = self.span(src, n, Perm.R, True)
        data = self.mem.read(src, avail) if avail else b""
        nul = data.find(0)
        if nul >= 0:
            return nul + 1
        return n + 1 if avail == n else 0
