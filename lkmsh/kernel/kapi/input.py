"""The input core's API (<linux/input.h>) over input.py."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.input import ABSINFO_SIZE, EV_ABS, INPUT_DEV
from lkmsh.kernel.kapi.bug import warn
from lkmsh.kernel.kapi.common import owner
from lkmsh.kernel.kapi.registry import kapi
from lkmsh.kernel.platform import DevRes

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

ABS_CNT = 0x40


def _alloc_dev(ctx: CallContext) -> int:
    return ctx.kernel.heap.alloc(INPUT_DEV.size, KERNEL_OWNER, ctx.caller, zero=True, managed=True)


def _free(ctx: CallContext, addr: int) -> None:
    if addr and ctx.kernel.heap.lookup(addr) is not None:
        ctx.kernel.heap.free(addr)


@kapi("input_allocate_device", "struct input_dev *input_allocate_device(void)")
def input_allocate_device(ctx: CallContext) -> int:
    return _alloc_dev(ctx)


@kapi(
    "devm_input_allocate_device", "struct input_dev *devm_input_allocate_device(struct device *dev)"
)
def devm_input_allocate_device(ctx: CallContext) -> int:
    addr = _alloc_dev(ctx)
    if addr and not ctx.kernel.platform.devres_add(ctx.arg(0), DevRes("mem", addr)):
        _free(ctx, addr)
        return 0
    if addr:
        ctx.mem.write(addr + INPUT_DEV.off("devres_managed"), b"\1")
    return addr


@kapi("input_free_device", "void input_free_device(struct input_dev *dev)")
def input_free_device(ctx: CallContext) -> None:
    addr = ctx.arg(0)
    if not addr:
        return
    if ctx.kernel.input.by_addr(addr) is not None:
        warn(ctx, ["input_free_device: the device is still registered (unregister it instead)"])
        return
    if ctx.mem.read(addr + INPUT_DEV.off("devres_managed"), 1) == b"\1":
        return  # devm: freed with its device
    _free(ctx, ctx.mem.read_u64(addr + INPUT_DEV.off("absinfo")))
    _free(ctx, addr)


@kapi("input_register_device", "int input_register_device(struct input_dev *dev)")
def input_register_device(ctx: CallContext) -> int:
    core = ctx.kernel.input
    if core.by_addr(ctx.arg(0)) is not None:
        return -16  # -EBUSY
    core.register(ctx.arg(0), owner(ctx))
    return 0


@kapi("input_unregister_device", "void input_unregister_device(struct input_dev *dev)")
def input_unregister_device(ctx: CallContext) -> None:
    addr = ctx.arg(0)
    dev = ctx.kernel.input.by_addr(addr)
    if dev is None:
        return
    ctx.kernel.input.unregister(dev)
    if ctx.mem.read(addr + INPUT_DEV.off("devres_managed"), 1) != b"\1":
        _free(ctx, ctx.mem.read_u64(addr + INPUT_DEV.off("absinfo")))
        _free(ctx, addr)  # unregistering drops the last reference, as Linux


@kapi(
    "input_event",
    "void input_event(struct input_dev *dev, unsigned int type, unsigned int code, int value)",
)
def input_event(ctx: CallContext) -> None:
    ctx.kernel.input.event(
        ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2) & 0xFFFFFFFF, ctx.sarg(3, 32)
    )


@kapi(
    "input_set_capability",
    "void input_set_capability(struct input_dev *dev, unsigned int type, unsigned int code)",
)
def input_set_capability(ctx: CallContext) -> None:
    ev_type, code = ctx.arg(1) & 0xFFFFFFFF, ctx.arg(2) & 0xFFFFFFFF
    if not ctx.kernel.input.set_capability(ctx.arg(0), ev_type, code):
        ctx.kernel.log.emit(3, f"input_set_capability: unknown type {ev_type} (code {code})")


@kapi(
    "input_set_abs_params",
    "void input_set_abs_params(struct input_dev *dev, unsigned int axis, int min, int max, "
    "int fuzz, int flat)",
)
def input_set_abs_params(ctx: CallContext) -> None:
    addr, axis = ctx.arg(0), ctx.arg(1) & 0xFFFFFFFF
    if axis >= ABS_CNT:
        return
    table = ctx.mem.read_u64(addr + INPUT_DEV.off("absinfo"))
    if not table:
        table = ctx.kernel.heap.alloc(
            ABSINFO_SIZE * ABS_CNT, KERNEL_OWNER, ctx.caller, zero=True, managed=True
        )
        if not table:
            return
        ctx.mem.write_u64(addr + INPUT_DEV.off("absinfo"), table)
    info = struct.pack(
        "<6i", 0, ctx.sarg(2, 32), ctx.sarg(3, 32), ctx.sarg(4, 32), ctx.sarg(5, 32), 0
    )
    ctx.mem.write(table + ABSINFO_SIZE * axis, info)
    ctx.kernel.input.set_capability(addr, EV_ABS, axis)
