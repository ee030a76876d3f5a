"""kobjects, ksets and sysfs attributes (<linux/kobject.h>, <linux/sysfs.h>), as lib/kobject.c.

The objects are in the caller's memory with Linux's layout (constants in
kernel/sysfs.py): the reference count is the ``kref`` inside the kobject, so
``kobject_get``/``kobject_put`` and a module's own ``kref_read`` agree. The
last put removes the kobject from sysfs (if the caller did not
``kobject_del`` it), calls ``ktype->release`` and drops the parent, in
kobject_cleanup()'s order. Messages are lib/kobject.c's and fs/sysfs's.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.errors import KernelError
from lkmsh.kernel import sysfs as SF
from lkmsh.kernel.kapi.bug import report, warn
from lkmsh.kernel.kapi.common import cstr, decode, format_args, formatter, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.layout import PAGE_SIZE

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

EINVAL = -errno.EINVAL
ENOENT = -errno.ENOENT
EEXIST = -errno.EEXIST
ENOMEM = -errno.ENOMEM
NAME_MAX = 4096
S_IRUGO_WUGO = 0o777


def _fs(ctx: CallContext) -> SF.Sysfs:
    return ctx.kernel.sysfs


def _p(ctx: CallContext, addr: int) -> str:
    """%p of a pointer: hashed, as Linux prints it."""
    return formatter(ctx).format(b"%p", iter([addr])).decode()


def _state(ctx: CallContext, kobj: int) -> int:
    return ctx.mem.read_u8(kobj + SF.KOBJ_STATE)


def _set_state(ctx: CallContext, kobj: int, bits: int, on: bool) -> None:
    s = _state(ctx, kobj)
    ctx.mem.write_u8(kobj + SF.KOBJ_STATE, (s | bits) if on else (s & ~bits))


def _name(ctx: CallContext, kobj: int) -> str:
    ptr = ctx.mem.read_u64(kobj + SF.KOBJ_NAME)
    return decode(cstr(ctx, ptr, NAME_MAX)) if ptr else "(null)"


def _call_module(ctx: CallContext, fn: int, args: list[int]) -> int:
    return SF.call_module_code(ctx.kernel, fn, args)


# -- naming ------------------------------------------------------------------------


def _set_name(ctx: CallContext, kobj: int, name: bytes) -> int:
    heap = ctx.kernel.heap
    ptr = heap.alloc(len(name) + 1, owner(ctx), ctx.caller, managed=True)
    if not ptr:
        return ENOMEM
    ctx.mem.write(ptr, name + b"\0")
    old = ctx.mem.read_u64(kobj + SF.KOBJ_NAME)
    if old and heap.lookup(old) is not None:
        heap.free(old)
    ctx.mem.write_u64(kobj + SF.KOBJ_NAME, ptr)
    return 0


@kapi("kobject_set_name", "int kobject_set_name(struct kobject *kobj, const char *name, ...)")
def kobject_set_name(ctx: CallContext) -> int:
    return _set_name(ctx, ctx.arg(0), format_args(ctx, ctx.arg(1), 2))


# -- init, add, del -------------------------------------------------------------------


def _init_internal(ctx: CallContext, kobj: int) -> None:
    mem = ctx.mem
    mem.write_u32(kobj + SF.KOBJ_KREF, 1)
    mem.write_u64(kobj + 8, kobj + 8)  # INIT_LIST_HEAD(&kobj->entry)
    mem.write_u64(kobj + 16, kobj + 8)
    state = _state(ctx, kobj) & ~(
        SF.STATE_IN_SYSFS | SF.STATE_ADD_UEVENT_SENT | SF.STATE_REMOVE_UEVENT_SENT
    )
    mem.write_u8(kobj + SF.KOBJ_STATE, state | SF.STATE_INITIALIZED)


def _init(ctx: CallContext, kobj: int, ktype: int) -> None:
    err = ""
    if not kobj:
        err = "invalid kobject pointer!"
    elif not ktype:
        err = "must have a ktype to be initialized properly!\n"
    if err:
        report(ctx, [f"kobject ({_p(ctx, kobj)}): {err}".rstrip("\n")])
        return
    if _state(ctx, kobj) & SF.STATE_INITIALIZED:
        report(
            ctx,
            [
                f"kobject ({_p(ctx, kobj)}): tried to init an initialized object,"
                " something is seriously wrong."
            ],
        )
    _init_internal(ctx, kobj)
    ctx.mem.write_u64(kobj + SF.KOBJ_KTYPE, ktype)


@kapi("kobject_init", "void kobject_init(struct kobject *kobj, const struct kobj_type *ktype)")
def kobject_init(ctx: CallContext) -> None:
    _init(ctx, ctx.arg(0), ctx.arg(1))


def get(ctx: CallContext, kobj: int) -> int:
    if not kobj or _fs(ctx).is_root(kobj):
        return kobj
    if not _state(ctx, kobj) & SF.STATE_INITIALIZED:
        warn(
            ctx,
            [
                f"kobject: '{_name(ctx, kobj)}' ({_p(ctx, kobj)}): is not initialized,"
                " yet kobject_get() is being called."
            ],
        )
    ref = ctx.mem.read_u32(kobj + SF.KOBJ_KREF)
    ctx.mem.write_u32(kobj + SF.KOBJ_KREF, (ref + 1) & 0xFFFFFFFF)
    return kobj


def put(ctx: CallContext, kobj: int) -> None:
    if not kobj or _fs(ctx).is_root(kobj):
        return
    if not _state(ctx, kobj) & SF.STATE_INITIALIZED:
        warn(
            ctx,
            [
                f"kobject: '{_name(ctx, kobj)}' ({_p(ctx, kobj)}): is not initialized,"
                " yet kobject_put() is being called."
            ],
        )
    ref = ctx.mem.read_u32(kobj + SF.KOBJ_KREF)
    if ref == 0:
        warn(ctx, ["refcount_t: underflow; use-after-free."])
        return
    ctx.mem.write_u32(kobj + SF.KOBJ_KREF, ref - 1)
    if ref == 1:
        _cleanup(ctx, kobj)


def _cleanup(ctx: CallContext, kobj: int) -> None:
    """kobject_cleanup(): out of sysfs, release(), free the name, drop the parent."""
    mem = ctx.mem
    ktype = mem.read_u64(kobj + SF.KOBJ_KTYPE)
    name = mem.read_u64(kobj + SF.KOBJ_NAME)
    parent = 0
    if _state(ctx, kobj) & SF.STATE_IN_SYSFS:
        parent = mem.read_u64(kobj + SF.KOBJ_PARENT)
        _del(ctx, kobj)
    fs = _fs(ctx)
    size = fs.is_kernel_ktype(ktype)
    heap = ctx.kernel.heap
    if size:
        base = kobj - SF.KSET_KOBJ if size == SF.KSET_SIZE else kobj
        if heap.lookup(base) is not None:
            heap.free(base, ctx.caller)
    elif ktype:
        release = mem.read_u64(ktype + SF.KTYPE_RELEASE)
        if release:
            _call_module(ctx, release, [kobj])
    if name and heap.lookup(name) is not None:
        heap.free(name)
    put(ctx, parent)


def _kobj_dir(ctx: CallContext, kobj: int) -> tuple[str | None, bool]:
    """(kobj's sysfs directory, whether it is a struct device's): a kobject added
    to sysfs, or the kobj of a device the kernel made (a class or misc device, a
    platform device; struct device begins with it), whose attributes dev_sysfs_ops
    serves by calling the device_attribute's show/store with the device."""
    base = _fs(ctx).path_of(kobj)
    if base is not None or not kobj:
        return base, False
    from lkmsh.kernel.kapi.devattr import device_dir

    base = device_dir(ctx, kobj)
    return base, base is not None


