"""DMA mappings (<linux/dma-mapping.h>) on the emulated memory.

lkmsh's board has no IOMMU: a DMA address is the buffer's physical address
in the emulated machine (what ``dma_map_single`` and ``dma_alloc_coherent``
hand out), and every mask is accepted. Coherent buffers come from the heap,
owned by the module (a leaked one is reported at unload like any memory).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.bug import warn
from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.platform import DevRes

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

DMA_MAPPING_ERROR = (1 << 64) - 1
GFP_ZERO = 0x100


def _phys(ctx: CallContext, addr: int, size: int) -> int:
    """The physical address of [addr, addr+size) when it is one contiguous run."""
    hit = ctx.mem.translate(addr)
    end = ctx.mem.translate(addr + max(size, 1) - 1)
    if hit is None or end is None or end[0] - hit[0] != max(size, 1) - 1:
        return DMA_MAPPING_ERROR
    return hit[0]


def _alloc(ctx: CallContext, dev: int, size: int, handle: int, managed: bool) -> int:
    addr = ctx.kernel.heap.alloc(size, owner(ctx), ctx.caller, zero=True)
    if not addr:
        return 0
    if managed and not ctx.kernel.platform.devres_add(dev, DevRes("mem", addr)):
        ctx.kernel.heap.free(addr)
        return 0
    if handle:
        ctx.mem.write_u64(handle, _phys(ctx, addr, size))
    return addr


@kapi(
    "dma_alloc_coherent",
    "void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp)",
)
def dma_alloc_coherent(ctx: CallContext) -> int:
    return _alloc(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2), managed=False)


@kapi(
    "dmam_alloc_coherent",
    "void *dmam_alloc_coherent(struct device *dev, size_t size, dma_addr_t *dma_handle, gfp_t gfp)",
)
def dmam_alloc_coherent(ctx: CallContext) -> int:
    return _alloc(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2), managed=True)


@kapi(
    "dma_free_coherent",
    "void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr, dma_addr_t dma_handle)",
)
def dma_free_coherent(ctx: CallContext) -> None:
    addr = ctx.arg(2)
    if not addr:
        return
    if ctx.kernel.heap.lookup(addr) is None:
        warn(ctx, [f"dma_free_coherent: {addr:#x} is not a coherent buffer"])
        return
    ctx.kernel.heap.free(addr)


@kapi(
    "dma_map_single_attrs",
    "dma_addr_t dma_map_single_attrs(struct device *dev, void *ptr, size_t size, "
    "enum dma_data_direction dir, unsigned long attrs)",
)
def dma_map_single_attrs(ctx: CallContext) -> int:
    return _phys(ctx, ctx.arg(1), ctx.arg(2))


@kapi(
    "dma_unmap_single_attrs",
    "void dma_unmap_single_attrs(struct device *dev, dma_addr_t addr, size_t size, "
    "enum dma_data_direction dir, unsigned long attrs)",
)
def dma_unmap_single_attrs(ctx: CallContext) -> None:
    """Nothing to undo without an IOMMU."""


@kapi("dma_set_mask", "int dma_set_mask(struct device *dev, u64 mask)")
def dma_set_mask(ctx: CallContext) -> int:
    return 0


@kapi("dma_set_coherent_mask", "int dma_set_coherent_mask(struct device *dev, u64 mask)")
def dma_set_coherent_mask(ctx: CallContext) -> int:
    return 0
