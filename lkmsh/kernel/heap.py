"""The slab heap behind kmalloc, in the direct map.

Like SLUB: a request up to 8 KiB is served from the kmalloc cache of the
next size class (8, 16, ..., 8192 bytes), each cache carving objects out of
slabs (page-aligned regions mapped read-write in the AddressSpace); a larger
request gets whole pages of its own (kmalloc_large), up to KMALLOC_MAX_SIZE
(4 MiB). ``vmalloc`` memory is page-granular too and lives on the same heap.

What the heap adds over plain SLUB, for teaching:

- every live object carries metadata (requested size, owner module, calling
  address, time), so a module's leftovers can be reported on unload
  (kmemleak) and reclaimed;
- freed objects are remembered until their slot is reused, so a second free
  is recognised as a double free (KASAN), and a pointer into the middle of an
  object, or outside the heap, as an invalid free;
- freed memory is poisoned with 0x6b (POISON_FREE), as ``slub_debug=P``, so
  use-after-free reads show a recognisable pattern.

The memory bytes live in the AddressSpace regions (the state store saves
those); ``to_data``/``from_data`` carry only the metadata.

Small kmallocs and their kfrees mostly never reach Python: the kernel
library's fast path allocates in slabs the heap lends it (slabfast.py), and
every public method here first takes them back (``settle``), so what it
answers is as if each call had come through Python.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.errors import KernelError, OutOfMemory, StateError
from lkmsh.kernel.clock import HZ, INITIAL_JIFFIES, NSEC_PER_SEC
from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.layout import PAGE_SHIFT, PAGE_SIZE
from lkmsh.kernel.memory import AddressSpace, Perm, Region
from lkmsh.kernel.module import ModuleState
from lkmsh.kernel.snapshot import RowFetch

if TYPE_CHECKING:
    from lkmsh.kernel.slabfast import FastPath

KMALLOC_CLASSES = (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192)
KMALLOC_MAX_CACHE_SIZE = KMALLOC_CLASSES[-1]
_CACHES = frozenset((0, *KMALLOC_CLASSES))  # an allocation's cache: a class, 0 for pages
KMALLOC_MAX_SIZE = 4 << 20  # 1 << (MAX_ORDER + PAGE_SHIFT - 1)
ZERO_SIZE_PTR = 16
DEFAULT_LIMIT = 64 << 20
POISON_FREE = 0x6B
POISON_END = 0xA5
HEAP_OWNER = "heap"  # owner of the slab and page regions in the AddressSpace
KERNEL_OWNER = "[kernel]"  # owner of kernel objects (seq_file, proc_dir_entry)
#: empty slabs a cache keeps (SLUB's MIN_PARTIAL, its least min_partial)
MIN_PARTIAL = 5
FREED_PAGES_KEPT = 256  # how many freed page allocations are remembered for double-free checks
#: Most live objects at once: each is a record in the state every later command
#: reads (800,000 small kmallocs once made a 78 MB state); kmalloc gives NULL beyond.
OBJECTS_MAX = 1 << 16
#: Most freed objects remembered for double-free reports (the oldest are forgotten).
FREED_KEPT = 1 << 16

KIND_KMALLOC = "kmalloc"
KIND_VMALLOC = "vmalloc"
#: alloc_percpu (kapi/percpu.py): scanned by kmemleak, never one of its leaks
KIND_PERCPU = "percpu"
#: the pages of a debug cache's slab (slubdebug.py), its objects the cache's to report
KIND_SLAB = "slab"


class HeapError(KernelError):
    """A free the heap cannot honour; the kernel API reports it as a KASAN BUG."""

    errno = errno.EINVAL


class DoubleFree(HeapError):
    def __init__(self, addr: int, record: Allocation):
        super().__init__(f"double free of 0x{addr:x}")
        self.addr = addr
        self.record = record  # the object as it was when first freed


class InvalidFree(HeapError):
    """``addr`` is inside an object but not its start, or not heap memory at all."""

    def __init__(self, addr: int, reason: str, containing: Allocation | None = None):
        super().__init__(f"invalid free of 0x{addr:x}: {reason}")
        self.addr = addr
        self.reason = reason
        self.containing = containing


@dataclass(slots=True)
class Allocation:
    """One live or remembered kmalloc/vmalloc/page object: what kmemleak and KASAN reports name."""

    addr: int
    size: int  # bytes requested
    cache: int  # object size of its kmalloc cache; 0 for page allocations
    owner: str
    caller: int
    ts_ns: int
    gfp: int = 0
    managed: bool = False  # kernel-managed for the owner (charp params): never a "leak"
    kind: str = KIND_KMALLOC
    free_caller: int = 0
    free_ts_ns: int = 0
    comm: str = "insmod"  # the task that allocated it (kmemleak's comm and pid)
    pid: int = 1

    @property
    def capacity(self) -> int:
        """ksize(): what the caller may really use."""
        return self.cache or _page_round(self.size)

    @property
    def cache_name(self) -> str:
        return f"kmalloc-{_cache_label(self.cache)}" if self.cache else "pages"

    @property
    def jiffies(self) -> int:
        return INITIAL_JIFFIES + self.ts_ns * HZ // NSEC_PER_SEC

    def to_list(self) -> list[Any]:
        return [
            self.addr, self.size, self.cache, self.owner, self.caller, self.ts_ns,
            self.gfp, self.managed, self.kind, self.free_caller, self.free_ts_ns,
            self.comm, self.pid,
        ]  # fmt: skip

    @classmethod
    def from_list(cls, v: list[Any]) -> Allocation:
        return cls(
            int(v[0]), int(v[1]), int(v[2]), str(v[3]), int(v[4]), int(v[5]),
            int(v[6]), bool(v[7]), str(v[8]), int(v[9]), int(v[10]),
            *((str(v[11]), int(v[12])) if len(v) > 12 else ()),
        )  # fmt: skip


@dataclass(slots=True)
class Slab:
    """A slab of one kmalloc cache: its pages, object size and free slots."""

    cache: int
    addr: int
    nbytes: int
    free: list[int] = field(default_factory=list)  # free object indexes, LIFO (top = last)
    nobj: int = field(init=False)
    #: the slab's memory (poisoned in place on every free)
    region: Region | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.nobj = self.nbytes // self.cache

    @property
    def inuse(self) -> int:
        return self.nobj - len(self.free)


@dataclass(frozen=True)
class CacheStats:
    """One line of /proc/slabinfo."""

    name: str
    object_size: int
    active_objs: int
    num_objs: int
    objs_per_slab: int
    pages_per_slab: int
    active_slabs: int
    num_slabs: int


def _page_round(n: int) -> int:
    return (n + PAGE_SIZE - 1) // PAGE_SIZE * PAGE_SIZE


def _cache_label(size: int) -> str:
    return f"{size // 1024}k" if size >= 1024 else str(size)


def _size_class(size: int) -> int:
    for c in KMALLOC_CLASSES:
        if size <= c:
            return c
    raise ValueError(size)


#: the cache of each size, by (size + 7) // 8 (kmalloc's size_index table)
_CLASS_BY_8 = [8] + [_size_class(8 * i) for i in range(1, KMALLOC_MAX_CACHE_SIZE // 8 + 1)]
#: what a freed object of each cache is filled with (slub_debug=P)
_POISON = {c: bytes([POISON_FREE]) * (c - 1) + bytes([POISON_END]) for c in KMALLOC_CLASSES}


def size_class(size: int) -> int:
    """The kmalloc cache serving ``size`` bytes (1..8192)."""
    if not 0 < size <= KMALLOC_MAX_CACHE_SIZE:
        raise ValueError(size)
    return _CLASS_BY_8[(size + 7) >> 3]


#: SLUB's largest slab (slub_max_order 3), which kmalloc-1k and up get on Linux
#: ("kmalloc-1k ... 1024 32 8" in /proc/slabinfo). Every slab is a mapping of the
#: emulated CPU, whose cost grows with how many there are: an XArray's 576-byte
#: nodes (lib/test_xarray.c holds tens of thousands) take a quarter of the mappings
#: 8 KiB slabs took.
SLAB_MAX_BYTES = 8 * PAGE_SIZE


def slab_bytes(cache: int) -> int:
    """Bytes per slab: one page for small objects (the fast path's, slabfast.py), an
    order-3 slab for kmalloc-1k and up."""
    return PAGE_SIZE if cache <= PAGE_SIZE // 8 else SLAB_MAX_BYTES


class Heap(Component):
    """``symbolize`` names a caller address in leak reports (the kernel's kallsyms)."""

    name = "heap"
    objects_max = OBJECTS_MAX

    def __init__(
        self,
        mem: AddressSpace,
        limit: int = DEFAULT_LIMIT,
        now_ns: Callable[[], int] | None = None,
        symbolize: Callable[[int], str] | None = None,
    ):
        self.mem = mem
        self.symbolize: Callable[[int], str] = symbolize or (lambda addr: f"0x{addr:x}")
        self.limit = limit
        self.now_ns: Callable[[], int] = now_ns or (lambda: 0)
        self._range = mem.direct_map  # page ranges; the AddressSpace persists them
        self._fetch: Callable[[], Any] | None = None  # saved metadata not rebuilt yet
        #: warn_alloc's ratelimit (kapi/slab.py): for this process's kernel, not saved
        self.warned_ns: int | None = None
        self.warn_missed = 0
        #: the emulated fast path (slabfast.py), attached by the kernel once booted
        self.fast: FastPath | None = None
        #: the owner of allocations made now (the kernel's current module)
        self.current_owner: Callable[[], str] = lambda: KERNEL_OWNER
        #: the (comm, pid) of the task allocating now
        self.current_task: Callable[[], tuple[str, int]] = lambda: ("insmod", 1)
        #: a going module's pages the page pool (pages.py) gave back, for the same report
        self.foreign_leaks: list[Allocation] = []
        self._new_tables()

    def _new_tables(self) -> None:
        self._slabs: dict[int, Slab] = {}  # slab address -> slab
        self._slab_pages: dict[int, Slab] = {}  # page number -> the slab holding it
        self._partial: dict[int, list[int]] = {c: [] for c in KMALLOC_CLASSES}  # with free slots
        self._live: dict[int, Allocation] = {}
        self._freed: dict[int, Allocation] = {}  # free slots/pages remembered for double frees
        self._freed_pages: list[int] = []
        self.footprint = 0  # bytes mapped for slabs and pages

    # -- the fast path --------------------------------------------------------

    def settle(self) -> None:
        """Take back the slabs lent to the emulated fast path, recording its calls."""
        fast = self.fast
        if fast is not None and fast.lent:
            fast.settle(self)

    def lend(self, addr: int) -> None:
        """Lend the slab holding @addr (a kmalloc or kfree just served) to the fast path."""
        fast = self.fast
        if fast is not None and fast.enabled:
            slab = self._slab_pages.get(addr >> PAGE_SHIFT)
            if slab is not None:
                fast.lend(self, slab, self._live)

    def record(
        self, addr: int, size: int, cache: int, owner: str, caller: int, ts: int, gfp: int
    ) -> Allocation:
        comm, pid = self.current_task()
        return Allocation(addr, size, cache, owner, caller, ts, gfp, comm=comm, pid=pid)

    def remember_freed(self, a: Allocation) -> None:
        self._freed[a.addr] = a
        if len(self._freed) > FREED_KEPT:
            self._freed.pop(next(iter(self._freed)))

    def slab_returned(self, slab: Slab, free: list[int]) -> None:
        """A slab back from the fast path with these free slots (stack order)."""
        had = bool(slab.free)
        slab.free = free
        partial = self._partial[slab.cache]
        if free and not had:
            partial.append(slab.addr)
        elif had and not free:
            partial.remove(slab.addr)
        if len(free) == slab.nobj:
            slabs = self._slabs
            if len(partial) > 1 and sum(len(slabs[s].free) == slabs[s].nobj for s in partial) > 1:
                partial.remove(slab.addr)
                self._drop_slab(slab)

    # -- allocation ---------------------------------------------------------

    def alloc(
        self,
        size: int,
        owner: str,
        caller: int = 0,
        zero: bool = False,
        gfp: int = 0,
        managed: bool = False,
        kind: str = KIND_KMALLOC,
        init: bool = True,
        align: int = 0,
    ) -> int:
        """An object of ``size`` bytes, or 0. Size 0 gives ZERO_SIZE_PTR, as Linux.

        Slab objects come zeroed (@init: init_on_alloc, as Debian's
        CONFIG_INIT_ON_ALLOC_DEFAULT_ON) unless a cache with a constructor or
        SLAB_TYPESAFE_BY_RCU asks for them as they were (@init False); pages are
        freshly mapped, so zero either way. @align places pages (vmalloc's) at a
        multiple of it."""
        if size == 0 and kind == KIND_KMALLOC:
            return ZERO_SIZE_PTR
        if size <= 0 or size > KMALLOC_MAX_SIZE or len(self._live) >= self.objects_max:
            return 0
        fast = self.fast
        if fast is not None and fast.lent and not fast.take_object():
            return 0  # the cap, counting what the fast path holds
        if kind == KIND_KMALLOC and size <= KMALLOC_MAX_CACHE_SIZE:
            cache = _CLASS_BY_8[(size + 7) >> 3]
            if fast is not None and cache in fast.lent:
                fast.take_back(self, cache)
            addr = self._slab_object(cache)
        else:
            cache = 0
            addr = self._pages(_page_round(size), kind, align)
        if not addr:
            if fast is not None and fast.lent:
                fast.give_object()
            return 0
        self._freed.pop(addr, None)
        comm, pid = self.current_task()
        self._live[addr] = Allocation(
            addr, size, cache, owner, caller, self.now_ns(), gfp, managed, kind, comm=comm, pid=pid
        )
        if zero or (init and cache):
            self.mem.write(addr, bytes(cache or _page_round(size)))
        return addr

    def _slab_object(self, cache: int) -> int:
        partial = self._partial[cache]
        if not partial:
            nbytes = slab_bytes(cache)
            if self.footprint + nbytes > self.limit:
                return 0
            start = self._map(nbytes, f"slab:kmalloc-{_cache_label(cache)}")
            if not start:
                return 0
            self.footprint += nbytes
            slab = Slab(cache, start, nbytes)
            slab.free = list(range(slab.nobj - 1, -1, -1))
            self._add_slab(slab)
            partial.append(start)
        slab = self._slabs[partial[-1]]
        index = slab.free.pop()
        if not slab.free:
            partial.pop()
        return slab.addr + index * cache

    def _add_slab(self, slab: Slab) -> None:
        self._slabs[slab.addr] = slab
        slab.region = self.mem.region_at(slab.addr)
        first = slab.addr >> PAGE_SHIFT
        for vpn in range(first, first + (slab.nbytes >> PAGE_SHIFT)):
            self._slab_pages[vpn] = slab

    def _pages(self, nbytes: int, kind: str, align: int = 0) -> int:
        if self.footprint + nbytes > self.limit:
            return 0
        start = self._map(nbytes, f"{kind}:{nbytes // PAGE_SIZE}p", align)
        if start:
            self.footprint += nbytes
        return start

    def _map(self, nbytes: int, name: str, align: int = 0) -> int:
        try:
            start = self._range.alloc(nbytes, align)
        except OutOfMemory:
            return 0
        self.mem.map(start, nbytes, Perm.R | Perm.W, name, HEAP_OWNER)
        return start

    # -- free ---------------------------------------------------------------

    def lookup(self, addr: int) -> Allocation | None:
        """The live object starting at ``addr``."""
        self.settle()
        return self._live.get(addr)

    def find(self, addr: int) -> Allocation | None:
        """The live object containing ``addr``."""
        self.settle()
        a = self._live.get(addr)
        if a is not None:
            return a
        slab = self._slab_of(addr)
        if slab is not None:
            start = slab.addr + (addr - slab.addr) // slab.cache * slab.cache
            return self._live.get(start)
        for a in self._live.values():
            if a.cache == 0 and a.addr <= addr < a.addr + a.capacity:
                return a
        return None

    def freed_record(self, addr: int) -> Allocation | None:
        """The remembered freed object containing ``addr`` (a use-after-free report's)."""
        self.settle()
        for a in self._freed.values():
            if a.addr <= addr < a.addr + a.capacity:
                return a
        return None

    def _slab_of(self, addr: int) -> Slab | None:
        return self._slab_pages.get(addr >> PAGE_SHIFT)

    def free(
        self, addr: int, caller: int = 0, kind: str = KIND_KMALLOC, poison: bool = True
    ) -> Allocation:
        """Free the object at ``addr``; raises DoubleFree or InvalidFree.

        @poison False keeps the bytes (a SLAB_TYPESAFE_BY_RCU or constructed object:
        readers under RCU, or the constructor's state, see them after the free)."""
        fast = self.fast
        if fast is not None and fast.lent:
            slab = self._slab_pages.get(addr >> PAGE_SHIFT)
            if slab is not None and fast.lent.get(slab.cache) is slab:
                fast.take_back(self, slab.cache)
        a = self._live.get(addr)
        if a is None or a.kind != kind:
            self.settle()  # the report needs every record
            if a is not None:
                raise InvalidFree(addr, f"allocated by {a.kind}, freed by {free_function(kind)}", a)
            old = self._freed.get(addr)
            if old is not None:
                raise DoubleFree(addr, old)
            inner = self.find(addr)
            if inner is not None:
                raise InvalidFree(addr, "not the start of an object", inner)
            raise InvalidFree(addr, "not a heap address")
        del self._live[addr]
        if fast is not None and fast.lent:
            fast.give_object()
        a.free_caller = caller
        a.free_ts_ns = self.now_ns()
        self.remember_freed(a)
        if a.cache:
            self._release_slot(addr, a.cache, poison)
        else:
            nbytes = _page_round(a.size)
            self.mem.unmap(addr)
            self._range.free(addr)
            self.footprint -= nbytes
            self._freed_pages.append(addr)
            if len(self._freed_pages) > FREED_PAGES_KEPT:
                self._freed.pop(self._freed_pages.pop(0), None)
        return a

    def _release_slot(self, addr: int, cache: int, poison: bool = True) -> None:
        """Poison the object and give its slot back to its slab."""
        slab = self._slab_pages[addr >> PAGE_SHIFT]
        region = slab.region
        if not poison:
            pass
        elif region is None or region.executable:  # a page made executable: the CPU must know
            self.mem.write(addr, _POISON[cache])
        else:
            off = addr - region.vaddr
            region.data[off : off + cache] = _POISON[cache]
        free = slab.free
        if not free:
            self._partial[cache].append(slab.addr)
        free.append((addr - slab.addr) // cache)
        if len(free) == slab.nobj:
            partial = self._partial[cache]
            # Keep MIN_PARTIAL empty slabs per cache (SLUB's min_partial), give the rest
            # back: a module that fills and empties two slabs in a loop maps no new one
            slabs = self._slabs
            if len(partial) > MIN_PARTIAL and (
                sum(len(slabs[s].free) == slabs[s].nobj for s in partial) > MIN_PARTIAL
            ):
                partial.remove(slab.addr)
                self._drop_slab(slab)

    def _drop_slab(self, slab: Slab) -> None:
        for i in range(slab.nobj):
            self._freed.pop(slab.addr + i * slab.cache, None)
        del self._slabs[slab.addr]
        first = slab.addr >> PAGE_SHIFT
        for vpn in range(first, first + (slab.nbytes >> PAGE_SHIFT)):
            del self._slab_pages[vpn]
        self.mem.unmap(slab.addr)
        self._range.free(slab.addr)
        self.footprint -= slab.nbytes

    # -- helpers ------------------------------------------------------------

    def ksize(self, addr: int) -> int:
        self.settle()
        a = self._live.get(addr)
        return a.capacity if a is not None else 0

    def realloc(self, addr: int, new_size: int, owner: str, caller: int = 0, gfp: int = 0) -> int:
        """krealloc(): keep the object when it still fits (its cache, or its pages), else move."""
        self.settle()
        if addr in (0, ZERO_SIZE_PTR):
            return self.alloc(new_size, owner, caller, gfp=gfp)
        a = self._live.get(addr)
        if a is None:
            self.free(addr, caller)  # raises the right error
            return 0
        if new_size == 0:
            self.free(addr, caller)
            return ZERO_SIZE_PTR
        # Linux keeps the object when it still fits (ksize >= new_size); a page
        # allocation here is sized to its pages, so it stays while the page count does
        if (new_size <= a.capacity) if a.cache else (_page_round(new_size) == a.capacity):
            a.size = new_size
            return addr
        new = self.alloc(new_size, owner, caller, gfp=gfp)
        if not new:
            return 0
        self.mem.write(new, self.mem.read(addr, min(a.size, new_size)))
        self._live[new].owner = a.owner if owner == KERNEL_OWNER else owner
        self.free(addr, caller)
        return new

    def allocations(self, owner: str | None = None) -> list[Allocation]:
        self.settle()
        items = sorted(self._live.values(), key=lambda a: a.addr)
        return items if owner is None else [a for a in items if a.owner == owner]

    def reclaim(self, owner: str) -> list[Allocation]:
        """Free everything ``owner`` still holds; returns the leaks (managed ones excluded)."""
        leaks = []
        for a in self.allocations(owner):
            self.free(a.addr, 0, a.kind)
            if not a.managed and a.kind != KIND_PERCPU:
                leaks.append(a)
        leaks.sort(key=lambda a: a.ts_ns)
        return leaks

    def stats(self) -> list[CacheStats]:
        self.settle()
        out = []
        for c in KMALLOC_CLASSES:
            slabs = [s for s in self._slabs.values() if s.cache == c]
            per = slab_bytes(c) // c
            out.append(
                CacheStats(
                    name=f"kmalloc-{_cache_label(c)}",
                    object_size=c,
                    active_objs=sum(s.inuse for s in slabs),
                    num_objs=per * len(slabs),
                    objs_per_slab=per,
                    pages_per_slab=slab_bytes(c) // PAGE_SIZE,
                    active_slabs=sum(1 for s in slabs if s.inuse),
                    num_slabs=len(slabs),
                )
            )
        return out

    @property
    def slab_footprint(self) -> int:
        """Bytes of the kmalloc caches' slabs (/proc/meminfo's Slab)."""
        return sum(s.nbytes for s in self._slabs.values())

    @property
    def live_count(self) -> int:
        self.settle()
        return len(self._live)

    @property
    def live_bytes(self) -> int:
        self.settle()
        return sum(a.size for a in self._live.values())

    # -- persistence --------------------------------------------------------

    def to_data(self) -> Any:
        failed = self.__dict__.get("_failed")
        if failed is not None:
            raise failed  # a command that found the heap corrupt saves nothing
        self.settle()
        fetch = self.__dict__.get("_fetch")
        if isinstance(fetch, RowFetch) and (saved := fetch.saved()) is not None:
            return saved  # never decoded, so unchanged: saved back as the store read it
        return {
            "slabs": [[s.cache, s.addr, s.nbytes, list(s.free)] for s in self._slabs.values()],
            "live": [a.to_list() for a in self._live.values()],
            "freed": [a.to_list() for a in self._freed.values()],
            "freed_pages": list(self._freed_pages),
            "footprint": self.footprint,
        }

    def load_data(self, data: dict[str, Any] | None) -> None:
        """Rebuild the metadata; the slab and page regions must already be in ``mem``."""
        data = data or {}
        for cache, addr, nbytes, free in data.get("slabs", []):
            slab = Slab(int(cache), int(addr), int(nbytes), [int(i) for i in free])
            if (
                slab.cache not in KMALLOC_CLASSES
                or slab.nbytes <= 0
                or slab.nbytes % PAGE_SIZE
                or not self.mem.is_mapped(slab.addr, slab.nbytes)
                or len(set(slab.free)) != len(slab.free)
                or not all(0 <= i < slab.nobj for i in slab.free)
            ):
                raise ValueError(f"slab at {slab.addr:#x} is inconsistent")
            self._add_slab(slab)
            if slab.free:
                self._partial[slab.cache].append(slab.addr)
        for table, key in ((self._live, "live"), (self._freed, "freed")):
            for v in data.get(key, []):
                a = Allocation.from_list(v)
                if a.cache not in _CACHES:
                    raise ValueError(f"allocation at {a.addr:#x} names no kmalloc cache")
                table[a.addr] = a
        self._freed_pages = [int(x) for x in data.get("freed_pages", [])]
        self.footprint = int(data.get("footprint", 0))

    #: What load_data rebuilds; a restored heap leaves them unset until first used.
    _TABLES = frozenset(
        ("_slabs", "_slab_pages", "_partial", "_live", "_freed", "_freed_pages", "footprint")
    )

    def restore(self, fetch: Callable[[], Any]) -> None:
        """Rebuild the metadata when something first uses the heap: a one-shot ``ls`` or
        ``cat /proc/modules`` never decodes the state's 65,536 object records."""
        for name in self._TABLES:
            delattr(self, name)
        self._fetch = fetch

    def load_now(self) -> None:
        """Rebuild deferred metadata now (before module code runs: never inside a call)."""
        if self._fetch is not None:
            self.__getattr__("_live")

    def __getattr__(self, name: str) -> Any:
        # Python calls this only for attributes that are not set: the deferred tables.
        fetch = self.__dict__.get("_fetch")
        if fetch is None or name not in self._TABLES:
            raise AttributeError(name)
        self._fetch = None
        self._new_tables()
        try:
            self.load_data(fetch())
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError) as e:
            self.restore(fetch)  # still unusable for whoever asks next
            self._failed = StateError.corrupt(f"heap: {type(e).__name__}: {e}")
            raise self._failed from None
        return getattr(self, name)

    @classmethod
    def from_data(
        cls,
        mem: AddressSpace,
        data: dict[str, Any],
        limit: int = DEFAULT_LIMIT,
        now_ns: Callable[[], int] | None = None,
    ) -> Heap:
        heap = cls(mem, limit, now_ns)
        heap.load_data(data)
        return heap

    def module_going(self, module: Any) -> list[Report]:
        """Reclaim what the module still holds; kmemleak's report of what its exit left.

        After a failed init (the module never ran as RUNNING -> UNLOADING) the
        memory is reclaimed without a report, as before.
        """
        leaks = self.reclaim(module.name)
        if self.foreign_leaks:
            leaks = sorted(leaks + self.foreign_leaks, key=lambda a: a.ts_ns)
            self.foreign_leaks = []
        if not leaks or module.state is not ModuleState.UNLOADING:
            return []
        out = [
            f"kmemleak: {len(leaks)} new suspected memory leaks (see /sys/kernel/debug/kmemleak)"
        ]
        for a in leaks:
            out.append(f"unreferenced object 0x{a.addr:016x} (size {a.size}):")
            out.append(f'  comm "{a.comm}", pid {a.pid}, jiffies {a.jiffies}')
            out.append("  backtrace:")
            out.append(f"    [<{a.caller:016x}>] {self.symbolize(a.caller)}")
        return [(3, line) for line in out]


def slabinfo_text(stats: list[CacheStats]) -> str:
    """/proc/slabinfo, version 2.1 (mm/slab_common.c's layout), biggest cache first."""
    out = [
        "slabinfo - version: 2.1\n",
        "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
        " : tunables <limit> <batchcount> <sharedfactor>"
        " : slabdata <active_slabs> <num_slabs> <sharedavail>\n",
    ]
    for s in reversed(stats):
        out.append(
            f"{s.name:<17} {s.active_objs:6} {s.num_objs:6} {s.object_size:6}"
            f" {s.objs_per_slab:4} {s.pages_per_slab:4} : tunables {0:4} {0:4} {0:4}"
            f" : slabdata {s.active_slabs:6} {s.num_slabs:6} {0:6}\n"
        )
    return "".join(out)


def free_function(kind: str) -> str:
    """The function that frees an object of @kind (the words of an invalid-free report)."""
    return {KIND_VMALLOC: "vfree", KIND_PERCPU: "free_percpu", KIND_SLAB: "kmem_cache_free"}.get(
        kind, "kfree"
    )