def _dir_path(ctx: CallContext, kobj: int) -> str | int:
    """Where kobj's directory goes, or -errno (its parent is not in sysfs)."""
    parent = ctx.mem.read_u64(kobj + SF.KOBJ_PARENT)
    base = _kobj_dir(ctx, parent)[0] if parent else "/sys"
    if base is None:
        return ENOENT
    return f"{base}/{_name(ctx, kobj)}"


def _add_internal(ctx: CallContext, kobj: int) -> int:
    mem = ctx.mem
    name_ptr = mem.read_u64(kobj + SF.KOBJ_NAME)
    if not name_ptr or not mem.read_u8(name_ptr):
        warn(ctx, [f"kobject: ({_p(ctx, kobj)}): attempted to be registered with empty name!"])
        return EINVAL
    parent = get(ctx, mem.read_u64(kobj + SF.KOBJ_PARENT))
    kset = mem.read_u64(kobj + SF.KOBJ_KSET)
    if kset:
        if not parent:
            parent = get(ctx, kset + SF.KSET_KOBJ)
        get(ctx, kset + SF.KSET_KOBJ)  # kobj_kset_join
        mem.write_u64(kobj + SF.KOBJ_PARENT, parent)
    err = _create_dir(ctx, kobj)
    if err:
        if kset:
            put(ctx, kset + SF.KSET_KOBJ)
        put(ctx, parent)
        mem.write_u64(kobj + SF.KOBJ_PARENT, 0)
        name = _name(ctx, kobj)
        if err == EEXIST:
            ctx.kernel.log.emit(
                3,
                f"kobject_add_internal failed for {name} with -EEXIST, don't try to register"
                " things with the same name in the same directory.",
            )
        else:
            pname = _name(ctx, parent) if parent else "<NULL>"
            ctx.kernel.log.emit(
                3, f"kobject_add_internal failed for {name} (error: {err} parent: {pname})"
            )
        return err
    _set_state(ctx, kobj, SF.STATE_IN_SYSFS, True)
    return 0


