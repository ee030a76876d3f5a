"""lib/linear_ranges.c (<linux/linear_range.h>): values on evenly spaced selector ranges.

A ``struct linear_range`` is four unsigned ints: min, min_sel, max_sel, step;
selector ``s`` of a range means ``min + (s - min_sel) * step``. Regulator and
charger drivers use them to turn register values into microvolts and back.
All are GPL-only exports, as in Linux.
"""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING, NamedTuple

from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

EINVAL = -errno.EINVAL
U32 = 0xFFFFFFFF
SIZE = 16  # sizeof(struct linear_range)


class Range(NamedTuple):
    min: int
    min_sel: int
    max_sel: int
    step: int

    @property
    def max_value(self) -> int:
        return (self.min + (self.max_sel - self.min_sel) * self.step) & U32


def _range(ctx: CallContext, addr: int, i: int = 0) -> Range:
    return Range(*struct.unpack("<4I", ctx.mem.read(addr + i * SIZE, SIZE)))


def _put_u32(ctx: CallContext, addr: int, value: int) -> None:
    ctx.mem.write(addr, (value & U32).to_bytes(4, "little"))


def _put_bool(ctx: CallContext, addr: int, value: bool) -> None:
    ctx.mem.write(addr, bytes((int(value),)))


def _count(ctx: CallContext) -> int:
    """The ``int ranges`` argument (1), as a C int."""
    n = ctx.arg(1) & U32
    return n - (1 << 32) if n >> 31 else n


@kapi(
    "linear_range_values_in_range",
    "unsigned int linear_range_values_in_range(const struct linear_range *r)",
    gpl=True,
)
def values_in_range(ctx: CallContext) -> int:
    if not ctx.arg(0):
        return 0
    r = _range(ctx, ctx.arg(0))
    return (r.max_sel - r.min_sel + 1) & U32


@kapi(
    "linear_range_values_in_range_array",
    "unsigned int linear_range_values_in_range_array(const struct linear_range *r, int ranges)",
    gpl=True,
)
def values_in_range_array(ctx: CallContext) -> int:
    total = 0
    for i in range(_count(ctx)):
        r = _range(ctx, ctx.arg(0), i)
        values = (r.max_sel - r.min_sel + 1) & U32
        if not values:
            return 0
        total += values
    return total & U32


@kapi(
    "linear_range_get_max_value",
    "unsigned int linear_range_get_max_value(const struct linear_range *r)",
    gpl=True,
)
def get_max_value(ctx: CallContext) -> int:
    return _range(ctx, ctx.arg(0)).max_value


def _value(r: Range, selector: int) -> int | None:
    if r.min_sel > selector or r.max_sel < selector:
        return None
    return (r.min + (selector - r.min_sel) * r.step) & U32


@kapi(
    "linear_range_get_value",
    "int linear_range_get_value(const struct linear_range *r, unsigned int selector, unsigned int *val)",
    gpl=True,
)
def get_value(ctx: CallContext) -> int:
    value = _value(_range(ctx, ctx.arg(0)), ctx.arg(1) & U32)
    if value is None:
        return EINVAL
    _put_u32(ctx, ctx.arg(2), value)
    return 0


@kapi(
    "linear_range_get_value_array",
    "int linear_range_get_value_array(const struct linear_range *r, int ranges, "
    "unsigned int selector, unsigned int *val)",
    gpl=True,
)
def get_value_array(ctx: CallContext) -> int:
    selector = ctx.arg(2) & U32
    for i in range(_count(ctx)):
        value = _value(_range(ctx, ctx.arg(0), i), selector)
        if value is not None:
            _put_u32(ctx, ctx.arg(3), value)
            return 0
    return EINVAL


def _selector_low(r: Range, val: int) -> tuple[int, int | None, bool]:
    """(return value, selector to store or None, found) of linear_range_get_selector_low."""
    if r.min > val:
        return EINVAL, None, False
    if r.max_value < val:
        return 0, r.max_sel, False
    return 0, r.min_sel if r.step == 0 else (val - r.min) // r.step + r.min_sel, True


@kapi(
    "linear_range_get_selector_low",
    "int linear_range_get_selector_low(const struct linear_range *r, unsigned int val, "
    "unsigned int *selector, bool *found)",
    gpl=True,
)
def get_selector_low(ctx: CallContext) -> int:
    ret, selector, found = _selector_low(_range(ctx, ctx.arg(0)), ctx.arg(1) & U32)
    _put_bool(ctx, ctx.arg(3), found)
    if selector is not None:
        _put_u32(ctx, ctx.arg(2), selector)
    return ret


@kapi(
    "linear_range_get_selector_low_array",
    "int linear_range_get_selector_low_array(const struct linear_range *r, int ranges, "
    "unsigned int val, unsigned int *selector, bool *found)",
    gpl=True,
)
def get_selector_low_array(ctx: CallContext) -> int:
    """The first range that holds @val; else the last range's answer, as Linux's loop."""
    ret = EINVAL
    val = ctx.arg(2) & U32
    for i in range(_count(ctx)):
        tmp, selector, found = _selector_low(_range(ctx, ctx.arg(0), i), val)
        _put_bool(ctx, ctx.arg(4), found)
        if selector is not None:
            _put_u32(ctx, ctx.arg(3), selector)
        if tmp == 0:
            ret = 0
        if found:
            break
    return ret


@kapi(
    "linear_range_get_selector_high",
    "int linear_range_get_selector_high(const struct linear_range *r, unsigned int val, "
    "unsigned int *selector, bool *found)",
    gpl=True,
)
def get_selector_high(ctx: CallContext) -> int:
    r, val = _range(ctx, ctx.arg(0)), ctx.arg(1) & U32
    _put_bool(ctx, ctx.arg(3), False)
    if r.max_value < val:
        return EINVAL
    if r.min > val:
        _put_u32(ctx, ctx.arg(2), r.min_sel)
        return 0
    _put_bool(ctx, ctx.arg(3), True)
    # DIV_ROUND_UP of the distance from min, or max_sel for a step of 0
    selector = r.max_sel if r.step == 0 else -(-(val - r.min) // r.step) + r.min_sel
    _put_u32(ctx, ctx.arg(2), selector)
    return 0


@kapi(
    "linear_range_get_selector_within",
    "void linear_range_get_selector_within(const struct linear_range *r, unsigned int val, "
    "unsigned int *selector)",
    gpl=True,
)
def get_selector_within(ctx: CallContext) -> None:
    r, val = _range(ctx, ctx.arg(0)), ctx.arg(1) & U32
    if r.min > val:
        selector = r.min_sel
    elif r.max_value < val:
        selector = r.max_sel
    else:
        selector = r.min_sel if r.step == 0 else (val - r.min) // r.step + r.min_sel
    _put_u32(ctx, ctx.arg(2), selector)
