"""Mirroring user address spaces (<linux/mmu_notifier.h>, <linux/hmm.h>, <linux/migrate.h>,
<linux/rmap.h>, <linux/pagemap.h>, VMAs of <linux/mm.h>).

lkmsh's address spaces (mm.py) are struct mm_structs with counts and an
mmap_lock, and no VMAs or page tables: a command's user memory (its ioctl
buffers, vm_mmap()'s pages) is mapped without one and has no struct pages.
So each function here does what Linux's does for an address no VMA covers:
find_vma() finds none, hmm_range_fault() and make_device_exclusive_range()
return -EFAULT where a page would have to be faulted in (hmm_range_fault()
marks the pages HMM_PFN_ERROR when none is), migrate_vma_setup() returns
-EINVAL without a VMA. When the address is in fact a command's user memory,
which Linux would have mirrored, dmesg says why lkmsh cannot.

Interval notifiers are kept (and hold their mm_struct, as mmgrab), but no
invalidation ever comes: nothing changes page tables lkmsh does not have.
"""

from __future__ import annotations

import errno as E
import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.bug import report, warn
from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.mm import MM_STRUCT
from lkmsh.kernel.pages import STRUCT_PAGE, VMEMMAP_START
from lkmsh.kernel.zonedev import pages_held

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1
#: struct mmu_interval_notifier
MNI_START, MNI_LAST, MNI_OPS, MNI_MM, MNI_SEQ = 24, 32, 48, 56, 80
#: mmu_notifier_subscriptions' invalidate_seq starts at 2 (even: no invalidation running)
FIRST_SEQ = 2
#: struct hmm_range
HMM_RANGE = struct.Struct("<8Q")
HMM_PFN_VALID = 1 << 63
HMM_PFN_WRITE = 1 << 62
HMM_PFN_ERROR = 1 << 61
HMM_PFN_REQ_FAULT = HMM_PFN_VALID
#: struct migrate_vma
MIGRATE_VMA = struct.Struct("<10Q")
MIGRATE_PFN_VALID, MIGRATE_PFN_MIGRATE, MIGRATE_PFN_SHIFT = 1, 2, 6
PAGE_SHIFT = 12
PG_LOCKED = 1
PAGE_REFCOUNT = 52

NO_VMA = (
    "lkmsh maps a command's user memory without a VMA or struct pages (its address"
    " spaces have no page tables), so no device can mirror it"
)


def _user_memory(ctx: CallContext, start: int, end: int) -> bool:
    """Whether some page of [start, end) is a command's user memory."""
    mem = ctx.kernel.mem
    at = start & ~0xFFF
    for _ in range(64):
        if at >= end:
            break
        region = mem.region_at(at)
        if region is not None and region.user:
            return True
        at += 0x1000
    return False


def _no_vma(ctx: CallContext, fn: str, start: int, end: int) -> None:
    if _user_memory(ctx, start, end):
        report(ctx, [f"{fn}: {start:#x}-{end:#x}: {NO_VMA}"], 4)


# -- VMAs ----------------------------------------------------------------------------------


@kapi("find_vma", "struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)")
def find_vma(ctx: CallContext) -> int:
    """The first VMA ending above @addr: lkmsh's address spaces hold none."""
    return 0


@kapi(
    "vm_insert_page",
    "int vm_insert_page(struct vm_area_struct *vma, unsigned long addr, struct page *page)",
)
def vm_insert_page(ctx: CallContext) -> int:
    vma, addr, page = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    mem = ctx.mem
    start, end = mem.read_u64(vma), mem.read_u64(vma + 8)
    if addr < start or addr >= end:
        return -E.EFAULT & MASK64
    if not mem.read_u32(page + PAGE_REFCOUNT):
        return -E.EINVAL & MASK64
    # no VMA comes from lkmsh (nothing mmaps a file), so this one is the caller's own
    report(ctx, [f"vm_insert_page: {addr:#x}: not a VMA of lkmsh's: it has no page tables"], 4)
    return -E.EFAULT & MASK64


# -- interval notifiers ----------------------------------------------------------------------


def _notifiers(ctx: CallContext) -> dict[int, tuple[int, str]]:
    return ctx.kernel.zonedev.notifiers