def _create_dir(ctx: CallContext, kobj: int) -> int:
    fs = _fs(ctx)
    path = _dir_path(ctx, kobj)
    if isinstance(path, int):
        return path
    try:
        fs.add_kobject(SF.KObj(kobj, _name(ctx, kobj), path, owner(ctx)))
    except KernelError as exc:
        if exc.errno == errno.EEXIST:
            report(
                ctx,
                [f"sysfs: cannot create duplicate filename '{path.removeprefix('/sys')}'"],
                4,
            )
        return -exc.errno
    ctx.mem.write_u64(kobj + SF.KOBJ_SD, kobj)
    ktype = ctx.mem.read_u64(kobj + SF.KOBJ_KTYPE)
    groups = ctx.mem.read_u64(ktype + SF.KTYPE_DEFAULT_GROUPS) if ktype else 0
    err = create_groups(ctx, kobj, groups)
    if err:
        fs.remove_kobject(kobj)
        ctx.mem.write_u64(kobj + SF.KOBJ_SD, 0)
    return err


def _add(ctx: CallContext, kobj: int, parent: int, name: bytes) -> int:
    if not kobj:
        return EINVAL
    if not _state(ctx, kobj) & SF.STATE_INITIALIZED:
        report(
            ctx,
            [
                f"kobject '{_name(ctx, kobj)}' ({_p(ctx, kobj)}): tried to add an"
                " uninitialized object, something is seriously wrong."
            ],
        )
        return EINVAL
    err = _set_name(ctx, kobj, name)
    if err:
        return err
    ctx.mem.write_u64(kobj + SF.KOBJ_PARENT, parent)
    return _add_internal(ctx, kobj)


@kapi(
    "kobject_add",
    "int kobject_add(struct kobject *kobj, struct kobject *parent, const char *fmt, ...)",
)
def kobject_add(ctx: CallContext) -> int:
    if not ctx.arg(0):
        return EINVAL
    return _add(ctx, ctx.arg(0), ctx.arg(1), format_args(ctx, ctx.arg(2), 3))


@kapi(
    "kobject_init_and_add",
    "int kobject_init_and_add(struct kobject *kobj, const struct kobj_type *ktype, "
    "struct kobject *parent, const char *fmt, ...)",
    gpl=True,
)
def kobject_init_and_add(ctx: CallContext) -> int:
    kobj = ctx.arg(0)
    _init(ctx, kobj, ctx.arg(1))
    if not kobj:
        return EINVAL
    return _add(ctx, kobj, ctx.arg(2), format_args(ctx, ctx.arg(3), 4))


