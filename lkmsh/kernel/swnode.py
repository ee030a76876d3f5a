"""Software nodes (drivers/base/swnode.c): firmware nodes a module describes itself.

A module registers ``struct software_node``s (a name, a parent node); each gets
a ``struct fwnode_handle`` the kernel allocates, which ``%pfw`` names by the
node chain (``first/second/third``). The registry maps each node to its handle
and remembers the module that registered it; nodes a module leaves registered
point into its freed memory, so they go when it does (Linux would keep them
dangling).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.kernel.component import Component, Report
from lkmsh.kernel.snapshot import typed

if TYPE_CHECKING:
    from lkmsh.kernel.kernel import Kernel

#: sizeof(struct fwnode_handle) on 64-bit Linux 6.1 (secondary, ops, dev, two
#: list_heads, flags), then lkmsh's struct swnode keeps the node's address
FWNODE_SIZE = 64
SWNODE_SIZE = FWNODE_SIZE + 8
FWNODE_OPS = 8  # offset of fwnode_handle.ops


@dataclass
class SwNode:
    node: int  # the module's struct software_node
    fwnode: int  # the kernel's struct swnode (its fwnode_handle first)
    parent: int  # the parent's struct software_node, or 0
    owner: str


class SoftwareNodes(Component):
    name = "swnode"

    def __init__(self, kernel: Kernel):
        self.heap = kernel.heap
        self.by_node: dict[int, SwNode] = {}
        self.by_fwnode: dict[int, SwNode] = {}

    def add(self, n: SwNode) -> None:
        self.by_node[n.node] = n
        self.by_fwnode[n.fwnode] = n

    def remove(self, node: int) -> SwNode | None:
        n = self.by_node.pop(node, None)
        if n is not None:
            self.by_fwnode.pop(n.fwnode, None)
            if self.heap is not None and self.heap.lookup(n.fwnode) is not None:
                self.heap.free(n.fwnode)
        return n

    def to_data(self) -> list[dict[str, Any]]:
        return [asdict(n) for n in self.by_node.values()]

    def load_data(self, data: Any) -> None:
        for item in data or []:
            self.add(typed(SwNode, item, "software node"))

    def module_going(self, module: Any) -> list[Report]:
        for n in [n for n in self.by_node.values() if n.owner == module.name]:
            self.remove(n.node)
        return []
