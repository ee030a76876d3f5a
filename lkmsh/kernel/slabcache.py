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
from lkmsh.kernel.snapshot import typed

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module


@dataclass
class Cache:
    name: str
    size: int  # object size, as kmem_cache_size() returns it
    align: int
    flags: int
    ctor: int  # module function run on each new object, or 0
    owner: str
    objects: list[int] = field(default_factory=list)


class SlabCaches(Component):
    name = "slab_caches"

    def __init__(self) -> None:
        self.caches: dict[int, Cache] = {}  # handle (struct kmem_cache *) -> cache

    def to_data(self) -> Any:
        return {str(h): asdict(c) for h, c in self.caches.items()}

    def load_data(self, data: Any) -> None:
        self.caches = {int(h): typed(Cache, c, "slab cache") for h, c in (data or {}).items()}

    def module_going(self, module: Module) -> list[Report]:
        for handle in [h for h, c in self.caches.items() if c.owner == module.name]:
            del self.caches[handle]
        return []