def _del(ctx: CallContext, kobj: int) -> None:
    """__kobject_del(): default groups and directory gone, out of the kset."""
    fs = _fs(ctx)
    for k in fs.remove_kobject(kobj):
        if k.addr != kobj:
            _set_state(ctx, k.addr, SF.STATE_IN_SYSFS, False)
    _set_state(ctx, kobj, SF.STATE_IN_SYSFS, False)
    ctx.mem.write_u64(kobj + SF.KOBJ_SD, 0)
    kset = ctx.mem.read_u64(kobj + SF.KOBJ_KSET)
    if kset:
        put(ctx, kset + SF.KSET_KOBJ)


@kapi("kobject_del", "void kobject_del(struct kobject *kobj)")
def kobject_del(ctx: CallContext) -> None:
    kobj = ctx.arg(0)
    if not kobj:
        return
    parent = ctx.mem.read_u64(kobj + SF.KOBJ_PARENT)
    if _state(ctx, kobj) & SF.STATE_IN_SYSFS:
        _del(ctx, kobj)
    put(ctx, parent)
    ctx.mem.write_u64(kobj + SF.KOBJ_PARENT, 0)


@kapi("kobject_get", "struct kobject *kobject_get(struct kobject *kobj)")
def kobject_get(ctx: CallContext) -> int:
    return get(ctx, ctx.arg(0))


def _get_unless_zero(ctx: CallContext, kobj: int) -> int:
    if not kobj:
        return 0
    if not _fs(ctx).is_root(kobj) and ctx.mem.read_u32(kobj + SF.KOBJ_KREF) == 0:
        return 0
    return get(ctx, kobj)


@kapi("kobject_get_unless_zero", "struct kobject *kobject_get_unless_zero(struct kobject *kobj)")
def kobject_get_unless_zero(ctx: CallContext) -> int:
    return _get_unless_zero(ctx, ctx.arg(0))


@kapi("kobject_put", "void kobject_put(struct kobject *kobj)")
def kobject_put(ctx: CallContext) -> None:
    put(ctx, ctx.arg(0))


@kapi(
    "kobject_create_and_add",
    "struct kobject *kobject_create_and_add(const char *name, struct kobject *parent)",
    gpl=True,
)
def kobject_create_and_add(ctx: CallContext) -> int:
    fs = _fs(ctx)
    kobj = ctx.kernel.heap.alloc(SF.KOBJECT_SIZE, owner(ctx), ctx.caller, zero=True, managed=True)
    if not kobj:
        return 0
    _init(ctx, kobj, fs.root_base + SF.DYNAMIC_KTYPE)
    err = _add(ctx, kobj, ctx.arg(1), cstr(ctx, ctx.arg(0), NAME_MAX))
    if err:
        ctx.kernel.log.emit(4, f"kobject_create_and_add: kobject_add error: {err}")
        put(ctx, kobj)
        return 0
    return kobj


@kapi(
    "kobject_get_path", "char *kobject_get_path(const struct kobject *kobj, gfp_t flag)", gpl=True
)
def kobject_get_path(ctx: CallContext) -> int:
    names: list[str] = []
    kobj = ctx.arg(0)
    seen = 0
    while kobj and seen < 64:
        names.append(_name(ctx, kobj))
        kobj = ctx.mem.read_u64(kobj + SF.KOBJ_PARENT)
        seen += 1
    path = ("/" + "/".join(reversed(names))).encode()
    ptr = ctx.kernel.heap.alloc(len(path) + 1, owner(ctx), ctx.caller, gfp=ctx.arg(1))
    if ptr:
        ctx.mem.write(ptr, path + b"\0")
    return ptr


@kapi(
    "kobject_uevent",
    "int kobject_uevent(struct kobject *kobj, enum kobject_action action)",
    gpl=True,
)
def kobject_uevent(ctx: CallContext) -> int:
    """No uevent listener runs in lkmsh; the kobject's flags are kept as Linux keeps them."""
    action = ctx.arg(1) & 0xFFFFFFFF
    if action == 0:
        _set_state(ctx, ctx.arg(0), SF.STATE_ADD_UEVENT_SENT, True)
    elif action == 1:
        _set_state(ctx, ctx.arg(0), SF.STATE_REMOVE_UEVENT_SENT, True)
    return 0


