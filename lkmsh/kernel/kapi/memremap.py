"""Device memory from module code (<linux/ioport.h>, <linux/memremap.h>): iomem regions,
ZONE_DEVICE page maps and their pages.

The bookkeeping is the ``ZoneDevice`` component's (kernel/zonedev.py); these
functions read and write the module's structures as kernel/resource.c and
mm/memremap.c do and fail as they fail (an ERR_PTR, a WARNING where Linux
WARNs).
"""

from __future__ import annotations

import errno as E
import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.bug import report, warn
from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.layout import PAGE_SHIFT
from lkmsh.kernel.pages import PAGE_OFFSET, STRUCT_PAGE
from lkmsh.kernel.zonedev import (
    IORESOURCE_MEM,
    PGMAP_PAGES_MAX,
    PHYSMEM_END,
    RESOURCE,
    SECTION_SIZE,
    MemRegion,
)

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1
IORESOURCE_BUSY = 0x80000000
IORES_DESC_DEVICE_PRIVATE_MEMORY = 6
#: struct dev_pagemap (Linux 6.1, 64-bit)
PGMAP_DONE, PGMAP_TYPE, PGMAP_OPS, PGMAP_OWNER, PGMAP_NR_RANGE, PGMAP_RANGES = (
    64, 96, 112, 120, 128, 136,
)  # fmt: skip
MEMORY_DEVICE_PRIVATE, MEMORY_DEVICE_COHERENT = 1, 2
MEMORY_TYPES = {1: "private", 2: "coherent", 3: "fs dax", 4: "generic", 5: "pci p2pdma"}
#: struct page
PAGE_PGMAP, PAGE_REFCOUNT = 8, 52


def err_ptr(code: int) -> int:
    return -code & MASK64


def _pid(ctx: CallContext) -> int:
    who = getattr(ctx.kernel, "current_task_id", None)
    return who()[1] if who is not None else 1


def _warn(ctx: CallContext, message: str | None, where: str) -> None:
    """WARN(1, message) in @where (mm/memremap.c's function)."""
    lines = [message] if message else []
    warn(ctx, [*lines, f"WARNING: CPU: 0 PID: {_pid(ctx)} at mm/memremap.c {where}"])


def _iomem(ctx: CallContext) -> int:
    return ctx.kernel.symbol_address("iomem_resource") or 0


def _new_resource(
    ctx: CallContext, parent: int, start: int, size: int, name_ptr: int, flags: int, desc: int
) -> int:
    """A struct resource for [start, start + size), recorded as the calling module's."""
    kernel = ctx.kernel
    res = kernel.heap.alloc(RESOURCE.size, "[kernel]", ctx.caller, zero=True, managed=True)
    if not res:
        return 0
    end = start + size - 1
    ctx.mem.write(res, RESOURCE.pack(start, end, name_ptr, flags, desc, parent, 0, 0))
    name = decode(cstr(ctx, name_ptr, 256)) if name_ptr else ""
    kernel.zonedev.add_region(MemRegion(start, end, name, res, owner(ctx)))
    return res


