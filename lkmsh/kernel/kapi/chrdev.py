"""Character devices from module code (<linux/fs.h>, <linux/cdev.h>, <linux/device.h>,
<linux/miscdevice.h>): device numbers, cdevs, classes and devices, misc devices,
dev_printk.

The bookkeeping is the ``Chrdev`` component's (kernel/chrdev.py); these
functions read and write the module's structures as Linux's do, log what
Linux logs and return what Linux returns (an ERR_PTR for class_create and
device_create).
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.callctx import to_signed
from lkmsh.kernel.chrdev import (
    MISC_DYNAMIC_MINOR,
    MISC_MAJOR,
    CdevEntry,
    DevClass,
    Device,
    Misc,
    Region,
)
from lkmsh.kernel.fsstructs import CdevOff, ClassOff, DeviceOff, MiscOff, mkdev
from lkmsh.kernel.fsstructs import major as MAJOR
from lkmsh.kernel.fsstructs import minor as MINOR
from lkmsh.kernel.kapi.bug import report, warn
from lkmsh.kernel.kapi.common import cstr, decode, format_args, owner
from lkmsh.kernel.kapi.printk import log_text
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MASK64 = (1 << 64) - 1


def err_ptr(code: int) -> int:
    return -code & MASK64


def _name(ctx: CallContext, addr: int) -> str:
    return decode(cstr(ctx, addr, 256))


def _alloc(ctx: CallContext, size: int) -> int:
    """A kernel object made for the calling module (freed with it if it forgets)."""
    return ctx.kernel.heap.alloc(size, owner(ctx), ctx.caller, zero=True, managed=True)


def _free(ctx: CallContext, addr: int) -> None:
    heap = ctx.kernel.heap
    if addr and heap.lookup(addr) is not None:
        heap.free(addr)


def _region(ctx: CallContext, major: int, baseminor: int, count: int, name: str):
    chrdev = ctx.kernel.chrdev
    got, message = chrdev.register_region(major, baseminor, count, name, owner(ctx))
    if message:
        ctx.kernel.log.emit(3, message)
    return got


# -- device numbers ----------------------------------------------------------------


@kapi(
    "alloc_chrdev_region",
    "int alloc_chrdev_region(dev_t *dev, unsigned baseminor, unsigned count, const char *name)",
)
def alloc_chrdev_region(ctx: CallContext) -> int:
    got = _region(ctx, 0, ctx.arg(1) & 0xFFFFFFFF, ctx.sarg(2, 32), _name(ctx, ctx.arg(3)))
    if isinstance(got, int):
        return got
    ctx.mem.write_u32(ctx.arg(0), mkdev(got.major, got.baseminor))
    return 0


def _split(dev_from: int, count: int) -> list[tuple[int, int, int]]:
    """register_chrdev_region's walk: (major, baseminor, count) per major crossed."""
    out = []
    n, to = dev_from, dev_from + count
    while n < to:
        nxt = min(mkdev(MAJOR(n) + 1, 0), to)
        out.append((MAJOR(n), MINOR(n), nxt - n))
        n = nxt
    return out


@kapi(
    "register_chrdev_region",
    "int register_chrdev_region(dev_t from, unsigned count, const char *name)",
)
def register_chrdev_region(ctx: CallContext) -> int:
    name = _name(ctx, ctx.arg(2))
    done: list[Region] = []
    for major, base, count in _split(ctx.arg(0) & 0xFFFFFFFF, ctx.arg(1) & 0xFFFFFFFF):
        got = _region(ctx, major, base, count, name)
        if isinstance(got, int):
            for r in done:
                ctx.kernel.chrdev.unregister_region(r.major, r.baseminor, r.minorct)
            return got
        done.append(got)
    return 0


@kapi("unregister_chrdev_region", "void unregister_chrdev_region(dev_t from, unsigned count)")
def unregister_chrdev_region(ctx: CallContext) -> None:
    for major, base, count in _split(ctx.arg(0) & 0xFFFFFFFF, ctx.arg(1) & 0xFFFFFFFF):
        ctx.kernel.chrdev.unregister_region(major, base, count)


