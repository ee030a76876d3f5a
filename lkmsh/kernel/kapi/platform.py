"""The platform bus, device-tree properties and managed resources over platform.py.

<linux/platform_device.h>, <linux/of.h>, <linux/of_device.h>,
<linux/property.h> and the devm_* functions of <linux/device.h>, with Linux
6.1's return values. The ``of_*`` functions walk the node's ``struct
property`` list in kernel memory, as Linux's do.
"""

from __future__ import annotations

import errno as E
import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.fsstructs import DeviceOff
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.irq import IrqAction, IrqError
from lkmsh.kernel.kapi.bug import warn
from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.platform import (
    DRIVER_OFF,
    MAX_TABLE,
    NODE,
    OF_ID,
    PDEV,
    PDRV,
    PROP,
    RESOURCE,
    DevRes,
    PlatformError,
)

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

MAX_ERRNO = 4095
IORESOURCE_TYPE_BITS = 0x1F00
IORESOURCE_IRQ = 0x400
ENXIO_TEXT = "-ENXIO"


def _err_ptr(errno: int) -> int:
    return (-errno) & 0xFFFFFFFFFFFFFFFF


def _bus(ctx: CallContext):
    return ctx.kernel.platform


def _alloc(ctx: CallContext, size: int) -> int:
    return ctx.kernel.heap.alloc(size, KERNEL_OWNER, ctx.caller, zero=True, managed=True)


def _emit(ctx: CallContext, reports) -> None:
    for level, line in reports:
        ctx.kernel.log.emit(level, line)


# -- drivers and devices ------------------------------------------------------------


@kapi(
    "__platform_driver_register",
    "int __platform_driver_register(struct platform_driver *drv, struct module *owner)",
    gpl=True,
)
def __platform_driver_register(ctx: CallContext) -> int:
    try:
        _bus(ctx).add_driver(ctx.arg(0), owner(ctx))
    except PlatformError as exc:
        return -exc.errno
    return 0


@kapi(
    "platform_driver_unregister",
    "void platform_driver_unregister(struct platform_driver *drv)",
    gpl=True,
)
def platform_driver_unregister(ctx: CallContext) -> None:
    drv = _bus(ctx).driver(ctx.arg(0))
    if drv is not None:
        _emit(ctx, _bus(ctx).remove_driver(drv))


@kapi(
    "platform_device_register",
    "int platform_device_register(struct platform_device *pdev)",
    gpl=True,
)
def platform_device_register(ctx: CallContext) -> int:
    try:
        _bus(ctx).add_device(ctx.arg(0), owner(ctx), kernel_made=False)
    except PlatformError as exc:
        return -exc.errno
    return 0


@kapi(
    "platform_device_unregister",
    "void platform_device_unregister(struct platform_device *pdev)",
    gpl=True,
)
def platform_device_unregister(ctx: CallContext) -> None:
    bus = _bus(ctx)
    pdev = bus.device(ctx.arg(0))
    if pdev is not None:
        _emit(ctx, bus.remove_device(pdev))
    elif ctx.arg(0) in bus.unadded:
        _put(ctx, ctx.arg(0))


@kapi(
    "platform_device_alloc",
    "struct platform_device *platform_device_alloc(const char *name, int id)",
    gpl=True,
)
def platform_device_alloc(ctx: CallContext) -> int:
    return _alloc_pdev(ctx, cstr(ctx, ctx.arg(0), 64), ctx.sarg(1, 32))


def _alloc_pdev(ctx: CallContext, name: bytes, dev_id: int) -> int:
    pdev = _alloc(ctx, PDEV.size)
    text = _alloc(ctx, len(name) + 1)
    if not pdev or not text:
        return 0
    ctx.mem.write(text, name + b"\0")
    ctx.mem.write_u64(pdev + PDEV.off("name"), text)
    ctx.mem.write(pdev + PDEV.off("id"), struct.pack("<i", dev_id))
    _bus(ctx).unadded[pdev] = [text]
    return pdev


def _extras(ctx: CallContext, pdev: int) -> list[int] | None:
    bus = _bus(ctx)
    if pdev in bus.unadded:
        return bus.unadded[pdev]
    known = bus.device(pdev)
    return known.extra if known is not None else None


@kapi(
    "platform_device_add_data",
    "int platform_device_add_data(struct platform_device *pdev, const void *data, size_t size)",
    gpl=True,
)
def platform_device_add_data(ctx: CallContext) -> int:
    return _add_data(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2))


