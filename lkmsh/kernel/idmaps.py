"""XArrays, IDRs and IDAs: index -> pointer maps keyed by the address of their struct.

Linux keeps these as radix trees in the structure itself; a module only ever
reaches them through the API, so lkmsh keeps the entries here (saved with
the state) and lets ``xa_head`` say whether the array is empty, which is all
the inline ``xa_empty()`` reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module


@dataclass
class IndexMap:
    owner: str
    entries: dict[int, int] = field(default_factory=dict)  # index -> entry (pointer value)

    def next_at_or_after(self, index: int, last: int) -> int | None:
        found = [i for i in self.entries if index <= i <= last]
        return min(found) if found else None


class IdMaps(Component):
    name = "idmaps"

    def __init__(self) -> None:
        self.maps: dict[int, IndexMap] = {}

    def get(self, addr: int, owner: str) -> IndexMap:
        m = self.maps.get(addr)
        if m is None:
            m = self.maps[addr] = IndexMap(owner)
        return m

    def to_data(self) -> Any:
        return {
            str(a): {"owner": m.owner, "entries": {str(i): e for i, e in m.entries.items()}}
            for a, m in self.maps.items()
        }

    def load_data(self, data: Any) -> None:
        self.maps = {
            int(a): IndexMap(d["owner"], {int(i): int(e) for i, e in d["entries"].items()})
            for a, d in (data or {}).items()
        }

    def module_going(self, module: Module) -> list[Report]:
        for addr in [a for a, m in self.maps.items() if m.owner == module.name]:
            del self.maps[addr]
        return []
