"""kmem_cache_create and friends, kvmalloc/kvfree, add_taint: the rest of the allocator API.

A cache created with SLUB's debug flags (SLAB_RED_ZONE, SLAB_POISON,
SLAB_STORE_USER, SLAB_CONSISTENCY_CHECKS, SLAB_TRACE) keeps its objects in
slabs of its own, checked as mm/slub.c checks them (lkmsh/kernel/slubdebug.py);
the others take their objects from the kmalloc heap.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.errors import BadAddress
from lkmsh.kernel.heap import KERNEL_OWNER, KIND_KMALLOC, KIND_SLAB, KIND_VMALLOC, ZERO_SIZE_PTR
from lkmsh.kernel.kapi.bug import call_trace, caller_symbol, warn
from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import _alloc, _free
from lkmsh.kernel.kunit import K_RESOURCES
from lkmsh.kernel.memory import Perm
from lkmsh.kernel.slabcache import Cache
from lkmsh.kernel.slubdebug import SLAB_POISON, Slub

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

GFP_ZERO = 0x100
SLAB_TYPESAFE_BY_RCU = 0x00080000
#: sizeof(struct kmem_cache) (<linux/slub_def.h>); the cache's name follows it
HANDLE_SIZE = 224
#: struct kmem_cache: flags, min_partial, size, object_size, offset, oo, min, refcount,
#: ctor, inuse, align, red_left_pad, name, random, useroffset, usersize
_FLAGS, _MIN_PARTIAL, _SIZE, _OFFSET, _OO, _REFCOUNT = 8, 16, 24, 40, 52, 64
_CTOR, _INUSE, _NAME, _RANDOM, _USEROFFSET = 72, 80, 96, 184, 208
KVMALLOC_SLAB_MAX = 8 << 12  # larger kvmalloc requests go to vmalloc, as the fallback would
#: Linux's taint numbers (include/linux/panic.h) and their letters
TAINT_LETTERS = "PFSRMBUDAWCIOELKXTN"
SLAB_ERRORS = b"slab_errors"
_RESOURCE_DATA, _RESOURCE_NAME, _RESOURCE_NODE = 0, 8, 32
_MAX_RESOURCES = 4096


def _cache(ctx: CallContext, handle: int) -> Cache | None:
    return ctx.kernel.slab_caches.caches.get(handle)


def _create(
    ctx: CallContext,
    name: int,
    size: int,
    align: int,
    flags: int,
    ctor: int,
    useroffset: int = 0,
    usersize: int = 0,
) -> int:
    raw = cstr(ctx, name, 256)
    handle = ctx.kernel.heap.alloc(HANDLE_SIZE + len(raw) + 1, KERNEL_OWNER, ctx.caller, zero=True)
    if not handle:
        return 0
    cache = Cache(decode(raw), size, align or 8, flags, ctor, owner(ctx))
    g = cache.geometry
    if cache.debug:
        cache.random = ctx.kernel.random.u64()
    mem = ctx.mem
    mem.write(handle + HANDLE_SIZE, raw + b"\0")  # kstrdup_const(name)
    mem.write_u32(handle + _FLAGS, g.flags)
    mem.write_u64(handle + _MIN_PARTIAL, g.min_partial)
    mem.write(handle + _SIZE, struct.pack("<II", g.size, size))
    mem.write_u32(handle + _OFFSET, g.offset)
    oo = g.order << 16 | g.objects
    mem.write(handle + _OO, struct.pack("<II", oo, oo))
    mem.write_u32(handle + _REFCOUNT, 1)
    mem.write_u64(handle + _CTOR, ctor)  # page_alloc.c's kmem_cache_alloc runs it
    mem.write(handle + _INUSE, struct.pack("<III", g.inuse, g.align, g.red_left_pad))
    mem.write_u64(handle + _NAME, handle + HANDLE_SIZE)
    mem.write_u64(handle + _RANDOM, cache.random)
    mem.write(handle + _USEROFFSET, struct.pack("<II", useroffset, usersize))
    ctx.kernel.slab_caches.caches[handle] = cache
    return handle


class _Reports:
    """slubdebug.Reporter for the module call now running."""

    def __init__(self, ctx: CallContext):
        self.ctx = ctx

    def kunit_error(self) -> bool:
        """slab_add_kunit_errors(): one more in the running test's "slab_errors"
        resource (the newest of that name on test->resources), if it has one."""
        case = self.ctx.kernel.kunit.current
        if case is None:
            return False
        mem = self.ctx.mem
        head = case.test + K_RESOURCES
        try:
            node = mem.read_u64(head + 8)  # list_for_each_entry_reverse
            for _ in range(_MAX_RESOURCES):
                if node == head:
                    return False
                res = node - _RESOURCE_NODE
                name = mem.read_u64(res + _RESOURCE_NAME)
                if name and cstr(self.ctx, name, 64) == SLAB_ERRORS:
                    data = mem.read_u64(res + _RESOURCE_DATA)
                    mem.write_u32(data, (mem.read_u32(data) + 1) & 0xFFFFFFFF)
                    return True
                node = mem.read_u64(node + 8)
        except BadAddress:
            pass  # a scribbled list counts nothing, as a corrupt one would fault on Linux
        return False

    def err(self, line: str) -> None:
        self.ctx.kernel.log.emit(3, line)

    def dump_stack(self) -> None:
        for line in call_trace(self.ctx):
            self.ctx.kernel.log.emit(3, line)

    def taint_bad_page(self) -> None:
        self.ctx.kernel.add_taint("B")

    def hashed(self, addr: int) -> str:
        """%p: hashed, but NULL and error pointers as they are (ptr_to_id())."""
        from lkmsh.kernel.oops import _hashed

        return f"{addr:016x}" if not addr or addr >= (1 << 64) - 4095 else _hashed(addr)

    def symbol(self, addr: int) -> str:
        return self.ctx.kernel.symbolize(addr)

    def jiffies(self) -> int:
        return self.ctx.kernel.clock.jiffies()

    def pid(self) -> int:
        return self.ctx.kernel.current_task_id()[1]

    def tainted(self) -> str:
        return self.ctx.kernel.tainted_field()


def _slub(ctx: CallContext, cache: Cache) -> Slub:
    return Slub(ctx.mem, cache.name, cache.geometry, cache.random, cache.slabs, _Reports(ctx))


def _debug_alloc(ctx: CallContext, cache: Cache, gfp: int, caller: int) -> int:
    """___slab_alloc() of a debug cache: from the first partial slab, else a new one
    (put at the head of the partial list); the object zeroed as slab_post_alloc_hook()
    does with init_on_alloc."""
    slub = _slub(ctx, cache)
    obj = 0
    for slab in slub.partial():
        obj = slub.alloc_from(slab, caller)
        if obj:
            break
    if not obj:
        g = cache.geometry
        addr = ctx.kernel.heap.alloc(
            g.slab_bytes, cache.owner, caller, gfp=gfp, managed=True, kind=KIND_SLAB
        )
        if not addr:
            return 0
        slab = slub.new_slab(addr)
        cache.slabs.insert(0, slab)
        obj = slub.alloc_from(slab, caller)
    if obj and not cache.ctor:
        poisoned = cache.flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)
        if not poisoned or gfp & GFP_ZERO:
            ctx.mem.write(obj, bytes(cache.size))
    return obj


def _debug_free(ctx: CallContext, cache: Cache, obj: int) -> bool:
    """slab_free() of a debug cache's object; False when it is none of the cache's."""
    slub = _slub(ctx, cache)
    slab = slub.slab_of(obj)
    if slab is None:
        return False
    if slub.free(slab, obj, ctx.caller) and slub.discard(slab):
        slub.free_slab_checks(slab)
        cache.slabs.remove(slab)
        ctx.kernel.heap.free(slab.addr, ctx.caller, KIND_SLAB)
    return True


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
    user = ctx.arg(4) & 0xFFFFFFFF, ctx.arg(5) & 0xFFFFFFFF
    return _create(ctx, ctx.arg(0), size, align, ctx.arg(3) & 0xFFFFFFFF, ctx.arg(6), *user)


def _as_they_were(cache: Cache) -> bool:
    """A constructor's or SLAB_TYPESAFE_BY_RCU cache: its objects are neither zeroed at
    allocation (init_on_alloc) nor poisoned at free, as SLUB keeps them."""
    return bool(cache.ctor or cache.flags & SLAB_TYPESAFE_BY_RCU)


def _cache_free(ctx: CallContext, cache: Cache | None, obj: int) -> None:
    if not obj:
        return
    if cache is not None and cache.debug and _debug_free(ctx, cache, obj):
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
        if cache.debug:
            obj = _debug_alloc(ctx, cache, gfp, caller)
        else:
            obj = _alloc(ctx, size, gfp, zero=bool(gfp & GFP_ZERO), init=init, caller=caller)
        if not obj:
            for done in got:
                _cache_free(ctx, cache, done)
            return 0
        got.append(obj)
        if not cache.debug:
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
    if cache.debug:
        remaining = _debug_shutdown(ctx, cache)
    elif cache.objects:
        remaining = True
        ctx.kernel.log.emit(3, "=" * 77)
        ctx.kernel.log.emit(
            3,
            f"BUG {cache.name} ({ctx.kernel.tainted_field()}): Objects remaining in"
            f" {cache.name} on __kmem_cache_shutdown()",
        )
        ctx.kernel.log.emit(3, "-" * 77)
    else:
        remaining = False
    if remaining:
        warn(
            ctx,
            [
                f"kmem_cache_destroy {cache.name}: Slab cache still has objects when called"
                f" from {caller_symbol(ctx)}"
            ],
        )
    ctx.kernel.heap.free(handle)


def _debug_shutdown(ctx: CallContext, cache: Cache) -> bool:
    """__kmem_cache_shutdown()'s free_partial() for a debug cache: empty partial slabs
    go back, a partial slab with objects left is reported with each object
    (list_slab_objects()) and kept, as Linux keeps a cache it could not shut down;
    full slabs only make it fail. True when objects remain."""
    slub = _slub(ctx, cache)
    heap = ctx.kernel.heap
    remaining = any(s.full for s in cache.slabs)  # on no list it walks: only counted
    for slab in slub.partial():
        if not slab.inuse:
            slub.free_slab_checks(slab)
            heap.free(slab.addr, ctx.caller, KIND_SLAB)
            continue
        remaining = True
        slub.slab_err(slab, f"Objects remaining in {cache.name} on __kmem_cache_shutdown()")
        for p in slub.live_objects(slab):
            ctx.kernel.log.emit(3, f"Object 0x{slub.out.hashed(p)} @offset={p - slab.addr}")
            slub.print_tracking(p)
    return remaining


@kapi("validate_slab_cache", "long validate_slab_cache(struct kmem_cache *s)")
def validate_slab_cache(ctx: CallContext) -> int:
    """mm/slub.c's (CONFIG_SLUB_DEBUG): every slab of @s checked, errors reported and
    repaired; the number of slabs checked. A cache without debug flags keeps no
    metadata to check (lkmsh's kmalloc heap): 0 slabs."""
    cache = _cache(ctx, ctx.arg(0))
    if cache is None or not cache.debug:
        return 0
    return _slub(ctx, cache).validate()


@kapi("print_tracking", "void print_tracking(struct kmem_cache *s, void *object)")
def print_tracking(ctx: CallContext) -> None:
    cache = _cache(ctx, ctx.arg(0))
    if cache is not None and cache.debug:
        _slub(ctx, cache).print_tracking(ctx.arg(1))


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
