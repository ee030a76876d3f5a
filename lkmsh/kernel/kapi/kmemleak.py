"""<linux/kmemleak.h>: a module's annotations for lkmsh's kmemleak (lkmsh/kernel/kmemleak.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.bug import LOGLEVEL_WARNING, report
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext


@kapi("kmemleak_not_leak", "void kmemleak_not_leak(const void *ptr)")
def kmemleak_not_leak(ctx: CallContext) -> None:
    """<linux/kmemleak.h>: the object is the module's on purpose (scanned, never reported)."""
    ptr = ctx.arg(0)
    if not ptr:
        return
    a = ctx.kernel.heap.lookup(ptr)
    if a is None:
        report(
            ctx,
            [f"kmemleak: Trying to color unknown object at 0x{ptr:x} as Grey"],
            LOGLEVEL_WARNING,
        )
        return
    a.managed = True
