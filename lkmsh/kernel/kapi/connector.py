"""The connector API of <linux/connector.h> (drivers/connector) over connector.py, and
sock_release of <linux/net.h>."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.bug import warn
from lkmsh.kernel.kapi.common import cstr, owner
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK = (1 << 64) - 1
CN_CALLBACK = "void (*callback)(struct cn_msg *, struct netlink_skb_parms *)"


def _id(ctx: CallContext, at: int) -> tuple[int, int]:
    return ctx.mem.read_u32(at), ctx.mem.read_u32(at + 4)


@kapi(
    "cn_add_callback",
    f"int cn_add_callback(const struct cb_id *id, const char *name, {CN_CALLBACK})",
    gpl=True,
)
def cn_add_callback(ctx: CallContext) -> int:
    """0, or -EINVAL when the id has a callback already (cn_queue_add_callback)."""
    idx, val = _id(ctx, ctx.arg(0))
    name = cstr(ctx, ctx.arg(1), 64).decode(errors="replace")
    return ctx.kernel.connector.add(idx, val, name, ctx.arg(2), owner(ctx)) & MASK


@kapi("cn_del_callback", "void cn_del_callback(const struct cb_id *id)", gpl=True)
def cn_del_callback(ctx: CallContext) -> None:
    ctx.kernel.connector.delete(*_id(ctx, ctx.arg(0)))


def _send(ctx: CallContext, msg: int, portid: int, group: int) -> int:
    idx, val = _id(ctx, msg)
    return ctx.kernel.connector.broadcast_target(idx, val, portid, group) & MASK


@kapi(
    "cn_netlink_send_mult",
    "int cn_netlink_send_mult(struct cn_msg *msg, u16 len, u32 portid, u32 group, gfp_t gfp_mask)",
    gpl=True,
)
def cn_netlink_send_mult(ctx: CallContext) -> int:
    return _send(ctx, ctx.arg(0), ctx.arg(2) & 0xFFFFFFFF, ctx.arg(3) & 0xFFFFFFFF)


@kapi(
    "cn_netlink_send",
    "int cn_netlink_send(struct cn_msg *msg, u32 portid, u32 group, gfp_t gfp_mask)",
    gpl=True,
)
def cn_netlink_send(ctx: CallContext) -> int:
    """To the group's listeners (none: lkmsh has no user-space netlink sockets)."""
    return _send(ctx, ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2) & 0xFFFFFFFF)


@kapi("sock_release", "void sock_release(struct socket *sock)")
def sock_release(ctx: CallContext) -> None:
    """lkmsh makes no sockets, so whatever a module hands here is none."""
    warn(ctx, [f"sock_release of {ctx.arg(0):#x}, which is no socket (lkmsh has no sockets)"])
