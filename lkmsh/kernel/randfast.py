"""The kernel's side of get_random_*()'s fast path in emulated code (lkmsh/klib/get_random.c).

The random component lends the library the next bytes of its stream in a
buffer in kernel memory; module code draws them there without a Python
round trip. ``take_back`` empties the buffer and says how many bytes were
left unread, which the stream then gives again: the bytes every caller sees
are the ones it would see with every draw in Python. The control block is
transient: the state file never holds a lent buffer.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.layout import KERNEL_DATA_BASE, PAGE_SIZE
from lkmsh.kernel.memory import Perm

if TYPE_CHECKING:
    from lkmsh.kernel.memory import AddressSpace

#: get_random.c's RND_FAST_CTL: struct rnd_fast_ctl { pos, end, enabled, the
#: slots of klib.RANDOM_FAST_PATHS, buf[4096] }
CTL_BASE = KERNEL_DATA_BASE + 0x00C50000
BUF = 64
BUF_BYTES = 4096


class RandomFast:
    def __init__(self, mem: AddressSpace, slots: tuple[int, ...]):
        size = BUF + BUF_BYTES
        mem.map(CTL_BASE, -(-size // PAGE_SIZE) * PAGE_SIZE, Perm.R | Perm.W,
                "kernel:random fast path", owner="kernel", transient=True)  # fmt: skip
        region = mem.region_at(CTL_BASE)
        assert region is not None
        self.data = region.data
        struct.pack_into(f"<3Q{len(slots)}Q", self.data, 0, 0, 0, 1, *slots)
        self._words = memoryview(self.data).cast("Q")  # the region's bytes never move

    def take_back(self) -> int:
        """Empty the buffer; the bytes lent and not drawn (module code may have
        scribbled over the counts: never more than were lent)."""
        words = self._words
        pos, end = words[0], words[1]
        words[0] = words[1] = 0
        return end - pos if pos <= end <= BUF_BYTES else 0

    def lend(self, data: bytes) -> None:
        self.data[BUF : BUF + len(data)] = data
        self._words[0], self._words[1] = 0, len(data)

    @property
    def enabled(self) -> bool:
        return bool(self._words[2])

    @enabled.setter
    def enabled(self, on: bool) -> None:
        self._words[2] = int(on)