@kapi(
    "kobject_uevent_env",
    "int kobject_uevent_env(struct kobject *kobj, enum kobject_action action, char *envp[])",
    gpl=True,
)
def kobject_uevent_env(ctx: CallContext) -> int:
    return kobject_uevent(ctx)


# -- ksets --------------------------------------------------------------------------


def _kset_init(ctx: CallContext, kset: int) -> None:
    _init_internal(ctx, kset + SF.KSET_KOBJ)
    ctx.mem.write_u64(kset, kset)
    ctx.mem.write_u64(kset + 8, kset)
    ctx.mem.write_u32(kset + 16, 0)
    ctx.mem.write_u32(kset + 20, 0xDEAD4EAD)  # spin_lock_init (lkmsh's spinlock_t)


def _kset_register(ctx: CallContext, kset: int) -> int:
    if not kset:
        return EINVAL
    kobj = kset + SF.KSET_KOBJ
    if not ctx.mem.read_u64(kobj + SF.KOBJ_KTYPE):
        ctx.kernel.log.emit(3, "must have a ktype to be initialized properly!")
        return EINVAL
    _kset_init(ctx, kset)
    err = _add_internal(ctx, kobj)
    if err:
        name = ctx.mem.read_u64(kobj + SF.KOBJ_NAME)
        if name and ctx.kernel.heap.lookup(name) is not None:
            ctx.kernel.heap.free(name)
        ctx.mem.write_u64(kobj + SF.KOBJ_NAME, 0)
        return err
    _set_state(ctx, kobj, SF.STATE_ADD_UEVENT_SENT, True)
    return 0


@kapi("kset_register", "int kset_register(struct kset *kset)")
def kset_register(ctx: CallContext) -> int:
    return _kset_register(ctx, ctx.arg(0))


@kapi("kset_unregister", "void kset_unregister(struct kset *kset)")
def kset_unregister(ctx: CallContext) -> None:
    kset = ctx.arg(0)
    if not kset:
        return
    kobj = kset + SF.KSET_KOBJ
    parent = ctx.mem.read_u64(kobj + SF.KOBJ_PARENT)
    if _state(ctx, kobj) & SF.STATE_IN_SYSFS:
        _del(ctx, kobj)
    put(ctx, parent)
    ctx.mem.write_u64(kobj + SF.KOBJ_PARENT, 0)
    put(ctx, kobj)


@kapi(
    "kset_create_and_add",
    "struct kset *kset_create_and_add(const char *name, const struct kset_uevent_ops *u, "
    "struct kobject *parent_kobj)",
    gpl=True,
)
def kset_create_and_add(ctx: CallContext) -> int:
    fs = _fs(ctx)
    heap = ctx.kernel.heap
    kset = heap.alloc(SF.KSET_SIZE, owner(ctx), ctx.caller, zero=True, managed=True)
    if not kset:
        return 0
    kobj = kset + SF.KSET_KOBJ
    if _set_name(ctx, kobj, cstr(ctx, ctx.arg(0), NAME_MAX)):
        heap.free(kset)
        return 0
    ctx.mem.write_u64(kset + SF.KSET_UEVENT_OPS, ctx.arg(1))
    ctx.mem.write_u64(kobj + SF.KOBJ_PARENT, ctx.arg(2))
    ctx.mem.write_u64(kobj + SF.KOBJ_KTYPE, fs.root_base + SF.KSET_KTYPE)
    if _kset_register(ctx, kset):
        heap.free(kset)
        return 0
    return kset


@kapi(
    "kset_find_obj", "struct kobject *kset_find_obj(struct kset *kset, const char *name)", gpl=True
)
def kset_find_obj(ctx: CallContext) -> int:
    kset, name = ctx.arg(0), decode(cstr(ctx, ctx.arg(1), NAME_MAX))
    for k in _fs(ctx).kobjects.values():
        if k.name == name and ctx.mem.read_u64(k.addr + SF.KOBJ_KSET) == kset:
            return _get_unless_zero(ctx, k.addr)
    return 0


# -- attribute files ---------------------------------------------------------------------


