"""The kernel address space as rows: regions by permission run, module sections inside.

What ``memmap`` shows; built from the AddressSpace and the module list, so
the shell needs no access to kernel memory of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.layout import PAGE_SIZE

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel


@dataclass
class MemRow:
    start: int
    end: int
    perm: str
    kind: str  # "kernel text", "module", "section", "slab", "pages", "stack"
    name: str
    owner: str
    children: list[MemRow] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.end - self.start

    def line(self, indent: str = "") -> str:
        return (
            f"{indent}{self.start:016x}-{self.end:016x} {self.perm} {self.size:>10}"
            f"  {self.kind:<12} {self.name}" + (f"  [{self.owner}]" if self.owner else "")
        )

    def to_json(self) -> dict[str, Any]:
        d = {
            "start": f"{self.start:#x}",
            "end": f"{self.end:#x}",
            "size": self.size,
            "perm": self.perm,
            "kind": self.kind,
            "name": self.name,
            "owner": self.owner,
        }
        if self.children:
            d["sections"] = [c.to_json() for c in self.children]
        return d


@dataclass
class MemoryMap:
    rows: list[MemRow]
    notes: list[str]


def _perm_runs(region: Any) -> list[tuple[int, int, str]]:
    runs: list[tuple[int, int, str]] = []
    for i, p in enumerate(region.page_perms):
        start = region.vaddr + i * PAGE_SIZE
        text = str(p)
        if runs and runs[-1][2] == text and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], start + PAGE_SIZE, text)
        else:
            runs.append((start, start + PAGE_SIZE, text))
    return runs or [(region.vaddr, region.end, str(region.perm))]


def _kind(region: Any) -> str:
    name, owner = region.name, region.owner or ""
    if name == "kernel:text":
        return "kernel text"
    if name == "kernel:data":
        return "kernel data"
    if name.startswith("slab:"):
        return "slab"
    if owner in ("heap", "pages"):  # kmalloc_large/vmalloc pages, the page allocator's pool
        return "pages"
    if region.transient:
        return "stack" if "stack" in name else "cpu"
    if owner and owner != "kernel":
        return "module"
    return "kernel"


def memory_map(k: Kernel) -> MemoryMap:
    placements = {m.name: m.placements for m in k.module_list_all()}
    rows = []
    for r in sorted(k.mem.regions(), key=lambda r: r.vaddr):
        kind = _kind(r)
        for start, end, perm in _perm_runs(r):
            row = MemRow(start, end, perm, kind, r.name.removeprefix("slab:"), r.owner or "")
            if kind == "module":
                row.children = [
                    MemRow(p.addr, p.addr + p.size, p.perm, "section", p.name, "")
                    for p in placements.get(r.owner or "", [])
                    if start <= p.addr < end
                ]
            rows.append(row)
    mem = k.mem
    notes = [
        f"modules area {mem.modules.base:#x}-{mem.modules.end:#x}: "
        f"{mem.modules.free_bytes()} bytes free",
        f"direct map (heap) from {mem.direct_map.base:#x}: {k.heap.live_bytes} bytes live"
        f" in {k.heap.footprint} bytes of slabs and pages",
        f"stacks area {mem.stacks.base:#x}: a 16 KiB stack (+ guard page) is mapped per call"
        " into module code, while it runs",
    ]
    return MemoryMap(rows, notes)