@kapi(
    "__register_chrdev",
    "int __register_chrdev(unsigned int major, unsigned int baseminor, unsigned int count, "
    "const char *name, const struct file_operations *fops)",
)
def register_chrdev(ctx: CallContext) -> int:
    major, base, count = (ctx.arg(i) & 0xFFFFFFFF for i in range(3))
    name, fops = _name(ctx, ctx.arg(3)), ctx.arg(4)
    got = _region(ctx, major, base, count, name)
    if isinstance(got, int):
        return got
    cdev = _alloc(ctx, CdevOff.SIZE)
    if not cdev:
        ctx.kernel.chrdev.unregister_region(got.major, base, count)
        return -E.ENOMEM
    ctx.mem.write_u64(cdev + CdevOff.owner, ctx.mem.read_u64(fops))  # fops->owner
    ctx.mem.write_u64(cdev + CdevOff.ops, fops)
    ctx.mem.write_u32(cdev + CdevOff.dev, mkdev(got.major, base))
    ctx.mem.write_u32(cdev + CdevOff.count, count)
    got.cdev = cdev
    ctx.kernel.chrdev.cdev_add(CdevEntry(cdev, mkdev(got.major, base), count, owner(ctx), True))
    return 0 if major else got.major


@kapi(
    "__unregister_chrdev",
    "void __unregister_chrdev(unsigned int major, unsigned int baseminor, unsigned int count, "
    "const char *name)",
)
def unregister_chrdev(ctx: CallContext) -> None:
    major, base, count = (ctx.arg(i) & 0xFFFFFFFF for i in range(3))
    region = ctx.kernel.chrdev.unregister_region(major, base, count)
    if region is not None and region.cdev:
        ctx.kernel.chrdev.cdev_del(region.cdev)
        _free(ctx, region.cdev)


# -- cdevs ----------------------------------------------------------------------------


@kapi("cdev_init", "void cdev_init(struct cdev *cdev, const struct file_operations *fops)")
def cdev_init(ctx: CallContext) -> None:
    cdev = ctx.arg(0)
    ctx.mem.write(cdev, bytes(CdevOff.SIZE))
    ctx.mem.write_u64(cdev + CdevOff.list, cdev + CdevOff.list)  # INIT_LIST_HEAD
    ctx.mem.write_u64(cdev + CdevOff.list + 8, cdev + CdevOff.list)
    ctx.mem.write_u64(cdev + CdevOff.ops, ctx.arg(1))


@kapi("cdev_alloc", "struct cdev *cdev_alloc(void)")
def cdev_alloc(ctx: CallContext) -> int:
    cdev = _alloc(ctx, CdevOff.SIZE)
    if cdev:
        ctx.mem.write_u64(cdev + CdevOff.list, cdev + CdevOff.list)
        ctx.mem.write_u64(cdev + CdevOff.list + 8, cdev + CdevOff.list)
    return cdev


@kapi("cdev_add", "int cdev_add(struct cdev *p, dev_t dev, unsigned count)")
def cdev_add(ctx: CallContext) -> int:
    cdev, dev, count = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2) & 0xFFFFFFFF
    ctx.mem.write_u32(cdev + CdevOff.dev, dev)
    ctx.mem.write_u32(cdev + CdevOff.count, count)
    dynamic = ctx.kernel.heap.lookup(cdev) is not None
    ctx.kernel.chrdev.cdev_add(CdevEntry(cdev, dev, count, owner(ctx), dynamic))
    return 0


@kapi("cdev_del", "void cdev_del(struct cdev *p)")
def cdev_del(ctx: CallContext) -> None:
    entry = ctx.kernel.chrdev.cdev_del(ctx.arg(0))
    if entry is not None and entry.dynamic:
        _free(ctx, entry.addr)


@kapi("cdev_set_parent", "void cdev_set_parent(struct cdev *p, struct kobject *kobj)")
def cdev_set_parent(ctx: CallContext) -> None:
    ctx.mem.write_u64(ctx.arg(0) + 16 + 8, ctx.arg(1))  # p->kobj.parent


# -- classes and devices ----------------------------------------------------------------