def _add_data(ctx: CallContext, pdev: int, data: int, size: int) -> int:
    extras = _extras(ctx, pdev)
    copy = 0
    if data and size:
        copy = _alloc(ctx, size)
        if not copy:
            return -E.ENOMEM
        ctx.mem.write(copy, ctx.mem.read(data, size))
        if extras is not None:
            extras.append(copy)
    ctx.mem.write_u64(pdev + PDEV.off("dev") + DeviceOff.platform_data, copy)
    return 0


@kapi(
    "platform_device_add_resources",
    "int platform_device_add_resources(struct platform_device *pdev, "
    "const struct resource *res, unsigned int num)",
    gpl=True,
)
def platform_device_add_resources(ctx: CallContext) -> int:
    return _add_resources(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF)


def _add_resources(ctx: CallContext, pdev: int, res: int, num: int) -> int:
    copy = 0
    if res and num:
        num = min(num, MAX_TABLE)
        copy = _alloc(ctx, RESOURCE.size * num)
        if not copy:
            return -E.ENOMEM
        ctx.mem.write(copy, ctx.mem.read(res, RESOURCE.size * num))
        extras = _extras(ctx, pdev)
        if extras is not None:
            extras.append(copy)
    ctx.mem.write_u64(pdev + PDEV.off("resource"), copy)
    ctx.mem.write(pdev + PDEV.off("num_resources"), (num if copy else 0).to_bytes(4, "little"))
    return 0


@kapi("platform_device_add", "int platform_device_add(struct platform_device *pdev)", gpl=True)
def platform_device_add(ctx: CallContext) -> int:
    try:
        _bus(ctx).add_device(ctx.arg(0), owner(ctx), kernel_made=True)
    except PlatformError as exc:
        return -exc.errno
    return 0


@kapi("platform_device_del", "void platform_device_del(struct platform_device *pdev)", gpl=True)
def platform_device_del(ctx: CallContext) -> None:
    """Take it off the bus; platform_device_put then frees it."""
    bus = _bus(ctx)
    pdev = bus.device(ctx.arg(0))
    if pdev is None:
        return
    _emit(ctx, bus.unbind(pdev))
    bus.devices.remove(pdev)
    ctx.kernel.vfs.remove(f"/sys/bus/platform/devices/{pdev.dev_name}")
    bus.unadded[pdev.addr] = pdev.extra + ([pdev.node_mem] if pdev.node_mem else [])


@kapi("platform_device_put", "void platform_device_put(struct platform_device *pdev)", gpl=True)
def platform_device_put(ctx: CallContext) -> None:
    _put(ctx, ctx.arg(0))


def _put(ctx: CallContext, pdev: int) -> None:
    """Free a device never added (or deleted): it and what was allocated for it."""
    for addr in [*_bus(ctx).unadded.pop(pdev, []), pdev]:
        if addr and ctx.kernel.heap.lookup(addr) is not None:
            ctx.kernel.heap.free(addr)


@kapi(
    "platform_device_register_resndata",
    "struct platform_device *platform_device_register_resndata(struct device *parent, "
    "const char *name, int id, const struct resource *res, unsigned int num, "
    "const void *data, size_t size)",
    gpl=True,
)
def platform_device_register_resndata(ctx: CallContext) -> int:
    pdev = _alloc_pdev(ctx, cstr(ctx, ctx.arg(1), 64), ctx.sarg(2, 32))
    if not pdev:
        return _err_ptr(E.ENOMEM)
    ret = _add_resources(ctx, pdev, ctx.arg(3), ctx.arg(4) & 0xFFFFFFFF) or _add_data(
        ctx, pdev, ctx.arg(5), ctx.arg(6)
    )
    if not ret:
        try:
            _bus(ctx).add_device(pdev, owner(ctx), kernel_made=True)
        except PlatformError as exc:
            ret = -exc.errno
    if ret:
        _put(ctx, pdev)
        return _err_ptr(-ret)
    return pdev


def _signed(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _resource(ctx: CallContext, pdev: int, rtype: int, num: int) -> int:
    base = ctx.mem.read_u64(pdev + PDEV.off("resource"))
    count = ctx.mem.read_u32(pdev + PDEV.off("num_resources"))
    for i in range(min(count, MAX_TABLE)):
        r = base + i * RESOURCE.size
        if ctx.mem.read_u64(r + RESOURCE.off("flags")) & IORESOURCE_TYPE_BITS == rtype:
            if num == 0:
                return r
            num -= 1
    return 0


@kapi(
    "platform_get_resource",
    "struct resource *platform_get_resource(struct platform_device *dev, unsigned int type, "
    "unsigned int num)",
    gpl=True,
)
def platform_get_resource(ctx: CallContext) -> int:
    return _resource(ctx, ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2) & 0xFFFFFFFF)


