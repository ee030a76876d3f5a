"""kmalloc and friends over the slab heap (lkmsh/kernel/heap.py).

Misuse is reported as KASAN reports it and ends the call (a KernelBug)::

    ==================================================================
    BUG: KASAN: double-free in hx_exit+0x1a/0x30 [hx]
    Free of addr ffff888000000040 by task rmmod/1
    <call trace>
    Allocated by task 1:
     hx_init+0x12/0x40 [hx]

    Freed by task 1:
     hx_exit+0x10/0x30 [hx]

    The buggy address belongs to the object at ffff888000000040
     which belongs to the cache kmalloc-64 of size 64
    ==================================================================

An invalid free (a pointer into the middle of an object, or not from the
heap) says ``BUG: KASAN: invalid-free in ...``. A request above
KMALLOC_MAX_SIZE and a failure at the heap limit log Linux's warnings and
return NULL, unless ``__GFP_NOWARN`` is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel import layout
from lkmsh.kernel.heap import (
    KIND_KMALLOC,
    KIND_VMALLOC,
    KMALLOC_MAX_SIZE,
    ZERO_SIZE_PTR,
    DoubleFree,
    InvalidFree,
    free_function,
)
from lkmsh.kernel.kapi.bug import KernelBug, call_trace, caller_symbol, warn
from lkmsh.kernel.kapi.common import cstr, owner, task
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

GFP_ZERO = 0x100
GFP_NOWARN = 0x2000
GFP_DIRECT_RECLAIM = 0x400
SIZE_MAX = (1 << 64) - 1
RULE = "=" * 66
WARN_INTERVAL_NS = 10 * 1_000_000_000  # DEFINE_RATELIMIT_STATE(nopage_rs, 10*HZ, 1)


def _alloc(
    ctx: CallContext,
    size: int,
    gfp: int,
    kind: str = KIND_KMALLOC,
    zero=False,
    init=True,
    caller: int | None = None,
    align: int = 0,
) -> int:
    if size > KMALLOC_MAX_SIZE:
        if not gfp & GFP_NOWARN:
            warn(
                ctx, [f"WARNING: CPU: 0 PID: 1 at mm/page_alloc.c:5534 __alloc_pages (size {size})"]
            )
        return 0
    heap = ctx.kernel.heap
    zero = zero or bool(gfp & GFP_ZERO)
    where = ctx.caller if caller is None else caller
    if kind == KIND_VMALLOC and (gfp & GFP_DIRECT_RECLAIM or not gfp):
        # vm_area_alloc_pages()' cond_resched() between its bulk allocations: the
        # watchdog's thread gets the CPU, so a loop of vmallocs is no soft lockup
        ctx.kernel.touch_softlockup_watchdog()
    addr = heap.alloc(size, owner(ctx), where, zero, gfp, False, kind, init, align)
    if addr == 0 and size and not gfp & GFP_NOWARN and not _ratelimited(ctx):
        if align and heap.footprint + size <= heap.limit:
            _no_vmap_area(ctx, size, gfp)
            return 0
        order = max(0, (max(size, 1) - 1).bit_length() - 12)
        comm = task(ctx).split("/")[0]
        full = heap.live_count >= heap.objects_max
        why = f"{heap.objects_max} live objects" if full else f"heap limit {heap.limit} bytes"
        warn(
            ctx,
            [
                f"{comm}: page allocation failure: order:{order}, mode:{gfp:#x}, "
                f"nodemask=(null) ({why} reached)"
            ],
        )
    return addr


def _no_vmap_area(ctx: CallContext, size: int, gfp: int) -> None:
    """__vmalloc_node_range() finding no virtual area at the alignment asked (its
    alloc_vmap_area's warning, then warn_alloc's, whose dump_stack ends it)."""
    from lkmsh.kernel.kapi.vsprintf_flags import GFP_FLAG_NAMES, format_flags

    size = -(-size // layout.PAGE_SIZE) * layout.PAGE_SIZE
    log = ctx.kernel.log
    log.emit(4, f"vmap allocation for size {size + layout.PAGE_SIZE} failed: use vmalloc=<size>"
             " to increase size")  # fmt: skip
    comm = task(ctx).rsplit("/", 1)[0]
    log.emit(
        4,
        f"{comm}: vmalloc error: size {size}, vm_struct allocation failed,"
        f" mode:{gfp:#x}({format_flags(gfp, GFP_FLAG_NAMES)}),"
        " nodemask=(null),cpuset=/,mems_allowed=0",
    )
    for line in call_trace(ctx):
        log.emit(4, line)


def _ratelimited(ctx: CallContext) -> bool:
    """warn_alloc's ratelimit (one report per 10 s, the others counted and named in
    the next): a module that keeps asking a full heap costs microseconds a call."""
    heap, now = ctx.kernel.heap, ctx.kernel.clock.ns()
    if heap.warned_ns is not None and now - heap.warned_ns < WARN_INTERVAL_NS:
        heap.warn_missed += 1
        return True
    if heap.warn_missed:
        ctx.kernel.log.emit(4, f"warn_alloc: {heap.warn_missed} callbacks suppressed")
        heap.warn_missed = 0
    heap.warned_ns = now
    return False


def _kasan(ctx: CallContext, err: DoubleFree | InvalidFree, free_fn: str) -> KernelBug:
    kind = "double-free" if isinstance(err, DoubleFree) else "invalid-free"
    where = caller_symbol(ctx)
    lines = [
        RULE,
        f"BUG: KASAN: {kind} in {where}",
        f"Free of addr {err.addr:016x} by task {task(ctx)}",
        "",
        *call_trace(ctx),
        "",
    ]
    symbolize = ctx.kernel.symbolize
    obj = err.record if isinstance(err, DoubleFree) else err.containing
    if obj is not None:
        lines += [
            "Allocated by task 1:",
            f" {symbolize(obj.caller) if obj.caller else '(kernel)'}",
            "",
        ]
        if isinstance(err, DoubleFree):
            freer = symbolize(obj.free_caller) if obj.free_caller else "(kernel)"
            lines += ["Freed by task 1:", f" {freer}", ""]
        offset = err.addr - obj.addr
        lines += [
            f"The buggy address belongs to the object at {obj.addr:016x}",
            f" which belongs to the cache {obj.cache_name} of size {obj.capacity}",
            f"The buggy address is located {offset} bytes inside of",
            f" {obj.capacity}-byte region [{obj.addr:016x}, {obj.addr + obj.capacity:016x})",
        ]
    else:
        lines.append(f"The buggy address {err.addr:016x} is not a {free_fn}() object of the heap")
    lines.append(RULE)
    return KernelBug(f"BUG: KASAN: {kind} in {where}", lines)


def _free(ctx: CallContext, addr: int, kind: str = KIND_KMALLOC, poison: bool = True) -> None:
    try:
        ctx.kernel.heap.free(addr, ctx.caller, kind, poison)
    except (DoubleFree, InvalidFree) as err:
        raise _kasan(ctx, err, free_function(kind)) from None


# kmalloc, kzalloc and kfree are lkmsh/klib/slab.c's on the emulated CPU; these are
# their slow paths (no slab lent, a bad free), which then lend the slab just used.


@kapi("kmalloc", "void *kmalloc(size_t size, gfp_t flags)")
def kmalloc(ctx: CallContext) -> int:
    addr = _alloc(ctx, ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF)
    ctx.kernel.heap.lend(addr)
    return addr


@kapi("kzalloc", "void *kzalloc(size_t size, gfp_t flags)")
def kzalloc(ctx: CallContext) -> int:
    addr = _alloc(ctx, ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, zero=True)
    ctx.kernel.heap.lend(addr)
    return addr


def _array(ctx: CallContext, zero: bool) -> int:
    n, size = ctx.arg(0), ctx.arg(1)
    if size and n > SIZE_MAX // size:
        return 0  # check_mul_overflow: NULL, no warning
    return _alloc(ctx, n * size, ctx.arg(2) & 0xFFFFFFFF, zero=zero)


@kapi("kcalloc", "void *kcalloc(size_t n, size_t size, gfp_t flags)")
def kcalloc(ctx: CallContext) -> int:
    return _array(ctx, zero=True)


@kapi("kmalloc_array", "void *kmalloc_array(size_t n, size_t size, gfp_t flags)")
def kmalloc_array(ctx: CallContext) -> int:
    return _array(ctx, zero=False)


@kapi("krealloc", "void *krealloc(const void *p, size_t new_size, gfp_t flags)")
def krealloc(ctx: CallContext) -> int:
    p, new_size, gfp = ctx.arg(0), ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF
    heap = ctx.kernel.heap
    if p in (0, ZERO_SIZE_PTR):
        return _alloc(ctx, new_size, gfp)
    if new_size == 0:
        _free(ctx, p)
        return ZERO_SIZE_PTR
    old = heap.lookup(p)
    if old is None or old.kind != KIND_KMALLOC:
        _free(ctx, p)  # reports the misuse
        return 0
    if new_size > KMALLOC_MAX_SIZE:
        return _alloc(ctx, new_size, gfp)
    old_size = old.size
    try:
        new = heap.realloc(p, new_size, owner(ctx), ctx.caller, gfp)
    except (DoubleFree, InvalidFree) as err:
        raise _kasan(ctx, err, "kfree") from None
    if new and gfp & GFP_ZERO and new_size > old_size:
        ctx.mem.write(new + old_size, bytes(new_size - old_size))
    return new


@kapi("kfree", "void kfree(const void *objp)")
def kfree(ctx: CallContext) -> None:
    addr = ctx.arg(0)
    if addr <= ZERO_SIZE_PTR:  # ZERO_OR_NULL_PTR
        return
    _free(ctx, addr)
    ctx.kernel.heap.lend(addr)


@kapi("ksize", "size_t ksize(const void *objp)")
def ksize(ctx: CallContext) -> int:
    addr = ctx.arg(0)
    if addr <= ZERO_SIZE_PTR:
        return 0
    return ctx.kernel.heap.ksize(addr)


def _dup(ctx: CallContext, data: bytes, gfp: int) -> int:
    addr = _alloc(ctx, len(data), gfp)
    if addr and data:
        ctx.mem.write(addr, data)
    return addr


@kapi("kstrdup", "char *kstrdup(const char *s, gfp_t gfp)")
def kstrdup(ctx: CallContext) -> int:
    s = ctx.arg(0)
    if not s:
        return 0
    return _dup(ctx, cstr(ctx, s) + b"\0", ctx.arg(1) & 0xFFFFFFFF)


def _kernel_rodata(addr: int) -> bool:
    """is_kernel_rodata(): the kernel image's own constants (lkmsh's kernel text and
    data, the kernel library's strings among them), never a module's."""
    return layout.KERNEL_TEXT_BASE <= addr < layout.KERNEL_DATA_BASE + layout.KERNEL_DATA_SIZE


@kapi("kstrdup_const", "const char *kstrdup_const(const char *s, gfp_t gfp)")
def kstrdup_const(ctx: CallContext) -> int:
    """@s itself when it is the kernel's constant, else a kstrdup() copy (mm/util.c)."""
    s = ctx.arg(0)
    return s if _kernel_rodata(s) else kstrdup(ctx)