def _add_file(
    ctx: CallContext, kobj: int, attr: int, mode: int, group: str = "", binary: bool = False
) -> int:
    fs = _fs(ctx)
    mem = ctx.mem
    base, device = _kobj_dir(ctx, kobj)
    if base is None:
        return EINVAL
    name = decode(cstr(ctx, mem.read_u64(attr + SF.ATTR_NAME), NAME_MAX))
    if not binary and not device:
        ktype = mem.read_u64(kobj + SF.KOBJ_KTYPE)
        if not ktype or not mem.read_u64(ktype + SF.KTYPE_SYSFS_OPS):
            warn(ctx, [f"missing sysfs attribute operations for kobject: {_name(ctx, kobj)}"])
            return EINVAL
    path = f"{base}/{group}/{name}" if group else f"{base}/{name}"
    try:
        fs.add_file(
            SF.AttrFile(
                path, kobj, attr, mode & S_IRUGO_WUGO, owner(ctx), group, binary, direct=device
            )
        )
    except KernelError as exc:
        if exc.errno == errno.EEXIST:
            report(
                ctx, [f"sysfs: cannot create duplicate filename '{path.removeprefix('/sys')}'"], 4
            )
        return -exc.errno
    return 0


def _attr_mode(ctx: CallContext, attr: int) -> int:
    return ctx.mem.read_u16(attr + SF.ATTR_MODE)


def _sd_ok(ctx: CallContext, kobj: int) -> bool:
    return _kobj_dir(ctx, kobj)[0] is not None


@kapi(
    "sysfs_create_file_ns",
    "int sysfs_create_file_ns(struct kobject *kobj, const struct attribute *attr, const void *ns)",
    gpl=True,
)
def sysfs_create_file_ns(ctx: CallContext) -> int:
    kobj, attr = ctx.arg(0), ctx.arg(1)
    if not _sd_ok(ctx, kobj) or not attr:
        warn(ctx, ["WARNING: CPU: 0 PID: 1 at fs/sysfs/file.c:352 sysfs_create_file_ns"])
        return EINVAL
    return _add_file(ctx, kobj, attr, _attr_mode(ctx, attr))


def _attr_list(ctx: CallContext, array: int, limit: int = 4096) -> list[int]:
    out = []
    while array and len(out) < limit:
        a = ctx.mem.read_u64(array + 8 * len(out))
        if not a:
            break
        out.append(a)
    return out


@kapi(
    "sysfs_create_files",
    "int sysfs_create_files(struct kobject *kobj, const struct attribute * const *ptr)",
    gpl=True,
)
def sysfs_create_files(ctx: CallContext) -> int:
    kobj = ctx.arg(0)
    attrs = _attr_list(ctx, ctx.arg(1))
    for i, attr in enumerate(attrs):
        err = _add_file(ctx, kobj, attr, _attr_mode(ctx, attr))
        if err:
            for done in attrs[:i]:
                _remove_attr(ctx, kobj, done)
            return err
    return 0


def _remove_attr(ctx: CallContext, kobj: int, attr: int, group: str = "") -> bool:
    fs = _fs(ctx)
    for f in fs.files_of(kobj):
        if f.attr == attr and f.group == group:
            fs.remove_file(f.path)
            return True
    return False


@kapi(
    "sysfs_remove_file_ns",
    "void sysfs_remove_file_ns(struct kobject *kobj, const struct attribute *attr, const void *ns)",
    gpl=True,
)
def sysfs_remove_file_ns(ctx: CallContext) -> None:
    _remove_attr(ctx, ctx.arg(0), ctx.arg(1))


@kapi(
    "sysfs_remove_file_self",
    "bool sysfs_remove_file_self(struct kobject *kobj, const struct attribute *attr)",
    gpl=True,
)
def sysfs_remove_file_self(ctx: CallContext) -> int:
    return int(_remove_attr(ctx, ctx.arg(0), ctx.arg(1)))


@kapi(
    "sysfs_remove_files",
    "void sysfs_remove_files(struct kobject *kobj, const struct attribute * const *ptr)",
    gpl=True,
)
def sysfs_remove_files(ctx: CallContext) -> None:
    for attr in _attr_list(ctx, ctx.arg(1)):
        _remove_attr(ctx, ctx.arg(0), attr)