def _irq_of(ctx: CallContext, pdev: int, num: int) -> int:
    r = _resource(ctx, pdev, IORESOURCE_IRQ, num)
    if r:
        return ctx.mem.read_u64(r + RESOURCE.off("start")) & 0x7FFFFFFF
    known = _bus(ctx).device(pdev)
    cells = known.props.get("interrupts") if known is not None else None
    if isinstance(cells, list) and num < len(cells) and isinstance(cells[num], int):
        return cells[num]
    return -E.ENXIO


@kapi(
    "platform_get_irq",
    "int platform_get_irq(struct platform_device *dev, unsigned int num)",
    gpl=True,
)
def platform_get_irq(ctx: CallContext) -> int:
    pdev, num = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF
    irq = _irq_of(ctx, pdev, num)
    if irq < 0:
        known = _bus(ctx).device(pdev)
        where = known.dev_name if known is not None else "?"
        ctx.kernel.log.emit(3, f"{where}: error {ENXIO_TEXT}: IRQ index {num} not found")
    return irq


@kapi(
    "platform_get_irq_optional",
    "int platform_get_irq_optional(struct platform_device *dev, unsigned int num)",
    gpl=True,
)
def platform_get_irq_optional(ctx: CallContext) -> int:
    return _irq_of(ctx, ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF)


# -- device tree ------------------------------------------------------------------------


def _find(ctx: CallContext, np: int, name_addr: int) -> tuple[int, int, int] | None:
    """(struct property address, length, value address) of the property, or None."""
    if not np or not name_addr:
        return None
    want = cstr(ctx, name_addr, 256)
    p = ctx.mem.read_u64(np + NODE.off("properties"))
    for _ in range(MAX_TABLE):
        if not p:
            return None
        if ctx.mem.read_cstr(ctx.mem.read_u64(p + PROP.off("name")), 256) == want:
            length = ctx.mem.read_u32(p + PROP.off("length"))
            return p, length, ctx.mem.read_u64(p + PROP.off("value"))
        p = ctx.mem.read_u64(p + PROP.off("next"))
    return None


def _strings(ctx: CallContext, value: int, length: int) -> list[tuple[int, bytes]] | None:
    """The NUL-ended strings of a value with their addresses (None: not strings)."""
    raw = ctx.mem.read(value, length) if length else b""
    if not raw or raw[-1] != 0:
        return None
    out, at = [], 0
    for part in raw[:-1].split(b"\0"):
        out.append((value + at, part))
        at += len(part) + 1
    return out


@kapi(
    "of_find_property",
    "struct property *of_find_property(const struct device_node *np, const char *name, int *lenp)",
)
def of_find_property(ctx: CallContext) -> int:
    hit = _find(ctx, ctx.arg(0), ctx.arg(1))
    if hit is not None and ctx.arg(2):
        ctx.mem.write(ctx.arg(2), hit[1].to_bytes(4, "little"))
    return hit[0] if hit is not None else 0


@kapi(
    "of_get_property",
    "const void *of_get_property(const struct device_node *node, const char *name, int *lenp)",
)
def of_get_property(ctx: CallContext) -> int:
    hit = _find(ctx, ctx.arg(0), ctx.arg(1))
    if hit is not None and ctx.arg(2):
        ctx.mem.write(ctx.arg(2), hit[1].to_bytes(4, "little"))
    return hit[2] if hit is not None else 0


@kapi(
    "of_property_read_string",
    "int of_property_read_string(const struct device_node *np, const char *propname, "
    "const char **out_string)",
    gpl=True,
)
def of_property_read_string(ctx: CallContext) -> int:
    hit = _find(ctx, ctx.arg(0), ctx.arg(1))
    if hit is None:
        return -E.EINVAL
    if not hit[1]:
        return -E.ENODATA
    if b"\0" not in ctx.mem.read(hit[2], hit[1]):  # strnlen(value, length) >= length
        return -E.EILSEQ
    ctx.mem.write_u64(ctx.arg(2), hit[2])
    return 0


