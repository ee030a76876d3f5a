"""kdb_register, kdb_unregister and kdb_printf of <linux/kdb.h> over kdb.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import decode, format_args, owner
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext


@kapi("kdb_register", "int kdb_register(kdbtab_t *cmd)", gpl=True)
def kdb_register(ctx: CallContext) -> int:
    """0; 1 (and ``Duplicate kdb cmd: ...`` on kdb's console) for a name in use."""
    return ctx.kernel.kdb.register(ctx.arg(0), owner(ctx))


@kapi("kdb_unregister", "void kdb_unregister(kdbtab_t *cmd)", gpl=True)
def kdb_unregister(ctx: CallContext) -> None:
    ctx.kernel.kdb.unregister(ctx.arg(0))


@kapi("kdb_printf", "int kdb_printf(const char *fmt, ...)")
def kdb_printf(ctx: CallContext) -> int:
    """To kdb's console: the session while kdb runs, the terminal otherwise."""
    text = format_args(ctx, ctx.arg(0), 1)
    ctx.kernel.kdb.printf(decode(text))
    return len(text)
