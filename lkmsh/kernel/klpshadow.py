"""Livepatch shadow variables, as kernel/livepatch/shadow.c in Linux 6.1.

A shadow variable is data a livepatch attaches to an existing object (a
struct the unpatched code allocated): ``<obj, id>`` names it, the kernel
allocates it (a struct klp_shadow with the data at its end) and keeps it in
its hash until klp_shadow_free() or klp_shadow_free_all(). The allocations
are the livepatch core's (kernel-owned): they outlive the module that made
them, as on Linux. The table is saved with the kernel.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component
from lkmsh.kernel.heap import KERNEL_OWNER

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

#: struct klp_shadow: hlist_node (16), rcu_head (16), obj, id, then data[]
SHADOW_OBJ, SHADOW_ID, SHADOW_DATA = 32, 40, 48


@dataclass
class Shadow:
    obj: int
    id: int
    addr: int  # its struct klp_shadow

    @property
    def data(self) -> int:
        return self.addr + SHADOW_DATA


class ShadowVariables(Component):
    name = "klp_shadow"

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.table: list[Shadow] = []  # klp_shadow_hash, oldest first

    def to_data(self) -> Any:
        return [[s.obj, s.id, s.addr] for s in self.table] or None

    def load_data(self, data: Any) -> None:
        self.table = [Shadow(int(o), int(i), int(a)) for o, i, a in data or ()]

    def get(self, obj: int, sid: int) -> Shadow | None:
        return next((s for s in self.table if s.obj == obj and s.id == sid), None)

    def alloc(self, obj: int, sid: int, size: int) -> Shadow | None:
        """A zeroed, not yet attached klp_shadow of @size data bytes."""
        addr = self.kernel.heap.alloc(SHADOW_DATA + size, KERNEL_OWNER, zero=True, managed=True)
        if not addr:
            return None
        self.kernel.mem.write_u64(addr + SHADOW_OBJ, obj)
        self.kernel.mem.write_u64(addr + SHADOW_ID, sid)
        return Shadow(obj, sid, addr)

    def attach(self, s: Shadow) -> None:
        self.table.append(s)

    def discard(self, s: Shadow) -> None:
        """Out of the table and freed (kfree_rcu, done at once: nothing reads it after)."""
        if s in self.table:
            self.table.remove(s)
        if self.kernel.heap.lookup(s.addr) is not None:
            self.kernel.heap.free(s.addr)

    def with_id(self, sid: int) -> Iterator[Shadow]:
        return iter([s for s in self.table if s.id == sid])
