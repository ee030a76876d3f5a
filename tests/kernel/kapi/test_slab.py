"""kmalloc and friends as module code sees them, and the KASAN-style reports of misuse."""

from __future__ import annotations

import pytest
from kapi_harness import MODULE_TEXT, call

from lkmsh.kernel.heap import ZERO_SIZE_PTR
from lkmsh.kernel.kapi.bug import KernelBug

GFP_KERNEL = 0xCC0
GFP_NOWARN = 0x2000
GFP_ZERO = 0x100


def test_kmalloc_belongs_to_the_calling_module(mini):
    p = call(mini, "kmalloc", 100, GFP_KERNEL)
    a = mini.heap.lookup(p)
    assert (a.owner, a.size, a.cache, a.caller) == ("hx", 100, 128, MODULE_TEXT + 0x12)
    assert call(mini, "ksize", p) == 128
    call(mini, "kfree", p)
    assert mini.heap.allocations() == []


def test_kzalloc_kcalloc_and_gfp_zero_clear_memory(mini):
    for p in (
        call(mini, "kzalloc", 64, GFP_KERNEL),
        call(mini, "kcalloc", 8, 8, GFP_KERNEL),
        call(mini, "kmalloc", 64, GFP_KERNEL | GFP_ZERO),
    ):
        assert mini.mem.read(p, 64) == bytes(64)


def test_kcalloc_overflow_returns_null_without_allocating(mini):
    assert call(mini, "kcalloc", 1 << 62, 16, GFP_KERNEL) == 0
    assert call(mini, "kmalloc_array", 1 << 40, 1 << 40, GFP_KERNEL) == 0
    assert mini.heap.allocations() == []


def test_null_and_zero_size_pointers(mini):
    assert call(mini, "kmalloc", 0, GFP_KERNEL) == ZERO_SIZE_PTR
    call(mini, "kfree", 0)
    call(mini, "kfree", ZERO_SIZE_PTR)
    assert call(mini, "ksize", 0) == 0
    assert mini.texts() == []


def test_too_large_request_warns_unless_nowarn(mini):
    assert call(mini, "kmalloc", 5 << 20, GFP_KERNEL) == 0
    text = mini.texts()
    assert text[0] == "------------[ cut here ]------------"
    assert "mm/page_alloc.c" in text[1]
    assert " hx_init+0x12/0x40 [hx]" in text
    mini.log.clear()
    assert call(mini, "kmalloc", 5 << 20, GFP_KERNEL | GFP_NOWARN) == 0
    assert mini.texts() == []


def test_heap_limit_gives_page_allocation_failure(mini):
    while call(mini, "kmalloc", 8192, GFP_KERNEL | GFP_NOWARN):
        pass
    assert mini.texts() == []
    assert call(mini, "kmalloc", 8192, GFP_KERNEL) == 0
    assert any("insmod: page allocation failure: order:1, mode:0xcc0" in t for t in mini.texts())


def test_double_free_is_a_kasan_report_that_ends_the_call(mini):
    p = call(mini, "kmalloc", 50, GFP_KERNEL, caller=MODULE_TEXT + 0x8)
    call(mini, "kfree", p, caller=MODULE_TEXT + 0x10)
    with pytest.raises(KernelBug) as exc:
        call(mini, "kfree", p, caller=MODULE_TEXT + 0x48)
    lines = exc.value.lines
    assert lines[1] == "BUG: KASAN: double-free in hx_exit+0x8/0x30 [hx]"
    assert lines[2] == f"Free of addr {p:016x} by task insmod/1"
    assert "Allocated by task 1:" in lines and " hx_init+0x8/0x40 [hx]" in lines
    assert "Freed by task 1:" in lines and " hx_init+0x10/0x40 [hx]" in lines
    assert " which belongs to the cache kmalloc-64 of size 64" in lines
    assert exc.value.errno  # a ModuleFault: the kernel turns it into a failed call


def test_invalid_free_of_an_inner_pointer_or_foreign_memory(mini):
    p = call(mini, "kmalloc", 50, GFP_KERNEL)
    with pytest.raises(KernelBug) as inner:
        call(mini, "kfree", p + 4)
    assert inner.value.lines[1].startswith("BUG: KASAN: invalid-free in hx_init")
    assert "The buggy address is located 4 bytes inside of" in inner.value.lines
    data = mini.buffer(16)
    with pytest.raises(KernelBug) as foreign:
        call(mini, "kfree", data)
    assert foreign.value.lines[1].startswith("BUG: KASAN: invalid-free")
    assert mini.heap.lookup(p) is not None


def test_krealloc_semantics(mini):
    p = call(mini, "krealloc", 0, 10, GFP_KERNEL)  # NULL: like kmalloc
    mini.mem.write(p, b"abcdefghij")
    q = call(mini, "krealloc", p, 500, GFP_KERNEL | GFP_ZERO)
    assert mini.mem.read(q, 10) == b"abcdefghij"
    assert mini.mem.read(q + 10, 490) == bytes(490)
    assert call(mini, "krealloc", q, 0, GFP_KERNEL) == ZERO_SIZE_PTR  # frees
    assert mini.heap.allocations() == []


def test_string_duplicates(mini):
    s = mini.cstring("lkmsh")
    d = call(mini, "kstrdup", s, GFP_KERNEL)
    assert d != s and mini.mem.read(d, 6) == b"lkmsh\0"
    n = call(mini, "kstrndup", s, 3, GFP_KERNEL)
    assert mini.mem.read(n, 4) == b"lkm\0"
    m = call(mini, "kmemdup", s, 4, GFP_KERNEL)
    assert mini.mem.read(m, 4) == b"lkms" and mini.heap.lookup(m).size == 4
    assert call(mini, "kstrdup", 0, GFP_KERNEL) == 0


def test_vmalloc_family(mini):
    v = call(mini, "vzalloc", 20000)
    assert mini.mem.read(v, 20000) == bytes(20000)
    assert call(mini, "vmalloc", 0) == 0
    call(mini, "vfree", 0)
    k = call(mini, "kmalloc", 32, GFP_KERNEL)
    call(mini, "vfree", k)  # not vmalloc memory: a warning, nothing freed
    assert any("Trying to vfree() nonexistent vm area" in t for t in mini.texts())
    assert mini.heap.lookup(k) is not None
    call(mini, "vfree", v)
    with pytest.raises(KernelBug, match="double-free"):
        call(mini, "vfree", v)
