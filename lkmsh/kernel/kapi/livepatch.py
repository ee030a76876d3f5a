"""<linux/livepatch.h>: klp_enable_patch, the shadow variables and klp_state, as Linux 6.1.

All are EXPORT_SYMBOL_GPL in Linux. The life cycle of a patch is
klptransition.py's, the shadow table klpshadow.py's; ``cmdline_proc_show``
(fs/proc/cmdline.c, not exported) is the kernel function behind
/proc/cmdline that livepatch-sample.c replaces, ``meminfo_proc_show``
(fs/proc/meminfo.c) the one behind /proc/meminfo that test_klp_atomic_replace.c
replaces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from lkmsh.kernel.kapi.bug import warn
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.klpshadow import Shadow

MASK64 = (1 << 64) - 1


@kapi("klp_enable_patch", "int klp_enable_patch(struct klp_patch *patch)", gpl=True)
def klp_enable_patch(ctx: CallContext) -> int:
    from lkmsh.kernel import klptransition

    return klptransition.enable(ctx.kernel.livepatch, ctx.arg(0))


def _call(ctx: CallContext, fn: int, args: list[int]) -> int:
    k = ctx.kernel
    with k.running(k.module_containing(fn)):
        return k.call(fn, args)


def _hashed(ptr: int) -> str:
    from lkmsh.kernel.oops import _hashed as hashed

    return hashed(ptr)


def _get_or_alloc(ctx: CallContext, warn_on_exist: bool) -> int:
    """__klp_shadow_get_or_alloc()."""
    obj, sid, size = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    ctor, ctor_data = ctx.arg(4), ctx.arg(5)
    table = ctx.kernel.klp_shadow
    found = table.get(obj, sid)
    if found is None:
        new: Shadow | None = table.alloc(obj, sid, size)
        if new is None:
            return 0
        if ctor:
            err = _call(ctx, ctor, [obj, new.data, ctor_data]) & 0xFFFFFFFF
            if err:
                table.discard(new)
                err = err - (1 << 32) if err >> 31 else err
                ctx.kernel.log.emit(
                    3,
                    f"livepatch: Failed to construct shadow variable <{_hashed(obj)}, {sid:x}>"
                    f" ({err})",
                )
                return 0
        table.attach(new)
        return new.data
    if warn_on_exist:
        warn(ctx, [f"Duplicate shadow variable <{_hashed(obj)}, {sid:x}>"])
        return 0
    return found.data


@kapi("klp_shadow_get", "void *klp_shadow_get(void *obj, unsigned long id)", gpl=True)
def klp_shadow_get(ctx: CallContext) -> int:
    found = ctx.kernel.klp_shadow.get(ctx.arg(0), ctx.arg(1))
    return found.data if found is not None else 0


@kapi(
    "klp_shadow_alloc",
    "void *klp_shadow_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp_flags,"
    " klp_shadow_ctor_t ctor, void *ctor_data)",
    gpl=True,
)
def klp_shadow_alloc(ctx: CallContext) -> int:
    return _get_or_alloc(ctx, warn_on_exist=True)


@kapi(
    "klp_shadow_get_or_alloc",
    "void *klp_shadow_get_or_alloc(void *obj, unsigned long id, size_t size, gfp_t gfp_flags,"
    " klp_shadow_ctor_t ctor, void *ctor_data)",
    gpl=True,
)
def klp_shadow_get_or_alloc(ctx: CallContext) -> int:
    return _get_or_alloc(ctx, warn_on_exist=False)


@kapi(
    "klp_shadow_free",
    "void klp_shadow_free(void *obj, unsigned long id, klp_shadow_dtor_t dtor)",
    gpl=True,
)
def klp_shadow_free(ctx: CallContext) -> None:
    obj, sid, dtor = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    table = ctx.kernel.klp_shadow
    found = table.get(obj, sid)
    if found is None:
        return
    table.table.remove(found)  # hash_del_rcu, then the destructor
    if dtor:
        _call(ctx, dtor, [found.obj, found.data])
    table.discard(found)


@kapi(
    "klp_shadow_free_all",
    "void klp_shadow_free_all(unsigned long id, klp_shadow_dtor_t dtor)",
    gpl=True,
)
def klp_shadow_free_all(ctx: CallContext) -> None:
    sid, dtor = ctx.arg(0), ctx.arg(1)
    table = ctx.kernel.klp_shadow
    for found in table.with_id(sid):
        table.table.remove(found)
        if dtor:
            _call(ctx, dtor, [found.obj, found.data])
        table.discard(found)


@kapi(
    "klp_get_state",
    "struct klp_state *klp_get_state(struct klp_patch *patch, unsigned long id)",
    gpl=True,
)
def klp_get_state(ctx: CallContext) -> int:
    """The patch's own struct klp_state @id, read from its states array (NULL: none)."""
    from lkmsh.kernel.livepatch import KLP_PATCH, KLP_STATE, MAX_ENTRIES

    patch, sid = ctx.arg(0), ctx.arg(1)
    mem = ctx.mem
    at = mem.read_u64(patch + KLP_PATCH.off("states"))
    for _ in range(MAX_ENTRIES if at else 0):
        found = mem.read_u64(at + KLP_STATE.off("id"))
        if not found:
            break
        if found == sid:
            return at
        at += KLP_STATE.size
    return 0


@kapi("klp_get_prev_state", "struct klp_state *klp_get_prev_state(unsigned long id)", gpl=True)
def klp_get_prev_state(ctx: CallContext) -> int:
    from lkmsh.kernel import klptransition

    lp = ctx.kernel.livepatch
    if lp.transition is None:  # WARN_ON_ONCE(!klp_transition_patch)
        pid = ctx.kernel.current_task_id()[1]
        warn(ctx, [f"WARNING: CPU: 0 PID: {pid} at kernel/livepatch/state.c klp_get_prev_state"])
        return 0
    return klptransition.prev_state(lp, ctx.arg(0))


@kapi("cmdline_proc_show", "int cmdline_proc_show(struct seq_file *m, void *v)")
def cmdline_proc_show(ctx: CallContext) -> int:
    """fs/proc/cmdline.c: the command line and a newline (not exported: the kernel's
    /proc/cmdline, a kprobe or a livepatch reach it)."""
    from lkmsh.kernel.kapi.seq import _append, _seq

    _append(ctx, _seq(ctx, ctx.arg(0)), ctx.kernel.livepatch.cmdline_text())
    return 0


@kapi("meminfo_proc_show", "int meminfo_proc_show(struct seq_file *m, void *v)")
def meminfo_proc_show(ctx: CallContext) -> int:
    """fs/proc/meminfo.c: the memory counters (meminfo.py; not exported: the kernel's
    /proc/meminfo, a kprobe or a livepatch reach it, as test_klp_atomic_replace.c)."""
    from lkmsh.kernel import meminfo
    from lkmsh.kernel.kapi.seq import _append, _seq

    kernel = cast("Kernel", ctx.kernel)  # the whole kernel: its tasks and page pool
    _append(ctx, _seq(ctx, ctx.arg(0)), meminfo.text(kernel).encode())
    return 0
