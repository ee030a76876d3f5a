"""The slab heap: size classes, real bytes in the direct map, and the misuse it catches."""

from __future__ import annotations

import json

import pytest

from lkmsh.errors import KernelError
from lkmsh.kernel.heap import (
    KMALLOC_CLASSES,
    KMALLOC_MAX_SIZE,
    PAGE_SIZE,
    POISON_FREE,
    ZERO_SIZE_PTR,
    DoubleFree,
    Heap,
    InvalidFree,
    size_class,
)
from lkmsh.kernel.layout import DIRECT_MAP_BASE
from lkmsh.kernel.memory import AddressSpace


@pytest.fixture
def mem() -> AddressSpace:
    return AddressSpace()


@pytest.fixture
def heap(mem) -> Heap:
    ticks = iter(range(0, 10**12, 1000))
    return Heap(mem, limit=1 << 20, now_ns=lambda: next(ticks))


def test_requests_round_up_to_linux_kmalloc_classes():
    assert KMALLOC_CLASSES == (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192)
    assert [size_class(n) for n in (1, 8, 9, 65, 97, 129, 193, 257, 1000, 8192)] == [
        8, 8, 16, 96, 128, 192, 256, 512, 1024, 8192,
    ]  # fmt: skip


def test_objects_live_in_the_direct_map_and_hold_real_bytes(heap, mem):
    a = heap.alloc(40, "hx", caller=0xFFFFFFFFA0000010)
    b = heap.alloc(40, "hx")
    assert a >= DIRECT_MAP_BASE and b >= DIRECT_MAP_BASE
    assert abs(b - a) >= 64  # both from kmalloc-64
    mem.write(a, b"hello")
    assert mem.read(a, 5) == b"hello"
    info = heap.lookup(a)
    assert (info.size, info.cache, info.owner, info.caller) == (40, 64, "hx", 0xFFFFFFFFA0000010)
    assert info.cache_name == "kmalloc-64"
    assert heap.ksize(a) == 64


def test_zeroing_and_poisoning(heap, mem):
    a = heap.alloc(32, "hx")
    mem.write(a, b"\x11" * 32)
    heap.free(a)
    assert mem.read(a, 32) == bytes([POISON_FREE]) * 31 + b"\xa5"  # slub_debug's pattern
    again = heap.alloc(32, "hx")
    assert again == a  # LIFO reuse, as SLUB
    assert mem.read(again, 32) == bytes(32)  # init_on_alloc, as Debian's kernel
    heap.free(again)
    kept = heap.alloc(32, "hx", init=False)  # a constructor's or RCU cache: as it was
    assert mem.read(kept, 4) == bytes([POISON_FREE]) * 4
    heap.free(kept, poison=False)
    assert mem.read(kept, 4) == bytes([POISON_FREE]) * 4  # not poisoned again, kept as is
    z = heap.alloc(32, "hx", zero=True)
    assert mem.read(z, 32) == bytes(32)


def test_size_zero_is_zero_size_ptr_and_too_large_fails(heap):
    assert heap.alloc(0, "hx") == ZERO_SIZE_PTR == 16
    assert heap.alloc(KMALLOC_MAX_SIZE + 1, "hx") == 0
    assert heap.allocations() == []


def test_large_requests_get_pages_of_their_own(heap, mem):
    big = heap.alloc(10_000, "hx")
    assert big % PAGE_SIZE == 0
    assert heap.lookup(big).cache == 0 and heap.ksize(big) == 12288
    mem.write(big + 9_999, b"x")
    heap.free(big)
    with pytest.raises(KernelError):
        mem.read(big, 1)  # the pages went back: touching them faults


def test_double_free_is_recognised_with_both_callers(heap):
    a = heap.alloc(64, "hx", caller=0x111)
    heap.free(a, caller=0x222)
    with pytest.raises(DoubleFree) as exc:
        heap.free(a, caller=0x333)
    assert exc.value.record.caller == 0x111
    assert exc.value.record.free_caller == 0x222