def _sysfs_duplicate(ctx: CallContext, path: str, name: str) -> None:
    """What Linux logs when a name is taken in sysfs (sysfs_warn_dup, kobject_add_internal)."""
    report(ctx, [f"sysfs: cannot create duplicate filename '{path}'"], 4)
    ctx.kernel.log.emit(
        3,
        f"kobject_add_internal failed for {name} with -EEXIST, don't try to register things"
        " with the same name in the same directory.",
    )


@kapi(
    "__class_create",
    "struct class *__class_create(struct module *owner, const char *name, "
    "struct lock_class_key *key)",
    gpl=True,
)
def class_create(ctx: CallContext) -> int:
    name_ptr = ctx.arg(1)
    name = _name(ctx, name_ptr)
    chrdev = ctx.kernel.chrdev
    if chrdev.class_by_name(name) is not None:
        _sysfs_duplicate(ctx, f"/class/{name}", name)
        return err_ptr(E.EEXIST)
    cls = _alloc(ctx, ClassOff.SIZE)
    if not cls:
        return err_ptr(E.ENOMEM)
    ctx.mem.write_u64(cls + ClassOff.name, name_ptr)
    ctx.mem.write_u64(cls + ClassOff.owner, ctx.arg(0))
    chrdev.add_class(DevClass(name, cls, owner(ctx)))
    return cls


@kapi(
    "class_destroy",
    "void class_destroy(struct class *cls)",
    gpl=True,
)
def class_destroy(ctx: CallContext) -> None:
    addr = ctx.arg(0)
    if not addr or addr >= err_ptr(4095):  # NULL or an ERR_PTR: nothing, as Linux
        return
    chrdev = ctx.kernel.chrdev
    cls = chrdev.class_by_addr(addr)
    if cls is None:
        return
    for dev in [d for d in chrdev.devices if d.cls == addr]:
        chrdev.remove_device(dev)
        _free(ctx, dev.addr)
    chrdev.remove_class(cls)
    _free(ctx, addr)


def _devnode(ctx: CallContext, cls: int, dev: int, mode: int) -> tuple[str | None, int]:
    """class->devnode(dev, &mode): a node name other than the device's, and its mode."""
    fn = ctx.mem.read_u64(cls + ClassOff.devnode) if cls else 0
    if not fn:
        return None, mode
    kernel = ctx.kernel
    scratch = kernel.heap.alloc(8, "[kernel]", ctx.caller, zero=True, managed=True)
    try:
        ctx.mem.write_u16(scratch, mode)
        ret = kernel.call(fn, [dev, scratch])
        mode = ctx.mem.read_u16(scratch) or mode
        name = None
        if ret:
            name = _name(ctx, ret)
            if kernel.heap.lookup(ret) is not None:
                kernel.heap.free(ret)  # devtmpfs kfree()s the name devnode returns
        return name, mode
    finally:
        kernel.heap.free(scratch)


def create_device(
    ctx: CallContext,
    cls: DevClass,
    parent: int,
    devt: int,
    drvdata: int,
    name: str,
    node: str | None = None,
    mode: int = 0o600,
) -> int:
    """device_create's work (misc_register's too): the struct device, or an ERR_PTR.

    ``node`` and ``mode`` are the /dev node's; without ``node`` the class's
    devnode() decides, as devtmpfs asks it.
    """
    chrdev = ctx.kernel.chrdev
    if any(d.cls == cls.addr and d.name == name for d in chrdev.devices):
        _sysfs_duplicate(ctx, f"/devices/virtual/{cls.name}/{name}", name)
        return err_ptr(E.EEXIST)
    dev = _alloc(ctx, DeviceOff.SIZE + len(name.encode()) + 1)
    if not dev:
        return err_ptr(E.ENOMEM)
    name_at = dev + DeviceOff.SIZE
    mem = ctx.mem
    mem.write(name_at, name.encode() + b"\0")
    mem.write_u64(dev + DeviceOff.kobj_name, name_at)
    mem.write_u64(dev + DeviceOff.parent, parent)
    mem.write_u64(dev + DeviceOff.driver_data, drvdata)
    mem.write_u32(dev + DeviceOff.devt, devt)
    mem.write_u64(dev + DeviceOff.cls, cls.addr)
    if node is None and devt:
        node, mode = _devnode(ctx, cls.addr, dev, mode)
    node = (node or name) if devt else ""
    if node and ctx.kernel.vfs.lookup(f"/dev/{node}") is not None:
        _free(ctx, dev)
        _sysfs_duplicate(ctx, f"/devices/virtual/{cls.name}/{name}", name)
        return err_ptr(E.EEXIST)
    chrdev.add_device(Device(name, devt, cls.addr, dev, owner(ctx), mode & 0o7777, node))
    return dev


