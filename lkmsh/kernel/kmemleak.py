"""kmemleak's scan of module memory, and /sys/kernel/debug/kmemleak's text.

A real scan, as Linux's: the roots are every loaded module's non-executable
sections (data, bss, rodata, the module struct), the data of module-made
/proc entries and the kernel's own objects; every 8-byte aligned word pointing
into a live heap object (anywhere inside it) marks that object referenced,
and referenced objects are scanned in turn. A module's object nothing points
at is a suspected leak. Objects of unloaded modules cannot show up: unloading
reclaims them (and reports them in dmesg). Linux also waits until an object
is 5 seconds old before reporting it; lkmsh does not.
"""

from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError
from lkmsh.kernel.heap import KERNEL_OWNER, KIND_PERCPU

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

_WORD = struct.Struct("<Q")


@dataclass
class Leak:
    addr: int
    size: int
    owner: str
    comm: str
    pid: int
    jiffies: int
    caller: int
    where: str
    head: bytes  # the object's first bytes (hex dump)


@dataclass
class LeakScan:
    leaks: list[Leak]
    scanned_objects: int
    scanned_bytes: int


def scan(k: Kernel) -> LeakScan:
    """Unreferenced live objects of modules (see the module docstring)."""
    objs = k.heap.allocations()  # sorted by address
    starts = [a.addr for a in objs]
    reached: set[int] = set()
    gray: list[Any] = []
    scanned = 0

    def mark_from(data: bytes) -> None:
        nonlocal scanned
        scanned += len(data)
        if not starts:
            return
        n = len(data) // 8 * 8
        for (v,) in _WORD.iter_unpack(data[:n]):
            i = bisect.bisect_right(starts, v) - 1
            if i < 0:
                continue
            a = objs[i]
            if v < a.addr + max(a.capacity, 1) and a.addr not in reached:
                reached.add(a.addr)
                gray.append(a)

    for m in k.module_list_all():
        for p in m.placements:
            if "x" not in p.perm and p.size:
                mark_from(k.mem.read(p.addr, p.size))
    for entry in k.procfs.entries():
        mark_from(_WORD.pack(entry.data & (2**64 - 1)))
    for a in objs:
        if a.owner == KERNEL_OWNER or a.managed or a.kind == KIND_PERCPU:
            reached.add(a.addr)
            gray.append(a)
    while gray:
        a = gray.pop()
        try:
            mark_from(k.mem.read(a.addr, a.size))
        except KernelError:
            continue
    leaks = []
    for a in objs:
        if a.addr in reached or a.owner == KERNEL_OWNER:
            continue
        head = k.mem.read(a.addr, min(a.size, 32)) if a.size else b""
        leaks.append(
            Leak(
                a.addr,
                a.size,
                a.owner,
                a.comm,
                a.pid,
                a.jiffies,
                a.caller,
                k.symbolize(a.caller),
                head,
            )
        )
    return LeakScan(leaks, len(objs), scanned)


def report_text(leaks: list[Leak]) -> str:
    """One block per unreferenced object, as /sys/kernel/debug/kmemleak shows it."""
    out = []
    for lk in leaks:
        out.append(f"unreferenced object 0x{lk.addr:016x} (size {lk.size}):\n")
        out.append(f'  comm "{lk.comm}", pid {lk.pid}, jiffies {lk.jiffies}\n')
        out.append(f"  hex dump (first {len(lk.head)} bytes):\n")
        for i in range(0, len(lk.head), 16):
            chunk = lk.head[i : i + 16]
            text = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
            out.append(f"    {chunk.hex(' '):<48}  {text}\n")
        out.append("  backtrace:\n")
        out.append(f"    [<{lk.caller:016x}>] {lk.where}\n")
    return "".join(out)
