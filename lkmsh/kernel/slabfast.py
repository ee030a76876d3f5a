"""The heap's side of kmalloc's fast path in emulated code (lkmsh/klib/slab.c).

The heap lends one slab per kmalloc cache of 8 to 1024 bytes to the
kernel library's ``kmalloc``/``kzalloc``/``kfree``, which then allocate and
free in it without a Python round trip, recording in kernel memory what the
heap's reports need. Before the heap answers anything (an allocation of its
own, a lookup, a leak report, /proc/slabinfo, a save) and whenever the owner
of new allocations or the clock is about to change, it takes every lent slab
back (``settle``): each slot the library touched becomes an ``Allocation``
in the heap's tables, as if the calls had come through Python, timed and
owned as of now (nothing else ran in between). So the heap stays the one
record for leak reports, KASAN reports, caps and the state file; the control
block is transient kernel memory, never saved (a settled heap has nothing
lent).

Everything read back from kernel memory is bounds-checked: module code can
scribble over the control block, which then costs it its own fast path's
records, never an internal error.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.layout import KERNEL_DATA_BASE, PAGE_SHIFT, PAGE_SIZE
from lkmsh.kernel.memory import Perm

if TYPE_CHECKING:
    from lkmsh.kernel.heap import Heap, Slab
    from lkmsh.kernel.memory import AddressSpace, Region

#: the control block (slab.c's KFAST_CTL) and one slab descriptor per cache after it
CTL_BASE = KERNEL_DATA_BASE + 0x00C00000
FAST_CLASSES = (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024)
CLASS_INDEX = {c: i for i, c in enumerate(FAST_CLASSES)}
MAX_OBJS = 512
BUCKETS = 64
DESC_BASE = 0x1000
DESC_SIZE = 0x4000
CTL_SIZE = DESC_BASE + DESC_SIZE * len(FAST_CLASSES)

# struct kfast_ctl
_SLOWS = 8  # slow_kmalloc, slow_kzalloc, slow_kfree
_BUDGET = 32
_ACTIVE = 48
_BUCKET = 176
# struct kfast_slab
_HEAD = struct.Struct("<QIIII")  # base, cache, nobj, nfree, ntouched
_STATE = 24
_STACK = 536
_TOUCHED = 1560
_SIZE = 2584
_GFP = 4632
_CALLER = 6680
_FREE_CALLER = 10776

S_LIVE = 0x01
S_PYLIVE = 0x80
S_CALLOC = 0x40
S_CFREED = 0x10

#: a lent slab that saw fewer calls than this before it came back is lent again
#: only after as many slow calls as its back-off says (alternating Python and
#: fast calls would otherwise pay a lending per call)
_PRODUCTIVE = 4
_BACKOFF_MAX = 64


def _buckets(slab: Slab) -> list[int]:
    """The control block's offsets of the kfree buckets of @slab's pages."""
    first = slab.addr >> PAGE_SHIFT
    pages = range(first, first + slab.nbytes // PAGE_SIZE)
    return [_BUCKET + 8 * (vpn % BUCKETS) for vpn in pages]


class FastPath:
    """The control block in kernel memory and which slabs are lent."""

    def __init__(self, mem: AddressSpace, slots: tuple[int, int, int]):
        name = "kernel:kmalloc fast path"
        mem.map(CTL_BASE, CTL_SIZE, Perm.R | Perm.W, name, owner="kernel", transient=True)
        region = mem.region_at(CTL_BASE)
        assert region is not None
        self.region: Region = region
        self.data = region.data
        struct.pack_into("<3Q", self.data, _SLOWS, *slots)
        self.enabled = True
        #: cache -> the slab lent for it
        self.lent: dict[int, Slab] = {}
        self._backoff = dict.fromkeys(FAST_CLASSES, 0)
        self._wait = dict.fromkeys(FAST_CLASSES, 0)

    # -- lending ------------------------------------------------------------

    def lend(self, heap: Heap, slab: Slab, live: dict) -> None:
        """Lend @slab (one of the heap's, settled) to the library, unless backing off."""
        cache = slab.cache
        index = CLASS_INDEX.get(cache)
        if index is None or not self.enabled or cache in self.lent:
            return
        if self._wait[cache]:
            self._wait[cache] -= 1
            return
        data, at = self.data, DESC_BASE + index * DESC_SIZE
        nobj, free = slab.nobj, slab.free
        state = bytearray([S_LIVE | S_PYLIVE]) * nobj
        for i in free:
            state[i] = 0
        _HEAD.pack_into(data, at, slab.addr, cache, nobj, len(free), 0)
        data[at + _STATE : at + _STATE + nobj] = state
        struct.pack_into(f"<{len(free)}H", data, at + _STACK, *free)
        desc = CTL_BASE + at
        struct.pack_into("<Q", data, _ACTIVE + 8 * index, desc)
        for bucket in _buckets(slab):
            if not struct.unpack_from("<Q", data, bucket)[0]:
                struct.pack_into("<Q", data, bucket, desc)
        if not self.lent:  # else the budget is exact already (kept up by both sides)
            struct.pack_into("<Q", data, _BUDGET, max(0, heap.objects_max - len(live)))
        self.lent[cache] = slab

    # -- taking back --------------------------------------------------------

    def settle(self, heap: Heap) -> None:
        """Take every lent slab back, recording what the library did with it."""
        for cache in list(self.lent):
            self.take_back(heap, cache)

    def take_back(self, heap: Heap, cache: int) -> None:
        """Take back the slab lent for @cache (one that is lent)."""
        slab = self.lent.pop(cache)
        data, index = self.data, CLASS_INDEX[cache]
        at = DESC_BASE + index * DESC_SIZE
        struct.pack_into("<Q", data, _ACTIVE + 8 * index, 0)
        for bucket in _buckets(slab):
            if struct.unpack_from("<Q", data, bucket)[0] == CTL_BASE + at:
                struct.pack_into("<Q", data, bucket, 0)
        touched = self._take_back(heap, slab, at)
        if touched >= _PRODUCTIVE:
            self._backoff[cache] = 0
        else:
            self._backoff[cache] = min(_BACKOFF_MAX, self._backoff[cache] * 2 + 1)
            self._wait[cache] = self._backoff[cache]

    def take_object(self) -> bool:
        """The heap itself adds a live object while slabs are lent: False when the cap
        (what the library may still add) is reached, else one less for the library."""
        budget = struct.unpack_from("<Q", self.data, _BUDGET)[0]
        if not budget:
            return False
        struct.pack_into("<Q", self.data, _BUDGET, budget - 1)
        return True

    def give_object(self) -> None:
        """The heap itself freed a live object while slabs are lent."""
        budget = struct.unpack_from("<Q", self.data, _BUDGET)[0]
        struct.pack_into("<Q", self.data, _BUDGET, budget + 1)

    def _take_back(self, heap: Heap, slab: Slab, at: int) -> int:
        data, nobj, cache = self.data, slab.nobj, slab.cache
        base, _cache, _nobj, nfree, ntouched = _HEAD.unpack_from(data, at)
        if not ntouched:
            return 0  # nothing happened here: the heap's own record is still right
        ntouched = min(ntouched, nobj)
        touched = struct.unpack_from(f"<{ntouched}H", data, at + _TOUCHED)
        states = data[at + _STATE : at + _STATE + nobj]
        owner, now = heap.current_owner(), heap.now_ns()
        for i in dict.fromkeys(touched):
            if i >= nobj:
                continue
            st = states[i]
            addr = slab.addr + i * cache
            size = min(max(struct.unpack_from("<I", data, at + _SIZE + 4 * i)[0], 1), cache)
            gfp = struct.unpack_from("<I", data, at + _GFP + 4 * i)[0]
            caller = struct.unpack_from("<Q", data, at + _CALLER + 8 * i)[0]
            if st & S_CALLOC and st & S_PYLIVE:
                heap._live.pop(addr, None)  # freed here, its slot used again
            if st & S_LIVE:
                if st & S_CALLOC:
                    heap._freed.pop(addr, None)
                    heap._live[addr] = heap.record(addr, size, cache, owner, caller, now, gfp)
                continue
            if not st & S_CFREED:
                continue
            free_caller = struct.unpack_from("<Q", data, at + _FREE_CALLER + 8 * i)[0]
            if st & S_CALLOC:
                a = heap.record(addr, size, cache, owner, caller, now, gfp)
            elif addr in heap._live:
                a = heap._live.pop(addr)
            else:
                continue
            a.free_caller, a.free_ts_ns = free_caller, now
            heap.remember_freed(a)
        # the free slots, in the library's stack order; anything inconsistent is
        # rebuilt from the heap's own record of what is live
        nfree = min(nfree, nobj)
        stack = struct.unpack_from(f"<{nfree}H", data, at + _STACK)
        live = heap._live
        seen = set()
        free = []
        for i in stack:
            if i < nobj and i not in seen and slab.addr + i * cache not in live:
                seen.add(i)
                free.append(i)
        if len(free) + sum(1 for i in range(nobj) if slab.addr + i * cache in live) != nobj:
            free = [i for i in range(nobj - 1, -1, -1) if slab.addr + i * cache not in live]
        heap.slab_returned(slab, free)
        return ntouched