@kapi(
    "device_create",
    "struct device *device_create(struct class *cls, struct device *parent, dev_t devt, "
    "void *drvdata, const char *fmt, ...)",
    gpl=True,
)
def device_create(ctx: CallContext) -> int:
    addr = ctx.arg(0)
    cls = ctx.kernel.chrdev.class_by_addr(addr) if addr and addr < err_ptr(4095) else None
    if cls is None:
        return err_ptr(E.ENODEV)
    name = decode(format_args(ctx, ctx.arg(4), 5))
    return create_device(ctx, cls, ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF, ctx.arg(3), name)


@kapi(
    "device_destroy",
    "void device_destroy(struct class *cls, dev_t devt)",
    gpl=True,
)
def device_destroy(ctx: CallContext) -> None:
    chrdev = ctx.kernel.chrdev
    dev = chrdev.device_in(ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF)
    if dev is not None:
        chrdev.remove_device(dev)
        _free(ctx, dev.addr)


# -- misc devices ---------------------------------------------------------------------


@kapi("misc_register", "int misc_register(struct miscdevice *misc)")
def misc_register(ctx: CallContext) -> int:
    misc, mem, chrdev = ctx.arg(0), ctx.mem, ctx.kernel.chrdev
    mem.write_u64(misc + MiscOff.list, misc + MiscOff.list)
    mem.write_u64(misc + MiscOff.list + 8, misc + MiscOff.list)
    minor = mem.read_u32(misc + MiscOff.minor)
    if minor == MISC_DYNAMIC_MINOR:
        minor = chrdev.misc_minor()
        if minor < 0:
            return minor
        mem.write_u32(misc + MiscOff.minor, minor)
    elif chrdev.misc_by_minor(minor) is not None:
        return -E.EBUSY
    name = _name(ctx, mem.read_u64(misc + MiscOff.name))
    nodename = mem.read_u64(misc + MiscOff.nodename)
    misc_class = chrdev.class_by_name("misc")
    assert misc_class is not None  # the kernel's own, from boot
    dev = create_device(
        ctx,
        misc_class,
        mem.read_u64(misc + MiscOff.parent),
        mkdev(MISC_MAJOR, minor),
        misc,
        name,
        node=_name(ctx, nodename) if nodename else name,
        mode=mem.read_u16(misc + MiscOff.mode) or 0o600,
    )
    if dev >= err_ptr(4095):
        return to_signed(dev)
    groups = mem.read_u64(misc + MiscOff.groups)
    if groups:  # device_create_with_groups(): the driver's attributes in its directory
        from lkmsh.kernel.kapi.sysfs import create_groups

        err = create_groups(ctx, dev, groups)
        if err:
            gone = chrdev.device_by_addr(dev)
            if gone is not None:
                chrdev.remove_device(gone)
            _free(ctx, dev)
            return err
    chrdev.miscs.append(Misc(misc, minor, name, owner(ctx), dev))
    mem.write_u64(misc + MiscOff.this_device, dev)
    return 0


@kapi("misc_deregister", "void misc_deregister(struct miscdevice *misc)")
def misc_deregister(ctx: CallContext) -> None:
    chrdev = ctx.kernel.chrdev
    m = chrdev.misc_by_addr(ctx.arg(0))
    if m is None:
        warn(ctx, [f"WARNING: misc_deregister: {ctx.arg(0):#x} is not registered"])
        return
    chrdev.miscs.remove(m)
    dev = chrdev.device_by_addr(m.device)
    if dev is not None:
        chrdev.remove_device(dev)
        _free(ctx, dev.addr)