@kapi(
    "request_free_mem_region",
    "struct resource *request_free_mem_region(struct resource *base, unsigned long size,"
    " const char *name)",
    gpl=True,
)
def request_free_mem_region(ctx: CallContext) -> int:
    base, size, name = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    zd = ctx.kernel.zonedev
    if not size:
        return err_ptr(E.ERANGE)
    # a base other than iomem_resource bounds the search by its own range
    lo, hi = 0, PHYSMEM_END
    if base and base != _iomem(ctx):
        lo, hi = ctx.mem.read_u64(base), min(ctx.mem.read_u64(base + 8), PHYSMEM_END)
    addr = zd.free_range(size, lo, hi)
    if addr is None:
        return err_ptr(E.ERANGE)
    aligned = -(-size // SECTION_SIZE) * SECTION_SIZE  # the region is whole sections too
    res = _new_resource(
        ctx, _iomem(ctx), addr, aligned, name, IORESOURCE_MEM | IORESOURCE_BUSY,
        IORES_DESC_DEVICE_PRIVATE_MEMORY,
    )  # fmt: skip
    return res or err_ptr(E.ENOMEM)


@kapi(
    "__request_region",
    "struct resource *__request_region(struct resource *parent, resource_size_t start,"
    " resource_size_t n, const char *name, int flags)",
)
def request_region(ctx: CallContext) -> int:
    parent, start, n, name, flags = (ctx.arg(i) for i in range(5))
    if not n or start + n - 1 > PHYSMEM_END or ctx.kernel.zonedev.busy(start, n):
        return 0  # a conflict: NULL, as Linux
    kind = ctx.mem.read_u64(parent + 24) & 0x1F00 if parent else IORESOURCE_MEM
    return _new_resource(ctx, parent, start, n, name, kind | IORESOURCE_BUSY | (flags & MASK64), 0)


@kapi(
    "__release_region",
    "void __release_region(struct resource *parent, resource_size_t start, resource_size_t n)",
)
def release_region(ctx: CallContext) -> None:
    start, n = ctx.arg(1), ctx.arg(2)
    region = ctx.kernel.zonedev.release(start, n)
    if region is None:
        end = (start + n - 1) & MASK64
        ctx.kernel.log.emit(4, f"Trying to free nonexistent resource <0x{start:016x}-0x{end:016x}>")
        return
    heap = ctx.kernel.heap
    if heap.lookup(region.res) is not None:
        heap.free(region.res)


# -- ZONE_DEVICE page maps -------------------------------------------------------------------


@kapi("memremap_pages", "void *memremap_pages(struct dev_pagemap *pgmap, int nid)", gpl=True)
def memremap_pages(ctx: CallContext) -> int:
    pgmap, mem = ctx.arg(0), ctx.mem
    nr_range = mem.read_u32(pgmap + PGMAP_NR_RANGE)
    zd = ctx.kernel.zonedev
    if not nr_range:
        if not zd.warned_nr_range:  # WARN_ONCE
            zd.warned_nr_range = True
            _warn(ctx, "nr_range must be specified", "memremap_pages")
        return err_ptr(E.EINVAL)
    kind = mem.read_u32(pgmap + PGMAP_TYPE)
    ops = mem.read_u64(pgmap + PGMAP_OPS)
    pgmap_owner = mem.read_u64(pgmap + PGMAP_OWNER)
    if kind in (MEMORY_DEVICE_PRIVATE, MEMORY_DEVICE_COHERENT):
        page_free = mem.read_u64(ops) if ops else 0
        to_ram = mem.read_u64(ops + 8) if ops else 0
        if kind == MEMORY_DEVICE_PRIVATE and not to_ram:
            _warn(ctx, "Missing migrate_to_ram method", "memremap_pages")
            return err_ptr(E.EINVAL)
        if not page_free:
            _warn(ctx, "Missing page_free method", "memremap_pages")
            return err_ptr(E.EINVAL)
        if not pgmap_owner:
            _warn(ctx, "Missing owner", "memremap_pages")
            return err_ptr(E.EINVAL)
    elif kind not in MEMORY_TYPES:
        _warn(ctx, f"Invalid pgmap type {kind}", "memremap_pages")
    if kind != MEMORY_DEVICE_PRIVATE:
        # every other kind is memory the CPU reaches (arch_add_memory maps it in the
        # direct map): lkmsh's emulated machine has no such memory to add
        report(
            ctx,
            [
                f"memremap_pages: {MEMORY_TYPES.get(kind, 'unknown')} device memory needs"
                " physical memory lkmsh's machine does not have (only MEMORY_DEVICE_PRIVATE"
                " can be mapped)"
            ],
        )
        return err_ptr(E.ENXIO)
    mem.write_u32(pgmap + PGMAP_DONE, 0)  # init_completion(&pgmap->done)
    ranges = []
    for i in range(nr_range):
        start, end = struct.unpack("<QQ", mem.read(pgmap + PGMAP_RANGES + 16 * i, 16))
        ranges.append((start, end))
    done = []
    for start, end in ranges:
        first, last = start >> PAGE_SHIFT, end >> PAGE_SHIFT
        if zd.map_at(first) is not None or zd.map_at(last) is not None:
            _warn(ctx, "Conflicting mapping in same section", "pagemap_range")
            error = E.ENOMEM
            break
        npages = (end - start + 1) >> PAGE_SHIFT
        if end < start or npages > PGMAP_PAGES_MAX:
            report(
                ctx,
                [
                    f"memremap_pages: [mem {start:#010x}-{end:#010x}] is more than lkmsh"
                    f" maps struct pages for at once ({PGMAP_PAGES_MAX << PAGE_SHIFT >> 20} MiB)"
                ],
            )
            error = E.ENOMEM
            break
        done.append(zd.add_map(pgmap, start, end, kind, owner(ctx)))
    else:
        mem.write_u32(pgmap + PGMAP_NR_RANGE, nr_range)
        return (PAGE_OFFSET + ranges[0][0]) & MASK64
    for pm in done:  # memunmap_pages() of what was mapped
        zd.remove_map(pm)
    return err_ptr(error)


@kapi("memunmap_pages", "void memunmap_pages(struct dev_pagemap *pgmap)", gpl=True)
def memunmap_pages(ctx: CallContext) -> None:
    zd = ctx.kernel.zonedev
    pgmap = ctx.arg(0)
    maps = [m for m in zd.maps if m.pgmap == pgmap]
    for pm in maps:
        held = zd.pages_in_use(pm)
        if held:
            # Linux waits in wait_for_completion(&pgmap->done) for the last page to be
            # freed, for ever if it never is: lkmsh says so and takes the map away
            report(
                ctx,
                [
                    f"memunmap_pages: {held} page(s) of [mem {pm.start:#010x}-{pm.end:#010x}]"
                    " still in use: Linux would wait for them for ever"
                ],
                4,
            )
        zd.remove_map(pm)


@kapi("zone_device_page_init", "void zone_device_page_init(struct page *page)", gpl=True)
def zone_device_page_init(ctx: CallContext) -> None:
    """A driver hands out one of its device pages: one reference, locked."""
    from lkmsh.kernel.pages import VMEMMAP_START

    page, mem = ctx.arg(0), ctx.mem
    pfn = (page - VMEMMAP_START) // STRUCT_PAGE
    pm = ctx.kernel.zonedev.map_at(pfn)
    if pm is None or mem.read_u64(page + PAGE_PGMAP) != pm.pgmap:
        # percpu_ref_tryget_live() of a map that is gone (or no device page at all)
        _warn(ctx, None, "zone_device_page_init")
    mem.write_u32(page + PAGE_REFCOUNT, 1)
    mem.write_u64(page, mem.read_u64(page) | 1)  # lock_page(): PG_locked, a fresh page
