"""Livepatch's core steps, as kernel/livepatch/{core,transition,state}.c in Linux 6.1.

Each function here is one of Linux's (klp_enable_patch, klp_init_transition,
klp_try_complete_transition, ...) over the ``Livepatch`` component, in
Linux's order and with Linux's dmesg lines: ``livepatch.py`` keeps the data
and the redirect, this file the life cycle of a patch.
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel import klpsysfs
from lkmsh.kernel.livepatch import (
    KLP_PATCHED,
    KLP_UNDEFINED,
    KLP_UNPATCHED,
    KSYM_NAME_LEN,
    MODULE_NAME_LEN,
    SIGNALS_TIMEOUT,
    Func,
    KlpError,
    Livepatch,
    Obj,
    Patch,
)
from lkmsh.kernel.stacktrace import frame_returns

if TYPE_CHECKING:
    from lkmsh.kernel.module import Module
    from lkmsh.kernel.task import Task


def _word(state: int) -> str:
    return "patching" if state == KLP_PATCHED else "unpatching"


def _notice(lp: Livepatch, text: str) -> None:
    lp.kernel.log.emit(5, f"livepatch: {text}")


def _warn(lp: Livepatch, text: str) -> None:
    lp.kernel.log.emit(4, f"livepatch: {text}")


# -- state.c ---------------------------------------------------------------------------------


def get_state(p: Patch, sid: int) -> list[int] | None:
    return next((s for s in p.states if s[0] == sid), None)


def compatible(lp: Livepatch, new: Patch) -> bool:
    """klp_is_patch_compatible(): a cumulative patch handles every state already changed."""
    for old in lp.patches:
        for sid, version, _at in old.states:
            mine = get_state(new, sid)
            if mine is None:
                if new.replace:
                    return False
            elif mine[1] < version:
                return False
    return True


def prev_state(lp: Livepatch, sid: int) -> int:
    """klp_get_prev_state(): the state @sid of the newest patch before the transition's."""
    last = 0
    for p in lp.patches:
        if p is lp.transition:
            break
        s = get_state(p, sid)
        if s is not None:
            last = s[2]
    return last


# -- core.c ----------------------------------------------------------------------------------


def enable(lp: Livepatch, addr: int) -> int:
    """klp_enable_patch(); 0 or -errno."""
    k = lp.kernel
    from lkmsh.kernel.livepatch import KLP_PATCH

    if not addr:
        return -E.EINVAL
    mod_at = lp._u64(addr + KLP_PATCH.off("mod"))
    module = k.module_by_struct(mod_at) if mod_at else None
    if module is None or not lp._u64(addr + KLP_PATCH.off("objs")):
        return -E.EINVAL
    try:
        p = lp._read_patch(addr, module)
    except KlpError as exc:
        return exc.err
    if module.info("livepatch") is None:
        k.log.emit(3, f"livepatch: module {module.name} is not marked as a livepatch module")
        return -E.EINVAL
    if not compatible(lp, p):
        k.log.emit(
            3,
            f"livepatch: Livepatch patch ({module.name}) is not compatible with the already"
            " installed livepatches.",
        )
        return -E.EINVAL
    if not k.module_get(module):
        return -E.ENODEV
    try:
        _init_patch(lp, p)
        ret = _enable(lp, p)
    except KlpError as exc:
        ret = exc.err
    if ret:
        _free_patch(lp, p)
    return ret


def _init_patch(lp: Livepatch, p: Patch) -> None:
    """klp_init_patch(): the sysfs directories, the nops of a replace, each object."""
    klpsysfs.publish(lp.kernel, lp, p, objects=False)
    lp.patches.append(p)
    if p.replace:
        _add_nops(lp, p)
    for o in p.objs:
        if o.name is not None and len(o.name) >= MODULE_NAME_LEN:
            raise KlpError(-E.EINVAL)
        o.patched = False
        o.mod = o.name if o.name is not None and lp.alive(o.name) else None
        klpsysfs.publish_object(lp.kernel, lp, p, o)
        for f in o.funcs:
            if not f.new_func and not f.nop:
                raise KlpError(-E.EINVAL)
            if len(f.old_name) >= KSYM_NAME_LEN:
                raise KlpError(-E.EINVAL)
            f.patched = f.transition = False
        if lp.loaded(o):
            lp._init_object_loaded(o)
        lp._write_obj(o)