@kapi(
    "of_property_read_string_helper",
    "int of_property_read_string_helper(const struct device_node *np, const char *propname, "
    "const char **out_strs, size_t sz, int index)",
    gpl=True,
)
def of_property_read_string_helper(ctx: CallContext) -> int:
    hit = _find(ctx, ctx.arg(0), ctx.arg(1))
    if hit is None:
        return -E.EINVAL
    if not hit[1]:
        return -E.ENODATA
    strs = _strings(ctx, hit[2], hit[1])
    if strs is None:
        return -E.EILSEQ
    out, sz, index = ctx.arg(2), ctx.arg(3), ctx.sarg(4, 32)
    if not out:
        return len(strs)
    chosen = strs[index : index + sz] if index >= 0 else []
    if not chosen:
        return -E.ENODATA
    for i, (addr, _) in enumerate(chosen):
        ctx.mem.write_u64(out + 8 * i, addr)
    return len(chosen)


@kapi(
    "of_property_match_string",
    "int of_property_match_string(const struct device_node *np, const char *propname, "
    "const char *string)",
    gpl=True,
)
def of_property_match_string(ctx: CallContext) -> int:
    hit = _find(ctx, ctx.arg(0), ctx.arg(1))
    if hit is None:
        return -E.EINVAL
    strs = _strings(ctx, hit[2], hit[1]) if hit[1] else None
    if strs is None:
        return -E.ENODATA
    want = cstr(ctx, ctx.arg(2), 256)
    for i, (_, s) in enumerate(strs):
        if s == want:
            return i
    return -E.ENODATA


@kapi(
    "of_property_read_variable_u32_array",
    "int of_property_read_variable_u32_array(const struct device_node *np, const char *propname, "
    "u32 *out_values, size_t sz_min, size_t sz_max)",
    gpl=True,
)
def of_property_read_variable_u32_array(ctx: CallContext) -> int:
    hit = _find(ctx, ctx.arg(0), ctx.arg(1))
    sz_min, sz_max = ctx.arg(3), ctx.arg(4)
    if hit is None:
        return -E.EINVAL
    if not hit[1]:
        return -E.ENODATA
    cells = hit[1] // 4
    if cells < sz_min:
        return -E.EOVERFLOW
    count = min(cells, sz_max) if sz_max else sz_min
    raw = ctx.mem.read(hit[2], 4 * count)
    values = struct.unpack(f">{count}I", raw)
    ctx.mem.write(ctx.arg(2), struct.pack(f"<{count}I", *values))
    return count


@kapi(
    "of_property_count_elems_of_size",
    "int of_property_count_elems_of_size(const struct device_node *np, const char *propname, "
    "int elem_size)",
    gpl=True,
)
def of_property_count_elems_of_size(ctx: CallContext) -> int:
    hit = _find(ctx, ctx.arg(0), ctx.arg(1))
    size = ctx.sarg(2, 32)
    if hit is None:
        return -E.EINVAL
    if size <= 0 or hit[1] % size:
        return -E.EINVAL
    return hit[1] // size


@kapi(
    "of_device_is_compatible",
    "int of_device_is_compatible(const struct device_node *device, const char *compat)",
)
def of_device_is_compatible(ctx: CallContext) -> int:
    hit = _find_compatible(ctx, ctx.arg(0))
    want = cstr(ctx, ctx.arg(1), 128)
    return int(any(s == want for _, s in hit))


def _find_compatible(ctx: CallContext, np: int) -> list[tuple[int, bytes]]:
    if not np:
        return []
    p = ctx.mem.read_u64(np + NODE.off("properties"))
    for _ in range(MAX_TABLE):
        if not p:
            break
        if ctx.mem.read_cstr(ctx.mem.read_u64(p + PROP.off("name")), 256) == b"compatible":
            length = ctx.mem.read_u32(p + PROP.off("length"))
            return _strings(ctx, ctx.mem.read_u64(p + PROP.off("value")), length) or []
        p = ctx.mem.read_u64(p + PROP.off("next"))
    return []


@kapi("of_node_get", "struct device_node *of_node_get(struct device_node *node)")
def of_node_get(ctx: CallContext) -> int:
    return ctx.arg(0)


@kapi("of_node_put", "void of_node_put(struct device_node *node)")
def of_node_put(ctx: CallContext) -> None:
    """Nodes live as long as their device."""


def _node_of_dev(ctx: CallContext, dev: int) -> int:
    return ctx.mem.read_u64(dev + DeviceOff.of_node) if dev else 0


