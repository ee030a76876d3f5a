"""param_set_*/param_get_* and the kernel's struct kernel_param_ops (<linux/moduleparam.h>).

``param_ops_<type>`` are kernel data whose ``set``/``get`` point at these
functions, so a module's own ops may call them (``return param_set_int(val,
kp);``) or reuse the kernel's ops. The get functions write with a newline,
as 6.1's ``sysfs_emit`` based ones do. kernel/params.py does the parsing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from lkmsh.kernel import params as P
from lkmsh.kernel.kapi.common import cstr, owner
from lkmsh.kernel.kapi.data import PARAM_GET_AS, PARAM_GPL_TYPES
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.layout import PAGE_SIZE

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext
    from lkmsh.kernel.memory import AddressSpace

_ARG = P.KERNEL_PARAM.off("arg")
#: Types whose get is another type's (a macro in the header, as Linux).


def _spec(ctx: CallContext, kp: int, t: P.ParamType) -> P.ParamSpec:
    name = cstr(ctx, ctx.mem.read_u64(kp + P.KERNEL_PARAM.off("name")), 256).decode(
        "utf-8", "replace"
    )
    arg = ctx.mem.read_u64(kp + _ARG)
    if t is P.ParamType.STRING:
        maxlen = ctx.mem.read_u32(arg + P.KPARAM_STRING.off("maxlen"))
        string = ctx.mem.read_u64(arg + P.KPARAM_STRING.off("string"))
        return P.ParamSpec(name, kp, string, t, 0, 1, 0, 0, 0, maxlen)
    return P.ParamSpec(name, kp, arg, t, 0, P.SIZES.get(t, 0), 0, 0)


def _mem(ctx: CallContext) -> AddressSpace:
    """The checked view, where params.py takes memory: it has every method they use."""
    return cast("AddressSpace", ctx.mem)


def _set(ctx: CallContext, t: P.ParamType) -> int:
    val = cstr(ctx, ctx.arg(0)).decode("utf-8", "replace") if ctx.arg(0) else None
    spec = _spec(ctx, ctx.arg(1), t)
    try:
        P.set_one(_mem(ctx), ctx.kernel.heap, spec, val, owner(ctx), ctx.kernel.log)
    except P.ParamError as exc:
        return -exc.err
    return 0


def _get(ctx: CallContext, t: P.ParamType) -> int:
    text = (P.format_value(_mem(ctx), _spec(ctx, ctx.arg(1), t)) + "\n").encode()
    text = text[: PAGE_SIZE - 1]
    ctx.mem.write(ctx.arg(0), text + b"\0")
    return len(text)


def _pair(t: P.ParamType) -> None:
    n = t.type_name

    @kapi(
        f"param_set_{n}",
        f"int param_set_{n}(const char *val, const struct kernel_param *kp)",
        gpl=t in PARAM_GPL_TYPES,
    )
    def _s(ctx: CallContext) -> int:
        return _set(ctx, t)

    if t not in PARAM_GET_AS:

        @kapi(f"param_get_{n}", f"int param_get_{n}(char *buffer, const struct kernel_param *kp)")
        def _g(ctx: CallContext) -> int:
            return _get(ctx, t)


for _t in P.SIZES:
    _pair(_t)


@kapi(
    "param_set_copystring",
    "int param_set_copystring(const char *val, const struct kernel_param *kp)",
)
def param_set_copystring(ctx: CallContext) -> int:
    return _set(ctx, P.ParamType.STRING)


@kapi("param_get_string", "int param_get_string(char *buffer, const struct kernel_param *kp)")
def param_get_string(ctx: CallContext) -> int:
    return _get(ctx, P.ParamType.STRING)


@kapi("param_free_charp", "void param_free_charp(void *arg)")
def param_free_charp(ctx: CallContext) -> None:
    ptr = ctx.mem.read_u64(ctx.arg(0))
    heap = ctx.kernel.heap
    a = heap.lookup(ptr) if ptr else None
    if a is not None and a.managed:
        heap.free(ptr)