# -- dev_printk ------------------------------------------------------------------------


def _driver_string(ctx: CallContext, dev: int) -> str:
    """dev_driver_string: the driver's name, else the bus's, else the class's."""
    mem = ctx.mem
    for ptr_off in (DeviceOff.driver, DeviceOff.bus):
        p = mem.read_u64(dev + ptr_off)
        if p:
            return _name(ctx, mem.read_u64(p))
    known = ctx.kernel.chrdev.device_by_addr(dev)
    if known is not None:
        return ctx.kernel.chrdev.class_name_of(known)
    cls = mem.read_u64(dev + DeviceOff.cls)
    return _name(ctx, mem.read_u64(cls + ClassOff.name)) if cls else ""


def _dev_name(ctx: CallContext, dev: int) -> str:
    init = ctx.mem.read_u64(dev + 80)  # init_name
    return _name(ctx, init or ctx.mem.read_u64(dev + DeviceOff.kobj_name))


def dev_message(ctx: CallContext, level: int, dev: int, text: str) -> None:
    """dev_printk from the kernel's own code: "DRIVER DEVICE: text" ("(NULL device *): ")."""
    prefix = f"{_driver_string(ctx, dev)} {_dev_name(ctx, dev)}: " if dev else "(NULL device *): "
    ctx.kernel.log.emit(level, prefix + text)


def _dev_log(ctx: CallContext, level: bytes, dev: int, fmt: int, first: int) -> None:
    body = format_args(ctx, fmt, first)
    if dev:
        prefix = f"{_driver_string(ctx, dev)} {_dev_name(ctx, dev)}: ".encode()
    else:
        prefix = b"(NULL device *): "
    log_text(ctx, level + prefix + body)


@kapi("dev_driver_string", "const char *dev_driver_string(const struct device *dev)")
def dev_driver_string(ctx: CallContext) -> int:
    """The pointer Linux would return: the driver's, bus's or class's own name string."""
    mem, dev = ctx.mem, ctx.arg(0)
    for ptr_off in (DeviceOff.driver, DeviceOff.bus):
        p = mem.read_u64(dev + ptr_off)
        if p:
            return mem.read_u64(p)
    cls = mem.read_u64(dev + DeviceOff.cls)
    return mem.read_u64(cls + ClassOff.name) if cls else 0


@kapi(
    "_dev_printk",
    "void _dev_printk(const char *level, const struct device *dev, const char *fmt, ...)",
)
def dev_printk(ctx: CallContext) -> None:
    _dev_log(ctx, cstr(ctx, ctx.arg(0), 8), ctx.arg(1), ctx.arg(2), 3)


def _leveled(name: str, level: int) -> None:
    def impl(ctx: CallContext) -> None:
        _dev_log(ctx, b"\x01" + str(level).encode(), ctx.arg(0), ctx.arg(1), 2)

    impl.__name__ = name
    impl.__doc__ = f"{name}(dev, fmt, ...): dev_printk at level {level}."
    kapi(name, f"void {name}(const struct device *dev, const char *fmt, ...)")(impl)


for _n, _l in (
    ("_dev_emerg", 0),
    ("_dev_alert", 1),
    ("_dev_crit", 2),
    ("_dev_err", 3),
    ("_dev_warn", 4),
    ("_dev_notice", 5),
    ("_dev_info", 6),
):
    _leveled(_n, _l)


# -- devices embedded in a driver's structure (drivers/base/core.c, fs/char_dev.c) -------


@kapi("device_initialize", "void device_initialize(struct device *dev)", gpl=True)
def device_initialize(ctx: CallContext) -> None:
    """The device's kobject made ready (lkmsh counts no device references)."""
    dev = ctx.arg(0)
    ctx.mem.write_u64(dev + 16 + 8, 0)  # kobj.parent: none yet