def _match_entry(ctx: CallContext, matches: int, dev: int) -> int:
    compat = [s for _, s in _find_compatible(ctx, _node_of_dev(ctx, dev))]
    if not matches or not compat:
        return 0
    for i in range(MAX_TABLE):
        entry = matches + i * OF_ID.size
        c = ctx.mem.read_cstr(entry + OF_ID.off("compatible"), 128)
        if not c and ctx.mem.read(entry, 1) == b"\0":
            return 0
        if c in compat:
            return entry
    return 0


@kapi(
    "of_match_device",
    "const struct of_device_id *of_match_device(const struct of_device_id *matches, "
    "const struct device *dev)",
)
def of_match_device(ctx: CallContext) -> int:
    return _match_entry(ctx, ctx.arg(0), ctx.arg(1))


def _match_data(ctx: CallContext, dev: int) -> int:
    drv = ctx.mem.read_u64(dev + DeviceOff.driver) if dev else 0
    table = ctx.mem.read_u64(drv - DRIVER_OFF + PDRV.off("driver__of_match_table")) if drv else 0
    entry = _match_entry(ctx, table, dev)
    return ctx.mem.read_u64(entry + OF_ID.off("data")) if entry else 0


@kapi("of_device_get_match_data", "const void *of_device_get_match_data(const struct device *dev)")
def of_device_get_match_data(ctx: CallContext) -> int:
    return _match_data(ctx, ctx.arg(0))


@kapi(
    "device_get_match_data", "const void *device_get_match_data(const struct device *dev)", gpl=True
)
def device_get_match_data(ctx: CallContext) -> int:
    return _match_data(ctx, ctx.arg(0))


def _with_node(ctx: CallContext, fn, *rest: int) -> int:
    """Call an of_* implementation with ``dev->of_node`` in place of ``dev``."""
    from lkmsh.kernel.callctx import CallContext as Ctx

    c = Ctx(ctx.kernel, ctx.mem, [_node_of_dev(ctx, ctx.arg(0)), *rest], caller=ctx.caller)
    return fn(c) or 0


@kapi(
    "device_property_present",
    "bool device_property_present(struct device *dev, const char *propname)",
    gpl=True,
)
def device_property_present(ctx: CallContext) -> int:
    return int(bool(_find(ctx, _node_of_dev(ctx, ctx.arg(0)), ctx.arg(1))))


@kapi(
    "device_property_read_u32_array",
    "int device_property_read_u32_array(struct device *dev, const char *propname, u32 *val, "
    "size_t nval)",
    gpl=True,
)
def device_property_read_u32_array(ctx: CallContext) -> int:
    if not ctx.arg(2):  # count them
        hit = _find(ctx, _node_of_dev(ctx, ctx.arg(0)), ctx.arg(1))
        return -E.EINVAL if hit is None else hit[1] // 4
    ret = _signed(
        _with_node(ctx, of_property_read_variable_u32_array, ctx.arg(1), ctx.arg(2), ctx.arg(3), 0)
    )
    return ret if ret < 0 else 0


@kapi(
    "device_property_read_string",
    "int device_property_read_string(struct device *dev, const char *propname, const char **val)",
    gpl=True,
)
def device_property_read_string(ctx: CallContext) -> int:
    return _with_node(ctx, of_property_read_string, ctx.arg(1), ctx.arg(2))


@kapi(
    "device_property_match_string",
    "int device_property_match_string(struct device *dev, const char *propname, const char *string)",
    gpl=True,
)
def device_property_match_string(ctx: CallContext) -> int:
    return _with_node(ctx, of_property_match_string, ctx.arg(1), ctx.arg(2))


# -- managed resources ----------------------------------------------------------------


@kapi("devm_kmalloc", "void *devm_kmalloc(struct device *dev, size_t size, gfp_t gfp)", gpl=True)
def devm_kmalloc(ctx: CallContext) -> int:
    from lkmsh.kernel.kapi.slab import GFP_ZERO

    dev, size, gfp = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    addr = ctx.kernel.heap.alloc(size, owner(ctx), ctx.caller, zero=bool(gfp & GFP_ZERO), gfp=gfp)
    if addr and not _bus(ctx).devres_add(dev, DevRes("mem", addr)):
        ctx.kernel.heap.free(addr)
        warn(ctx, [f"devm_kmalloc: {dev:#x} is not a device lkmsh manages resources for"])
        return 0
    return addr


