"""kmem_cache_create and friends, kvmalloc/kvfree, add_taint: the rest of the allocator API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KERNEL_OWNER, KIND_KMALLOC, KIND_VMALLOC, ZERO_SIZE_PTR
from lkmsh.kernel.kapi.bug import caller_symbol, warn
from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import _alloc, _free
from lkmsh.kernel.memory import Perm
from lkmsh.kernel.slabcache import Cache

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

GFP_ZERO = 0x100
SLAB_TYPESAFE_BY_RCU = 0x00080000
HANDLE_SIZE = 64  # what a struct kmem_cache * points at (its contents are the kernel's)
CACHE_CTOR = 56  # where the handle keeps the constructor, for lkmsh/klib/page_alloc.c
KVMALLOC_SLAB_MAX = 8 << 12  # larger kvmalloc requests go to vmalloc, as the fallback would
#: Linux's taint numbers (include/linux/panic.h) and their letters
TAINT_LETTERS = "PFSRMBUDAWCIOELKXTN"


def _cache(ctx: CallContext, handle: int) -> Cache | None:
    return ctx.kernel.slab_caches.caches.get(handle)


def _create(ctx: CallContext, name: int, size: int, align: int, flags: int, ctor: int) -> int:
    handle = ctx.kernel.heap.alloc(HANDLE_SIZE, KERNEL_OWNER, ctx.caller, zero=True)
    if not handle:
        return 0
    text = decode(cstr(ctx, name, 256))
    ctx.kernel.slab_caches.caches[handle] = Cache(text, size, align or 8, flags, ctor, owner(ctx))
    ctx.mem.write_u64(handle + CACHE_CTOR, ctor)  # page_alloc.c's kmem_cache_alloc runs it
    return handle


@kapi(
    "kmem_cache_create",
    "struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,"
    " unsigned int align, slab_flags_t flags, void (*ctor)(void *))",
)
def kmem_cache_create(ctx: CallContext) -> int:
    size, align = ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2) & 0xFFFFFFFF
    return _create(ctx, ctx.arg(0), size, align, ctx.arg(3) & 0xFFFFFFFF, ctx.arg(4))


@kapi(
    "kmem_cache_create_usercopy",
    "struct kmem_cache *kmem_cache_create_usercopy(const char *name, unsigned int size,"
    " unsigned int align, slab_flags_t flags, unsigned int useroffset, unsigned int usersize,"
    " void (*ctor)(void *))",
)
def kmem_cache_create_usercopy(ctx: CallContext) -> int:
    size, align = ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2) & 0xFFFFFFFF
    return _create(ctx, ctx.arg(0), size, align, ctx.arg(3) & 0xFFFFFFFF, ctx.arg(6))


def _as_they_were(cache: Cache) -> bool:
    """A constructor's or SLAB_TYPESAFE_BY_RCU cache: its objects are neither zeroed at
    allocation (init_on_alloc) nor poisoned at free, as SLUB keeps them."""
    return bool(cache.ctor or cache.flags & SLAB_TYPESAFE_BY_RCU)


def _cache_free(ctx: CallContext, cache: Cache | None, obj: int) -> None:
    if not obj:
        return
    _free(ctx, obj, poison=cache is None or not _as_they_were(cache))
    if cache is not None and obj in cache.objects:
        cache.objects.remove(obj)


@kapi("kmem_cache_free", "void kmem_cache_free(struct kmem_cache *s, void *objp)")
def kmem_cache_free(ctx: CallContext) -> None:
    _cache_free(ctx, _cache(ctx, ctx.arg(0)), ctx.arg(1))


@kapi(
    "__lkmsh_cache_alloc",
    "int __lkmsh_cache_alloc(struct kmem_cache *s, gfp_t flags, size_t n, void **p,"
    " unsigned long caller)",
)
def cache_alloc(ctx: CallContext) -> int:
    """kmem_cache_alloc(_bulk)'s objects into p[] (lkmsh/klib/page_alloc.c then runs the
    constructor): all or none, their count (6.1's bulk returns 0 on failure)."""
    handle, gfp, n, array, caller = (ctx.arg(i) for i in range(5))
    gfp &= 0xFFFFFFFF
    cache = _cache(ctx, handle)
    if cache is None:
        warn(ctx, [f"kmem_cache_alloc: {handle:#x} is not a slab cache"])
        return 0
    ctx.mem.check(array, 8 * n, Perm.W)  # a bad array faults before anything moves
    size = -(-max(cache.size, 1) // cache.align) * cache.align
    init = not _as_they_were(cache)
    got: list[int] = []
    for i in range(n):
        obj = _alloc(ctx, size, gfp, zero=bool(gfp & GFP_ZERO), init=init, caller=caller)
        if not obj:
            for done in got:
                _cache_free(ctx, cache, done)
            return 0
        got.append(obj)
        cache.objects.append(obj)
        ctx.mem.write_u64(array + 8 * i, obj)
        if i & 255 == 255:
            ctx.mem.pause()
    return n


@kapi(
    "kmem_cache_free_bulk", "void kmem_cache_free_bulk(struct kmem_cache *s, size_t size, void **p)"
)
def kmem_cache_free_bulk(ctx: CallContext) -> None:
    cache, size, array = _cache(ctx, ctx.arg(0)), ctx.arg(1), ctx.arg(2)
    ctx.mem.check(array, 8 * size, Perm.R)
    for i in range(size):
        _cache_free(ctx, cache, ctx.mem.read_u64(array + 8 * i))
        if i & 255 == 255:
            ctx.mem.pause()


@kapi("kmem_cache_destroy", "void kmem_cache_destroy(struct kmem_cache *s)")
def kmem_cache_destroy(ctx: CallContext) -> None:
    handle = ctx.arg(0)
    cache = ctx.kernel.slab_caches.caches.pop(handle, None)
    if cache is None:
        return
    if cache.objects:
        rule = "=" * 77
        ctx.kernel.log.emit(3, rule)
        ctx.kernel.log.emit(
            3,
            f"BUG {cache.name} (Tainted: G           O     ): Objects remaining in {cache.name}"
            " on __kmem_cache_shutdown()",
        )
        ctx.kernel.log.emit(3, "-" * 77)
        warn(
            ctx,
            [
                f"kmem_cache_destroy {cache.name}: Slab cache still has objects when called"
                f" from {caller_symbol(ctx)}"
            ],
        )
    ctx.kernel.heap.free(handle)


@kapi("kmem_cache_size", "unsigned int kmem_cache_size(struct kmem_cache *s)")
def kmem_cache_size(ctx: CallContext) -> int:
    cache = _cache(ctx, ctx.arg(0))
    return cache.size if cache is not None else 0


@kapi("kvmalloc_node", "void *kvmalloc_node(size_t size, gfp_t flags, int node)")
def kvmalloc_node(ctx: CallContext) -> int:
    size, gfp = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF
    kind = KIND_KMALLOC if size <= KVMALLOC_SLAB_MAX else KIND_VMALLOC
    return _alloc(ctx, size, gfp, kind, zero=bool(gfp & GFP_ZERO))


@kapi("kvfree", "void kvfree(const void *addr)")
def kvfree(ctx: CallContext) -> None:
    addr = ctx.arg(0)
    if addr <= ZERO_SIZE_PTR:
        return
    found = ctx.kernel.heap.lookup(addr)
    _free(ctx, addr, found.kind if found is not None else KIND_KMALLOC)


@kapi("add_taint", "void add_taint(unsigned flag, enum lockdep_ok lockdep_ok)")
def add_taint(ctx: CallContext) -> None:
    flag = ctx.arg(0) & 0xFFFFFFFF
    if flag < len(TAINT_LETTERS):
        ctx.kernel.add_taint(TAINT_LETTERS[flag])


@kapi("test_taint", "int test_taint(unsigned flag)")
def test_taint(ctx: CallContext) -> int:
    flag = ctx.arg(0) & 0xFFFFFFFF
    return int(flag < len(TAINT_LETTERS) and TAINT_LETTERS[flag] in ctx.kernel.taints)
