"""The page pool behind the page allocator (lkmsh/klib/page_alloc.c).

Linux's buddy allocator runs as emulated C over struct pages in a vmemmap;
this component owns what it runs on: the pool's memory, mapped in 4 MiB
chunks (one MAX_ORDER - 1 block each, in the direct map, with their struct
pages and page_ext records) when the C code runs out, up to ``CHUNKS_MAX``;
the control block with the free lists and the scrub ring (freed blocks the
host zeroes in one go, see page_alloc.c); and which module is running, so
the pages a module still holds at unload are reported (with its kmalloc
leaks, in kmemleak's words) and given back. The pool's regions are saved
with the state; the control block (rebuilt at every boot) is saved as bytes.

Layout (x86-64's, on both architectures as lkmsh's whole address map):
``PAGE_OFFSET`` is the direct map's base, so ``__pa(x) = x - PAGE_OFFSET``;
the pool's pages are pfns ``POOL_PFN`` onwards, 256 GiB into the direct map,
beyond the kmalloc heap's reach (its limit is 64 MiB); ``vmemmap`` is at
``VMEMMAP_START``, one 64-byte struct page per pfn, mapped for the pool only.
"""

from __future__ import annotations

import ctypes
import struct
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.heap import Allocation
from lkmsh.kernel.layout import DIRECT_MAP_BASE, KERNEL_DATA_BASE, PAGE_SHIFT, PAGE_SIZE
from lkmsh.kernel.memory import Perm

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.memory import Region

PAGE_OFFSET = DIRECT_MAP_BASE
VMEMMAP_START = 0xFFFFEA0000000000
STRUCT_PAGE = 64
MAX_ORDER = 11
CHUNK_PAGES = 1 << (MAX_ORDER - 1)
CHUNK_BYTES = CHUNK_PAGES * PAGE_SIZE
#: the most chunks the pool maps (64 MiB): the next allocation that needs more fails
CHUNKS_MAX = 16
POOL_PFN = 0x4000000
POOL_BASE = PAGE_OFFSET + (POOL_PFN << PAGE_SHIFT)
#: one struct page_ext per pool pfn (page_alloc.c): caller, owner id, order, live
PAGE_EXT_START = 0xFFFFEA8000000000
_EXT = struct.Struct("<QIHH")
#: the control block (page_alloc.c's PA_CTL): slots, the pool's end, the owner, the
#: free areas, the scrub ring
CTL_BASE = KERNEL_DATA_BASE + 0x00E00000
_END_PFN = 24
_OWNER = 32
_AREAS = 48
_AREA = 24
_RING = 312
RING = 512
_RUNS = 4408
RUNS = 64
_CACHE_SLOT = _RUNS + 16 * RUNS
CTL_SIZE = _CACHE_SLOT + 8
#: the kernel slots page_alloc.c calls (hidden from modules: lkmsh's own)
SLOW_PATHS = ("__lkmsh_pages_grow", "__lkmsh_pages_scrub", "__lkmsh_bad_page")
#: and kmem_cache_alloc's (page_alloc.c runs the constructors)
CACHE_SLOW_PATH = "__lkmsh_cache_alloc"

# struct page (Linux 6.1, 64-bit)
_FLAGS = 0
_LRU = 8
_PRIVATE = 40
_MAPCOUNT = 48
PG_HEAD = 1 << 16
PAGEFLAGS_MASK = (1 << 22) - 1
PAGE_TYPE_BASE = 0xF0000000
PG_BUDDY = 0x80
#: the zone field of page->flags (<linux/page-flags-layout.h>: five zones, three bits)
ZONES_PGSHIFT = 61
ZONE_NORMAL, ZONE_DEVICE = 2, 4
PG_RESERVED = 1 << 12
#: a fresh struct page: ZONE_NORMAL in the top bits, _mapcount -1
_FRESH = struct.pack("<Q40xiiQ", ZONE_NORMAL << ZONES_PGSHIFT, -1, 0, 0)


def page_of(pfn: int) -> int:
    return VMEMMAP_START + pfn * STRUCT_PAGE


