"""Module dependency graphs: a tree for people, Graphviz DOT for tools, cycles marked.

An edge ``a -> b`` means "a uses b" (b must be loaded first), as ``modules.dep``
lists it. ``lsmod --tree`` builds the graph from the loaded modules' "Used by"
lists; a depmod over files can build one with ``DepGraph(nodes, deps)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class DepGraph:
    nodes: list[str]  # display order (lsmod's: newest first)
    deps: dict[str, list[str]]  # node -> the nodes it uses
    cycle_nodes: set[str] = field(default_factory=set)
    cycle_edges: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        for n in list(self.deps):
            if n not in self.nodes:
                self.nodes.append(n)
        for targets in self.deps.values():
            for t in targets:
                if t not in self.nodes:
                    self.nodes.append(t)
        self.cycle_nodes, self.cycle_edges = _cycles(self.nodes, self.deps)

    @classmethod
    def from_modules(cls, modules: Iterable[Any]) -> DepGraph:
        """From loaded modules (``Module`` or lsmod's lean summary): users point at providers."""
        mods = list(modules)
        deps: dict[str, list[str]] = {m.name: [] for m in mods}
        for m in mods:
            for user in m.users:
                deps.setdefault(user, [])
                if m.name not in deps[user]:
                    deps[user].append(m.name)
        return cls([m.name for m in mods], deps)

    @classmethod
    def from_deps(cls, deps: Mapping[str, Iterable[str]]) -> DepGraph:
        return cls(sorted(deps), {k: list(v) for k, v in deps.items()})

    def users_of(self, node: str) -> list[str]:
        return [n for n in self.nodes if node in self.deps.get(n, ())]

    def roots(self) -> list[str]:
        """Nodes nothing uses (the tops of the stacks); every node is reachable from them
        or, for a cycle nobody outside uses, from its first member."""
        roots = [n for n in self.nodes if not self.users_of(n)]
        reached = set()
        for r in roots:
            reached |= self._reach(r)
        for n in self.nodes:
            if n not in reached:
                roots.append(n)
                reached |= self._reach(n)
        return roots

    def _reach(self, start: str) -> set[str]:
        seen, stack = set(), [start]
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(self.deps.get(n, ()))
        return seen


def _cycles(
    nodes: list[str], deps: Mapping[str, list[str]]
) -> tuple[set[str], set[tuple[str, str]]]:
    """Tarjan's strongly connected components: members of any cycle and edges inside one."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comp: dict[str, int] = {}
    counter = [0, 0]

    def strong(v: str) -> None:
        # Iterative, so a long dependency chain cannot hit Python's recursion limit.
        work = [(v, iter(deps.get(v, ())))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(deps.get(w, ()))))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp[w] = counter[1]
                    if w == node:
                        break
                counter[1] += 1

    for n in nodes:
        if n not in index:
            strong(n)
    edges = {(a, b) for a in nodes for b in deps.get(a, ()) if comp.get(a) == comp.get(b)}
    members = {a for a, _ in edges}
    return members, edges


# -- renderings ---------------------------------------------------------------------


@dataclass
class TreeLine:
    depth: int
    name: str
    last: bool  # last child of its parent (for the glyphs)
    prefix: str  # the glyphs before the name
    cycle: bool  # the edge into this node closes a cycle (not expanded again)
    in_cycle: bool


def tree_lines(g: DepGraph) -> list[TreeLine]:
    """Each root and, under it, what it uses, depth first; a node on the current path
    is shown once more, marked, and not expanded (the cycle)."""
    out: list[TreeLine] = []

    def walk(node: str, depth: int, prefix: str, last: bool, path: tuple[str, ...]) -> None:
        glyph = "" if depth == 0 else ("└── " if last else "├── ")
        closes = node in path
        out.append(TreeLine(depth, node, last, prefix + glyph, closes, node in g.cycle_nodes))
        if closes:
            return
        children = g.deps.get(node, [])
        child_prefix = prefix + ("" if depth == 0 else ("    " if last else "│   "))
        for i, c in enumerate(children):
            walk(c, depth + 1, child_prefix, i == len(children) - 1, (*path, node))

    for r in g.roots():
        walk(r, 0, "", True, ())
    return out


def tree_text(g: DepGraph) -> str:
    lines = []
    for t in tree_lines(g):
        mark = " (cycle)" if t.cycle else ""
        lines.append(f"{t.prefix}{t.name}{mark}\n")
    return "".join(lines)


def _q(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(g: DepGraph, title: str = "modules") -> str:
    """Graphviz: an edge from each module to what it uses; cycles in red."""
    lines = [
        f"digraph {_q(title)} {{",
        "  rankdir=TB;",
        '  node [shape=box, fontname="monospace"];',
    ]
    for n in g.nodes:
        attrs = " [color=red, fontcolor=red, penwidth=2]" if n in g.cycle_nodes else ""
        lines.append(f"  {_q(n)}{attrs};")
    for a in g.nodes:
        for b in g.deps.get(a, ()):
            attrs = ' [color=red, penwidth=2, label="cycle"]' if (a, b) in g.cycle_edges else ""
            lines.append(f"  {_q(a)} -> {_q(b)}{attrs};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_json(g: DepGraph) -> dict[str, Any]:
    return {
        "nodes": list(g.nodes),
        "edges": [[a, b] for a in g.nodes for b in g.deps.get(a, ())],
        "roots": g.roots(),
        "cycles": {
            "nodes": sorted(g.cycle_nodes),
            "edges": sorted([a, b] for a, b in g.cycle_edges),
        },
    }