@kapi("dev_set_name", "int dev_set_name(struct device *dev, const char *fmt, ...)", gpl=True)
def dev_set_name(ctx: CallContext) -> int:
    """kobject_set_name(): the name is the kernel's copy, freed when the device's last
    reference goes (a driver that never put_device()s its device leaks it, as on Linux)."""
    dev = ctx.arg(0)
    name = format_args(ctx, ctx.arg(1), 2)
    heap = ctx.kernel.heap
    at = heap.alloc(len(name) + 1, "[kernel]", ctx.caller, managed=True)
    if not at:
        return err_ptr(E.ENOMEM)
    ctx.mem.write(at, name + b"\0")
    old = ctx.mem.read_u64(dev + DeviceOff.kobj_name)
    ctx.mem.write_u64(dev + DeviceOff.kobj_name, at)
    if old and heap.lookup(old) is not None and heap.lookup(old).owner == "[kernel]":
        heap.free(old)
    return 0


def _device_name(ctx: CallContext, dev: int) -> str:
    at = ctx.mem.read_u64(dev + DeviceOff.kobj_name) or ctx.mem.read_u64(dev + DeviceOff.init_name)
    return _name(ctx, at) if at else ""


@kapi("device_add", "int device_add(struct device *dev)", gpl=True)
def device_add(ctx: CallContext) -> int:
    """A bare device (no class, bus or parent: /sys/devices/NAME) or one of a class,
    with its /dev node when it has a number, as devtmpfs makes it."""
    return _device_add(ctx, ctx.arg(0))


def _device_add(ctx: CallContext, dev: int) -> int:
    mem = ctx.mem
    name = _device_name(ctx, dev)
    if not name:
        return err_ptr(E.EINVAL)
    chrdev = ctx.kernel.chrdev
    cls_addr = mem.read_u64(dev + DeviceOff.cls)
    cls = chrdev.class_by_addr(cls_addr) if cls_addr else None
    devt = mem.read_u32(dev + DeviceOff.devt)
    where = f"/devices/virtual/{cls.name}/{name}" if cls else f"/devices/{name}"
    taken = ctx.kernel.vfs.lookup(f"/sys{where}") is not None
    if taken or (devt and ctx.kernel.vfs.lookup(f"/dev/{name}") is not None):
        _sysfs_duplicate(ctx, where, name)
        return err_ptr(E.EEXIST)
    node = name if devt else ""
    device = Device(name, devt, cls.addr if cls else 0, dev, owner(ctx), 0o600, node, cls is None)
    chrdev.add_device(device)
    return 0


@kapi("device_del", "void device_del(struct device *dev)", gpl=True)
def device_del(ctx: CallContext) -> None:
    chrdev = ctx.kernel.chrdev
    found = chrdev.device_by_addr(ctx.arg(0))
    if found is not None:
        chrdev.remove_device(found)


@kapi("cdev_device_add", "int cdev_device_add(struct cdev *cdev, struct device *dev)")
def cdev_device_add(ctx: CallContext) -> int:
    cdev, dev = ctx.arg(0), ctx.arg(1)
    devt = ctx.mem.read_u32(dev + DeviceOff.devt)
    chrdev = ctx.kernel.chrdev
    if devt:
        ctx.mem.write_u64(cdev + 16 + 8, dev)  # cdev_set_parent(cdev, &dev->kobj)
        ctx.mem.write_u32(cdev + CdevOff.dev, devt)
        ctx.mem.write_u32(cdev + CdevOff.count, 1)
        dynamic = ctx.kernel.heap.lookup(cdev) is not None
        chrdev.cdev_add(CdevEntry(cdev, devt, 1, owner(ctx), dynamic))
    ret = _device_add(ctx, dev)
    if ret and devt:
        chrdev.cdev_del(cdev)
    return ret


@kapi("cdev_device_del", "void cdev_device_del(struct cdev *cdev, struct device *dev)")
def cdev_device_del(ctx: CallContext) -> None:
    cdev, dev = ctx.arg(0), ctx.arg(1)
    chrdev = ctx.kernel.chrdev
    found = chrdev.device_by_addr(dev)
    if found is not None:
        chrdev.remove_device(found)
    if ctx.mem.read_u32(dev + DeviceOff.devt):
        chrdev.cdev_del(cdev)
