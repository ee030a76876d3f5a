"""___ratelimit and the kernel's shared limits (<linux/ratelimit_types.h>, printk_ratelimit,
net_ratelimit) over ratelimit.py."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import cstr
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.ratelimit import RateLimit, said

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

#: struct ratelimit_state after its 8-byte lock: interval, burst, printed, missed, begin, flags
STATE = struct.Struct("<iiiiQQ")
STATE_AT = 8


@kapi("___ratelimit", "int ___ratelimit(struct ratelimit_state *rs, const char *func)")
def ratelimit(ctx: CallContext) -> int:
    """A module's own state, read from its memory and written back."""
    at = ctx.arg(0) + STATE_AT
    interval, burst, printed, missed, begin, flags = STATE.unpack(ctx.mem.read(at, STATE.size))
    rs = RateLimit(interval, burst, printed, missed, begin, flags)
    allowed, suppressed = rs.step(ctx.kernel.clock.jiffies())
    ctx.mem.write(at, STATE.pack(rs.interval, rs.burst, rs.printed, rs.missed, rs.begin, rs.flags))
    func = cstr(ctx, ctx.arg(1), 128).decode(errors="replace")
    return int(said(ctx.kernel.log, func, allowed, suppressed))


@kapi("__printk_ratelimit", "int __printk_ratelimit(const char *func)")
def printk_ratelimit(ctx: CallContext) -> int:
    """printk_ratelimit(): the one state every caller shares (printk_ratelimit_state)."""
    return int(
        ctx.kernel.ratelimits.allow("printk", cstr(ctx, ctx.arg(0), 128).decode(errors="replace"))
    )


@kapi("net_ratelimit", "int net_ratelimit(void)")
def net_ratelimit(ctx: CallContext) -> int:
    """The networking stack's shared limit (net_ratelimit_state), said as net_ratelimit's."""
    return int(ctx.kernel.ratelimits.allow("net", "net_ratelimit"))
