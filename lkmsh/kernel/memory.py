"""The kernel's virtual address space: regions backed by bytearrays.

Every region's bytes live in one ``bytearray`` placed at an assigned physical
address; the CPU (``cpu.py``) maps the very same buffers, so kernel-side
accesses here and module code see one memory. Pure Python on purpose: the
state store and the non-executing commands use it without unicorn.

A region's buffer is never resized (the CPU holds pointers into it).
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntFlag
from typing import Protocol

from lkmsh.errors import AlreadyExists, BadAddress, InvalidArgument, OutOfMemory
from lkmsh.kernel import layout
from lkmsh.kernel.layout import PAGE_SHIFT, PAGE_SIZE

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


class Perm(IntFlag):
    """Page permissions; the values match unicorn's UC_PROT_* bits."""

    NONE = 0
    R = 1
    W = 2
    X = 4
    RW = 3
    RX = 5
    RWX = 7

    def __str__(self) -> str:
        return (
            ("r" if self & Perm.R else "-")
            + ("w" if self & Perm.W else "-")
            + ("x" if self & Perm.X else "-")
        )


_PERMS = [Perm(i) for i in range(8)]

#: A freed region up to this size keeps its physical range and buffer for the
#: next map of the same size, and the CPU keeps that range mapped in unicorn: a
#: module that allocates and frees slabs or pages in a loop then costs no
#: unicorn map and unmap a round (measured: 0.85 ms early, 6 ms once unicorn
#: holds thousands of mappings; the maple tree self-test spent 52 s of 71 there).
POOL_REGION_MAX = 64 << 10
#: At most this many bytes wait in the pool (host memory stays bounded).
POOL_BYTES = 16 << 20


@dataclass(eq=False)
class Region:
    """One mapping: ``size`` bytes (page multiple) at ``vaddr``, backed at ``paddr``.

    ``perm`` is the permission the region was mapped with; ``page_perms`` holds
    the current one of each page (``AddressSpace.protect`` changes them).
    ``transient`` regions (CPU stacks, the return slot) are not saved by
    ``AddressSpace.snapshot``.
    """

    vaddr: int
    size: int
    perm: Perm
    name: str
    owner: str | None
    paddr: int
    data: bytearray
    page_perms: list[Perm] = field(default_factory=list)
    transient: bool = False
    #: Some page is executable (kept current by AddressSpace; cheap test on writes).
    executable: bool = field(default=False, compare=False)
    #: What every page allows (kept current by AddressSpace): checked accesses
    #: look at single pages only when this lacks the access they need.
    common: Perm = field(default=Perm.RWX, compare=False)
    #: user memory (below TASK_SIZE): kernel functions may not touch it (SMAP)
    user: bool = field(default=False, compare=False)

    @property
    def end(self) -> int:
        return self.vaddr + self.size

    def _refresh_executable(self) -> None:
        self.executable = any(p & Perm.X for p in self.page_perms)
        common = Perm.RWX
        for p in set(self.page_perms):
            common &= p
        self.common = common

    def contains(self, vaddr: int) -> bool:
        return self.vaddr <= vaddr < self.end

    def perm_at(self, vaddr: int) -> Perm:
        return self.page_perms[(vaddr - self.vaddr) >> PAGE_SHIFT]


class MemoryObserver(Protocol):
    """Told about every mapping change (the CPU mirrors them)."""

    def on_map(self, region: Region) -> None: ...

    def on_unmap(self, region: Region, pooled: bool) -> bool | None:
        """True keeps the region's physical range reserved until the observer
        calls ``AddressSpace.release_physical`` (the CPU cannot drop it mid-run).
        ``pooled``: the range and its buffer wait in the pool for a later map of
        the same size (see ``POOL_BYTES``); the observer may keep them mirrored."""
        ...

    def on_protect(self, vaddr: int, size: int, perm: Perm) -> None: ...


