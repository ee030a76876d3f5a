"""XArrays, IDRs and IDAs: index -> pointer maps keyed by the address of their struct.

Linux keeps these as radix trees in the structure itself; a module only ever
reaches them through the API, so lkmsh keeps the entries here (saved with
the state) and lets ``xa_head`` say whether the array is empty, which is all
the inline ``xa_empty()`` reads.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module


@dataclass
class IndexMap:
    """One array's entries, with the indices in use kept as sorted runs, so finding a
    free ID or the next entry takes a bisection, not a walk (test_ida allocates 65,536
    consecutive IDs, each from the same minimum)."""

    owner: str
    entries: dict[int, int] = field(default_factory=dict)  # index -> entry (pointer value)
    #: the indices in use as disjoint, non-adjacent runs [starts[i], ends[i])
    starts: list[int] = field(default_factory=list, repr=False)
    ends: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        for index in sorted(self.entries):
            if self.ends and self.ends[-1] == index:
                self.ends[-1] = index + 1
            else:
                self.starts.append(index)
                self.ends.append(index + 1)

    def put(self, index: int, entry: int) -> None:
        """Store @entry at @index (0 too: an IDR keeps a NULL entry's ID taken)."""
        if index not in self.entries:
            self._take(index)
        self.entries[index] = entry

    def drop(self, index: int) -> int:
        """Erase @index; the entry it held (0 if none)."""
        if index not in self.entries:
            return 0
        self._release(index)
        return self.entries.pop(index)

    def clear(self) -> None:
        self.entries.clear()
        self.starts.clear()
        self.ends.clear()

    def first_free(self, lo: int, hi: int) -> int | None:
        """The lowest index in [lo, hi] not in use."""
        i = bisect.bisect_right(self.starts, lo) - 1
        free = self.ends[i] if i >= 0 and self.ends[i] > lo else lo
        return free if free <= hi else None

    def next_at_or_after(self, index: int, last: int) -> int | None:
        """The lowest index in use in [index, last]."""
        i = bisect.bisect_right(self.starts, index) - 1
        if i >= 0 and self.ends[i] > index:
            found = index
        elif i + 1 < len(self.starts):
            found = self.starts[i + 1]
        else:
            return None
        return found if found <= last else None

    def _take(self, index: int) -> None:
        i = bisect.bisect_right(self.starts, index)  # runs[i-1] starts at or before index
        joins_left = i > 0 and self.ends[i - 1] == index
        joins_right = i < len(self.starts) and self.starts[i] == index + 1
        if joins_left and joins_right:
            self.ends[i - 1] = self.ends[i]
            del self.starts[i], self.ends[i]
        elif joins_left:
            self.ends[i - 1] = index + 1
        elif joins_right:
            self.starts[i] = index
        else:
            self.starts.insert(i, index)
            self.ends.insert(i, index + 1)

    def _release(self, index: int) -> None:
        i = bisect.bisect_right(self.starts, index) - 1
        start, end = self.starts[i], self.ends[i]
        if start == index and end == index + 1:
            del self.starts[i], self.ends[i]
        elif start == index:
            self.starts[i] = index + 1
        elif end == index + 1:
            self.ends[i] = index
        else:
            self.ends[i] = index
            self.starts.insert(i + 1, index + 1)
            self.ends.insert(i + 1, end)


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