def _add_nops(lp: Livepatch, p: Patch) -> None:
    """klp_add_nops(): a nop for every function older patches changed that this one does not."""
    for old in lp.patches:
        if old is p:
            continue
        for oo in old.objs:
            o = next((x for x in p.objs if x.name == oo.name), None)
            if o is None:
                o = Obj(0, oo.name, [], dynamic=True)
                p.objs.append(o)
            for of in oo.funcs:
                if any(f.old_name == of.old_name and f.sympos == of.sympos for f in o.funcs):
                    continue
                o.funcs.append(Func(0, of.old_name, of.sympos, 0, nop=True))


def _enable(lp: Livepatch, p: Patch) -> int:
    """__klp_enable_patch()."""
    if lp.transition is not None:
        return -E.EBUSY
    _notice(lp, f"enabling patch '{p.mod}'")
    init_transition(lp, p, KLP_PATCHED)
    for o in p.objs:
        if not lp.loaded(o):
            continue
        ret = lp.pre_patch(p, o)
        if ret:
            _warn(lp, f"pre-patch callback failed for object '{o.label}'")
            return _enable_failed(lp, p, ret)
        ret = lp.patch_object(o)
        if ret:
            _warn(lp, f"failed to patch object '{o.label}'")
            return _enable_failed(lp, p, ret)
    start_transition(lp)
    p.enabled = True
    lp._write_patch(p)
    try_complete(lp)
    return 0


def _enable_failed(lp: Livepatch, p: Patch, ret: int) -> int:
    _warn(lp, f"failed to enable patch '{p.mod}'")
    cancel_transition(lp)
    return ret


def _free_patch(lp: Livepatch, p: Patch) -> None:
    """klp_free_patch_start() and _finish(): out of the list and sysfs, the reference put."""
    if p in lp.patches:
        lp.patches.remove(p)
    klpsysfs.unpublish(lp.kernel, p)
    lp._stacks = None
    k = lp.kernel
    if not p.forced and k.module_find(p.mod) is not None:
        k.module_put(p.mod)


def disable(lp: Livepatch, p: Patch) -> int:
    """__klp_disable_patch()."""
    if not p.enabled:
        return -E.EINVAL
    if lp.transition is not None:
        return -E.EBUSY
    init_transition(lp, p, KLP_UNPATCHED)
    for o in p.objs:
        if o.patched:
            lp._callback(p, o, "pre_unpatch")
    start_transition(lp)
    p.enabled = False
    lp._write_patch(p)
    try_complete(lp)
    return 0


def cleanup_module(lp: Livepatch, name: str, limit: Patch | None) -> None:
    """klp_cleanup_module_patches_limited(): each patch lets go of the module."""
    for p in list(lp.patches):
        if p is limit:
            break
        for o in p.objs:
            if o.name != name:
                continue
            if p is not lp.transition:
                lp._callback(p, o, "pre_unpatch")
            _notice(lp, f"reverting patch '{p.mod}' on unloading module '{name}'")
            lp.unpatch_object(o)
            lp.post_unpatch(p, o)
            o.mod = None  # klp_free_object_loaded()
            for f in o.funcs:
                f.old_func = 0
                if f.nop:
                    f.new_func = 0
            lp._write_obj(o)
            break