@kapi("devm_kfree", "void devm_kfree(struct device *dev, const void *p)", gpl=True)
def devm_kfree(ctx: CallContext) -> None:
    dev, p = ctx.arg(0), ctx.arg(1)
    if not p:
        return
    if not _bus(ctx).devres_remove_mem(dev, p):
        warn(ctx, ["WARNING: devm_kfree: the pointer is not a managed allocation of the device"])
        return
    ctx.kernel.heap.free(p)


@kapi("devm_kstrdup", "char *devm_kstrdup(struct device *dev, const char *s, gfp_t gfp)", gpl=True)
def devm_kstrdup(ctx: CallContext) -> int:
    if not ctx.arg(1):
        return 0
    text = cstr(ctx, ctx.arg(1))
    addr = ctx.kernel.heap.alloc(len(text) + 1, owner(ctx), ctx.caller)
    if not addr:
        return 0
    ctx.mem.write(addr, text + b"\0")
    if not _bus(ctx).devres_add(ctx.arg(0), DevRes("mem", addr)):
        ctx.kernel.heap.free(addr)
        return 0
    return addr


def _add_action(ctx: CallContext, reset: bool) -> int:
    dev, action, data = ctx.arg(0), ctx.arg(1), ctx.arg(2)
    if _bus(ctx).devres_add(dev, DevRes("action", action, data)):
        return 0
    if reset:
        ctx.kernel.call(action, [data])
    return -E.ENOMEM


@kapi(
    "devm_add_action",
    "int devm_add_action(struct device *dev, void (*action)(void *), void *data)",
    gpl=True,
)
def devm_add_action(ctx: CallContext) -> int:
    return _add_action(ctx, reset=False)


@kapi(
    "devm_add_action_or_reset",
    "int devm_add_action_or_reset(struct device *dev, void (*action)(void *), void *data)",
    gpl=True,
)
def devm_add_action_or_reset(ctx: CallContext) -> int:
    return _add_action(ctx, reset=True)


@kapi(
    "devm_request_threaded_irq",
    "int devm_request_threaded_irq(struct device *dev, unsigned int irq, irq_handler_t handler, "
    "irq_handler_t thread_fn, unsigned long irqflags, const char *devname, void *dev_id)",
)
def devm_request_threaded_irq(ctx: CallContext) -> int:
    dev, irq = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF
    name_addr = ctx.arg(5)
    dev_id = ctx.arg(6)
    action = IrqAction(
        ctx.arg(2), ctx.arg(3), ctx.arg(4), decode(cstr(ctx, name_addr, 256)), name_addr,
        dev_id, owner(ctx),
    )  # fmt: skip
    try:
        ctx.kernel.irqs.request(irq, action)
    except IrqError as exc:
        return -exc.errno
    if not _bus(ctx).devres_add(dev, DevRes("irq", irq, dev_id)):
        ctx.kernel.irqs.free(irq, dev_id)
        return -E.EINVAL
    return 0


@kapi("get_device", "struct device *get_device(struct device *dev)", gpl=True)
def get_device(ctx: CallContext) -> int:
    return ctx.arg(0)


@kapi("put_device", "void put_device(struct device *dev)", gpl=True)
def put_device(ctx: CallContext) -> None:
    """References are not counted: a device lives until it is unregistered."""


# -- root devices (drivers/base/core.c) ---------------------------------------------


@kapi(
    "__root_device_register",
    "struct device *__root_device_register(const char *name, struct module *owner)",
    gpl=True,
)
def __root_device_register(ctx: CallContext) -> int:
    """A device of its own at /sys/devices/NAME (tests hang devm_ allocations on it)."""
    name = decode(cstr(ctx, ctx.arg(0), 64))
    try:
        return (
            _bus(ctx)
            .add_root(name, owner(ctx) if ctx.kernel.current_module else None, ctx.arg(1))
            .dev
        )
    except PlatformError as exc:
        return _err_ptr(exc.errno or E.ENOMEM)


@kapi("root_device_unregister", "void root_device_unregister(struct device *root)", gpl=True)
def root_device_unregister(ctx: CallContext) -> None:
    root = _bus(ctx).root(ctx.arg(0))
    if root is not None:
        _bus(ctx).remove_root(root)


@kapi("device_unregister", "void device_unregister(struct device *dev)", gpl=True)
def device_unregister(ctx: CallContext) -> None:
    """device_del() and the last put_device(): a root device's resources and memory go."""
    root = _bus(ctx).root(ctx.arg(0))
    if root is None:
        warn(ctx, [f"device_unregister: {ctx.arg(0):#x} is not a device lkmsh can unregister"])
        return
    _bus(ctx).remove_root(root)
