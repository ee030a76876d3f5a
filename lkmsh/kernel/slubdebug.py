"""SLUB's object debugging, as Linux 6.1's mm/slub.c does it for a cache created with
SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER, SLAB_TRACE or SLAB_CONSISTENCY_CHECKS.

Such a cache does not take kmalloc's path: its objects live in slabs of its
own (pages from the heap) laid out as calculate_sizes() lays them out: left
red zone, the object, right red zone, the free pointer (hardened:
``ptr ^ s->random ^ swab(&ptr)``), two ``struct track`` records, padding
filled with POISON_INUSE. Allocation and free run SLUB's debug processing
(red zones 0xcc/0xbb, poison 0x6b..0xa5, the consistency checks), and
``validate_slab_cache()`` walks every slab as /sys/kernel/slab/*/validate
does: free chains, object counts, red zones, poison, padding. Each error is
reported in mm/slub.c's words (``BUG <cache> (...): Redzone overwritten``,
``FIX <cache>: Restoring ...``) and repaired as SLUB repairs it, unless a
KUnit test that registered a "slab_errors" resource is running: then, as
slab_add_kunit_errors(), the error only counts against that test.

The slab records (where, how many objects, in use, the freelist head) are
this component-free module's data, kept in the cache's record
(slabcache.Cache) and saved with it; the object bytes are the heap's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from lkmsh.kernel.layout import PAGE_SHIFT, PAGE_SIZE

SLAB_CONSISTENCY_CHECKS = 0x00000100
SLAB_RED_ZONE = 0x00000400
SLAB_POISON = 0x00000800
SLAB_KMALLOC = 0x00001000
SLAB_HWCACHE_ALIGN = 0x00002000
SLAB_STORE_USER = 0x00010000
SLAB_TYPESAFE_BY_RCU = 0x00080000
SLAB_TRACE = 0x00200000
OBJECT_POISON = 0x80000000  # __OBJECT_POISON: the object itself is poisoned
#: mm/slab.h's SLAB_DEBUG_FLAGS with CONFIG_SLUB_DEBUG: kmem_cache_debug()
DEBUG_FLAGS = SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_CONSISTENCY_CHECKS

RED_INACTIVE = 0xBB
RED_ACTIVE = 0xCC
POISON_INUSE = 0x5A
POISON_FREE = 0x6B
POISON_END = 0xA5
TRACK_SIZE = 32  # struct track: addr, handle, cpu, pid, when
TRACK_ALLOC, TRACK_FREE = 0, 1
PTR = 8
CACHE_LINE = 64
MIN_PARTIAL, MAX_PARTIAL = 5, 10
SLUB_MAX_ORDER = 3  # PAGE_ALLOC_COSTLY_ORDER
MAX_OBJS_PER_PAGE = 32767
#: 4 * (fls(nr_cpu_ids) + 1) for lkmsh's one CPU
MIN_OBJECTS = 8
VMEMMAP_START = 0xFFFFEA0000000000
PAGE_OFFSET = 0xFFFF888000000000
PG_SLAB = 0x200
RULE = "=" * 77
DASHES = "-" * 77


def is_debug(flags: int) -> bool:
    return bool(flags & DEBUG_FLAGS)


def _align(n: int, a: int) -> int:
    return -(-n // a) * a


@dataclass(frozen=True)
class Geometry:
    """What calculate_sizes() and calculate_order() decide for a cache."""

    flags: int  # with __OBJECT_POISON when the object itself is poisoned
    object_size: int
    size: int  # the whole slot
    inuse: int  # where the metadata starts
    offset: int  # the free pointer's
    red_left_pad: int
    align: int
    order: int
    objects: int  # per slab
    min_partial: int

    @property
    def slab_bytes(self) -> int:
        return PAGE_SIZE << self.order

    @property
    def freeptr_outside(self) -> bool:
        return self.offset >= self.inuse

    @property
    def info_end(self) -> int:
        return self.inuse + PTR if self.freeptr_outside else self.inuse

    @property
    def size_from_object(self) -> int:
        return self.size - self.red_left_pad if self.flags & SLAB_RED_ZONE else self.size


def _calc_slab_order(size: int, min_objects: int, fract: int) -> int:
    order = max(0, (min_objects * size - 1).bit_length() - PAGE_SHIFT)
    while order <= SLUB_MAX_ORDER:
        slab = PAGE_SIZE << order
        if slab % size <= slab // fract:
            break
        order += 1
    return order


def _calculate_order(size: int) -> int:
    min_objects = min(MIN_OBJECTS, (PAGE_SIZE << SLUB_MAX_ORDER) // size)
    while min_objects > 1:
        fraction = 16
        while fraction >= 4:
            order = _calc_slab_order(size, min_objects, fraction)
            if order <= SLUB_MAX_ORDER:
                return order
            fraction //= 2
        min_objects -= 1
    return min(_calc_slab_order(size, 1, 1), SLUB_MAX_ORDER)


@lru_cache(maxsize=64)
def geometry(object_size: int, align: int, flags: int, ctor: bool) -> Geometry:
    """calculate_alignment(), calculate_sizes(), calculate_order(), set_min_partial()."""
    if flags & SLAB_HWCACHE_ALIGN:
        ralign = CACHE_LINE
        while object_size <= ralign // 2:
            ralign //= 2
        align = max(align, ralign)
    align = _align(max(align, 8), PTR)
    size = _align(object_size, PTR)
    if flags & SLAB_POISON and not flags & SLAB_TYPESAFE_BY_RCU and not ctor:
        flags |= OBJECT_POISON
    else:
        flags &= ~OBJECT_POISON
    if flags & SLAB_RED_ZONE and size == object_size:
        size += PTR
    inuse = size
    if (
        flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)
        or (flags & SLAB_RED_ZONE and object_size < PTR)
        or ctor
    ):
        offset = size
        size += PTR
    else:
        offset = object_size // 2 // PTR * PTR
    if flags & SLAB_STORE_USER:
        size += 2 * TRACK_SIZE
        if flags & SLAB_KMALLOC:
            size += 4
    red_left_pad = 0
    if flags & SLAB_RED_ZONE:
        size += PTR
        red_left_pad = _align(PTR, align)
        size += red_left_pad
    size = _align(size, align)
    order = _calculate_order(size)
    objects = min((PAGE_SIZE << order) // size, MAX_OBJS_PER_PAGE)
    min_partial = max(MIN_PARTIAL, min(MAX_PARTIAL, (size.bit_length() - 1) // 2))
    return Geometry(
        flags, object_size, size, inuse, offset, red_left_pad, align, order, objects, min_partial
    )


@dataclass
class DebugSlab:
    """One slab of a debug cache (struct slab's freelist, inuse, objects, frozen)."""

    addr: int
    objects: int
    inuse: int = 0
    freelist: int = 0
    frozen: bool = False
    full: bool = False  # on the node's full list (SLAB_STORE_USER) or off every list


class Reporter(Protocol):
    """What SLUB's reports need from the running kernel (kapi/slabcache.py gives it)."""

    def kunit_error(self) -> bool: ...  # slab_add_kunit_errors()
    def err(self, line: str) -> None: ...  # pr_err
    def dump_stack(self) -> None: ...
    def taint_bad_page(self) -> None: ...
    def hashed(self, addr: int) -> str: ...  # %p
    def symbol(self, addr: int) -> str: ...  # %pS
    def jiffies(self) -> int: ...
    def pid(self) -> int: ...
    def tainted(self) -> str: ...  # print_tainted()


class Memory(Protocol):
    def read(self, addr: int, n: int) -> bytes: ...
    def write(self, addr: int, data: bytes) -> None: ...


def _swab64(v: int) -> int:
    return int.from_bytes(v.to_bytes(8, "little"), "big")


class Slub:
    """SLUB's debug paths over one cache's slabs (@slabs: its list, partial ones
    first in list order, as n->partial; full ones flagged)."""

    def __init__(
        self,
        mem: Memory,
        name: str,
        geo: Geometry,
        random: int,
        slabs: list[DebugSlab],
        out: Reporter,
    ):
        self.mem, self.name, self.g, self.random = mem, name, geo, random
        self.slabs, self.out = slabs, out

    # -- the free pointer ---------------------------------------------------

    def get_freepointer(self, obj: int) -> int:
        at = obj + self.g.offset
        stored = int.from_bytes(self.mem.read(at, PTR), "little")
        return stored ^ self.random ^ _swab64(at)

    def set_freepointer(self, obj: int, fp: int) -> None:
        at = obj + self.g.offset
        self.mem.write(at, (fp ^ self.random ^ _swab64(at)).to_bytes(8, "little"))

    # -- geometry -----------------------------------------------------------

    def objects_of(self, slab: DebugSlab) -> range:
        base = slab.addr + self.g.red_left_pad
        return range(base, slab.addr + slab.objects * self.g.size, self.g.size)

    def valid_pointer(self, slab: DebugSlab, obj: int) -> bool:
        if not obj:
            return True
        o = obj - self.g.red_left_pad
        return slab.addr <= o < slab.addr + slab.objects * self.g.size and not (
            (o - slab.addr) % self.g.size
        )

    def slab_of(self, obj: int) -> DebugSlab | None:
        for slab in self.slabs:
            if slab.addr <= obj < slab.addr + self.g.slab_bytes:
                return slab
        return None

    # -- reports (slab_bug, slab_fix, slab_err, object_err) ------------------

    def slab_bug(self, text: str) -> None:
        out = self.out
        out.err(RULE)
        out.err(f"BUG {self.name} ({self.out.tainted()}): {text}")
        out.err(DASHES)
        out.err("")

    def slab_fix(self, text: str) -> None:
        if self.out.kunit_error():
            return
        self.out.err(f"FIX {self.name}: {text}")

    def print_slab_info(self, slab: DebugSlab) -> None:
        page = VMEMMAP_START + ((slab.addr - PAGE_OFFSET) >> PAGE_SHIFT) * 64
        h = self.out.hashed
        self.out.err(
            f"Slab 0x{h(page)} objects={slab.objects} used={slab.inuse}"
            f" fp=0x{h(slab.freelist)} flags=0x{PG_SLAB:x}(slab|node=0|zone=0)"
        )

    def slab_err(self, slab: DebugSlab, text: str) -> None:
        if self.out.kunit_error():
            return
        self.slab_bug(text[:99])
        self.print_slab_info(slab)
        self.out.dump_stack()
        self.out.taint_bad_page()

    def object_err(self, slab: DebugSlab, obj: int, reason: str) -> None:
        if self.out.kunit_error():
            return
        self.slab_bug(reason)
        if not obj or not self.valid_pointer(slab, obj):
            self.print_slab_info(slab)
            self.out.err(f"Invalid pointer 0x{self.out.hashed(obj)}")
        else:
            self.print_trailer(slab, obj)
        self.out.taint_bad_page()

    def print_section(self, text: str, addr: int, length: int) -> None:
        from lkmsh.kernel.kapi.hexdump import hex_dump_line

        data = self.mem.read(addr, length)
        for i in range(0, length, 16):
            line = hex_dump_line(data[i : i + 16], 16, 1, True).decode()
            self.out.err(f"{text}{self.out.hashed(addr + i)}: {line}")

    def print_tracking(self, obj: int) -> None:
        if not self.g.flags & SLAB_STORE_USER:
            return
        now = self.out.jiffies()
        for which, word in ((TRACK_ALLOC, "Allocated"), (TRACK_FREE, "Freed")):
            t = self.mem.read(self._track(obj, which), TRACK_SIZE)
            addr = int.from_bytes(t[0:8], "little")
            if not addr:
                continue
            cpu, pid = int.from_bytes(t[12:16], "little"), int.from_bytes(t[16:20], "little")
            when = int.from_bytes(t[24:32], "little")
            age = (now - when) & (1 << 64) - 1
            self.out.err(f"{word} in {self.out.symbol(addr)} age={age} cpu={cpu} pid={pid}")
            self.out.err("object allocation/free stack trace missing")

    def print_trailer(self, slab: DebugSlab, p: int) -> None:
        g = self.g
        self.print_tracking(p)
        self.print_slab_info(slab)
        h = self.out.hashed
        self.out.err(f"Object 0x{h(p)} @offset={p - slab.addr} fp=0x{h(self.get_freepointer(p))}")
        self.out.err("")
        if g.flags & SLAB_RED_ZONE:
            self.print_section("Redzone  ", p - g.red_left_pad, g.red_left_pad)
        elif p > slab.addr + 16:
            self.print_section("Bytes b4 ", p - 16, 16)
        self.print_section("Object   ", p, min(g.object_size, PAGE_SIZE))
        if g.flags & SLAB_RED_ZONE:
            self.print_section("Redzone  ", p + g.object_size, g.inuse - g.object_size)
        off = g.info_end
        if g.flags & SLAB_STORE_USER:
            off += 2 * TRACK_SIZE
        if off != g.size_from_object:
            self.print_section("Padding  ", p + off, g.size_from_object - off)
        self.out.dump_stack()

    # -- byte checks ----------------------------------------------------------

    def check_bytes(self, slab: DebugSlab, obj: int, what: str, start: int, value: int, n: int):
        """check_bytes_and_report(): True when all @n bytes are @value, else report and
        restore them."""
        if n <= 0:
            return True
        data = self.mem.read(start, n)
        fault = next((i for i, b in enumerate(data) if b != value), None)
        if fault is None:
            return True
        end = n
        while end > fault and data[end - 1] == value:
            end -= 1
        if not self.out.kunit_error():
            h = self.out.hashed
            self.slab_bug(f"{what} overwritten")
            self.out.err(
                f"0x{h(start + fault)}-0x{h(start + end - 1)} @offset={start + fault - slab.addr}."
                f" First byte 0x{data[fault]:x} instead of 0x{value:x}"
            )
            self.print_trailer(slab, obj)
            self.out.taint_bad_page()
        self._restore(what, value, start + fault, start + end)
        return False

    def _restore(self, what: str, value: int, start: int, end: int) -> None:
        h = self.out.hashed
        self.slab_fix(f"Restoring {what} 0x{h(start)}-0x{h(end - 1)}=0x{value:x}")
        self.mem.write(start, bytes([value]) * (end - start))

    def check_pad_bytes(self, slab: DebugSlab, p: int) -> bool:
        g = self.g
        off = g.info_end
        if g.flags & SLAB_STORE_USER:
            off += 2 * TRACK_SIZE + (4 if g.flags & SLAB_KMALLOC else 0)
        if g.size_from_object == off:
            return True
        return self.check_bytes(
            slab, p, "Object padding", p + off, POISON_INUSE, g.size_from_object - off
        )

    def slab_pad_check(self, slab: DebugSlab) -> None:
        g = self.g
        if not g.flags & SLAB_POISON:
            return
        remainder = g.slab_bytes % g.size
        if not remainder:
            return
        pad = slab.addr + g.slab_bytes - remainder
        data = self.mem.read(pad, remainder)
        fault = next((i for i, b in enumerate(data) if b != POISON_INUSE), None)
        if fault is None:
            return
        end = remainder
        while end > fault and data[end - 1] == POISON_INUSE:
            end -= 1
        h = self.out.hashed
        self.slab_err(
            slab,
            f"Padding overwritten. 0x{h(pad + fault)}-0x{h(pad + end - 1)}"
            f" @offset={pad + fault - slab.addr}",
        )
        self.print_section("Padding ", pad, remainder)
        self._restore("slab padding", POISON_INUSE, pad + fault, pad + end)

    def check_object(self, slab: DebugSlab, p: int, val: int) -> bool:
        g = self.g
        end = p + g.object_size
        if g.flags & SLAB_RED_ZONE:
            if not self.check_bytes(
                slab, p, "Left Redzone", p - g.red_left_pad, val, g.red_left_pad
            ):
                return False
            if not self.check_bytes(slab, p, "Right Redzone", end, val, g.inuse - g.object_size):
                return False
        elif g.flags & SLAB_POISON and g.object_size < g.inuse:
            self.check_bytes(
                slab, p, "Alignment padding", end, POISON_INUSE, g.inuse - g.object_size
            )
        if g.flags & SLAB_POISON:
            if (
                val != RED_ACTIVE
                and g.flags & OBJECT_POISON
                and (
                    not self.check_bytes(slab, p, "Poison", p, POISON_FREE, g.object_size - 1)
                    or not self.check_bytes(slab, p, "End Poison", end - 1, POISON_END, 1)
                )
            ):
                return False
            self.check_pad_bytes(slab, p)
        if not g.freeptr_outside and val == RED_ACTIVE:
            return True
        if not self.valid_pointer(slab, self.get_freepointer(p)):
            self.object_err(slab, p, "Freepointer corrupt")
            self.set_freepointer(p, 0)
            return False
        return True

    def check_slab(self, slab: DebugSlab) -> bool:
        g = self.g
        if slab.objects > g.slab_bytes // g.size:
            self.slab_err(slab, f"objects {slab.objects} > max {g.slab_bytes // g.size}")
            return False
        if slab.inuse > slab.objects:
            self.slab_err(slab, f"inuse {slab.inuse} > max {slab.objects}")
            return False
        if slab.frozen:
            self.slab_err(slab, "Slab disabled since SLUB metadata consistency check failed")
            return False
        self.slab_pad_check(slab)
        return True

    def on_freelist(self, slab: DebugSlab, search: int) -> bool:
        nr, fp, obj = 0, slab.freelist, 0
        while fp and nr <= slab.objects:
            if fp == search:
                return True
            if not self.valid_pointer(slab, fp):
                if obj:
                    self.object_err(slab, obj, "Freechain corrupt")
                    self.set_freepointer(obj, 0)
                else:
                    self.slab_err(slab, "Freepointer corrupt")
                    slab.freelist = 0
                    slab.inuse = slab.objects
                    self.slab_fix("Freelist cleared")
                    return False
                break
            obj = fp
            fp = self.get_freepointer(obj)
            nr += 1
        max_objects = min(self.g.slab_bytes // self.g.size, MAX_OBJS_PER_PAGE)
        if slab.objects != max_objects:
            self.slab_err(
                slab,
                f"Wrong number of objects. Found {slab.objects} but should be {max_objects}",
            )
            slab.objects = max_objects
            self.slab_fix("Number of objects adjusted")
        if slab.inuse != slab.objects - nr:
            self.slab_err(
                slab,
                f"Wrong object count. Counter is {slab.inuse} but counted were {slab.objects - nr}",
            )
            slab.inuse = slab.objects - nr
            self.slab_fix("Object count adjusted")
        return search == 0

    # -- object setup -------------------------------------------------------

    def init_object(self, p: int, val: int) -> None:
        g, mem = self.g, self.mem
        if g.flags & SLAB_RED_ZONE:
            mem.write(p - g.red_left_pad, bytes([val]) * g.red_left_pad)
        if g.flags & OBJECT_POISON:
            mem.write(p, bytes([POISON_FREE]) * (g.object_size - 1) + bytes([POISON_END]))
        if g.flags & SLAB_RED_ZONE:
            mem.write(p + g.object_size, bytes([val]) * (g.inuse - g.object_size))

    def _track(self, obj: int, which: int) -> int:
        return obj + self.g.info_end + which * TRACK_SIZE

    def set_track(self, obj: int, which: int, addr: int) -> None:
        t = bytearray(TRACK_SIZE)
        t[0:8] = addr.to_bytes(8, "little")
        t[16:20] = self.out.pid().to_bytes(4, "little")
        t[24:32] = (self.out.jiffies() & (1 << 64) - 1).to_bytes(8, "little")
        self.mem.write(self._track(obj, which), bytes(t))

    def new_slab(self, addr: int) -> DebugSlab:
        """allocate_slab() on @addr's pages: poisoned (SLAB_POISON), every object set up
        and chained in address order."""
        g = self.g
        slab = DebugSlab(addr, g.objects)
        if g.flags & SLAB_POISON:
            self.mem.write(addr, bytes([POISON_INUSE]) * g.slab_bytes)
        objs = list(self.objects_of(slab))
        for i, p in enumerate(objs):
            self.init_object(p, RED_INACTIVE)
            if g.flags & SLAB_STORE_USER:
                self.mem.write(self._track(p, 0), bytes(2 * TRACK_SIZE))
            self.set_freepointer(p, objs[i + 1] if i + 1 < len(objs) else 0)
        slab.freelist = objs[0] if objs else 0
        return slab

    # -- the paths ----------------------------------------------------------

    def alloc_from(self, slab: DebugSlab, caller: int) -> int:
        """alloc_single_from_partial/new_slab(): one object of @slab, debug-processed;
        0 when the checks fail (the slab is then marked full and frozen)."""
        obj = slab.freelist
        slab.freelist = self.get_freepointer(obj)
        slab.inuse += 1
        g = self.g
        if g.flags & SLAB_CONSISTENCY_CHECKS and not (
            self.check_slab(slab)
            and self._alloc_pointer_ok(slab, obj)
            and self.check_object(slab, obj, RED_INACTIVE)
        ):
            self.slab_fix("Marking all objects used")
            slab.inuse, slab.freelist, slab.frozen = slab.objects, 0, True
            self._to_full(slab)
            return 0
        if g.flags & SLAB_STORE_USER:
            self.set_track(obj, TRACK_ALLOC, caller)
        self.trace(slab, obj, alloc=True)
        self.init_object(obj, RED_ACTIVE)
        if slab.inuse == slab.objects:
            self._to_full(slab)
        return obj

    def _alloc_pointer_ok(self, slab: DebugSlab, obj: int) -> bool:
        if self.valid_pointer(slab, obj):
            return True
        self.object_err(slab, obj, "Freelist Pointer check fails")
        return False

    def _to_full(self, slab: DebugSlab) -> None:
        slab.full = True
        self.slabs.remove(slab)
        self.slabs.append(slab)  # partial slabs stay first, in their order

    def partial(self) -> list[DebugSlab]:
        return [s for s in self.slabs if not s.full]

    def trace(self, slab: DebugSlab, obj: int, alloc: bool) -> None:
        if not self.g.flags & SLAB_TRACE:
            return
        h = self.out.hashed
        self.out.err(  # pr_info in Linux; lkmsh's reporter logs both the same way
            f"TRACE {self.name} {'alloc' if alloc else 'free'} 0x{h(obj)} inuse={slab.inuse}"
            f" fp=0x{h(slab.freelist)}"
        )
        if not alloc:
            self.print_section("Object ", obj, self.g.object_size)
        self.out.dump_stack()

    def free(self, slab: DebugSlab, obj: int, caller: int) -> bool:
        """free_to_partial_list() of one object: False when the checks refused it (it
        stays allocated: "Object at ... not freed"). The caller discards an empty slab
        when discard() says so."""
        g = self.g
        ok = False
        if not g.flags & SLAB_CONSISTENCY_CHECKS or self.check_slab(slab):
            if slab.inuse < 1:
                self.slab_err(
                    slab, f"Slab has {slab.inuse} allocated objects but 1 are to be freed\n"
                )
            else:
                ok = self._free_checks(slab, obj)
        if not ok:
            self.slab_fix(f"Object at 0x{self.out.hashed(obj)} not freed")
            return False
        if g.flags & SLAB_STORE_USER:
            self.set_track(obj, TRACK_FREE, caller)
        self.trace(slab, obj, alloc=False)
        self.init_object(obj, RED_INACTIVE)
        prior = slab.freelist
        slab.inuse -= 1
        self.set_freepointer(obj, prior)
        slab.freelist = obj
        if slab.full:
            slab.full = False
            self.slabs.remove(slab)
            partial = self.partial()
            self.slabs.insert(len(partial), slab)  # add_partial(DEACTIVATE_TO_TAIL)
        return True

    def _free_checks(self, slab: DebugSlab, obj: int) -> bool:
        """free_consistency_checks(); lkmsh runs the double-free check on every debug cache
        (Linux only with SLAB_CONSISTENCY_CHECKS; without, the freelist would be corrupt)."""
        if not self.valid_pointer(slab, obj):
            self.slab_err(slab, f"Invalid object pointer 0x{self.out.hashed(obj)}")
            return False
        if self.on_freelist(slab, obj):
            self.object_err(slab, obj, "Object already free")
            return False
        return not (
            self.g.flags & SLAB_CONSISTENCY_CHECKS and not self.check_object(slab, obj, RED_ACTIVE)
        )

    def discard(self, slab: DebugSlab) -> bool:
        """An empty slab goes back to the page allocator when the node keeps enough
        partial ones (n->nr_partial >= s->min_partial), as free_to_partial_list()."""
        return slab.inuse == 0 and len(self.partial()) - 1 >= self.g.min_partial

    def free_slab_checks(self, slab: DebugSlab) -> None:
        """free_slab() with SLAB_CONSISTENCY_CHECKS: padding and every object checked."""
        if self.g.flags & SLAB_CONSISTENCY_CHECKS:
            self.slab_pad_check(slab)
            for p in self.objects_of(slab):
                self.check_object(slab, p, RED_INACTIVE)

    def validate_slab(self, slab: DebugSlab) -> None:
        if not self.check_slab(slab) or not self.on_freelist(slab, 0):
            return
        free, fp, n = set(), slab.freelist, 0
        while fp and n <= slab.objects:
            free.add(fp)
            fp, n = self.get_freepointer(fp), n + 1
        for p in self.objects_of(slab):
            if not self.check_object(slab, p, RED_INACTIVE if p in free else RED_ACTIVE):
                break

    def validate(self) -> int:
        """validate_slab_cache(): the slabs it checked."""
        count = 0
        for slab in self.partial():
            self.validate_slab(slab)
            count += 1
        if self.g.flags & SLAB_STORE_USER:
            for slab in [s for s in self.slabs if s.full]:
                self.validate_slab(slab)
                count += 1
        return count

    def live_objects(self, slab: DebugSlab) -> list[int]:
        free, fp, n = set(), slab.freelist, 0
        while fp and n <= slab.objects and self.valid_pointer(slab, fp):
            free.add(fp)
            fp, n = self.get_freepointer(fp), n + 1
        return [p for p in self.objects_of(slab) if p not in free]