@kapi("kfree_const", "void kfree_const(const void *x)")
def kfree_const(ctx: CallContext) -> None:
    """kfree() unless @x is the kernel's constant (what kstrdup_const() returned as is)."""
    if not _kernel_rodata(ctx.arg(0)):
        kfree(ctx)


@kapi("kstrndup", "char *kstrndup(const char *s, size_t max, gfp_t gfp)")
def kstrndup(ctx: CallContext) -> int:
    s = ctx.arg(0)
    if not s:
        return 0
    return _dup(ctx, cstr(ctx, s, ctx.arg(1)) + b"\0", ctx.arg(2) & 0xFFFFFFFF)


@kapi("kmemdup", "void *kmemdup(const void *src, size_t len, gfp_t gfp)")
def kmemdup(ctx: CallContext) -> int:
    n = ctx.arg(1)
    if n > KMALLOC_MAX_SIZE:
        return _alloc(ctx, n, ctx.arg(2) & 0xFFFFFFFF)
    return _dup(ctx, ctx.mem.read(ctx.arg(0), n), ctx.arg(2) & 0xFFFFFFFF)


@kapi("vmalloc", "void *vmalloc(unsigned long size)")
def vmalloc(ctx: CallContext) -> int:
    size = ctx.arg(0)
    if size == 0:
        return 0
    return _alloc(ctx, size, 0, KIND_VMALLOC)