def module_coming(lp: Livepatch, module: Module) -> int:
    """klp_module_coming(); 0 or -errno (the module is refused)."""
    name = module.name
    for p in list(lp.patches):
        for o in p.objs:
            if o.name != name:
                continue
            o.mod = name
            try:
                lp._init_object_loaded(o)
            except KlpError as exc:
                _warn(lp, f"failed to initialize patch '{p.mod}' for module '{name}' ({exc.err})")
                return _coming_failed(lp, module, p, exc.err)
            _notice(lp, f"applying patch '{p.mod}' to loading module '{name}'")
            ret = lp.pre_patch(p, o)
            if ret:
                _warn(lp, f"pre-patch callback failed for object '{name}'")
                return _coming_failed(lp, module, p, ret)
            ret = lp.patch_object(o)
            if ret:
                _warn(lp, f"failed to apply patch '{p.mod}' to module '{name}' ({ret})")
                lp.post_unpatch(p, o)
                return _coming_failed(lp, module, p, ret)
            if p is not lp.transition:
                lp._callback(p, o, "post_patch")
            break
    return 0


def _coming_failed(lp: Livepatch, module: Module, p: Patch, ret: int) -> int:
    name = module.name
    _warn(lp, f"patch '{p.mod}' failed for module '{name}', refusing to load module '{name}'")
    lp.going.add(name)
    cleanup_module(lp, name, p)
    for o in p.objs:  # the failing object itself is no longer the module's
        if o.name == name:
            o.mod = None
            lp._write_obj(o)
    return ret


def drop(lp: Livepatch, p: Patch) -> None:
    """A patch whose module goes with it on (rmmod -f): nothing of it stays."""
    if lp.transition is p:
        lp.transition, lp.target, lp.pending, lp.retry_at = None, KLP_UNDEFINED, {}, None
    for o in p.objs:
        lp.unpatch_object(o)
    p.forced = True  # its reference goes with the module
    _free_patch(lp, p)


# -- transition.c ------------------------------------------------------------------------------


def init_transition(lp: Livepatch, p: Patch, state: int) -> None:
    """klp_init_transition(): every task starts in the other state."""
    lp.transition, lp.target = p, state
    initial = KLP_UNPATCHED if state == KLP_PATCHED else KLP_PATCHED
    lp.pending = {t.pid: initial for t in lp.kernel.sched.all_tasks()}
    for o in p.objs:
        for f in o.funcs:
            f.transition = True
        lp._write_obj(o)


def start_transition(lp: Livepatch) -> None:
    """klp_start_transition()."""
    p = lp.transition
    assert p is not None
    _notice(lp, f"'{p.mod}': starting {_word(lp.target)} transition")
    lp.signals_cnt = 0


def _stack_funcs(lp: Livepatch, f: Func) -> tuple[int, int]:
    """klp_check_stack_func()'s range for @f: what a task must not be inside."""
    if lp.target == KLP_UNPATCHED:
        return f.new_func, f.new_size
    stack = lp.stacks().get(f.old_func, [])
    if len(stack) <= 1 or f not in stack:
        return f.old_func, f.old_size
    below = stack[stack.index(f) + 1] if stack.index(f) + 1 < len(stack) else None
    return (below.new_func, below.new_size) if below is not None else (f.old_func, f.old_size)


def _entries(lp: Livepatch, task: Task) -> list[int] | None:
    """The return addresses on a parked task's stack (stack_trace_save_tsk_reliable)."""
    if task.regs is None:
        return []
    arch, at = lp.kernel.arch, lp.kernel.kprobes.reg_at
    pc, fp = task.regs[at[arch.ip]], task.regs[at[arch.frame_reg]]
    return [pc, *frame_returns(lp.kernel, fp)]


def _try_switch(lp: Livepatch, task: Task) -> bool:
    """klp_try_switch_task(): the task switches unless it is inside a changed function."""
    if task.pid not in lp.pending:
        return True
    current = lp.kernel.sched.current
    if current is not None and current.pid == task.pid:
        entries: list[int] | None = []  # the livepatch core itself runs in it
    elif task.on_stack and task.regs is None:
        return False  # running (waiting nested in the kernel): tried again later
    else:
        entries = _entries(lp, task)
    p = lp.transition
    assert p is not None
    for o in p.objs:
        if not o.patched:
            continue
        for f in o.funcs:
            start, size = _stack_funcs(lp, f)
            if any(start <= a < start + size for a in entries or ()):
                return False
    del lp.pending[task.pid]
    return True