@kapi(
    "mmu_interval_notifier_insert",
    "int mmu_interval_notifier_insert(struct mmu_interval_notifier *interval_sub,"
    " struct mm_struct *mm, unsigned long start, unsigned long length,"
    " const struct mmu_interval_notifier_ops *ops)",
    gpl=True,
)
def mmu_interval_notifier_insert(ctx: CallContext) -> int:
    sub, mm, start, length, ops = (ctx.arg(i) for i in range(5))
    kernel, mem = ctx.kernel, ctx.mem
    if mm not in kernel.mm.live or not mem.read_u32(mm + MM_STRUCT.off("mm_users")):
        # Linux BUG()s on an mm without users (mmu_notifier_register): refuse it
        warn(ctx, [f"mmu_interval_notifier_insert: {mm:#x} is no live address space"])
        return -E.EINVAL & MASK64
    if start + length > MASK64 + 1 or not length:
        return -E.EOVERFLOW & MASK64
    mem.write_u64(sub + MNI_START, start)
    mem.write_u64(sub + MNI_LAST, start + length - 1)
    mem.write_u64(sub + MNI_OPS, ops)
    mem.write_u64(sub + MNI_MM, mm)
    mem.write_u64(sub + MNI_SEQ, FIRST_SEQ)
    count = mm + MM_STRUCT.off("mm_count")
    mem.write_u32(count, mem.read_u32(count) + 1)  # mmgrab(mm)
    _notifiers(ctx)[sub] = (mm, owner(ctx))
    return 0


@kapi(
    "mmu_interval_notifier_remove",
    "void mmu_interval_notifier_remove(struct mmu_interval_notifier *interval_sub)",
    gpl=True,
)
def mmu_interval_notifier_remove(ctx: CallContext) -> None:
    got = _notifiers(ctx).pop(ctx.arg(0), None)
    if got is not None:
        ctx.kernel.mm.drop(got[0])  # mmdrop(mm)


@kapi(
    "mmu_interval_read_begin",
    "unsigned long mmu_interval_read_begin(struct mmu_interval_notifier *interval_sub)",
    gpl=True,
)
def mmu_interval_read_begin(ctx: CallContext) -> int:
    return ctx.mem.read_u64(ctx.arg(0) + MNI_SEQ)


# -- hmm_range_fault ----------------------------------------------------------------------------


@kapi("hmm_range_fault", "int hmm_range_fault(struct hmm_range *range)")
def hmm_range_fault(ctx: CallContext) -> int:
    mem = ctx.mem
    notifier, seq, start, end, pfns, default, mask, _ = HMM_RANGE.unpack(
        mem.read(ctx.arg(0), HMM_RANGE.size)
    )
    if notifier and mem.read_u64(notifier + MNI_SEQ) != seq:
        return -E.EBUSY & MASK64  # mmu_interval_check_retry()
    n = max(0, (end - start) >> PAGE_SHIFT)
    given = struct.unpack(f"<{n}Q", mem.read(pfns, 8 * n)) if n else ()
    # the whole range is a hole (no VMA): hmm_vma_walk_hole() faults or reports errors
    if any(((p & mask) | default) & HMM_PFN_REQ_FAULT for p in given):
        _no_vma(ctx, "hmm_range_fault", start, end)
        return -E.EFAULT & MASK64
    if n:
        mem.write(pfns, struct.pack(f"<{n}Q", *(HMM_PFN_ERROR for _ in given)))
    return 0


@kapi(
    "make_device_exclusive_range",
    "int make_device_exclusive_range(struct mm_struct *mm, unsigned long start,"
    " unsigned long end, struct page **pages, void *arg)",
    gpl=True,
)
def make_device_exclusive_range(ctx: CallContext) -> int:
    """get_user_pages_remote() of the range first: no VMA covers it, -EFAULT."""
    _no_vma(ctx, "make_device_exclusive_range", ctx.arg(1), ctx.arg(2))
    return -E.EFAULT & MASK64


# -- migration ------------------------------------------------------------------------------------


@kapi("migrate_vma_setup", "int migrate_vma_setup(struct migrate_vma *args)")
def migrate_vma_setup(ctx: CallContext) -> int:
    args, mem = ctx.arg(0), ctx.mem
    vma, dst, src, _, _, start, end, _, _, _ = MIGRATE_VMA.unpack(mem.read(args, MIGRATE_VMA.size))
    mem.write_u64(args + 40, start & ~0xFFF)
    mem.write_u64(args + 48, end & ~0xFFF)
    # every VMA is the caller's own (lkmsh makes none): Linux's checks refuse the rest
    if not vma or end <= start or not src or not dst:
        return -E.EINVAL & MASK64
    report(ctx, [f"migrate_vma_setup: {start:#x}-{end:#x}: {NO_VMA}"], 4)
    return -E.EINVAL & MASK64


