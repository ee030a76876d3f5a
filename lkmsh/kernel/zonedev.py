"""Device memory: iomem regions and ZONE_DEVICE page maps (kernel/resource.c, mm/memremap.c).

``request_free_mem_region()`` finds a free range of physical addresses for
device private memory, as Linux 6.1's get_free_mem_region() does: from the
top of iomem_resource (x86-64's 46 physical address bits, lkmsh's map on both
architectures) down, in steps of the size, the first range no other region
overlaps. lkmsh's machine has no RAM or device ranges up there, so the first
request gets the top 256 MiB, the next the 256 MiB below, as on a Linux
machine with less than 64 TiB of RAM.

``memremap_pages()`` gives such a range struct pages: their part of the
vmemmap is mapped (64 bytes a page: 4 MiB for 256 MiB) and each page set up
as memmap_init_zone_device() sets it, in ZONE_DEVICE, reserved, its ``pgmap``
pointing at the driver's struct dev_pagemap and a reference count of 0 (the
driver's own allocator hands the pages out with zone_device_page_init()).
Device private memory has no bytes behind it: the CPU cannot reach it, on
Linux as here. The regions and maps are this component's saved state; a
module that goes without releasing them gets them taken away, with a warning.
"""

from __future__ import annotations

import struct
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.errors import InvalidArgument
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.layout import PAGE_SHIFT
from lkmsh.kernel.memory import Perm
from lkmsh.kernel.pages import STRUCT_PAGE, page_of
from lkmsh.kernel.snapshot import typed

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

#: MAX_PHYSMEM_BITS of x86-64 with 4-level page tables (lkmsh's map, on both architectures)
PHYSMEM_BITS = 46
PHYSMEM_END = (1 << PHYSMEM_BITS) - 1
#: GFR_DEFAULT_ALIGN: 1 << PA_SECTION_SHIFT (SECTION_SIZE_BITS 27 on x86-64 and arm64)
SECTION_SIZE = 1 << 27
#: the most struct pages memremap_pages() maps at a time (1 GiB of device memory,
#: 16 MiB of vmemmap): host memory stays bounded
PGMAP_PAGES_MAX = 1 << 18
PGMAP_MAPS_MAX = 8
#: struct resource (Linux 6.1): start, end, name, flags, desc, parent, sibling, child
RESOURCE = struct.Struct("<QQQQQQQQ")
IORESOURCE_MEM = 0x200
#: iomem_resource's name (kernel/resource.c)
IOMEM_NAME = b"PCI mem\0"


#: struct page's _refcount (an int at byte 52 of its 64)
PAGE_REFCOUNT = 52


