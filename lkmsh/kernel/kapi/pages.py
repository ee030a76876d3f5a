"""The page allocator's calls into the host (lkmsh/klib/page_alloc.c's slow paths).

The allocator itself is emulated C; these three run when it needs what only
the kernel has: a new chunk of the pool (or Linux's warning that there is
none), zeroing the freed blocks of the scrub ring, and a bad free's report. They
are lkmsh's own names, kept out of the symbol table (klib.SLOW_PATHS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.bug import report, warn
from lkmsh.kernel.kapi.common import task
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import GFP_NOWARN, _ratelimited
from lkmsh.kernel.pages import CHUNKS_MAX, MAX_ORDER, VMEMMAP_START, page_to_virt

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

_GFP_NAMES = ((0xCC0, "GFP_KERNEL"), (0xA20, "GFP_ATOMIC"), (0xC00, "GFP_NOIO"))


def _gfp_text(gfp: int) -> str:
    """%pGg for the masks modules pass most (mode:0xcc0(GFP_KERNEL))."""
    for mask, name in _GFP_NAMES:
        if gfp & mask == mask:
            rest = gfp & ~mask
            extra = "".join(f"|{n}" for b, n in _GFP_BITS if rest & b)
            return f"{name}{extra}"
    return "|".join(n for b, n in _GFP_BITS if gfp & b) or "none"


_GFP_BITS = ((0x100, "__GFP_ZERO"), (0x2000, "__GFP_NOWARN"), (0x40000, "__GFP_COMP"))


@kapi("__lkmsh_pages_grow", "unsigned long __lkmsh_pages_grow(gfp_t gfp, unsigned int order)")
def pages_grow(ctx: CallContext) -> int:
    gfp, order = ctx.arg(0) & 0xFFFFFFFF, ctx.arg(1) & 0xFFFFFFFF
    pool = ctx.kernel.pages
    if order >= MAX_ORDER:
        if not gfp & GFP_NOWARN and not pool.warned_order:  # WARN_ON_ONCE_GFP(...)
            pool.warned_order = True
            warn(ctx, ["WARNING: CPU: 0 PID: 1 at mm/page_alloc.c:5534 __alloc_pages"])
        return 0
    if pool.grow():
        return 1
    if not gfp & GFP_NOWARN and not _ratelimited(ctx):
        comm = task(ctx).split("/")[0]
        warn(
            ctx,
            [
                f"{comm}: page allocation failure: order:{order}, "
                f"mode:{gfp:#x}({_gfp_text(gfp)}), nodemask=(null)"
                f" (page pool of {CHUNKS_MAX * 4} MiB used up)"
            ],
        )
    return 0


@kapi("__lkmsh_pages_scrub", "void __lkmsh_pages_scrub(u64 *ring, u32 n)")
def pages_scrub(ctx: CallContext) -> None:
    ctx.kernel.pages.scrub(ctx.arg(1) & 0xFFFFFFFF)


@kapi(
    "__lkmsh_bad_page",
    "void __lkmsh_bad_page(struct page *page, unsigned int order, unsigned long caller)",
)
def bad_page(ctx: CallContext) -> None:
    """bad_page()'s report for a free of a page that is not allocated."""
    page = ctx.arg(0)
    pfn = (page - VMEMMAP_START) // 64 if page >= VMEMMAP_START else page_to_virt(page) >> 12
    comm = task(ctx).split("/")[0]
    lines = [
        f"BUG: Bad page state in process {comm}  pfn:{pfn & 0xFFFFFFFFFFFFF:05x}",
        f"page:{page:016x} refcount:0 mapcount:0 mapping:0000000000000000 index:0x0"
        f" pfn:{pfn & 0xFFFFFFFFFFFFF:#x}",
        "page dumped because: nonzero _refcount",
    ]
    report(ctx, lines)
    ctx.kernel.add_taint("B")
