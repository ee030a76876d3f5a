"""kmem_cache_create and friends, kvmalloc/kvfree, add_taint: the rest of the allocator API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KERNEL_OWNER, KIND_KMALLOC, KIND_VMALLOC, ZERO_SIZE_PTR
from lkmsh.kernel.kapi.bug import caller_symbol, warn
from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import _alloc, _free
from lkmsh.kernel.slabcache import Cache

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

GFP_ZERO = 0x100
HANDLE_SIZE = 64  # what a struct kmem_cache * points at (its contents are the kernel's)
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


@kapi("kmem_cache_alloc", "void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags)")
def kmem_cache_alloc(ctx: CallContext) -> int:
    cache = _cache(ctx, ctx.arg(0))
    if cache is None:
        warn(ctx, [f"kmem_cache_alloc: {ctx.arg(0):#x} is not a slab cache"])
        return 0
    gfp = ctx.arg(1) & 0xFFFFFFFF
    size = -(-max(cache.size, 1) // cache.align) * cache.align
    obj = _alloc(ctx, size, gfp, zero=bool(gfp & GFP_ZERO))
    if obj:
        cache.objects.append(obj)
        if cache.ctor:
            ctx.kernel.call(cache.ctor, [obj])
    return obj


@kapi("kmem_cache_free", "void kmem_cache_free(struct kmem_cache *s, void *objp)")
def kmem_cache_free(ctx: CallContext) -> None:
    cache, obj = _cache(ctx, ctx.arg(0)), ctx.arg(1)
    if not obj:
        return
    _free(ctx, obj)
    if cache is not None and obj in cache.objects:
        cache.objects.remove(obj)


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
