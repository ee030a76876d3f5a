"""The kernel's side of rcu_read_lock()'s fast path in emulated code (lkmsh/klib/rcu.c).

The library counts read-side levels taken since the kernel last looked in a
control block in kernel memory; ``take`` hands them to lockdep (which holds
one rcu entry per level) and zeroes the count. The kernel takes them at every
kernel call (before the call's code runs) and whenever module code returns,
so lockdep's view is the one the Python path would have left, task by task.
The control block is transient: nothing is left in it when a command ends.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.layout import KERNEL_DATA_BASE, PAGE_SIZE
from lkmsh.kernel.memory import Perm

if TYPE_CHECKING:
    from lkmsh.kernel.memory import AddressSpace

#: rcu.c's RCU_FAST_CTL: struct rcu_fast_ctl { depth, ip, enabled, slow_lock, slow_unlock }
CTL_BASE = KERNEL_DATA_BASE + 0x00C40000
_CTL = struct.Struct("<5Q")
#: most levels one take hands over: module code may scribble over the count
MAX_DEPTH = 1 << 16


class RcuFast:
    def __init__(self, mem: AddressSpace, slots: tuple[int, int]):
        mem.map(
            CTL_BASE,
            PAGE_SIZE,
            Perm.R | Perm.W,
            "kernel:rcu fast path",
            owner="kernel",
            transient=True,
        )
        region = mem.region_at(CTL_BASE)
        assert region is not None
        self.data = region.data
        _CTL.pack_into(self.data, 0, 0, 0, 1, *slots)
        self._words = memoryview(self.data).cast("Q")  # the region's bytes never move

    def pending(self) -> bool:
        """Levels were taken since the last take (one word read: on every kernel call)."""
        return bool(self._words[0])

    def take(self) -> tuple[int, int]:
        """(levels taken, the first one's caller), counted as handed over."""
        words = self._words
        depth, ip = words[0], words[1]
        words[0] = words[1] = 0
        return min(depth, MAX_DEPTH), ip

    @property
    def enabled(self) -> bool:
        return bool(self._words[2])

    @enabled.setter
    def enabled(self, on: bool) -> None:
        self._words[2] = int(on)
