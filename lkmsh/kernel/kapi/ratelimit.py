"""___ratelimit and the kernel's shared limits (<linux/ratelimit_types.h>, printk_ratelimit,
net_ratelimit) over ratelimit.py."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import cstr
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.ratelimit import RateLimit

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

#: struct ratelimit_state after its 8-byte lock: interval, burst, printed, missed, begin, flags
STATE = struct.Struct("<iiiiQQ")
STATE_AT = 8


def shared(ctx: CallContext, name: str, func: str) -> bool:
    """One step of the kernel's limit @name; the suppressed count is said as @func's."""
    return _said(ctx, func, *ctx.kernel.ratelimits.get(name).step(ctx.kernel.clock.jiffies()))


def _said(ctx: CallContext, func: str, allowed: bool, suppressed: int) -> bool:
    if suppressed:
        ctx.kernel.log.emit(4, f"{func}: {suppressed} callbacks suppressed")
    return allowed


@kapi("___ratelimit", "int ___ratelimit(struct ratelimit_state *rs, const char *func)")
def ratelimit(ctx: CallContext) -> int:
    """A module's own state, read from its memory and written back."""
    at = ctx.arg(0) + STATE_AT
    interval, burst, printed, missed, begin, flags = STATE.unpack(ctx.mem.read(at, STATE.size))
    rs = RateLimit(interval, burst, printed, missed, begin, flags)
    allowed, suppressed = rs.step(ctx.kernel.clock.jiffies())
    ctx.mem.write(at, STATE.pack(rs.interval, rs.burst, rs.printed, rs.missed, rs.begin, rs.flags))
    func = cstr(ctx, ctx.arg(1), 128).decode(errors="replace")
    return int(_said(ctx, func, allowed, suppressed))


@kapi("__printk_ratelimit", "int __printk_ratelimit(const char *func)")
def printk_ratelimit(ctx: CallContext) -> int:
    """printk_ratelimit(): the one state every caller shares (printk_ratelimit_state)."""
    return int(shared(ctx, "printk", cstr(ctx, ctx.arg(0), 128).decode(errors="replace")))


@kapi("net_ratelimit", "int net_ratelimit(void)")
def net_ratelimit(ctx: CallContext) -> int:
    """The networking stack's shared limit (net_ratelimit_state), said as net_ratelimit's."""
    return int(shared(ctx, "net", "net_ratelimit"))