@kapi(
    "sysfs_chmod_file",
    "int sysfs_chmod_file(struct kobject *kobj, const struct attribute *attr, umode_t mode)",
    gpl=True,
)
def sysfs_chmod_file(ctx: CallContext) -> int:
    fs = _fs(ctx)
    for f in fs.files_of(ctx.arg(0)):
        if f.attr == ctx.arg(1) and not f.group:
            f.mode = ctx.arg(2) & S_IRUGO_WUGO
            node = fs.vfs.lookup(f.path) if fs.vfs is not None else None
            if node is not None:
                node.mode = (node.mode & ~0o7777) | f.mode
            return 0
    return ENOENT


@kapi(
    "sysfs_create_bin_file",
    "int sysfs_create_bin_file(struct kobject *kobj, const struct bin_attribute *attr)",
    gpl=True,
)
def sysfs_create_bin_file(ctx: CallContext) -> int:
    kobj, attr = ctx.arg(0), ctx.arg(1)
    if not _sd_ok(ctx, kobj) or not attr:
        return EINVAL
    return _add_file(ctx, kobj, attr, _attr_mode(ctx, attr), binary=True)


@kapi(
    "sysfs_remove_bin_file",
    "void sysfs_remove_bin_file(struct kobject *kobj, const struct bin_attribute *attr)",
    gpl=True,
)
def sysfs_remove_bin_file(ctx: CallContext) -> None:
    _remove_attr(ctx, ctx.arg(0), ctx.arg(1))


# -- groups ------------------------------------------------------------------------------


def _group_name(ctx: CallContext, grp: int) -> str:
    ptr = ctx.mem.read_u64(grp + SF.GRP_NAME)
    return decode(cstr(ctx, ptr, NAME_MAX)) if ptr else ""


def _create_group(ctx: CallContext, kobj: int, grp: int, update: bool = False) -> int:
    """internal_create_group(): each attribute the group's is_visible lets through."""
    if not grp:
        return EINVAL
    fs = _fs(ctx)
    base = _kobj_dir(ctx, kobj)[0]
    if base is None:
        return EINVAL
    mem = ctx.mem
    gname = _group_name(ctx, grp)
    attrs = _attr_list(ctx, mem.read_u64(grp + SF.GRP_ATTRS))
    bins = _attr_list(ctx, mem.read_u64(grp + SF.GRP_BIN_ATTRS))
    if not attrs and not bins:
        warn(ctx, ["WARNING: CPU: 0 PID: 1 at fs/sysfs/group.c:119 internal_create_group"])
        return EINVAL
    if gname and not update:
        gpath = f"{base}/{gname}"
        if fs.vfs is not None and fs.vfs.lookup(gpath) is not None:
            report(
                ctx, [f"sysfs: cannot create duplicate filename '{gpath.removeprefix('/sys')}'"], 4
            )
            return EEXIST
        if fs.vfs is not None:
            fs.vfs.mkdir(gpath, 0o755, owner=owner(ctx))
    made: list[int] = []
    for lst, vis_off, binary in (
        (attrs, SF.GRP_IS_VISIBLE, False),
        (bins, SF.GRP_IS_BIN_VISIBLE, True),
    ):
        is_visible = mem.read_u64(grp + vis_off)
        for i, attr in enumerate(lst):
            mode = _attr_mode(ctx, attr)
            if update:
                _remove_attr(ctx, kobj, attr, gname)
            if is_visible:
                mode = _call_module(ctx, is_visible, [kobj, attr, i]) & 0xFFFF
                if not mode:
                    continue
            err = _add_file(ctx, kobj, attr, mode, gname, binary)
            if err:
                for done in made:
                    _remove_attr(ctx, kobj, done, gname)
                _drop_group_dir(ctx, kobj, gname)
                return err
            made.append(attr)
    return 0


def _drop_group_dir(ctx: CallContext, kobj: int, gname: str) -> None:
    fs = _fs(ctx)
    base = _kobj_dir(ctx, kobj)[0]
    if gname and base is not None and fs.vfs is not None:
        node = fs.vfs.lookup(f"{base}/{gname}")
        if node is not None and not node.children:
            fs.vfs.remove(f"{base}/{gname}")


