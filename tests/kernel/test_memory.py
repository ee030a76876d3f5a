"""The kernel's address space: regions, page permissions, kernel-side access, allocators."""

from __future__ import annotations

import errno

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lkmsh.errors import AlreadyExists, BadAddress, InvalidArgument, KernelError, OutOfMemory
from lkmsh.kernel import layout, memory
from lkmsh.kernel.memory import AddressSpace, Perm, VirtualRange

PAGE = layout.PAGE_SIZE
MOD = layout.MODULES_BASE


@pytest.fixture
def mem() -> AddressSpace:
    return AddressSpace()


class Recorder:
    """An observer like the CPU: it writes down what it is told."""

    def __init__(self):
        self.events: list[tuple] = []

    def on_map(self, region):
        self.events.append(("map", region.vaddr, region.size))

    def on_unmap(self, region, pooled):
        self.events.append(("unmap", region.name, pooled))

    def on_protect(self, vaddr, size, perm):
        self.events.append(("protect", vaddr, size, perm))


# -- mapping -------------------------------------------------------------------


def test_a_mapped_region_is_zeroed_page_rounded_and_translatable(mem):
    text = mem.map(MOD, 100, Perm.RX, "hx:text", owner="hx")
    assert text.size == PAGE and text.data == bytearray(PAGE)
    assert (text.owner, text.name, text.perm) == ("hx", "hx:text", Perm.RX)
    paddr, perm = mem.translate(MOD + 0x123)
    assert paddr == text.paddr + 0x123 and perm == Perm.RX
    assert mem.translate(MOD + PAGE) is None
    assert mem.region_at(MOD + 5) is text
    assert str(Perm.RX) == "r-x" and str(Perm.RW) == "rw-"


def test_regions_get_distinct_physical_ranges_and_iterate_in_address_order(mem):
    b = mem.map(MOD + 4 * PAGE, 2 * PAGE, Perm.RW, "b")
    a = mem.map(MOD, PAGE, Perm.R, "a")
    assert [r.name for r in mem.regions()] == ["a", "b"]
    assert a.paddr + a.size <= b.paddr or b.paddr + b.size <= a.paddr
    assert len(mem) == 2


def test_overlapping_maps_are_refused_and_leave_no_trace(mem):
    mem.map(MOD + PAGE, 2 * PAGE, Perm.RW, "data")
    with pytest.raises(AlreadyExists, match="overlaps data"):
        mem.map(MOD, 2 * PAGE, Perm.RW, "other")
    assert mem.translate(MOD) is None
    assert [r.name for r in mem.regions()] == ["data"]


@pytest.mark.parametrize(
    ("vaddr", "size"), [(MOD + 1, PAGE), (MOD, 0), (MOD, -4), (-PAGE, PAGE), (1 << 64, PAGE)]
)
def test_bad_map_requests_are_invalid_arguments(mem, vaddr, size):
    with pytest.raises(InvalidArgument):
        mem.map(vaddr, size, Perm.RW, "bad")


def test_a_region_reaching_the_top_of_the_address_space_is_fine(mem):
    top = (1 << 64) - PAGE
    mem.map(top, PAGE, Perm.RW, "top")
    mem.write_u64((1 << 64) - 8, 0xDEADBEEF)
    assert mem.read_u64((1 << 64) - 8) == 0xDEADBEEF
    with pytest.raises(InvalidArgument):
        mem.map(top, 2 * PAGE, Perm.RW, "wraps")


def test_unmap_frees_the_pages_and_reuses_the_physical_range(mem):
    first = mem.map(MOD, 2 * PAGE, Perm.RW, "first")
    paddr = first.paddr
    mem.unmap(MOD)
    assert mem.translate(MOD) is None and mem.region_at(MOD) is None
    again = mem.map(MOD + 8 * PAGE, 2 * PAGE, Perm.RW, "again")
    assert again.paddr == paddr
    with pytest.raises(InvalidArgument, match="no region starts"):
        mem.unmap(MOD + 9 * PAGE)


def test_a_freed_small_region_lends_its_zeroed_backing_to_the_next_of_its_size(mem):
    first = mem.map(MOD, 2 * PAGE, Perm.RW, "first")
    first.data[:4] = b"old!"
    backing, paddr = first.data, first.paddr
    mem.unmap(MOD)
    other = mem.map(MOD + 16 * PAGE, PAGE, Perm.RW, "other size")
    assert other.paddr != paddr
    again = mem.map(MOD + 8 * PAGE, 2 * PAGE, Perm.RW, "again")
    assert again.data is backing and again.paddr == paddr
    assert mem.read(MOD + 8 * PAGE, 4) == bytes(4) and mem.translate(MOD) is None


