"""Module references from module code: try_module_get/module_put, request_module."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.bug import warn
from lkmsh.kernel.kapi.common import cstr, decode, format_sink
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.vsprintf import Sink
from lkmsh.kernel.release import MODULE_NAME_LEN

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext


def _module(ctx: CallContext, addr: int):
    module = ctx.kernel.module_by_struct(addr)
    if module is None:
        warn(ctx, [f"WARNING: {ctx.name}: {addr:#x} is not a struct module"])
    return module


@kapi("try_module_get", "bool try_module_get(struct module *module)")
def try_module_get(ctx: CallContext) -> int:
    addr = ctx.arg(0)
    if not addr:  # built-in code has no module: always succeeds, as Linux
        return 1
    module = _module(ctx, addr)
    if module is None:
        return 0
    return 1 if ctx.kernel.module_get(module) else 0


@kapi("module_put", "void module_put(struct module *module)")
def module_put(ctx: CallContext) -> None:
    addr = ctx.arg(0)
    if not addr:
        return
    module = _module(ctx, addr)
    if module is not None:
        ctx.kernel.module_put(module)


@kapi("module_refcount", "int module_refcount(struct module *mod)")
def module_refcount(ctx: CallContext) -> int:
    module = _module(ctx, ctx.arg(0))
    return ctx.kernel.module_refcount(module) if module is not None else 0


@kapi("__request_module", "int __request_module(bool wait, const char *fmt, ...)")
def __request_module(ctx: CallContext) -> int:
    """<linux/kmod.h>'s request_module()/request_module_nowait() (modprobe runs to its end
    either way)."""
    # Linux formats into char module_name[MODULE_NAME_LEN]
    sink = format_sink(ctx, ctx.arg(1), ctx.varargs(2), Sink(MODULE_NAME_LEN))
    if sink.total >= MODULE_NAME_LEN:
        return -errno.ENAMETOOLONG
    return ctx.kernel.request_module(decode(sink.getvalue()))


@kapi("__symbol_get", "void *__symbol_get(const char *symbol)", gpl=True)
def symbol_get(ctx: CallContext) -> int:
    """The address of an exported symbol, or NULL (lkmsh takes no reference)."""
    return ctx.kernel.symbol_address(decode(cstr(ctx, ctx.arg(0), 256))) or 0


@kapi("__symbol_put", "void __symbol_put(const char *symbol)")
def symbol_put(ctx: CallContext) -> None:
    """Nothing to drop: __symbol_get took no reference."""