def test_invalid_frees(heap):
    a = heap.alloc(100, "hx")
    with pytest.raises(InvalidFree) as inside:
        heap.free(a + 8)
    assert inside.value.reason == "not the start of an object"
    assert inside.value.containing.addr == a
    with pytest.raises(InvalidFree) as foreign:
        heap.free(0xFFFFFFFFA0001000)  # module .data, not heap
    assert foreign.value.reason == "not a heap address"
    assert isinstance(foreign.value, KernelError) and foreign.value.errno
    assert heap.lookup(a) is not None  # nothing was freed


def test_vmalloc_and_kmalloc_memory_are_not_interchangeable(heap):
    v = heap.alloc(100, "hx", kind="vmalloc")
    assert v % PAGE_SIZE == 0
    with pytest.raises(InvalidFree):
        heap.free(v)  # kfree of vmalloc memory
    heap.free(v, kind="vmalloc")


def test_heap_limit_makes_allocations_fail(mem):
    heap = Heap(mem, limit=64 * 1024)
    got = [heap.alloc(8192, "hx") for _ in range(20)]
    assert 0 in got
    assert heap.footprint <= 64 * 1024
    live = [a for a in got if a]
    for a in live:
        heap.free(a)
    assert heap.alloc(8192, "hx") != 0  # freed memory is usable again


def test_reclaim_reports_leaks_and_frees_everything(heap):
    keep = heap.alloc(10, "other")
    first = heap.alloc(10, "hx", caller=0xA)
    second = heap.alloc(5000, "hx", caller=0xB)
    param = heap.alloc(6, "hx", managed=True)  # a charp parameter: freed, not a leak
    leaks = heap.reclaim("hx")
    assert [(leak.addr, leak.size, leak.caller) for leak in leaks] == [
        (first, 10, 0xA),
        (second, 5000, 0xB),
    ]
    assert heap.allocations("hx") == []
    assert heap.lookup(param) is None
    assert [a.addr for a in heap.allocations()] == [keep]


def test_realloc_keeps_contents(heap, mem):
    a = heap.alloc(10, "hx")
    mem.write(a, b"0123456789")
    same = heap.realloc(a, 16, "hx")
    assert same == a  # still fits kmalloc-16
    moved = heap.realloc(a, 300, "hx")
    assert moved != a and mem.read(moved, 10) == b"0123456789"
    assert heap.lookup(a) is None
    assert heap.realloc(moved, 0, "hx") == ZERO_SIZE_PTR
    assert heap.allocations() == []


def test_slabinfo_statistics(heap):
    objs = [heap.alloc(60, "hx") for _ in range(70)]  # more than one 4 KiB slab of 64s
    stats = {s.name: s for s in heap.stats()}
    s64 = stats["kmalloc-64"]
    assert (s64.active_objs, s64.objs_per_slab, s64.num_slabs) == (70, 64, 2)
    assert s64.num_objs == 128
    assert stats["kmalloc-1k"].objs_per_slab == 32  # order-3 slabs, as on Linux
    assert stats["kmalloc-8k"].objs_per_slab == 4
    for a in objs:
        heap.free(a)
    assert {s.name: s for s in heap.stats()}["kmalloc-64"].active_objs == 0


def test_metadata_survives_plain_data_round_trip(heap, mem):
    a = heap.alloc(24, "hx", caller=0x42)
    b = heap.alloc(24, "hx")
    heap.free(b)
    data = json.loads(json.dumps(heap.to_data()))
    again = Heap.from_data(mem, data, limit=1 << 20)
    assert again.lookup(a).caller == 0x42
    with pytest.raises(DoubleFree):
        again.free(b)
    c = again.alloc(24, "hx")
    assert c == b  # the free slot is reused from the restored slab
    assert again.footprint == heap.footprint