def create_groups(ctx: CallContext, kobj: int, groups: int) -> int:
    glist = _attr_list(ctx, groups)
    for i, grp in enumerate(glist):
        err = _create_group(ctx, kobj, grp)
        if err:
            for done in glist[:i]:
                _remove_group(ctx, kobj, done)
            return err
    return 0


def _remove_group(ctx: CallContext, kobj: int, grp: int) -> None:
    if not grp:
        return
    fs = _fs(ctx)
    gname = _group_name(ctx, grp)
    base = _kobj_dir(ctx, kobj)[0]
    if base is None:
        return
    if gname and (fs.vfs is None or fs.vfs.lookup(f"{base}/{gname}") is None):
        warn(ctx, [f"sysfs group '{gname}' not found for kobject '{_name(ctx, kobj)}'"])
        return
    mem = ctx.mem
    for lst in (SF.GRP_ATTRS, SF.GRP_BIN_ATTRS):
        for attr in _attr_list(ctx, mem.read_u64(grp + lst)):
            _remove_attr(ctx, kobj, attr, gname)
    _drop_group_dir(ctx, kobj, gname)


@kapi(
    "sysfs_create_group",
    "int sysfs_create_group(struct kobject *kobj, const struct attribute_group *grp)",
    gpl=True,
)
def sysfs_create_group(ctx: CallContext) -> int:
    return _create_group(ctx, ctx.arg(0), ctx.arg(1))


@kapi(
    "sysfs_update_group",
    "int sysfs_update_group(struct kobject *kobj, const struct attribute_group *grp)",
    gpl=True,
)
def sysfs_update_group(ctx: CallContext) -> int:
    return _create_group(ctx, ctx.arg(0), ctx.arg(1), update=True)


@kapi(
    "sysfs_create_groups",
    "int sysfs_create_groups(struct kobject *kobj, const struct attribute_group **groups)",
    gpl=True,
)
def sysfs_create_groups(ctx: CallContext) -> int:
    if not ctx.arg(1):
        return 0
    return create_groups(ctx, ctx.arg(0), ctx.arg(1))


@kapi(
    "sysfs_remove_group",
    "void sysfs_remove_group(struct kobject *kobj, const struct attribute_group *grp)",
    gpl=True,
)
def sysfs_remove_group(ctx: CallContext) -> None:
    _remove_group(ctx, ctx.arg(0), ctx.arg(1))


@kapi(
    "sysfs_remove_groups",
    "void sysfs_remove_groups(struct kobject *kobj, const struct attribute_group **groups)",
    gpl=True,
)
def sysfs_remove_groups(ctx: CallContext) -> None:
    for grp in _attr_list(ctx, ctx.arg(1)):
        _remove_group(ctx, ctx.arg(0), grp)


@kapi(
    "sysfs_notify",
    "void sysfs_notify(struct kobject *kobj, const char *dir, const char *attr)",
    gpl=True,
)
def sysfs_notify(ctx: CallContext) -> None:
    """Wakes pollers of the file; lkmsh has none."""


# -- sysfs_emit ----------------------------------------------------------------------------


def _emit(ctx: CallContext, buf: int, at: int, fmt_index: int) -> int:
    if not buf or buf % PAGE_SIZE or at < 0 or at >= PAGE_SIZE:
        what = f"invalid sysfs_emit: buf:{_p(ctx, buf)}"
        if fmt_index == 2:
            what = f"invalid sysfs_emit_at: buf:{_p(ctx, buf)} at:{at}"
        warn(ctx, [what])
        return 0
    text = format_args(ctx, ctx.arg(fmt_index), fmt_index + 1)
    room = PAGE_SIZE - at
    text = text[: room - 1]
    ctx.mem.write(buf + at, text + b"\0")
    return len(text)


@kapi("sysfs_emit", "int sysfs_emit(char *buf, const char *fmt, ...)", gpl=True)
def sysfs_emit(ctx: CallContext) -> int:
    return _emit(ctx, ctx.arg(0), 0, 1)


@kapi("sysfs_emit_at", "int sysfs_emit_at(char *buf, int at, const char *fmt, ...)", gpl=True)
def sysfs_emit_at(ctx: CallContext) -> int:
    return _emit(ctx, ctx.arg(0), ctx.sarg(1, 32), 2)
