"""drivers/base/swnode.c: registering software nodes and their fwnode handles.

The registry is lkmsh/kernel/swnode.py's; each handle is a kernel object of
``struct swnode`` (a ``struct fwnode_handle``, then the node's address).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.swnode import FWNODE_SIZE, SWNODE_SIZE, SwNode

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

GFP_KERNEL = 0xCC0
NODE_SIZE = 24  # struct software_node: name, parent, properties
SUPPLIERS, CONSUMERS = 24, 40  # the fwnode_handle's list_heads


def _word(ctx: CallContext, addr: int) -> int:
    return int.from_bytes(ctx.mem.read(addr, 8), "little")


def register(ctx: CallContext, node: int) -> int:
    nodes = ctx.kernel.swnodes
    if node in nodes.by_node:
        return -errno.EEXIST
    parent = _word(ctx, node + 8)
    if parent and parent not in nodes.by_node:
        return -errno.EINVAL
    fw = ctx.kernel.heap.alloc(SWNODE_SIZE, KERNEL_OWNER, ctx.caller, True, GFP_KERNEL)
    if not fw:
        return -errno.ENOMEM
    for head in (SUPPLIERS, CONSUMERS):  # INIT_LIST_HEAD
        ctx.mem.write(fw + head, (fw + head).to_bytes(8, "little") * 2)
    ctx.mem.write(fw + FWNODE_SIZE, node.to_bytes(8, "little"))
    nodes.add(SwNode(node, fw, parent, owner(ctx)))
    return 0


@kapi(
    "software_node_register",
    "int software_node_register(const struct software_node *node)",
    gpl=True,
)
def software_node_register(ctx: CallContext) -> int:
    return register(ctx, ctx.arg(0))


@kapi(
    "software_node_unregister",
    "void software_node_unregister(const struct software_node *node)",
    gpl=True,
)
def software_node_unregister(ctx: CallContext) -> None:
    ctx.kernel.swnodes.remove(ctx.arg(0))


def _array(ctx: CallContext, nodes: int) -> list[int]:
    """The nodes of an array ended by one without a name (at most 4096)."""
    out = []
    while len(out) < 4096 and _word(ctx, nodes + NODE_SIZE * len(out)):
        out.append(nodes + NODE_SIZE * len(out))
    return out


@kapi(
    "software_node_register_nodes",
    "int software_node_register_nodes(const struct software_node *nodes)",
    gpl=True,
)
def software_node_register_nodes(ctx: CallContext) -> int:
    done: list[int] = []
    for node in _array(ctx, ctx.arg(0)):
        ret = register(ctx, node)
        if ret:
            for n in reversed(done):
                ctx.kernel.swnodes.remove(n)
            return ret
        done.append(node)
    return 0


@kapi(
    "software_node_unregister_nodes",
    "void software_node_unregister_nodes(const struct software_node *nodes)",
    gpl=True,
)
def software_node_unregister_nodes(ctx: CallContext) -> None:
    for node in reversed(_array(ctx, ctx.arg(0))):
        ctx.kernel.swnodes.remove(node)


@kapi(
    "software_node_fwnode",
    "struct fwnode_handle *software_node_fwnode(const struct software_node *node)",
    gpl=True,
)
def software_node_fwnode(ctx: CallContext) -> int:
    n = ctx.kernel.swnodes.by_node.get(ctx.arg(0))
    return n.fwnode if n is not None else 0


@kapi(
    "to_software_node",
    "const struct software_node *to_software_node(const struct fwnode_handle *fwnode)",
    gpl=True,
)
def to_software_node(ctx: CallContext) -> int:
    n = ctx.kernel.swnodes.by_fwnode.get(ctx.arg(0))
    return n.node if n is not None else 0


@kapi("is_software_node", "bool is_software_node(const struct fwnode_handle *fwnode)", gpl=True)
def is_software_node(ctx: CallContext) -> int:
    return int(ctx.arg(0) in ctx.kernel.swnodes.by_fwnode)