def pages_held(data: bytes) -> int:
    """How many of the struct pages in @data (an array of them) hold a reference
    (_refcount not 0), counted in one pass over the array's refcount column."""
    counts = memoryview(data).cast("I")[PAGE_REFCOUNT // 4 :: STRUCT_PAGE // 4]
    return len(counts) - counts.tolist().count(0)


@dataclass
class MemRegion:
    """A region requested from iomem_resource (its struct resource at ``res``)."""

    start: int
    end: int  # inclusive, as struct resource's
    name: str
    res: int
    owner: str | None
    #: the struct resource is the kernel's (kfree'd on release)
    allocated: bool = True


@dataclass
class PageMap:
    """A memremap_pages() range: its struct dev_pagemap and the vmemmap mapped for it."""

    pgmap: int
    start: int  # physical, inclusive
    end: int
    type: int
    owner: str | None
    vmemmap: int  # the mapping's start (page-aligned)

    @property
    def first_pfn(self) -> int:
        return self.start >> PAGE_SHIFT

    @property
    def npages(self) -> int:
        return (self.end - self.start + 1) >> PAGE_SHIFT


class ZoneDevice(Component):
    name = "zonedev"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.regions: list[MemRegion] = []
        self.maps: list[PageMap] = []
        #: mmu_interval_notifier_insert()'s: notifier address -> (its mm, the module)
        self.notifiers: dict[int, tuple[int, str]] = {}
        self.warned_nr_range = False  # memremap_pages()'s WARN_ONCE

    # -- iomem ---------------------------------------------------------------------

    def busy(self, start: int, size: int) -> bool:
        end = start + size - 1
        return any(r.start <= end and start <= r.end for r in self.regions)

    def free_range(self, size: int, lo: int = 0, hi: int = PHYSMEM_END) -> int | None:
        """get_free_mem_region(GFR_DESCENDING)'s search in [@lo, @hi]: @size rounded up to
        whole sections, from the top down a section at a time, the first range no region
        overlaps."""
        size = -(-size // SECTION_SIZE) * SECTION_SIZE
        addr = min(hi, PHYSMEM_END) - size + 1
        while addr > SECTION_SIZE and addr >= lo:
            if not self.busy(addr, size):
                return addr
            addr -= SECTION_SIZE
        return None

    def add_region(self, region: MemRegion) -> None:
        self.regions.append(region)

    def release(self, start: int, size: int) -> MemRegion | None:
        """__release_region(): the region that is exactly [start, start + size)."""
        end = start + size - 1
        for r in self.regions:
            if r.start == start and r.end == end:
                self.regions.remove(r)
                return r
        return None

    # -- page maps -------------------------------------------------------------------

    def map_at(self, pfn: int) -> PageMap | None:
        return next((m for m in self.maps if m.first_pfn <= pfn < m.first_pfn + m.npages), None)

    def map_by_pgmap(self, pgmap: int) -> PageMap | None:
        return next((m for m in self.maps if m.pgmap == pgmap), None)

    def add_map(self, pgmap: int, start: int, end: int, kind: int, owner: str | None) -> PageMap:
        """Map the range's struct pages, initialised as ZONE_DEVICE pages of @pgmap."""
        from lkmsh.kernel.pages import PG_RESERVED, ZONE_DEVICE, ZONES_PGSHIFT

        npages = (end - start + 1) >> PAGE_SHIFT
        if npages > PGMAP_PAGES_MAX or len(self.maps) >= PGMAP_MAPS_MAX:
            raise InvalidArgument("device memory map too large")
        first = page_of(start >> PAGE_SHIFT)
        base = first & ~0xFFF
        size = first + npages * STRUCT_PAGE - base
        region = self.kernel.mem.map(base, size, Perm.RW, "vmemmap:device", "zonedev")
        flags = (ZONE_DEVICE << ZONES_PGSHIFT) | PG_RESERVED
        one = (
            flags.to_bytes(8, "little")
            + pgmap.to_bytes(8, "little")
            + bytes(32)
            + (-1 & 0xFFFFFFFF).to_bytes(4, "little")  # _mapcount -1
            + bytes(4)  # _refcount 0: the driver's allocator hands them out
            + bytes(8)
        )
        off = first - base
        region.data[off : off + npages * STRUCT_PAGE] = one * npages
        pm = PageMap(pgmap, start, end, kind, owner, base)
        self.maps.append(pm)
        return pm

    def remove_map(self, pm: PageMap) -> None:
        self.maps.remove(pm)
        self.kernel.mem.unmap(pm.vmemmap)

    def pages_in_use(self, pm: PageMap) -> int:
        """How many of the map's pages hold a reference (handed out, not yet freed)."""
        first = page_of(pm.first_pfn)
        return pages_held(self.kernel.mem.read(first, pm.npages * STRUCT_PAGE))

    # -- the component -----------------------------------------------------------------

    def module_going(self, module: Any) -> list[Report]:
        name, out = module.name, []
        for sub, (mm, _) in [(s, v) for s, v in self.notifiers.items() if v[1] == name]:
            out.append((4, f"{name}: removing leftover mmu interval notifier {sub:#x}"))
            del self.notifiers[sub]
            self.kernel.mm.drop(mm)
        for pm in [m for m in self.maps if m.owner == name]:
            out.append(
                (
                    4,
                    f"{name}: removing leftover device memory map "
                    f"[mem {pm.start:#010x}-{pm.end:#010x}]",
                )
            )
            self.remove_map(pm)
        for r in [r for r in self.regions if r.owner == name]:
            out.append(
                (4, f"{name}: releasing leftover [mem {r.start:#010x}-{r.end:#010x}] {r.name}")
            )
            self.regions.remove(r)
            if r.allocated and self.kernel.heap.lookup(r.res) is not None:
                self.kernel.heap.free(r.res)
        return out

    def to_data(self) -> Any:
        if not self.regions and not self.maps and not self.notifiers:
            return None
        return {
            "regions": [asdict(r) for r in self.regions],
            "maps": [asdict(m) for m in self.maps],
            "notifiers": [[sub, mm, who] for sub, (mm, who) in self.notifiers.items()],
        }

    def load_data(self, data: Any) -> None:
        if not data:
            return
        self.regions = [typed(MemRegion, r, "iomem region") for r in data["regions"]]
        self.maps = [typed(PageMap, m, "device page map") for m in data["maps"]]
        self.notifiers = {int(s): (int(mm), str(who)) for s, mm, who in data.get("notifiers", [])}
        for m in self.maps:
            if not self.kernel.mem.is_mapped(m.vmemmap):
                raise ValueError(f"device page map at {m.vmemmap:#x} is not mapped")
