"""Attribute files of devices and classes (<linux/device.h>): DEVICE_ATTR, CLASS_ATTR.

``device_create_file`` puts the attribute in the device's sysfs directory
(/sys/devices/virtual/CLASS/NAME for a class device, of which
/sys/class/CLASS/NAME is a link, /sys/bus/platform/devices/NAME for
a platform device) and ``class_create_file`` in /sys/class/CLASS. Reading and
writing call the attribute's show/store with the device (or class) itself,
a page buffer and, for store, the bytes written, as sysfs does (sysfs.py).
"""

from __future__ import annotations

import errno as E
import stat as S
from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.sysfs import AttrFile
from lkmsh.kernel.vfs import FileError

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

ATTR_NAME, ATTR_MODE = 0, 8  # struct attribute { const char *name; umode_t mode; }


def device_dir(ctx: CallContext, dev: int) -> str | None:
    k = ctx.kernel
    cdev = k.chrdev.device_by_addr(dev)
    if cdev is not None:
        return k.chrdev.device_path(cdev)
    pdev = k.platform.device_of(dev)
    if pdev is not None:
        return f"/sys/bus/platform/devices/{pdev.dev_name}"
    return None


def _class_dir(ctx: CallContext, cls: int) -> str | None:
    c = ctx.kernel.chrdev.class_by_addr(cls)
    return f"/sys/class/{c.name}" if c is not None else None


def _add(ctx: CallContext, directory: str | None, obj: int, attr: int) -> int:
    if directory is None or not attr:
        return -E.EINVAL
    name = decode(cstr(ctx, ctx.mem.read_u64(attr + ATTR_NAME), 256))
    mode = int.from_bytes(ctx.mem.read(attr + ATTR_MODE, 2), "little")
    entry = AttrFile(f"{directory}/{name}", obj, attr, S.S_IFREG | (mode & 0o777), owner(ctx),
                     direct=True)  # fmt: skip
    try:
        ctx.kernel.sysfs.add_file(entry)
    except FileError as exc:
        ctx.kernel.log.emit(
            4, f"sysfs: cannot create duplicate filename '{entry.path.removeprefix('/sys')}'"
        )
        return -exc.errno
    return 0


def _remove(ctx: CallContext, directory: str | None, attr: int) -> None:
    if directory is None or not attr:
        return
    name = decode(cstr(ctx, ctx.mem.read_u64(attr + ATTR_NAME), 256))
    ctx.kernel.sysfs.remove_file(f"{directory}/{name}")


@kapi(
    "device_create_file",
    "int device_create_file(struct device *device, const struct device_attribute *entry)",
    gpl=True,
)
def device_create_file(ctx: CallContext) -> int:
    return _add(ctx, device_dir(ctx, ctx.arg(0)), ctx.arg(0), ctx.arg(1))


@kapi(
    "device_remove_file",
    "void device_remove_file(struct device *dev, const struct device_attribute *attr)",
    gpl=True,
)
def device_remove_file(ctx: CallContext) -> None:
    _remove(ctx, device_dir(ctx, ctx.arg(0)), ctx.arg(1))


@kapi(
    "class_create_file_ns",
    "int class_create_file_ns(struct class *class, const struct class_attribute *attr, "
    "const void *ns)",
    gpl=True,
)
def class_create_file_ns(ctx: CallContext) -> int:
    return _add(ctx, _class_dir(ctx, ctx.arg(0)), ctx.arg(0), ctx.arg(1))


@kapi(
    "class_remove_file_ns",
    "void class_remove_file_ns(struct class *class, const struct class_attribute *attr, "
    "const void *ns)",
    gpl=True,
)
def class_remove_file_ns(ctx: CallContext) -> None:
    _remove(ctx, _class_dir(ctx, ctx.arg(0)), ctx.arg(1))