def page_to_virt(page: int) -> int:
    """page_address(): a vmemmap pointer's page, else the pointer itself (lkmsh names a
    page outside the pool by its own address, as scatterlists of kmalloc buffers do)."""
    off = page - VMEMMAP_START
    if 0 <= off < (1 << 40):
        return PAGE_OFFSET + (off // STRUCT_PAGE << PAGE_SHIFT)
    return page


class PagePool(Component):
    name = "pages"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.mem = kernel.mem
        self.chunks = 0
        #: page_ext's owner ids: module name -> id (0 is the kernel)
        self.owners: dict[str, int] = {}
        self.owner: str | None = None  # whose id the control block holds (None: unknown)
        self.ctl: Region | None = None
        self._buffers: dict[int, tuple[int, Region]] = {}  # chunk -> its bytes' address
        #: WARN_ON_ONCE_GFP(order >= MAX_ORDER): once per boot (this process's kernel)
        self.warned_order = False

    # -- boot and growth ---------------------------------------------------------

    def boot(self, slots: tuple[int, ...], cache_slot: int) -> None:
        """Map the control block with empty free lists (the kernel library is loaded)."""
        mem = self.mem
        self.ctl = mem.map(CTL_BASE, CTL_SIZE, Perm.RW, "kernel:page allocator", "kernel")
        mem.write(CTL_BASE, struct.pack("<3Q", *slots))
        mem.write_u64(CTL_BASE + _CACHE_SLOT, cache_slot)
        self._set_end()
        for order in range(MAX_ORDER):
            head = CTL_BASE + _AREAS + order * _AREA
            mem.write(head, struct.pack("<QQQ", head, head, 0))

    def _set_end(self) -> None:
        self.mem.write_u64(CTL_BASE + _END_PFN, POOL_PFN + self.chunks * CHUNK_PAGES)

    @staticmethod
    def _ext(pfn: int) -> int:
        return PAGE_EXT_START + (pfn - POOL_PFN) * _EXT.size

    def grow(self) -> bool:
        """Map one more chunk and put it on the order-10 free list; False at the cap."""
        if self.ctl is None or self.chunks >= CHUNKS_MAX:
            return False
        pfn = POOL_PFN + self.chunks * CHUNK_PAGES
        mem = self.mem
        mem.map(PAGE_OFFSET + (pfn << PAGE_SHIFT), CHUNK_BYTES, Perm.RW, "pages", "pages")
        vmem = mem.map(page_of(pfn), CHUNK_PAGES * STRUCT_PAGE, Perm.RW, "vmemmap", "pages")
        vmem.data[:] = _FRESH * CHUNK_PAGES
        mem.map(self._ext(pfn), CHUNK_PAGES * _EXT.size, Perm.RW, "page_ext", "pages")
        self.chunks += 1
        self._set_end()
        self._add_free(pfn, MAX_ORDER - 1)
        return True

    def set_owner(self, module: str | None) -> None:
        """The module whose code runs now owns what the allocator hands out."""
        if self.ctl is None or module == self.owner:
            return
        self.owner = module
        oid = 0
        if module:
            oid = self.owners.setdefault(module, max(self.owners.values(), default=0) + 1)
        self.mem.write_u32(CTL_BASE + _OWNER, oid)

    # -- zeroing -----------------------------------------------------------------

    def scrub(self, n: int) -> None:
        """Zero the scrub ring's pages: @n contiguous runs, one memset each."""
        if self.ctl is None:
            return
        n = min(n, RUNS)
        runs = struct.unpack_from(f"<{2 * n}Q", self.ctl.data, _RUNS)
        for i in range(0, 2 * n, 2):
            self._zero(runs[i], runs[i + 1])

    def _zero(self, pfn: int, count: int) -> None:
        """memset the pages [@pfn, @pfn + @count) of the pool (chunk by chunk)."""
        end = min(pfn + count, POOL_PFN + self.chunks * CHUNK_PAGES)
        pfn = max(pfn, POOL_PFN)  # a ring module code scribbled over: only pool pages
        while pfn < end:
            chunk = (pfn - POOL_PFN) // CHUNK_PAGES
            stop = min(end, POOL_PFN + (chunk + 1) * CHUNK_PAGES)
            base, region = self._chunk_buffer(chunk)
            off = (pfn - POOL_PFN - chunk * CHUNK_PAGES) << PAGE_SHIFT
            ctypes.memset(base + off, 0, (stop - pfn) << PAGE_SHIFT)
            if region.executable:  # set_memory_x'd pages: the CPU drops their code
                self.mem.code_generation += 1
            pfn = stop

    def _chunk_buffer(self, chunk: int) -> tuple[int, Region]:
        """The host address of a chunk's bytes (a region's buffer never moves)."""
        got = self._buffers.get(chunk)
        if got is None:
            region = self.mem.region_at(POOL_BASE + chunk * CHUNK_BYTES)
            assert region is not None
            buf = (ctypes.c_char * region.size).from_buffer(region.data)
            got = self._buffers[chunk] = (ctypes.addressof(buf), region)
        return got

    # -- the free lists, from the host (a going module's leftovers) --------------

    def _add_free(self, pfn: int, order: int) -> None:
        mem, page = self.mem, page_of(pfn)
        head = CTL_BASE + _AREAS + order * _AREA
        first = mem.read_u64(head)
        mem.write_u32(page + _MAPCOUNT, mem.read_u32(page + _MAPCOUNT) & ~PG_BUDDY)
        mem.write_u64(page + _PRIVATE, order)
        mem.write(page + _LRU, struct.pack("<QQ", first, head))
        mem.write_u64(first + 8, page + _LRU)
        mem.write_u64(head, page + _LRU)
        mem.write_u64(head + 16, mem.read_u64(head + 16) + 1)

    def _del_free(self, pfn: int, order: int) -> None:
        mem, page = self.mem, page_of(pfn)
        nxt, prev = struct.unpack("<QQ", mem.read(page + _LRU, 16))
        mem.write_u64(prev, nxt)
        mem.write_u64(nxt + 8, prev)
        mem.write(page + _LRU, bytes(16))
        mem.write_u32(page + _MAPCOUNT, mem.read_u32(page + _MAPCOUNT) | PG_BUDDY)
        mem.write_u64(page + _PRIVATE, 0)
        head = CTL_BASE + _AREAS + order * _AREA
        mem.write_u64(head + 16, mem.read_u64(head + 16) - 1)

    def _buddy_order(self, pfn: int) -> int | None:
        """The order of the free block starting at @pfn, if one does."""
        page = page_of(pfn)
        if self.mem.read_u32(page + _MAPCOUNT) & (PAGE_TYPE_BASE | PG_BUDDY) != PAGE_TYPE_BASE:
            return None
        return self.mem.read_u64(page + _PRIVATE)

    def _free(self, pfn: int, order: int) -> None:
        """page_alloc.c's free_one and scrub at once: reset, zero, merge."""
        region = self.mem.region_at(page_of(pfn))
        assert region is not None
        off = page_of(pfn) - region.vaddr
        for i in range(1 << order):
            at = off + i * STRUCT_PAGE
            flags = struct.unpack_from("<Q", region.data, at)[0]
            region.data[at : at + STRUCT_PAGE] = _FRESH
            struct.pack_into("<Q", region.data, at, flags & ~PAGEFLAGS_MASK)
        self.mem.write(self._ext(pfn), bytes(_EXT.size << order))
        self._zero(pfn, 1 << order)
        while order < MAX_ORDER - 1:
            buddy = pfn ^ (1 << order)
            if self._buddy_order(buddy) != order:
                break
            self._del_free(buddy, order)
            pfn &= buddy
            order += 1
        self._add_free(pfn, order)

    # -- who holds what ------------------------------------------------------------

    def _held(self, pfn: int, order: int, ext: bytes) -> list[int]:
        """The pfns of the block allocated at @pfn that are neither free nor another's."""
        out, at, end = [pfn], pfn + 1, pfn + (1 << order)
        while at < end:
            free = self._buddy_order(at)
            if free is not None:
                at += 1 << free
                continue
            _, _, other, live = _EXT.unpack_from(ext, (at - POOL_PFN) * _EXT.size)
            if live:
                at += 1 << other
                continue
            out.append(at)
            at += 1
        return out

    def module_going(self, module: Any) -> list[Report]:
        """Give back what the module holds; its leaks join the heap's kmemleak report."""
        oid = self.owners.pop(module.name, None)
        if oid is None or not self.chunks:
            return []
        if self.owner == module.name:
            self.owner = None
        ext = self.mem.read(PAGE_EXT_START, self.chunks * CHUNK_PAGES * _EXT.size)
        now = self.kernel.clock.ns()
        for i, (caller, owner, order, live) in enumerate(_EXT.iter_unpack(ext)):
            if not live or owner != oid:
                continue
            pfn = POOL_PFN + i
            held = self._held(pfn, order, ext)
            if self.mem.read_u64(page_of(pfn) + _FLAGS) & PG_HEAD:
                held = list(range(pfn, pfn + (1 << order)))
                self._free(pfn, order)
            else:
                for p in held:
                    self._free(p, 0)
            addr = PAGE_OFFSET + (pfn << PAGE_SHIFT)
            size = len(held) << PAGE_SHIFT
            leak = Allocation(addr, size, 0, module.name, caller, now, 0, kind="pages")
            self.kernel.heap.foreign_leaks.append(leak)
        return []

    @property
    def pool_bytes(self) -> int:
        return self.chunks * CHUNK_BYTES

    # -- state -------------------------------------------------------------------

    def to_data(self) -> Any:
        if not self.chunks or self.ctl is None:
            return None  # nothing allocated yet: a fresh boot's control block is the same
        ctl = self.mem.read(CTL_BASE + _OWNER, _CACHE_SLOT - _OWNER)
        return {"chunks": self.chunks, "ctl": ctl.hex(), "owners": self.owners}

    def load_data(self, data: Any) -> None:
        if not data:
            return
        self.chunks = int(data["chunks"])
        if not 0 <= self.chunks <= CHUNKS_MAX:
            raise ValueError(f"page pool of {self.chunks} chunks")
        for i in range(self.chunks):
            if not self.mem.is_mapped(POOL_BASE + i * CHUNK_BYTES, CHUNK_BYTES):
                raise ValueError(f"page pool chunk {i} is not mapped")
        self.owners = {str(k): int(v) for k, v in data["owners"].items()}
        if self.ctl is not None:
            ctl = bytes.fromhex(data["ctl"])
            if len(ctl) != _CACHE_SLOT - _OWNER:
                raise ValueError("page allocator control block is damaged")
            self.mem.write(CTL_BASE + _OWNER, ctl)
            self.owner = None
            self._set_end()
