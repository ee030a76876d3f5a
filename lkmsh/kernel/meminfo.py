"""/proc/meminfo, as fs/proc/meminfo.c's meminfo_proc_show() prints it in Linux 6.1.

The fields, their order and their ``%8lu kB`` columns are Linux 6.1's with
Debian's configuration (CONFIG_ZSWAP, CONFIG_MEMORY_FAILURE,
CONFIG_TRANSPARENT_HUGEPAGE, CONFIG_CMA, CONFIG_HUGETLB_PAGE; x86's
arch_report_meminfo adds the DirectMap lines, arm64 has none). The numbers come
from lkmsh's own memory model where it has one:

- MemTotal: what the kernel can hand out, the kmalloc heap's limit and the page
  allocator's pool at its largest (pages.py's CHUNKS_MAX chunks);
- MemFree and MemAvailable: that less the heap's footprint (its slabs and the
  pages of larger kmallocs, vmallocs, per-CPU areas and task stacks) and the
  pool's pages not on the buddy allocator's free lists;
- Slab and SUnreclaim: the kmalloc caches' slabs (no cache is reclaimable);
- KernelStack: THREAD_SIZE per task; VmallocUsed and Percpu: those allocations'
  pages; CommitLimit: half of MemTotal (vm.overcommit_ratio 50, no swap);
  Committed_AS: the memory in use.

There is no page cache, no user memory, no swap and no huge pages: those read 0.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KIND_PERCPU, KIND_VMALLOC
from lkmsh.kernel.layout import PAGE_SIZE

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

THREAD_SIZE = 16 << 10
#: (unsigned long)VMALLOC_TOTAL >> 10: x86-64's 4-level paging (32 TiB less a byte),
#: arm64's 48-bit VA with 4K pages (MODULES_END .. VMEMMAP_START - 256M)
VMALLOC_TOTAL_KB = {"x86_64": 34359738367, "aarch64": 133143592960}
HPAGE_KB = 2048  # Hugepagesize: a PMD of 4K pages on both architectures


def _kb(nbytes: int) -> int:
    return nbytes >> 10


def _pages_kb(nbytes: int) -> int:
    """Bytes as whole pages, in kB (what the page counters hold)."""
    return _kb(-(-nbytes // PAGE_SIZE) * PAGE_SIZE)


def _pool_used(k: Kernel) -> int:
    """Bytes of the page allocator's pool not on its free lists (pages.py)."""
    from lkmsh.kernel import pages as P

    pool = k.pages
    if not pool.chunks or pool.ctl is None:
        return 0
    free = 0
    for order in range(P.MAX_ORDER):
        (nr_free,) = struct.unpack_from("<Q", pool.ctl.data, P._AREAS + order * P._AREA + 16)
        free += nr_free << order
    return pool.pool_bytes - free * PAGE_SIZE


def values(k: Kernel) -> dict[str, int]:
    """The numbers of the kB fields, by name (the HugePages_ counts are pages)."""
    from lkmsh.kernel import pages as P
    from lkmsh.kernel.task import Run

    heap = k.heap
    total = heap.limit + P.CHUNKS_MAX * P.CHUNK_BYTES
    live = heap.allocations()
    slab = heap.slab_footprint
    used = min(heap.footprint + _pool_used(k), total)
    free = _kb(total - used)
    tasks = sum(1 for t in k.sched.tasks.values() if t.run is not Run.DEAD)
    v = dict.fromkeys(FIELDS, 0)
    v.update(
        MemTotal=_kb(total),
        MemFree=free,
        MemAvailable=free,
        Slab=_kb(slab),
        SUnreclaim=_kb(slab),
        KernelStack=tasks * _kb(THREAD_SIZE),
        CommitLimit=_kb(total) // 2,
        Committed_AS=_kb(used),
        VmallocTotal=VMALLOC_TOTAL_KB.get(k.arch.name, VMALLOC_TOTAL_KB["x86_64"]),
        VmallocUsed=sum(_pages_kb(a.size) for a in live if a.kind == KIND_VMALLOC),
        Percpu=sum(_pages_kb(a.size) for a in live if a.kind == KIND_PERCPU),
        Hugepagesize=HPAGE_KB,
    )
    if k.arch.name == "x86_64":  # the direct map: 2M pages but for the first 2M
        v.update(DirectMap4k=2048, DirectMap2M=_kb(total) - 2048, DirectMap1G=0)
    return v


#: the fields, in Linux 6.1's order
FIELDS = (
    "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active",
    "Inactive", "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)",
    "Unevictable", "Mlocked", "SwapTotal", "SwapFree", "Zswap", "Zswapped", "Dirty",
    "Writeback", "AnonPages", "Mapped", "Shmem", "KReclaimable", "Slab", "SReclaimable",
    "SUnreclaim", "KernelStack", "PageTables", "SecPageTables", "NFS_Unstable", "Bounce",
    "WritebackTmp", "CommitLimit", "Committed_AS", "VmallocTotal", "VmallocUsed",
    "VmallocChunk", "Percpu", "HardwareCorrupted", "AnonHugePages", "ShmemHugePages",
    "ShmemPmdMapped", "FileHugePages", "FilePmdMapped", "CmaTotal", "CmaFree",
    "HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp", "Hugepagesize",
    "Hugetlb",
)  # fmt: skip
DIRECT_MAP = ("DirectMap4k", "DirectMap2M", "DirectMap1G")


def text(k: Kernel) -> str:
    """The file's text."""
    v = values(k)
    out = []
    for name in FIELDS + (DIRECT_MAP if "DirectMap4k" in v else ()):
        if name == "HardwareCorrupted":
            out.append(f"HardwareCorrupted: {v[name]:5d} kB\n")
        elif name.startswith("HugePages_"):
            out.append(f"{name + ':':<19}{v[name]:5d}\n")
        else:
            out.append(f"{name + ':':<16}{v[name]:8d} kB\n")
    return "".join(out)