def _entries(ctx: CallContext, addr: int, n: int) -> list[int]:
    return list(struct.unpack(f"<{n}Q", ctx.mem.read(addr, 8 * n))) if n > 0 else []


def _migrate_pages(ctx: CallContext, src: int, dst: int, n: int) -> None:
    """The collected pages move to their destinations. lkmsh collects none (see
    migrate_device_range() and migrate_vma_setup()): an entry marked MIGRATE by the
    caller itself is no page lkmsh took, so it is not migrated (MIGRATE cleared)."""
    for i, s in enumerate(_entries(ctx, src, n)):
        if s & MIGRATE_PFN_MIGRATE:
            ctx.mem.write_u64(src + 8 * i, s & ~MIGRATE_PFN_MIGRATE)


def _finalize(ctx: CallContext, src: int, n: int) -> None:
    """Nothing was collected (see migrate_device_range): nothing to put back."""


@kapi("migrate_vma_pages", "void migrate_vma_pages(struct migrate_vma *migrate)")
def migrate_vma_pages(ctx: CallContext) -> None:
    """Only after a migrate_vma_setup() that succeeded, which lkmsh's never does."""
    args, mem = ctx.arg(0), ctx.mem
    _migrate_pages(ctx, mem.read_u64(args + 16), mem.read_u64(args + 8), mem.read_u64(args + 32))


@kapi("migrate_vma_finalize", "void migrate_vma_finalize(struct migrate_vma *migrate)")
def migrate_vma_finalize(ctx: CallContext) -> None:
    args, mem = ctx.arg(0), ctx.mem
    _finalize(ctx, mem.read_u64(args + 16), mem.read_u64(args + 32))


@kapi(
    "migrate_device_range",
    "int migrate_device_range(unsigned long *src_pfns, unsigned long start, unsigned long npages)",
)
def migrate_device_range(ctx: CallContext) -> int:
    """The range's pages in use, to move back to system memory. A device page is in use
    only once migrate_vma_*() moved user memory to it, which lkmsh's cannot (no VMAs):
    a page a driver handed out otherwise is mapped nowhere, so it stays with the
    driver (src 0) and dmesg says so."""
    src, start, n = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    mem = ctx.mem
    base = VMEMMAP_START + start * STRUCT_PAGE
    held = pages_held(mem.read(base, n * STRUCT_PAGE))
    mem.write(src, bytes(8 * n))
    if held:
        report(
            ctx,
            [f"migrate_device_range: {held} device page(s) in use are mapped nowhere: left"],
            4,
        )
    return 0


@kapi(
    "migrate_device_pages",
    "void migrate_device_pages(unsigned long *src_pfns, unsigned long *dst_pfns,"
    " unsigned long npages)",
)
def migrate_device_pages(ctx: CallContext) -> None:
    _migrate_pages(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2))


@kapi(
    "migrate_device_finalize",
    "void migrate_device_finalize(unsigned long *src_pfns, unsigned long *dst_pfns,"
    " unsigned long npages)",
)
def migrate_device_finalize(ctx: CallContext) -> None:
    _finalize(ctx, ctx.arg(0), ctx.arg(2))


# -- the page lock -------------------------------------------------------------------------------


@kapi("__folio_lock", "void __folio_lock(struct folio *folio)")
def folio_lock(ctx: CallContext) -> None:
    """Wait for the page lock: folio_unlock() hands it over."""
    folio, mem = ctx.arg(0), ctx.mem
    flags = mem.read_u64(folio)
    if not flags & PG_LOCKED:
        mem.write_u64(folio, flags | PG_LOCKED)
        return
    sched = ctx.kernel.sched
    sched.block("folio_wait_bit_common", obj=folio, caller=ctx.caller, result=0)


@kapi("folio_unlock", "void folio_unlock(struct folio *folio)")
def folio_unlock(ctx: CallContext) -> None:
    folio, mem = ctx.arg(0), ctx.mem
    sched = ctx.kernel.sched
    waiters = sched.waiters(folio)
    if waiters:
        sched.wake(waiters[0], 0)  # the lock stays set: it is the waiter's now
        return
    mem.write_u64(folio, mem.read_u64(folio) & ~PG_LOCKED)