def test_code_large_regions_and_a_full_pool_give_their_range_back(mem, monkeypatch):
    monkeypatch.setattr(memory, "POOL_BYTES", 3 * PAGE)
    rec = Recorder()
    mem.add_observer(rec)
    maps = [
        ("text", MOD, PAGE, Perm.RX),
        ("big", MOD + 4 * PAGE, (memory.POOL_REGION_MAX + PAGE), Perm.RW),
        ("a", MOD + 64 * PAGE, 2 * PAGE, Perm.RW),
        ("b", MOD + 80 * PAGE, 2 * PAGE, Perm.RW),  # a and b do not fit together
    ]
    for name, vaddr, size, perm in maps:
        mem.map(vaddr, size, perm, name)
    for _name, vaddr, _size, _perm in maps:
        mem.unmap(vaddr)
    unmaps = [e for e in rec.events if e[0] == "unmap"]
    assert unmaps == [
        ("unmap", "text", False),
        ("unmap", "big", False),
        ("unmap", "a", True),
        ("unmap", "b", False),
    ]


def test_protect_changes_single_pages_and_translate_follows(mem):
    image = mem.map(MOD, 3 * PAGE, Perm.RW, "image")
    mem.protect(MOD, PAGE, Perm.RX)
    mem.protect(MOD + PAGE, PAGE, Perm.R)
    assert [mem.translate(MOD + i * PAGE)[1] for i in range(3)] == [Perm.RX, Perm.R, Perm.RW]
    assert image.perm_at(MOD + PAGE + 7) == Perm.R
    assert image.perm == Perm.RW  # what it was mapped with
    with pytest.raises(BadAddress):
        mem.protect(MOD + 2 * PAGE, 2 * PAGE, Perm.R)
    assert mem.translate(MOD + 2 * PAGE)[1] == Perm.RW  # refused as a whole
    with pytest.raises(InvalidArgument):
        mem.protect(MOD + 1, PAGE, Perm.R)


def test_observers_hear_about_every_mapping_change(mem):
    rec = Recorder()
    mem.add_observer(rec)
    mem.map(MOD, PAGE, Perm.RW, "x")
    mem.protect(MOD, PAGE, Perm.R)
    mem.unmap(MOD)
    mem.remove_observer(rec)
    mem.map(MOD, PAGE, Perm.RW, "y")
    assert rec.events == [
        ("map", MOD, PAGE),
        ("protect", MOD, PAGE, Perm.R),
        ("unmap", "x", True),
    ]


# -- kernel-side access --------------------------------------------------------


def test_kernel_reads_and_writes_ignore_page_permissions(mem):
    mem.map(MOD, PAGE, Perm.RX, "text")
    mem.write(MOD + 16, b"\x0f\x0b")  # relocating module text
    assert mem.read(MOD + 16, 2) == b"\x0f\x0b"
    mem.write_u32(MOD, 0x11223344)
    mem.write_u16(MOD + 4, 0xBEEF)
    mem.write_u8(MOD + 6, 0x1FF)
    assert mem.read(MOD, 7) == bytes.fromhex("44332211efbeff")
    assert (mem.read_u8(MOD + 6), mem.read_u16(MOD + 4), mem.read_u32(MOD)) == (
        0xFF,
        0xBEEF,
        0x11223344,
    )
    mem.write_u64(MOD + 8, -1)
    assert mem.read_u64(MOD + 8) == (1 << 64) - 1


def test_accesses_span_adjacent_regions(mem):
    mem.map(MOD, PAGE, Perm.RW, "a")
    mem.map(MOD + PAGE, PAGE, Perm.R, "b")
    mem.write(MOD + PAGE - 3, b"abcdef")
    assert mem.read(MOD + PAGE - 3, 6) == b"abcdef"
    mem.write_u64(MOD + PAGE - 4, 0x0102030405060708)
    assert mem.read_u64(MOD + PAGE - 4) == 0x0102030405060708
    mem.fill(MOD + PAGE - 2, 0x41, 4)
    assert mem.read(MOD + PAGE - 2, 4) == b"AAAA"


def test_unmapped_kernel_access_is_efault_and_writes_nothing(mem):
    mem.map(MOD, PAGE, Perm.RW, "a")
    with pytest.raises(BadAddress) as err:
        mem.read(0, 8)
    assert err.value.errno == errno.EFAULT and isinstance(err.value, KernelError)
    with pytest.raises(BadAddress):
        mem.read_u64(MOD + PAGE - 4)  # runs off the end
    with pytest.raises(BadAddress, match=f"{MOD + PAGE:#x}"):
        mem.write(MOD + PAGE - 2, b"xyzw")
    assert mem.read(MOD + PAGE - 2, 2) == b"\0\0"  # checked before any byte changed
    with pytest.raises(BadAddress):
        mem.read_u8(MOD - 1)


def test_read_cstr_stops_at_nul_or_limit_and_crosses_pages_and_regions(mem):
    mem.map(MOD, PAGE, Perm.RW, "a")
    mem.map(MOD + PAGE, PAGE, Perm.RW, "b")
    mem.write(MOD + PAGE - 5, b"hello world\0tail")
    assert mem.read_cstr(MOD + PAGE - 5) == b"hello world"
    assert mem.read_cstr(MOD + PAGE - 5, limit=5) == b"hello"
    assert mem.read_cstr(MOD + PAGE + 6) == b""  # starts at the NUL
    assert mem.read_cstr(MOD + PAGE + 7) == b"tail"
    assert mem.read_cstr(MOD + PAGE - 5, limit=0) == b""


