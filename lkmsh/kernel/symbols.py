"""The kernel's exported-symbol table: a fixed number of hash buckets.

Each bucket holds its collision chain keyed by name, so a lookup is one
crc32 plus one small probe, and chain lengths stay visible for `ksyms --stats`.
crc32 (not Python's salted ``hash``) keeps bucket placement the same in every
process, so the statistics are reproducible.
"""

from __future__ import annotations

import enum
import fnmatch
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from lkmsh.errors import AlreadyExists, InvalidArgument
from lkmsh.kernel.component import Component, Report


class SymbolKind(enum.Enum):
    FUNCTION = "function"
    DATA = "data"  # kernel variables (jiffies)
    OBJECT = "object"  # objects a module defines


@dataclass(frozen=True, slots=True)
class KernelSymbol:
    """A symbol the kernel or a module provides, as kallsyms and the linker see it."""

    name: str
    addr: int
    kind: SymbolKind
    owner: str | None = None  # module name; None for the kernel itself
    gpl: bool = False
    namespace: str = ""

    def to_list(self) -> list:
        return [self.name, self.addr, self.kind.value, self.owner, self.gpl, self.namespace]

    @classmethod
    def from_list(cls, v: list) -> KernelSymbol:
        return cls(v[0], v[1], SymbolKind(v[2]), v[3], v[4], v[5])


@dataclass(frozen=True)
class SymbolStats:
    """The symbol table's hash buckets and chain lengths (for ksyms --stats)."""

    buckets: int
    symbols: int
    chain_lengths: list[int]

    @property
    def longest(self) -> int:
        return max(self.chain_lengths, default=0)

    @property
    def used_buckets(self) -> int:
        return sum(1 for n in self.chain_lengths if n)

    @property
    def average_chain(self) -> float:
        used = self.used_buckets
        return self.symbols / used if used else 0.0


def _hash(name: str) -> int:
    # Names from hostile files may carry undecodable bytes (surrogate escapes).
    return zlib.crc32(name.encode("utf-8", "surrogateescape"))


class SymbolTable(Component):
    name = "symbols"

    def __init__(self, buckets: int = 256):
        if buckets < 1 or buckets > 1 << 20:
            raise InvalidArgument(f"symbol table bucket count {buckets} out of range")
        self._buckets: list[dict[str, KernelSymbol]] = [{} for _ in range(buckets)]
        self._count = 0
        # Names by owning module: unloading one module must not walk every bucket.
        self._by_owner: dict[str, set[str]] = {}

    def _chain(self, name: str) -> dict[str, KernelSymbol]:
        return self._buckets[_hash(name) % len(self._buckets)]

    def __len__(self) -> int:
        return self._count

    def export(self, sym: KernelSymbol) -> None:
        chain = self._chain(sym.name)
        old = chain.get(sym.name)
        if old is not None:
            owner = old.owner or "kernel"
            raise AlreadyExists(f"exports duplicate symbol {sym.name} (owned by {owner})")
        chain[sym.name] = sym
        self._count += 1
        if sym.owner:
            self._by_owner.setdefault(sym.owner, set()).add(sym.name)

    def resolve(self, name: str) -> KernelSymbol | None:
        return self._buckets[_hash(name) % len(self._buckets)].get(name)

    def unexport(self, name: str) -> KernelSymbol | None:
        sym = self._chain(name).pop(name, None)
        if sym is not None:
            self._count -= 1
            if sym.owner:
                self._by_owner.get(sym.owner, set()).discard(name)
        return sym

    def unexport_owner(self, owner: str) -> list[KernelSymbol]:
        gone = []
        for name in sorted(self._by_owner.pop(owner, ()), key=self._order):
            chain = self._chain(name)
            if name in chain:
                gone.append(chain.pop(name))
        self._count -= len(gone)
        return gone

    def _order(self, name: str) -> tuple[int, int]:
        """Bucket order, as a walk over the buckets would return them."""
        i = _hash(name) % len(self._buckets)
        return i, list(self._buckets[i]).index(name)

    def __iter__(self) -> Iterator[KernelSymbol]:
        for chain in self._buckets:
            yield from chain.values()

    def select(self, pattern: str | None = None, owner: str | None = None) -> list[KernelSymbol]:
        """Symbols sorted by address; pattern is a shell glob (or a substring without glob chars)."""
        if pattern and not any(c in pattern for c in "*?["):
            pattern = f"*{pattern}*"
        out = [
            s
            for s in self
            if (owner is None or s.owner == owner)
            and (not pattern or fnmatch.fnmatchcase(s.name, pattern))
        ]
        out.sort(key=lambda s: (s.addr, s.name))
        return out

    def stats(self) -> SymbolStats:
        return SymbolStats(len(self._buckets), self._count, [len(c) for c in self._buckets])

    # -- component --------------------------------------------------------------
    def to_data(self) -> list:
        """Modules' exports only: the kernel's own are exported again at boot."""
        return [s.to_list() for s in self if s.owner]

    def load_data(self, data: list | None) -> None:
        for v in data or []:
            self.export(KernelSymbol.from_list(v))

    def module_going(self, module) -> list[Report]:
        self.unexport_owner(module.name)
        return []
