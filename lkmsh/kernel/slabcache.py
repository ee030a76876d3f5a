"""Named slab caches (kmem_cache_create): which caches exist and which objects each holds.

The objects themselves are heap allocations of the creating module; this
component remembers the caches (name, object size, constructor) across
commands and forgets those of a module that goes, as their memory goes with
the module.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.slubdebug import DebugSlab, Geometry, geometry, is_debug
from lkmsh.kernel.snapshot import typed

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module


@dataclass
class Cache:
    """A kmem_cache a module created: object size, alignment, flags and constructor."""

    name: str
    size: int  # object size, as kmem_cache_size() returns it
    align: int
    flags: int
    ctor: int  # module function run on each new object, or 0
    owner: str
    objects: list[int] = field(default_factory=list)
    #: a debug cache's (SLAB_RED_ZONE, SLAB_POISON, ...) own slabs (slubdebug.py)
    slabs: list[DebugSlab] = field(default_factory=list)
    random: int = 0  # s->random: the hardened free pointers' key

    @property
    def debug(self) -> bool:
        return is_debug(self.flags)

    @property
    def geometry(self) -> Geometry:
        return geometry(self.size, self.align, self.flags, bool(self.ctor))


class SlabCaches(Component):
    name = "slab_caches"

    def __init__(self) -> None:
        self.caches: dict[int, Cache] = {}  # handle (struct kmem_cache *) -> cache

    def to_data(self) -> Any:
        return {str(h): asdict(c) for h, c in self.caches.items()}

    def load_data(self, data: Any) -> None:
        self.caches = {}
        for h, c in (data or {}).items():
            if not isinstance(c, dict) or not isinstance(c.get("slabs", []), list):
                raise ValueError("bad slab cache record")
            slabs = [typed(DebugSlab, s, "debug slab") for s in c.pop("slabs", [])]
            self.caches[int(h)] = typed(Cache, c, "slab cache")
            self.caches[int(h)].slabs = slabs

    def module_going(self, module: Module) -> list[Report]:
        for handle in [h for h, c in self.caches.items() if c.owner == module.name]:
            del self.caches[handle]
        return []