def try_complete(lp: Livepatch) -> None:
    """klp_try_complete_transition()."""
    p = lp.transition
    if p is None:
        return
    live = {t.pid: t for t in lp.kernel.sched.all_tasks()}
    for pid in [pid for pid in lp.pending if pid not in live]:
        del lp.pending[pid]  # it exited: nothing of it runs any more
    complete = True
    for task in live.values():
        if not _try_switch(lp, task):
            complete = False
    if not complete:
        if lp.signals_cnt and not lp.signals_cnt % SIGNALS_TIMEOUT:
            _signal(lp)
        lp.signals_cnt += 1
        lp.schedule_retry()
        return
    complete_transition(lp)
    if not p.enabled:
        _free_patch(lp, p)
    elif p.replace:
        for old in [q for q in lp.patches if q is not p]:
            _free_patch(lp, old)


def _signal(lp: Livepatch) -> None:
    """klp_send_signals(): tasks still not switched are woken (a fake signal)."""
    if lp.signals_cnt == SIGNALS_TIMEOUT:
        _notice(lp, "signaling remaining tasks")


def complete_transition(lp: Livepatch) -> None:
    """klp_complete_transition(): the stacks settle, the post callbacks run."""
    p = lp.transition
    assert p is not None
    if p.replace and lp.target == KLP_PATCHED:
        for old in lp.patches:
            if old is p:
                break
            old.enabled = False
            lp.unpatch_objects(old)
            lp._write_patch(old)
        klpsysfs.unpublish_nops(lp.kernel, p)
        for o in p.objs:  # klp_discard_nops()
            lp.unpatch_object(o, dynamic_only=True)
            o.funcs = [f for f in o.funcs if not f.nop]
        p.objs = [o for o in p.objs if not o.dynamic]
    if lp.target == KLP_UNPATCHED:
        lp.unpatch_objects(p)
    for o in p.objs:
        for f in o.funcs:
            f.transition = False
        lp._write_obj(o)
    target = lp.target
    lp.pending = {}
    for o in p.objs:
        if not lp.loaded(o):
            continue
        if target == KLP_PATCHED:
            lp._callback(p, o, "post_patch")
        elif target == KLP_UNPATCHED:
            lp.post_unpatch(p, o)
    _notice(lp, f"'{p.mod}': {_word(target)} complete")
    lp.target = KLP_UNDEFINED
    lp.transition = None
    lp.retry_at = None


def cancel_transition(lp: Livepatch) -> None:
    """klp_cancel_transition(): a patch that failed to start goes back (target UNPATCHED)."""
    if lp.target != KLP_PATCHED:
        return
    lp.target = KLP_UNPATCHED
    complete_transition(lp)


def reverse(lp: Livepatch) -> None:
    """klp_reverse_transition(): the tasks already switched become the ones to switch back."""
    p = lp.transition
    assert p is not None
    p.enabled = not p.enabled
    lp._write_patch(p)
    old_target = lp.target
    lp.target = KLP_UNPATCHED if old_target == KLP_PATCHED else KLP_PATCHED
    lp.pending = {t.pid: old_target for t in lp.kernel.sched.all_tasks() if t.pid not in lp.pending}
    start_transition(lp)


def force(lp: Livepatch) -> None:
    """klp_force_transition(): every task switched, whatever its stack."""
    p = lp.transition
    assert p is not None
    _warn(lp, "forcing remaining tasks to the patched state")
    lp.pending = {}
    if lp.target == KLP_UNPATCHED:
        p.forced = True
    elif p.replace:
        for q in lp.patches:
            if q is not p:
                q.forced = True
                lp._write_patch(q)
    lp._write_patch(p)


__all__ = ["KLP_UNDEFINED", "enable", "disable", "try_complete", "prev_state", "get_state"]