@kapi("vzalloc", "void *vzalloc(unsigned long size)")
def vzalloc(ctx: CallContext) -> int:
    size = ctx.arg(0)
    if size == 0:
        return 0
    return _alloc(ctx, size, 0, KIND_VMALLOC, zero=True)


@kapi("__vmalloc", "void *__vmalloc(unsigned long size, gfp_t gfp_mask)")
def __vmalloc(ctx: CallContext) -> int:
    size, gfp = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF
    if size == 0:
        return 0
    return _alloc(ctx, size, gfp, KIND_VMALLOC, zero=bool(gfp & GFP_ZERO))


@kapi(
    "__vmalloc_node",
    "void *__vmalloc_node(unsigned long size, unsigned long align, gfp_t gfp_mask, int node,"
    " const void *caller)",
    gpl=True,
)
def __vmalloc_node(ctx: CallContext) -> int:
    """vmalloc with its area at a multiple of @align (one node: @node is not used);
    @caller is the address /proc/vmallocinfo would name."""
    size, align, gfp, caller = ctx.arg(0), ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF, ctx.arg(4)
    if size == 0:
        return 0
    if align & (align - 1):
        align = 1 << align.bit_length()  # __get_vm_area_node()'s BUG_ON aside: a power of 2
    return _alloc(
        ctx, size, gfp, KIND_VMALLOC, zero=bool(gfp & GFP_ZERO), caller=caller or None,
        align=align if align > layout.PAGE_SIZE else 0,
    )  # fmt: skip


@kapi("vmalloc_node", "void *vmalloc_node(unsigned long size, int node)")
def vmalloc_node(ctx: CallContext) -> int:
    return vmalloc(ctx)


@kapi("vzalloc_node", "void *vzalloc_node(unsigned long size, int node)")
def vzalloc_node(ctx: CallContext) -> int:
    return vzalloc(ctx)


@kapi("vfree", "void vfree(const void *addr)")
def vfree(ctx: CallContext) -> None:
    addr = ctx.arg(0)
    if not addr:
        return
    heap = ctx.kernel.heap
    a = heap.lookup(addr)
    if a is not None and a.kind != KIND_VMALLOC:
        warn(ctx, [f"Trying to vfree() nonexistent vm area ({addr:016x})"])
        return
    try:
        heap.free(addr, ctx.caller, KIND_VMALLOC)
    except DoubleFree as err:
        raise _kasan(ctx, err, "vfree") from None
    except InvalidFree:
        warn(ctx, [f"Trying to vfree() bad address ({addr:016x})"])
