"""<linux/configfs.h>: fs/configfs/item.c's item helpers and dir.c's registrations.

The tree itself, mkdir/rmdir and the attribute files are lkmsh/kernel/configfs.py;
these are the calls modules make, over their own structures in module memory.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from lkmsh.kernel.configfs import (
    G_CHILDREN,
    G_DEFAULTS,
    G_ENTRY,
    GROUP,
    I_NAME,
    I_NAMEBUF,
    I_TYPE,
    NAME_LEN,
    Configfs,
)
from lkmsh.kernel.kapi.common import cstr, format_args, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.kapi.slab import _free

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1


def _set_name(ctx: CallContext, item: int, name: bytes) -> int:
    """config_item_set_name(): ci_namebuf when it fits, else a kmalloc'd copy."""
    mem = ctx.mem
    mem.write(item + I_NAMEBUF, name[: NAME_LEN - 1] + b"\0")
    ptr = item + I_NAMEBUF
    if len(name) >= NAME_LEN:
        ptr = ctx.kernel.heap.alloc(len(name) + 1, owner(ctx), ctx.caller)
        if not ptr:
            return -errno.EFAULT & MASK64
        mem.write(ptr, name + b"\0")
    old = mem.read_u64(item + I_NAME)
    if old and old != item + I_NAMEBUF:
        _free(ctx, old)
    mem.write_u64(item + I_NAME, ptr)
    return 0


def _group_init(ctx: CallContext, group: int) -> None:
    Configfs.item_init(ctx.kernel, group)
    for head in (G_CHILDREN, G_DEFAULTS):
        Configfs._list_init(ctx.kernel, group + head)


@kapi(
    "config_item_set_name",
    "int config_item_set_name(struct config_item *item, const char *fmt, ...)",
)
def config_item_set_name(ctx: CallContext) -> int:
    return _set_name(ctx, ctx.arg(0), format_args(ctx, ctx.arg(1), 2))


@kapi(
    "config_item_init_type_name",
    "void config_item_init_type_name(struct config_item *item, const char *name, const struct config_item_type *type)",
)
def config_item_init_type_name(ctx: CallContext) -> None:
    item = ctx.arg(0)
    _set_name(ctx, item, cstr(ctx, ctx.arg(1)))
    ctx.mem.write_u64(item + I_TYPE, ctx.arg(2))
    Configfs.item_init(ctx.kernel, item)


@kapi(
    "config_group_init_type_name",
    "void config_group_init_type_name(struct config_group *group, const char *name, const struct config_item_type *type)",
)
def config_group_init_type_name(ctx: CallContext) -> None:
    group = ctx.arg(0)
    _set_name(ctx, group, cstr(ctx, ctx.arg(1)))
    ctx.mem.write_u64(group + I_TYPE, ctx.arg(2))
    _group_init(ctx, group)


@kapi("config_group_init", "void config_group_init(struct config_group *group)")
def config_group_init(ctx: CallContext) -> None:
    _group_init(ctx, ctx.arg(0))


@kapi("config_item_get", "struct config_item *config_item_get(struct config_item *item)")
def config_item_get(ctx: CallContext) -> int:
    return ctx.kernel.configfs.get(ctx.kernel, ctx.arg(0))


@kapi(
    "config_item_get_unless_zero",
    "struct config_item *config_item_get_unless_zero(struct config_item *item)",
)
def config_item_get_unless_zero(ctx: CallContext) -> int:
    item = ctx.arg(0)
    if not item or not ctx.mem.read_u32(item + 28):
        return 0
    return ctx.kernel.configfs.get(ctx.kernel, item)


@kapi("config_item_put", "void config_item_put(struct config_item *item)")
def config_item_put(ctx: CallContext) -> None:
    ctx.kernel.configfs.put(ctx.kernel, ctx.arg(0))


@kapi(
    "config_group_find_item",
    "struct config_item *config_group_find_item(struct config_group *group, const char *name)",
)
def config_group_find_item(ctx: CallContext) -> int:
    k, name = ctx.kernel, cstr(ctx, ctx.arg(1)).decode("utf-8", "replace")
    cfs = k.configfs
    for item in cfs.walk(k, ctx.arg(0) + G_CHILDREN, 32):
        if ctx.mem.read_u64(item + I_NAME) and cfs.item_name(k, item) == name:
            return cfs.get(k, item)
    return 0


@kapi(
    "configfs_register_subsystem",
    "int configfs_register_subsystem(struct configfs_subsystem *subsys)",
)
def configfs_register_subsystem(ctx: CallContext) -> int:
    return ctx.kernel.configfs.register_subsystem(ctx.kernel, ctx.arg(0)) & MASK64


@kapi(
    "configfs_unregister_subsystem",
    "void configfs_unregister_subsystem(struct configfs_subsystem *subsys)",
)
def configfs_unregister_subsystem(ctx: CallContext) -> None:
    ctx.kernel.configfs.unregister_subsystem(ctx.kernel, ctx.arg(0))


@kapi(
    "configfs_register_group",
    "int configfs_register_group(struct config_group *parent_group, struct config_group *group)",
)
def configfs_register_group(ctx: CallContext) -> int:
    k = ctx.kernel
    return k.configfs.register_group(k, ctx.arg(0), ctx.arg(1)) & MASK64


@kapi("configfs_unregister_group", "void configfs_unregister_group(struct config_group *group)")
def configfs_unregister_group(ctx: CallContext) -> None:
    ctx.kernel.configfs.unregister_group(ctx.kernel, ctx.arg(0))


@kapi(
    "configfs_register_default_group",
    "struct config_group *configfs_register_default_group(struct config_group *parent_group, const char *name, const struct config_item_type *item_type)",
)
def configfs_register_default_group(ctx: CallContext) -> int:
    k = ctx.kernel
    group = k.heap.alloc(GROUP.size, owner(ctx), ctx.caller, zero=True)
    if not group:
        return -errno.ENOMEM & MASK64
    _set_name(ctx, group, cstr(ctx, ctx.arg(1)))
    ctx.mem.write_u64(group + I_TYPE, ctx.arg(2))
    _group_init(ctx, group)
    ret = k.configfs.register_group(k, ctx.arg(0), group)
    if ret:
        _free(ctx, group)
        return ret & MASK64
    return group


@kapi(
    "configfs_unregister_default_group",
    "void configfs_unregister_default_group(struct config_group *group)",
)
def configfs_unregister_default_group(ctx: CallContext) -> None:
    configfs_unregister_group(ctx)
    _free(ctx, ctx.arg(0))


@kapi(
    "configfs_remove_default_groups",
    "void configfs_remove_default_groups(struct config_group *group)",
)
def configfs_remove_default_groups(ctx: CallContext) -> None:
    k = ctx.kernel
    cfs = k.configfs
    for child in cfs.default_groups(k, ctx.arg(0)):
        cfs._list_del_init(k, child + G_ENTRY)
        cfs.put(k, child)
