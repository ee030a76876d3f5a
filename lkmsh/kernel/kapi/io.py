"""Device registers (<linux/io.h>, <asm/io.h>): ioremap and the accessors, over mmio.py.

Every accessor is a kernel function here (Linux inlines readl/writel as
single instructions): the registers are Python models, not memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lkmsh.kernel.kapi.bug import warn
from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.mmio import MmioError
from lkmsh.kernel.platform import PDEV, RESOURCE, DevRes

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

IORESOURCE_MEM = 0x200
IORESOURCE_TYPE_BITS = 0x1F00
MAX_ERRNO = 4095
COPY_MAX = 1 << 16  # bytes one memcpy_fromio/toio/memset_io may move


def _err_ptr(errno: int) -> int:
    return (-errno) & 0xFFFFFFFFFFFFFFFF


def _bad(ctx: CallContext, exc: MmioError) -> None:
    """An access through something not ioremapped: Linux would fault; say what it was."""
    warn(ctx, [f"WARNING: {ctx.name}: {exc.message}"])


def _reader(width: int):
    def read(ctx: CallContext) -> int:
        try:
            return ctx.kernel.mmio.read(ctx.arg(0), width)
        except MmioError as exc:
            _bad(ctx, exc)
            return (1 << (8 * width)) - 1  # what a read of nothing gives: all ones

    return read


def _writer(width: int):
    def write(ctx: CallContext) -> None:
        try:
            ctx.kernel.mmio.write(ctx.arg(1), width, ctx.arg(0))
        except MmioError as exc:
            _bad(ctx, exc)

    return write


_TYPES = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}
for _w, _t in _TYPES.items():
    _s = {1: "b", 2: "w", 4: "l", 8: "q"}[_w]
    kapi(f"read{_s}", f"{_t} read{_s}(const volatile void __iomem *addr)")(_reader(_w))
    kapi(f"write{_s}", f"void write{_s}({_t} value, volatile void __iomem *addr)")(_writer(_w))
    if _w < 8:
        kapi(f"ioread{8 * _w}", f"unsigned int ioread{8 * _w}(const void __iomem *addr)")(
            _reader(_w)
        )
        kapi(f"iowrite{8 * _w}", f"void iowrite{8 * _w}({_t} value, void __iomem *addr)")(
            _writer(_w)
        )


@kapi("ioremap", "void __iomem *ioremap(resource_size_t offset, unsigned long size)")
def ioremap(ctx: CallContext) -> int:
    return ctx.kernel.mmio.ioremap(ctx.arg(0), ctx.arg(1), owner(ctx))


@kapi("iounmap", "void iounmap(volatile void __iomem *addr)")
def iounmap(ctx: CallContext) -> None:
    if ctx.arg(0) and not ctx.kernel.mmio.iounmap(ctx.arg(0)):
        warn(ctx, [f"Trying to vfree() nonexistent vm area ({ctx.arg(0):016x})"])


def _copy(ctx: CallContext, count: int) -> int:
    return min(count, COPY_MAX)


@kapi(
    "memcpy_fromio",
    "void memcpy_fromio(void *to, const volatile void __iomem *from, size_t count)",
)
def memcpy_fromio(ctx: CallContext) -> None:
    to, src = ctx.arg(0), ctx.arg(1)
    try:
        data = bytes(ctx.kernel.mmio.read(src + i, 1) for i in range(_copy(ctx, ctx.arg(2))))
    except MmioError as exc:
        _bad(ctx, exc)
        return
    ctx.mem.write(to, data)


@kapi("memcpy_toio", "void memcpy_toio(volatile void __iomem *to, const void *from, size_t count)")
def memcpy_toio(ctx: CallContext) -> None:
    to, data = ctx.arg(0), ctx.mem.read(ctx.arg(1), _copy(ctx, ctx.arg(2)))
    try:
        for i, b in enumerate(data):
            ctx.kernel.mmio.write(to + i, 1, b)
    except MmioError as exc:
        _bad(ctx, exc)


@kapi("memset_io", "void memset_io(volatile void __iomem *addr, int value, size_t size)")
def memset_io(ctx: CallContext) -> None:
    try:
        for i in range(_copy(ctx, ctx.arg(2))):
            ctx.kernel.mmio.write(ctx.arg(0) + i, 1, ctx.arg(1) & 0xFF)
    except MmioError as exc:
        _bad(ctx, exc)


def _devm_map(ctx: CallContext, dev: int, phys: int, size: int) -> int:
    cookie = ctx.kernel.mmio.ioremap(phys, size, owner(ctx))
    if cookie and not ctx.kernel.platform.devres_add(dev, DevRes("iomap", cookie)):
        ctx.kernel.mmio.iounmap(cookie)
        return 0
    return cookie


@kapi(
    "devm_ioremap",
    "void __iomem *devm_ioremap(struct device *dev, resource_size_t offset, resource_size_t size)",
)
def devm_ioremap(ctx: CallContext) -> int:
    return _devm_map(ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2))


def _dev_err(ctx: CallContext, dev: int, message: str) -> None:
    """dev_err(dev, ...): prefixed with the driver's and the device's names."""
    from lkmsh.kernel.kapi.chrdev import _dev_name, _driver_string

    ctx.kernel.log.emit(3, f"{_driver_string(ctx, dev)} {_dev_name(ctx, dev)}: {message}")


def _map_resource(ctx: CallContext, dev: int, res: int) -> int:
    if (
        not res
        or ctx.mem.read_u64(res + RESOURCE.off("flags")) & IORESOURCE_TYPE_BITS != IORESOURCE_MEM
    ):
        _dev_err(ctx, dev, "invalid resource")
        return _err_ptr(22)
    start = ctx.mem.read_u64(res + RESOURCE.off("start"))
    end = ctx.mem.read_u64(res + RESOURCE.off("end"))
    cookie = _devm_map(ctx, dev, start, end - start + 1)
    if not cookie:
        _dev_err(ctx, dev, f"can't request region for resource [mem {start:#010x}-{end:#010x}]")
        return _err_ptr(16)
    return cookie


@kapi(
    "devm_ioremap_resource",
    "void __iomem *devm_ioremap_resource(struct device *dev, const struct resource *res)",
)
def devm_ioremap_resource(ctx: CallContext) -> int:
    return _map_resource(ctx, ctx.arg(0), ctx.arg(1))


@kapi(
    "devm_platform_ioremap_resource",
    "void __iomem *devm_platform_ioremap_resource(struct platform_device *pdev, unsigned int index)",
    gpl=True,
)
def devm_platform_ioremap_resource(ctx: CallContext) -> int:
    from lkmsh.kernel.kapi.platform import _resource

    pdev = ctx.arg(0)
    res = _resource(ctx, pdev, IORESOURCE_MEM, ctx.arg(1) & 0xFFFFFFFF)
    return _map_resource(ctx, pdev + PDEV.off("dev"), res)


@kapi("devm_iounmap", "void devm_iounmap(struct device *dev, void __iomem *addr)")
def devm_iounmap(ctx: CallContext) -> None:
    ctx.kernel.mmio.iounmap(ctx.arg(1))
