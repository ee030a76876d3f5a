"""The kernel's side of the lock fast paths in emulated code (lkmsh/klib/rcu.c, spinlock.c).

The library counts read-side levels taken since the kernel last looked, and
the one spinlock it took while lockdep held nothing, in a control block in
kernel memory (klib/lockfast.h); ``take``/``take_spin`` hand them to lockdep
(which holds one rcu entry per level and the spinlock as if Python had taken
it) and clear them. The kernel takes them at every kernel call (before the
call's code runs) and whenever module code returns, so lockdep's view is the
one the Python path would have left, task by task; before module code runs
again it says whether lockdep holds anything (``busy``: a spinlock taken then
must go through Python, which records its order against the held ones).
The control block is transient: nothing is left in it when a command ends.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.layout import KERNEL_DATA_BASE, PAGE_SIZE
from lkmsh.kernel.memory import Perm

if TYPE_CHECKING:
    from lkmsh.kernel.memory import AddressSpace

#: lockfast.h's LOCK_FAST_CTL: struct lock_fast_ctl { depth, ip, enabled, slow_lock,
#: slow_unlock, spin, spin_ip, busy, slow_spin_lock, slow_spin_unlock, slow_irqsave,
#: slow_irqrestore }
CTL_BASE = KERNEL_DATA_BASE + 0x00C40000
_CTL = struct.Struct("<12Q")
_DEPTH, _IP, _ENABLED, _SPIN, _SPIN_IP, _BUSY = 0, 1, 2, 5, 6, 7
#: most levels one take hands over: module code may scribble over the count
MAX_DEPTH = 1 << 16


class RcuFast:
    def __init__(self, mem: AddressSpace, slots: tuple[int, ...]):
        """@slots: the kernel's rcu_read_lock/unlock, spin_lock/unlock, irqsave/irqrestore."""
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
        rcu, spin = slots[:2], slots[2:]
        _CTL.pack_into(self.data, 0, 0, 0, 1, *rcu, 0, 0, 0, *spin)
        self._words = memoryview(self.data).cast("Q")  # the region's bytes never move

    def pending(self) -> bool:
        """Levels or a spinlock were taken since the last take (on every kernel call)."""
        words = self._words
        return bool(words[_DEPTH] or words[_SPIN])

    def take(self) -> tuple[int, int]:
        """(levels taken, the first one's caller), counted as handed over."""
        words = self._words
        depth, ip = words[_DEPTH], words[_IP]
        words[_DEPTH] = words[_IP] = 0
        return min(depth, MAX_DEPTH), ip

    def take_spin(self) -> tuple[int, int] | None:
        """(the spinlock taken, its taker) if one was, counted as handed over. Taken
        when nothing else was held and no level was pending: before the levels."""
        words = self._words
        lock, ip = words[_SPIN], words[_SPIN_IP]
        if not lock:
            return None
        words[_SPIN] = words[_SPIN_IP] = 0
        return lock, ip

    def publish(self, busy: bool) -> None:
        """Whether lockdep holds a lock for any task, before module code runs again."""
        self._words[_BUSY] = busy

    @property
    def enabled(self) -> bool:
        return bool(self._words[_ENABLED])

    @enabled.setter
    def enabled(self, on: bool) -> None:
        self._words[_ENABLED] = int(on)