class _ExtentAllocator:
    """First-fit allocator over [base, base+size) with coalescing free list."""

    def __init__(self, base: int, size: int):
        self.base = base
        self.size = size
        self._free: list[tuple[int, int]] = [(base, size)]  # sorted (start, length)

    def alloc(self, length: int, align: int = 0) -> int | None:
        """The first free [start, start+length) with start a multiple of @align (a power
        of two; 0 for any)."""
        for i, (start, free_len) in enumerate(self._free):
            if free_len < length:
                continue
            at = -(-start // align) * align if align else start
            if at + length > start + free_len:
                continue
            pieces = [(start, at - start)] if at > start else []
            if start + free_len > at + length:
                pieces.append((at + length, start + free_len - at - length))
            self._free[i : i + 1] = pieces
            return at
        return None

    def reserve(self, start: int, length: int) -> bool:
        """Take exactly [start, start+length) if it is free."""
        for i, (fstart, flen) in enumerate(self._free):
            if fstart <= start and start + length <= fstart + flen:
                pieces = []
                if start > fstart:
                    pieces.append((fstart, start - fstart))
                tail = fstart + flen - (start + length)
                if tail:
                    pieces.append((start + length, tail))
                self._free[i : i + 1] = pieces
                return True
        return False

    def release(self, start: int, length: int) -> None:
        i = bisect.bisect_left(self._free, (start, 0))
        self._free.insert(i, (start, length))
        # merge with the next, then with the previous neighbour
        if i + 1 < len(self._free):
            s, n = self._free[i]
            ns, nn = self._free[i + 1]
            if s + n == ns:
                self._free[i : i + 2] = [(s, n + nn)]
        if i > 0:
            ps, pn = self._free[i - 1]
            s, n = self._free[i]
            if ps + pn == s:
                self._free[i - 1 : i + 1] = [(ps, pn + n)]

    def free_bytes(self) -> int:
        return sum(n for _, n in self._free)


class VirtualRange:
    """Page-granular first-fit allocator of virtual addresses in one area.

    It hands out address ranges only; the caller maps regions inside them.
    ``free(vaddr)`` returns the whole range that ``alloc`` gave at ``vaddr``.
    """

    def __init__(self, name: str, base: int, size: int, *, persistent: bool = True):
        if base % PAGE_SIZE or size % PAGE_SIZE:
            raise InvalidArgument(f"{name}: range not page aligned")
        self.name = name
        self.base = base
        self.size = size
        self.persistent = persistent
        self._extents = _ExtentAllocator(base, size)
        self._allocations: dict[int, int] = {}

    @property
    def end(self) -> int:
        return self.base + self.size

    def contains(self, vaddr: int) -> bool:
        return self.base <= vaddr < self.end

    def alloc(self, size: int, align: int = 0) -> int:
        """Page-aligned room for @size bytes, at a multiple of @align if it is larger."""
        length = layout.page_align_up(max(size, 1))
        start = self._extents.alloc(length, align if align > PAGE_SIZE else 0)
        if start is None:
            raise OutOfMemory(f"{self.name}: no room for {length:#x} bytes")
        self._allocations[start] = length
        return start

    def reserve(self, vaddr: int, size: int) -> None:
        """Allocate exactly [vaddr, vaddr+size) (restoring saved state)."""
        length = layout.page_align_up(max(size, 1))
        if vaddr % PAGE_SIZE or not self._extents.reserve(vaddr, length):
            raise AlreadyExists(f"{self.name}: {vaddr:#x}+{length:#x} is not free")
        self._allocations[vaddr] = length

    def free(self, vaddr: int) -> int:
        length = self._allocations.pop(vaddr, None)
        if length is None:
            raise InvalidArgument(f"{self.name}: nothing allocated at {vaddr:#x}")
        self._extents.release(vaddr, length)
        return length

    def allocations(self) -> list[tuple[int, int]]:
        return sorted(self._allocations.items())

    def free_bytes(self) -> int:
        return self._extents.free_bytes()


@dataclass
class RegionSnapshot:
    """A region as plain data (physical address is reassigned on restore)."""

    vaddr: int
    size: int
    perm: int
    name: str
    owner: str | None
    page_perms: bytes
    data: bytes


@dataclass
class AddressSpaceSnapshot:
    """An address space as plain data: its saved regions and the allocators' ranges."""

    regions: list[RegionSnapshot]
    ranges: dict[str, list[tuple[int, int]]]


class _Words:
    """Little-endian u16/u32/u64 reads and u8..u64 writes over ``_read_struct``/``write``."""

    __slots__ = ()

    def _read_struct(self, vaddr: int, fmt: struct.Struct) -> int:
        raise NotImplementedError

    def write(self, vaddr: int, data: bytes | bytearray | memoryview) -> None:
        raise NotImplementedError

    def read_u16(self, vaddr: int) -> int:
        return self._read_struct(vaddr, _U16)

    def read_u32(self, vaddr: int) -> int:
        return self._read_struct(vaddr, _U32)

    def read_u64(self, vaddr: int) -> int:
        return self._read_struct(vaddr, _U64)

    def write_u8(self, vaddr: int, value: int) -> None:
        self.write(vaddr, bytes((value & 0xFF,)))

    def write_u16(self, vaddr: int, value: int) -> None:
        self.write(vaddr, _U16.pack(value & 0xFFFF))

    def write_u32(self, vaddr: int, value: int) -> None:
        self.write(vaddr, _U32.pack(value & 0xFFFFFFFF))

    def write_u64(self, vaddr: int, value: int) -> None:
        self.write(vaddr, _U64.pack(value & 0xFFFFFFFFFFFFFFFF))


class AddressSpace(_Words):
    """Virtual regions, per-page permissions, kernel-side access, allocators.

    ``read``/``write`` are the kernel's own accesses: they ignore page
    permissions (the loader writes module text while relocating, as Linux's
    text_poke) but fail with ``BadAddress`` on unmapped addresses.
    ``checked`` is the view kernel API functions get: accesses on behalf of
    module code, checked against page permissions as the CPU checks a direct
    store (see ``CheckedAccess``). ``code_generation`` grows whenever bytes
    that may have been executed change, so the CPU knows when to drop
    translated code.
    """

    def __init__(self) -> None:
        self._pages: dict[int, Region] = {}
        self._regions: dict[int, Region] = {}
        self._phys = _ExtentAllocator(layout.PHYS_BASE, layout.PHYS_LIMIT - layout.PHYS_BASE)
        self._observers: list[MemoryObserver] = []
        #: freed backings by size: (physical address, buffer), reused by ``map``
        self._pool: dict[int, list[tuple[int, bytearray]]] = {}
        self._pooled = 0
        self.code_generation = 0
        self.modules = VirtualRange("modules", layout.MODULES_BASE, layout.MODULES_SIZE)
        self.direct_map = VirtualRange("direct map", layout.DIRECT_MAP_BASE, layout.DIRECT_MAP_SIZE)
        self.stacks = VirtualRange(
            "stacks", layout.STACKS_BASE, layout.STACKS_SIZE, persistent=False
        )
        self.ranges: dict[str, VirtualRange] = {
            r.name: r for r in (self.modules, self.direct_map, self.stacks)
        }
        #: accesses on behalf of module code (kernel API functions)
        self.checked = CheckedAccess(self)

    # -- observers -------------------------------------------------------------

    def add_observer(self, observer: MemoryObserver) -> None:
        self._observers.append(observer)

    def remove_observer(self, observer: MemoryObserver) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    # -- mappings --------------------------------------------------------------

    def map(
        self,
        vaddr: int,
        size: int,
        perm: Perm,
        name: str,
        owner: str | None = None,
        *,
        transient: bool = False,
        user: bool = False,
    ) -> Region:
        """Map ``size`` bytes (rounded up to pages) of zeroed memory at ``vaddr``."""
        if vaddr % PAGE_SIZE or vaddr < 0 or vaddr >= 1 << 64:
            raise InvalidArgument(f"map {name}: address {vaddr:#x} is not page aligned")
        if size <= 0:
            raise InvalidArgument(f"map {name}: size {size} is not positive")
        size = layout.page_align_up(size)
        if vaddr + size > 1 << 64:
            raise InvalidArgument(f"map {name}: {vaddr:#x}+{size:#x} wraps the address space")
        first = vaddr >> PAGE_SHIFT
        npages = size >> PAGE_SHIFT
        pages = self._pages
        for vpn in range(first, first + npages):
            other = pages.get(vpn)
            if other is not None:
                raise AlreadyExists(
                    f"map {name}: {vaddr:#x}+{size:#x} overlaps {other.name} "
                    f"at {other.vaddr:#x}+{other.size:#x}"
                )
        bucket = self._pool.get(size)
        if bucket:
            paddr, data = bucket.pop()
            self._pooled -= size
            data[:] = bytes(size)
        else:
            paddr = self._phys.alloc(size)
            if paddr is None:
                raise OutOfMemory(f"map {name}: out of physical memory")
            data = bytearray(size)
        perm = Perm(perm)
        region = Region(
            vaddr=vaddr,
            size=size,
            perm=perm,
            name=name,
            owner=owner,
            paddr=paddr,
            data=data,
            page_perms=[perm] * npages,
            transient=transient,
            executable=bool(perm & Perm.X),
            common=perm,
            user=user,
        )
        for vpn in range(first, first + npages):
            pages[vpn] = region
        self._regions[vaddr] = region
        for obs in self._observers:
            obs.on_map(region)
        return region

    def unmap(self, vaddr: int) -> Region:
        """Remove the region that starts at ``vaddr``; its physical range is reused."""
        region = self._regions.get(vaddr)
        if region is None:
            raise InvalidArgument(f"unmap: no region starts at {vaddr:#x}")
        if region.executable:
            self.code_generation += 1
        del self._regions[vaddr]
        first = vaddr >> PAGE_SHIFT
        for vpn in range(first, first + (region.size >> PAGE_SHIFT)):
            del self._pages[vpn]
        size = region.size
        # never code: a reused range must not meet translations of what it held
        pooled = (
            size <= POOL_REGION_MAX
            and self._pooled + size <= POOL_BYTES
            and not region.executable
            and not region.perm & Perm.X
        )
        held = [obs.on_unmap(region, pooled) for obs in self._observers]
        if pooled:
            self._pool.setdefault(size, []).append((region.paddr, region.data))
            self._pooled += size
        elif not any(held):
            self._phys.release(region.paddr, size)
        return region

    def release_physical(self, paddr: int, size: int) -> None:
        """Free a physical range an observer held at unmap time."""
        self._phys.release(paddr, size)

    def protect(self, vaddr: int, size: int, perm: Perm) -> None:
        """Set the permission of every page in [vaddr, vaddr+size) (all must be mapped)."""
        if vaddr % PAGE_SIZE:
            raise InvalidArgument(f"protect: address {vaddr:#x} is not page aligned")
        size = layout.page_align_up(size)
        perm = Perm(perm)
        first = vaddr >> PAGE_SHIFT
        npages = size >> PAGE_SHIFT
        hits = []
        for vpn in range(first, first + npages):
            region = self._pages.get(vpn)
            if region is None:
                raise BadAddress(f"protect: {vpn << PAGE_SHIFT:#x} is not mapped")
            hits.append((region, vpn))
        for region, vpn in hits:
            index = vpn - (region.vaddr >> PAGE_SHIFT)
            old = region.page_perms[index]
            if (old | perm) & Perm.X and old != perm:
                self.code_generation += 1
            region.page_perms[index] = perm
        for region in {id(r): r for r, _ in hits}.values():
            region._refresh_executable()
        for obs in self._observers:
            obs.on_protect(vaddr, size, perm)

    def translate(self, vaddr: int) -> tuple[int, Perm] | None:
        """Physical address and page permission of ``vaddr``, or None if unmapped."""
        region = self._pages.get(vaddr >> PAGE_SHIFT)
        if region is None:
            return None
        off = vaddr - region.vaddr
        return region.paddr + off, region.page_perms[off >> PAGE_SHIFT]

    def region_at(self, vaddr: int) -> Region | None:
        """The region containing ``vaddr``."""
        return self._pages.get(vaddr >> PAGE_SHIFT)

    def is_mapped(self, vaddr: int, size: int = 1) -> bool:
        if size <= 0:
            return True
        first = vaddr >> PAGE_SHIFT
        last = (vaddr + size - 1) >> PAGE_SHIFT
        pages = self._pages
        return all(vpn in pages for vpn in range(first, last + 1))

    def regions(self) -> Iterator[Region]:
        """Regions in address order."""
        for vaddr in sorted(self._regions):
            yield self._regions[vaddr]

    def __len__(self) -> int:
        return len(self._regions)

    # -- kernel-side access ----------------------------------------------------

    def _region_for(self, vaddr: int, what: str) -> Region:
        region = self._pages.get(vaddr >> PAGE_SHIFT)
        if region is None:
            vaddr &= (1 << 64) - 1
            raise BadAddress(
                f"kernel {what} of unmapped address {vaddr:#x}", address=vaddr, access=what
            )
        return region

    def check_access(self, vaddr: int, n: int, need: Perm) -> None:
        """Raise ``BadAddress`` for the first byte of [vaddr, vaddr+n) that is
        unmapped or whose page lacks ``need``: what the CPU would fault on.

        Looks at one region per page run, so a range costs its page count at
        most, and a region whose every page allows ``need`` costs one lookup.
        """
        what = "write" if need & Perm.W else "read"
        end = vaddr + n
        at = vaddr
        pages = self._pages
        while at < end:
            region = pages.get(at >> PAGE_SHIFT)
            if region is None:
                self._region_for(at, what)
            if region.user:  # SMAP: only copy_{to,from}_user reach user pages
                raise BadAddress(
                    f"kernel {what} of user address {at:#x}",
                    address=at,
                    access=what,
                    protection=True,
                )
            if region.common & need == need:
                at = region.end
                continue
            stop = min(end, region.end)
            while at < stop:
                if region.page_perms[(at - region.vaddr) >> PAGE_SHIFT] & need != need:
                    raise BadAddress(
                        f"kernel {what} of protected address {at:#x}",
                        address=at,
                        access=what,
                        protection=True,
                    )
                at = (at | (PAGE_SIZE - 1)) + 1

    def read(self, vaddr: int, n: int) -> bytes:
        """``n`` bytes at ``vaddr``, across regions if need be."""
        if n <= 0:
            return b""
        region = self._region_for(vaddr, "read")
        off = vaddr - region.vaddr
        if off + n <= region.size:
            return bytes(region.data[off : off + n])
        out = bytearray()
        while n > 0:
            region = self._region_for(vaddr, "read")
            off = vaddr - region.vaddr
            take = min(n, region.size - off)
            out += region.data[off : off + take]
            vaddr += take
            n -= take
        return bytes(out)

    def write(self, vaddr: int, data: bytes | bytearray | memoryview) -> None:
        """Store ``data`` at ``vaddr``; the whole range is checked before any byte changes."""
        n = len(data)
        if n == 0:
            return
        region = self._region_for(vaddr, "write")
        off = vaddr - region.vaddr
        if off + n <= region.size:
            region.data[off : off + n] = data
            if region.executable:
                self.code_generation += 1
            return
        if not self.is_mapped(vaddr, n):
            self._region_for(self._first_unmapped(vaddr, n), "write")
        view = memoryview(data).cast("B")
        pos = 0
        while pos < n:
            region = self._region_for(vaddr + pos, "write")
            off = vaddr + pos - region.vaddr
            take = min(n - pos, region.size - off)
            region.data[off : off + take] = view[pos : pos + take]
            if region.executable:
                self.code_generation += 1
            pos += take

    def _first_unmapped(self, vaddr: int, n: int) -> int:
        for vpn in range(vaddr >> PAGE_SHIFT, ((vaddr + n - 1) >> PAGE_SHIFT) + 1):
            if vpn not in self._pages:
                return max(vaddr, vpn << PAGE_SHIFT)
        return vaddr

    def fill(self, vaddr: int, value: int, n: int) -> None:
        """memset from the kernel side."""
        self.write(vaddr, bytes([value & 0xFF]) * n)

    def _read_struct(self, vaddr: int, fmt: struct.Struct) -> int:
        region = self._pages.get(vaddr >> PAGE_SHIFT)
        if region is not None:
            off = vaddr - region.vaddr
            if off + fmt.size <= region.size:
                return fmt.unpack_from(region.data, off)[0]
        return fmt.unpack(self.read(vaddr, fmt.size))[0]

    def read_u8(self, vaddr: int) -> int:
        region = self._region_for(vaddr, "read")
        return region.data[vaddr - region.vaddr]

    def read_cstr(self, vaddr: int, limit: int = 4096) -> bytes:
        """The NUL-terminated string at ``vaddr`` (without the NUL), at most ``limit`` bytes.

        Raises ``BadAddress`` if unmapped memory is reached before the NUL or the limit.
        """
        out = b""
        while len(out) < limit:
            region = self._region_for(vaddr, "read")
            off = vaddr - region.vaddr
            stop = min(region.size, off + (limit - len(out)))
            nul = region.data.find(0, off, stop)
            if nul >= 0:
                return out + bytes(region.data[off:nul])
            out += bytes(region.data[off:stop])
            vaddr += stop - off
        return out

    # -- persistence -----------------------------------------------------------

    def snapshot(self) -> AddressSpaceSnapshot:
        """All non-transient regions and persistent allocators, as plain data."""
        regions = [
            RegionSnapshot(
                vaddr=r.vaddr,
                size=r.size,
                perm=int(r.perm),
                name=r.name,
                owner=r.owner,
                page_perms=bytes(int(p) for p in r.page_perms),
                data=bytes(r.data),
            )
            for r in self.regions()
            if not r.transient
        ]
        ranges = {name: vr.allocations() for name, vr in self.ranges.items() if vr.persistent}
        return AddressSpaceSnapshot(regions=regions, ranges=ranges)

    @classmethod
    def restore(cls, snap: AddressSpaceSnapshot) -> AddressSpace:
        """A new address space holding what ``snapshot`` saved."""
        space = cls()
        for rs in snap.regions:
            region = space.map(rs.vaddr, rs.size, Perm(rs.perm), rs.name, rs.owner)
            if len(rs.data) != region.size or len(rs.page_perms) != region.size >> PAGE_SHIFT:
                raise InvalidArgument(f"restore: region {rs.name} at {rs.vaddr:#x} is damaged")
            region.data[:] = rs.data
            region.page_perms[:] = [_PERMS[p & 7] for p in rs.page_perms]
            region._refresh_executable()
        for name, allocations in snap.ranges.items():
            vr = space.ranges.get(name)
            if vr is None:
                raise InvalidArgument(f"restore: unknown address range {name!r}")
            for start, length in allocations:
                vr.reserve(start, length)
        return space


#: Largest piece a checked fill or copy moves at once: host memory stays
#: bounded whatever count a module passes.
CHUNK = 1 << 20


class CheckedAccess(_Words):
    """Kernel-side access on behalf of module code (what kernel API functions get).

    Every access is checked against the page permissions the CPU checks for
    a direct load or store (CR0.WP is set: the kernel cannot write read-only
    pages either), so ``memset(printk, 0xcc, 1)`` or a ``strcpy`` into
    ``.rodata`` faults where the module's own store would. A range is checked
    before any byte changes; fills and copies then move at most ``CHUNK``
    bytes at a time. Everything else is the address space's own.
    """

    __slots__ = ("space", "poll")

    def __init__(self, space: AddressSpace):
        self.space = space
        #: called between chunks of a long fill or copy (the CPU's cancel check)
        self.poll: Callable[[], None] | None = None

    def __getattr__(self, name: str):
        return getattr(self.space, name)

    def check(self, vaddr: int, n: int, need: Perm) -> None:
        if n > 0:
            self.space.check_access(vaddr, n, need)

    def pause(self) -> None:
        """A point between two pieces of a kernel function's long work, where Ctrl-C
        stops it (every loop over a module-given count has one per piece)."""
        if self.poll is not None:
            self.poll()

    def read(self, vaddr: int, n: int) -> bytes:
        if n > 0:
            self.space.check_access(vaddr, n, Perm.R)
        return self.space.read(vaddr, n)

    def write(self, vaddr: int, data: bytes | bytearray | memoryview) -> None:
        n = len(data)
        if n:
            self.space.check_access(vaddr, n, Perm.W)
            self.space.write(vaddr, data)

    def read_cstr(self, vaddr: int, limit: int = 4096) -> bytes:
        text = self.space.read_cstr(vaddr, limit)
        self.space.check_access(vaddr, min(len(text) + 1, limit), Perm.R)
        return text

    def fill(self, vaddr: int, value: int, n: int) -> None:
        """memset: the whole range checked, then written a chunk at a time."""
        if n <= 0:
            return
        self.space.check_access(vaddr, n, Perm.W)
        block = bytes((value & 0xFF,)) * min(n, CHUNK)
        done = 0
        while done < n:
            step = min(n - done, CHUNK)
            self.space.write(vaddr + done, block[:step] if step < len(block) else block)
            done += step
            if done < n:
                self.pause()

    def copy(self, dest: int, src: int, n: int) -> None:
        """memmove: both ranges checked, then copied a chunk at a time (overlap-safe)."""
        if n <= 0:
            return
        self.space.check_access(src, n, Perm.R)
        self.space.check_access(dest, n, Perm.W)
        if n <= CHUNK:
            self.space.write(dest, self.space.read(src, n))
            return
        backwards = src < dest < src + n
        done = 0
        while done < n:
            step = min(n - done, CHUNK)
            at = n - done - step if backwards else done
            self.space.write(dest + at, self.space.read(src + at, step))
            done += step
            if done < n:
                self.pause()

    def read_u8(self, vaddr: int) -> int:
        return self.read(vaddr, 1)[0]

    def _read_struct(self, vaddr: int, fmt: struct.Struct) -> int:
        return fmt.unpack(self.read(vaddr, fmt.size))[0]
