"""Which module needs which: dependency graphs, load order and cycles.

A module depends on every module exporting a symbol it leaves undefined.
The same resolver serves the kernel (``module_resolve_dependencies``) and
depmod/modprobe.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lkmsh.errors import KernelError


class DependencyCycle(KernelError):
    """Modules that (transitively) need each other; ``.cycle`` lists them, first repeated last."""

    errno = errno.ELOOP

    def __init__(self, cycle: list[str]):
        super().__init__("Cycle detected: " + " -> ".join(cycle))
        self.cycle = cycle


@dataclass
class ModuleNeeds:
    """What the resolver needs to know of one module."""

    name: str
    exports: set[str] = field(default_factory=set)
    undefined: set[str] = field(default_factory=set)


@dataclass
class DependencyGraph:
    """Which modules each module needs, and the symbols nobody exports."""

    deps: dict[str, list[str]]  # module -> modules it needs, sorted by name
    missing: dict[str, list[str]]  # module -> symbols nobody exports, sorted

    def load_order(self, targets: Iterable[str] | None = None) -> list[str]:
        """Dependencies first; ties broken by name so the order is stable."""
        return topological_order(self.deps, targets)


def build_graph(
    modules: Iterable[ModuleNeeds], provided: Mapping[str, str] | None = None
) -> DependencyGraph:
    """Link each module's undefined symbols to their exporters.

    ``provided`` maps symbols exported by something outside ``modules`` (the
    kernel, or modules already loaded) to their owner; an owner of ``None``-like
    empty string means the kernel itself and creates no dependency.
    """
    mods = list(modules)
    exporter: dict[str, str] = dict(provided or {})
    for m in mods:
        for sym in m.exports:
            exporter.setdefault(sym, m.name)
    deps: dict[str, list[str]] = {}
    missing: dict[str, list[str]] = {}
    for m in mods:
        needs: set[str] = set()
        unknown: list[str] = []
        for sym in m.undefined:
            owner = exporter.get(sym)
            if owner is None:
                unknown.append(sym)
            elif owner and owner != m.name:
                needs.add(owner)
        deps[m.name] = sorted(needs)
        if unknown:
            missing[m.name] = sorted(unknown)
    return DependencyGraph(deps, missing)


def find_cycle(deps: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle as [a, b, ..., a], or None. Deterministic: nodes visited by name."""
    WHITE, GREY, BLACK = 0, 1, 2
    color: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        color[node] = GREY
        stack.append(node)
        for nxt in sorted(deps.get(node, ())):
            c = color.get(nxt, WHITE)
            if c == GREY:
                return stack[stack.index(nxt) :] + [nxt]
            if c == WHITE:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        color[node] = BLACK
        return None

    for node in sorted(deps):
        if color.get(node, WHITE) == WHITE:
            found = visit(node)
            if found:
                return found
    return None


def check_circular(deps: Mapping[str, Iterable[str]]) -> None:
    cycle = find_cycle(deps)
    if cycle:
        raise DependencyCycle(cycle)


def topological_order(
    deps: Mapping[str, Iterable[str]], targets: Iterable[str] | None = None
) -> list[str]:
    """Post-order DFS from each target (by name): every module after what it needs."""
    check_circular(deps)
    order: list[str] = []
    seen: set[str] = set()

    def visit(node: str) -> None:
        if node in seen:
            return
        seen.add(node)
        for nxt in sorted(deps.get(node, ())):
            visit(nxt)
        order.append(node)

    for t in sorted(deps) if targets is None else targets:
        visit(t)
    return order