def test_read_cstr_fails_cleanly_at_unmapped_memory(mem):
    mem.map(MOD, PAGE, Perm.RW, "a")
    mem.fill(MOD, ord("x"), PAGE)  # no NUL before the end of the mapping
    with pytest.raises(BadAddress):
        mem.read_cstr(MOD + PAGE - 10)
    assert mem.read_cstr(MOD + PAGE - 10, limit=10) == b"x" * 10
    with pytest.raises(BadAddress):
        mem.read_cstr(0)


@given(
    offset=st.integers(0, 3 * PAGE - 1),
    data=st.binary(min_size=0, max_size=2 * PAGE),
)
def test_what_the_kernel_writes_it_reads_back_anywhere_in_mapped_memory(offset, data):
    mem = AddressSpace()
    mem.map(MOD, PAGE, Perm.RW, "a")
    mem.map(MOD + PAGE, 2 * PAGE, Perm.RX, "b")
    mem.map(MOD + 3 * PAGE, 2 * PAGE, Perm.R, "c")
    mem.write(MOD + offset, data)
    assert mem.read(MOD + offset, len(data)) == data


def test_code_generation_moves_when_executable_bytes_change(mem):
    mem.map(MOD, PAGE, Perm.RX, "text")
    mem.map(MOD + PAGE, PAGE, Perm.RW, "data")
    gen = mem.code_generation
    mem.write_u32(MOD + PAGE, 1)
    assert mem.code_generation == gen  # data is not code
    mem.write(MOD, b"\xc3")
    assert mem.code_generation > gen
    gen = mem.code_generation
    mem.protect(MOD + PAGE, PAGE, Perm.RX)
    assert mem.code_generation > gen
    gen = mem.code_generation
    mem.unmap(MOD)
    assert mem.code_generation > gen


# -- virtual range allocators --------------------------------------------------


def test_virtual_ranges_are_first_fit_page_granular_and_reuse_freed_space():
    vr = VirtualRange("test", MOD, 16 * PAGE)
    a = vr.alloc(1)
    b = vr.alloc(PAGE + 1)
    c = vr.alloc(PAGE)
    assert (a, b, c) == (MOD, MOD + PAGE, MOD + 3 * PAGE)
    assert vr.free(b) == 2 * PAGE
    assert vr.alloc(PAGE) == MOD + PAGE  # first fit into the hole
    assert vr.alloc(2 * PAGE) == MOD + 4 * PAGE  # the hole left is too small
    vr.free(a)
    vr.free(MOD + PAGE)
    assert vr.alloc(3 * PAGE) == MOD  # freed neighbours merged back
    assert vr.free_bytes() == 16 * PAGE - 6 * PAGE


def test_virtual_range_errors_are_typed():
    vr = VirtualRange("tiny", MOD, 2 * PAGE)
    vr.alloc(2 * PAGE)
    with pytest.raises(OutOfMemory) as err:
        vr.alloc(1)
    assert err.value.errno == errno.ENOMEM
    with pytest.raises(InvalidArgument):
        vr.free(MOD + PAGE)
    with pytest.raises(AlreadyExists):
        vr.reserve(MOD, PAGE)
    with pytest.raises(InvalidArgument):
        VirtualRange("odd", MOD + 1, PAGE)


def test_the_address_space_carries_the_linux_like_areas(mem):
    assert mem.modules.base == 0xFFFFFFFFA0000000
    assert mem.direct_map.base == 0xFFFF888000000000
    assert mem.stacks.base == 0xFFFFC90000000000
    first = mem.modules.alloc(3 * PAGE)
    assert first == layout.MODULES_BASE and mem.modules.alloc(PAGE) == first + 3 * PAGE


# -- persistence ---------------------------------------------------------------


def test_snapshot_and_restore_keep_regions_bytes_perms_and_allocations(mem):
    base = mem.modules.alloc(3 * PAGE)
    mem.map(base, 2 * PAGE, Perm.RW, "hx:image", owner="hx")
    mem.protect(base, PAGE, Perm.RX)
    mem.write(base + 10, b"module bytes")
    heap = mem.direct_map.alloc(PAGE)
    mem.map(heap, PAGE, Perm.RW, "slab", owner="kmalloc")
    mem.write_u64(heap, 42)
    stack = mem.stacks.alloc(PAGE)
    mem.map(stack, PAGE, Perm.RW, "cpu stack", transient=True)

    snap = mem.snapshot()
    assert [r.name for r in snap.regions] == ["slab", "hx:image"]  # address order, no stack
    back = AddressSpace.restore(snap)

    assert back.read(base + 10, 12) == b"module bytes"
    assert back.read_u64(heap) == 42
    assert back.translate(base)[1] == Perm.RX and back.translate(base + PAGE)[1] == Perm.RW
    assert back.region_at(base).owner == "hx"
    assert back.translate(stack) is None
    # allocations survive: the next allocation does not hand out used space
    assert back.modules.alloc(PAGE) == base + 3 * PAGE
    back.modules.free(base)
    assert back.modules.alloc(PAGE) == base
    # the transient stack's range was not saved
    assert back.stacks.alloc(PAGE) == layout.STACKS_BASE
