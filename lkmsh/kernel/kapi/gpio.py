"""GPIO lines (<linux/gpio.h>, <linux/gpio/consumer.h>) over the virtual bank in gpio.py.

The legacy integer API and the descriptor API, as Linux 6.1's gpiolib: a
number outside the bank gives ``gpio_to_desc() == NULL``, so ``gpio_request``
of it returns -EPROBE_DEFER (Linux's "a valid number, its chip not here yet")
and the others -EINVAL; a requested line requested again is -EBUSY. Each
line's ``struct gpio_desc`` is a small kernel object, allocated with the bank
on first use (modules only pass its pointer around).
"""

from __future__ import annotations

import errno as E
from typing import TYPE_CHECKING

from lkmsh.kernel.gpio import GpioError
from lkmsh.kernel.heap import KERNEL_OWNER
from lkmsh.kernel.irq import GPIO_IRQ_BASE, GPIO_LINES
from lkmsh.kernel.kapi.common import cstr, decode, owner
from lkmsh.kernel.kapi.registry import kapi

if TYPE_CHECKING:
    from lkmsh.kernel.callctx import CallContext

EPROBE_DEFER = 517
DESC_SIZE = 16
GPIOF_DIR_IN = 1 << 0
GPIOF_INIT_HIGH = 1 << 1
GPIOF_ACTIVE_LOW = 1 << 2
STRUCT_GPIO_SIZE = 24  # { unsigned gpio; unsigned long flags; const char *label; }
# enum gpiod_flags
GPIOD_FLAGS_BIT_DIR_SET, GPIOD_FLAGS_BIT_DIR_OUT, GPIOD_FLAGS_BIT_DIR_VAL = 1, 2, 4


def _descs(ctx: CallContext) -> int:
    """The bank's gpio_desc array (kernel memory), allocated on first use."""
    chip = ctx.kernel.gpio
    if not chip.desc_base:
        chip.desc_base = ctx.kernel.heap.alloc(
            DESC_SIZE * GPIO_LINES, KERNEL_OWNER, ctx.caller, zero=True, managed=True
        )
    return chip.desc_base


def _pin_of(ctx: CallContext, desc: int) -> int | None:
    base = ctx.kernel.gpio.desc_base
    if not base or not base <= desc < base + DESC_SIZE * GPIO_LINES or (desc - base) % DESC_SIZE:
        return None
    return (desc - base) // DESC_SIZE


def _gpio(ctx: CallContext, i: int) -> int:
    return ctx.arg(i) & 0xFFFFFFFF


def _valid(pin: int) -> bool:
    return 0 <= pin < GPIO_LINES


def _call(fn, *args) -> int:
    try:
        fn(*args)
    except GpioError as exc:
        return -exc.errno
    return 0


def _request_one(ctx: CallContext, pin: int, flags: int, label: str) -> int:
    chip = ctx.kernel.gpio
    if not _valid(pin):
        return -EPROBE_DEFER if pin < 1 << 31 else -E.EINVAL
    ret = _call(chip.request, pin, label, owner(ctx))
    if ret:
        return ret
    chip.lines[pin].active_low = bool(flags & GPIOF_ACTIVE_LOW)
    if flags & GPIOF_DIR_IN:
        chip.direction_input(pin)
    else:
        chip.direction_output(pin, 1 if flags & GPIOF_INIT_HIGH else 0)
    return 0


@kapi("gpio_request", "int gpio_request(unsigned gpio, const char *label)", gpl=True)
def gpio_request(ctx: CallContext) -> int:
    pin = _gpio(ctx, 0)
    if not _valid(pin):
        return -EPROBE_DEFER
    label = decode(cstr(ctx, ctx.arg(1), 256)) if ctx.arg(1) else "?"
    return _call(ctx.kernel.gpio.request, pin, label, owner(ctx))


@kapi(
    "gpio_request_one",
    "int gpio_request_one(unsigned gpio, unsigned long flags, const char *label)",
    gpl=True,
)
def gpio_request_one(ctx: CallContext) -> int:
    label = decode(cstr(ctx, ctx.arg(2), 256)) if ctx.arg(2) else "?"
    return _request_one(ctx, _gpio(ctx, 0), ctx.arg(1), label)


@kapi(
    "gpio_request_array", "int gpio_request_array(const struct gpio *array, size_t num)", gpl=True
)
def gpio_request_array(ctx: CallContext) -> int:
    array, num = ctx.arg(0), ctx.arg(1)
    done = []
    for i in range(min(num, GPIO_LINES + 1)):
        at = array + i * STRUCT_GPIO_SIZE
        pin, flags, label_at = (
            ctx.mem.read_u32(at),
            ctx.mem.read_u64(at + 8),
            ctx.mem.read_u64(at + 16),
        )
        label = decode(cstr(ctx, label_at, 256)) if label_at else "?"
        ret = _request_one(ctx, pin, flags, label)
        if ret:
            for p in reversed(done):  # as Linux: free what this call requested, then fail
                ctx.kernel.gpio.free(p)
            return ret
        done.append(pin)
    return 0


@kapi("gpio_free", "void gpio_free(unsigned gpio)", gpl=True)
def gpio_free(ctx: CallContext) -> None:
    pin = _gpio(ctx, 0)
    if _valid(pin):
        ctx.kernel.gpio.free(pin)


@kapi("gpio_free_array", "void gpio_free_array(const struct gpio *array, size_t num)", gpl=True)
def gpio_free_array(ctx: CallContext) -> None:
    array, num = ctx.arg(0), ctx.arg(1)
    for i in range(min(num, GPIO_LINES + 1)):
        pin = ctx.mem.read_u32(array + i * STRUCT_GPIO_SIZE)
        if _valid(pin):
            ctx.kernel.gpio.free(pin)


@kapi("gpio_direction_input", "int gpio_direction_input(unsigned gpio)", gpl=True)
def gpio_direction_input(ctx: CallContext) -> int:
    pin = _gpio(ctx, 0)
    return _call(ctx.kernel.gpio.direction_input, pin) if _valid(pin) else -E.EINVAL


@kapi("gpio_direction_output", "int gpio_direction_output(unsigned gpio, int value)", gpl=True)
def gpio_direction_output(ctx: CallContext) -> int:
    pin = _gpio(ctx, 0)
    if not _valid(pin):
        return -E.EINVAL
    return _call(ctx.kernel.gpio.direction_output, pin, ctx.arg(1) & 0xFFFFFFFF)


@kapi("gpio_get_value", "int gpio_get_value(unsigned int gpio)", gpl=True)
def gpio_get_value(ctx: CallContext) -> int:
    pin = _gpio(ctx, 0)
    return ctx.kernel.gpio.get(pin) if _valid(pin) else 0


@kapi("gpio_set_value", "void gpio_set_value(unsigned int gpio, int value)", gpl=True)
def gpio_set_value(ctx: CallContext) -> None:
    pin = _gpio(ctx, 0)
    if _valid(pin):
        ctx.kernel.gpio.set(pin, ctx.arg(1) & 0xFFFFFFFF)


@kapi("gpio_to_irq", "int gpio_to_irq(unsigned int gpio)", gpl=True)
def gpio_to_irq(ctx: CallContext) -> int:
    pin = _gpio(ctx, 0)
    return GPIO_IRQ_BASE + pin if _valid(pin) else -E.EINVAL


# -- descriptors ------------------------------------------------------------------


@kapi("gpio_to_desc", "struct gpio_desc *gpio_to_desc(unsigned gpio)", gpl=True)
def gpio_to_desc(ctx: CallContext) -> int:
    pin = _gpio(ctx, 0)
    return _descs(ctx) + pin * DESC_SIZE if _valid(pin) else 0


@kapi("desc_to_gpio", "int desc_to_gpio(const struct gpio_desc *desc)", gpl=True)
def desc_to_gpio(ctx: CallContext) -> int:
    pin = _pin_of(ctx, ctx.arg(0))
    return -E.EINVAL if pin is None else pin


def _desc_pin(ctx: CallContext) -> int | None:
    return _pin_of(ctx, ctx.arg(0))


def _logical(ctx: CallContext, pin: int, value: int) -> int:
    """gpiod_*_value (not _raw) honour active-low lines."""
    return value ^ 1 if ctx.kernel.gpio.lines[pin].active_low else value


@kapi("gpiod_direction_input", "int gpiod_direction_input(struct gpio_desc *desc)", gpl=True)
def gpiod_direction_input(ctx: CallContext) -> int:
    pin = _desc_pin(ctx)
    return -E.EINVAL if pin is None else _call(ctx.kernel.gpio.direction_input, pin)


@kapi(
    "gpiod_direction_output",
    "int gpiod_direction_output(struct gpio_desc *desc, int value)",
    gpl=True,
)
def gpiod_direction_output(ctx: CallContext) -> int:
    pin = _desc_pin(ctx)
    if pin is None:
        return -E.EINVAL
    value = _logical(ctx, pin, 1 if ctx.arg(1) & 0xFFFFFFFF else 0)
    return _call(ctx.kernel.gpio.direction_output, pin, value)


@kapi(
    "gpiod_direction_output_raw",
    "int gpiod_direction_output_raw(struct gpio_desc *desc, int value)",
    gpl=True,
)
def gpiod_direction_output_raw(ctx: CallContext) -> int:
    pin = _desc_pin(ctx)
    if pin is None:
        return -E.EINVAL
    return _call(ctx.kernel.gpio.direction_output, pin, ctx.arg(1) & 0xFFFFFFFF)


@kapi("gpiod_get_value", "int gpiod_get_value(const struct gpio_desc *desc)", gpl=True)
def gpiod_get_value(ctx: CallContext) -> int:
    pin = _desc_pin(ctx)
    return -E.EINVAL if pin is None else _logical(ctx, pin, ctx.kernel.gpio.get(pin))


@kapi("gpiod_get_raw_value", "int gpiod_get_raw_value(const struct gpio_desc *desc)", gpl=True)
def gpiod_get_raw_value(ctx: CallContext) -> int:
    pin = _desc_pin(ctx)
    return -E.EINVAL if pin is None else ctx.kernel.gpio.get(pin)


@kapi("gpiod_set_value", "void gpiod_set_value(struct gpio_desc *desc, int value)", gpl=True)
def gpiod_set_value(ctx: CallContext) -> None:
    pin = _desc_pin(ctx)
    if pin is not None:
        ctx.kernel.gpio.set(pin, _logical(ctx, pin, 1 if ctx.arg(1) & 0xFFFFFFFF else 0))


@kapi(
    "gpiod_set_raw_value", "void gpiod_set_raw_value(struct gpio_desc *desc, int value)", gpl=True
)
def gpiod_set_raw_value(ctx: CallContext) -> None:
    pin = _desc_pin(ctx)
    if pin is not None:
        ctx.kernel.gpio.set(pin, ctx.arg(1) & 0xFFFFFFFF)


@kapi("gpiod_to_irq", "int gpiod_to_irq(const struct gpio_desc *desc)", gpl=True)
def gpiod_to_irq(ctx: CallContext) -> int:
    pin = _desc_pin(ctx)
    return -E.EINVAL if pin is None else GPIO_IRQ_BASE + pin


@kapi("gpiod_get_direction", "int gpiod_get_direction(struct gpio_desc *desc)", gpl=True)
def gpiod_get_direction(ctx: CallContext) -> int:
    pin = _desc_pin(ctx)
    if pin is None:
        return -E.EINVAL
    return 0 if ctx.kernel.gpio.lines[pin].output else 1  # GPIO_LINE_DIRECTION_OUT / _IN


@kapi("gpiod_is_active_low", "int gpiod_is_active_low(const struct gpio_desc *desc)", gpl=True)
def gpiod_is_active_low(ctx: CallContext) -> int:
    pin = _desc_pin(ctx)
    return int(pin is not None and ctx.kernel.gpio.lines[pin].active_low)


@kapi("gpiod_toggle_active_low", "void gpiod_toggle_active_low(struct gpio_desc *desc)", gpl=True)
def gpiod_toggle_active_low(ctx: CallContext) -> None:
    pin = _desc_pin(ctx)
    if pin is not None:
        line = ctx.kernel.gpio.lines[pin]
        line.active_low = not line.active_low


# -- lines a device's node names (gpiod_get) ------------------------------------------


def _lookup(ctx: CallContext, dev: int, con_id: int, index: int) -> tuple[int, int] | None:
    """(pin, flags) of ``<con_id>-gpios`` (or ``gpios``) in the device's node: lkmsh's
    board has one controller, so the cells are <PIN FLAGS> pairs (no phandle)."""
    pdev = ctx.kernel.platform.device_of(dev)
    if pdev is None:
        return None
    name = decode(cstr(ctx, con_id, 64)) if con_id else ""
    cells = pdev.props.get(f"{name}-gpios" if name else "gpios")
    if not isinstance(cells, list) or len(cells) < 2 * index + 2:
        return None
    pin, flags = cells[2 * index], cells[2 * index + 1]
    return (pin, flags) if isinstance(pin, int) and isinstance(flags, int) else None


def _gpiod_get(ctx: CallContext, dev: int, con_id: int, index: int, flags: int, managed: bool,
               optional: bool) -> int:  # fmt: skip
    from lkmsh.kernel.platform import DevRes

    found = _lookup(ctx, dev, con_id, index)
    if found is None or not _valid(found[0]):
        return 0 if optional else (-E.ENOENT) & ((1 << 64) - 1)
    pin, cell_flags = found
    chip = ctx.kernel.gpio
    label = decode(cstr(ctx, con_id, 64)) if con_id else "?"
    ret = _call(chip.request, pin, label, owner(ctx))
    if ret:
        return ret & ((1 << 64) - 1)
    chip.lines[pin].active_low = bool(cell_flags & 1)  # GPIO_ACTIVE_LOW
    if flags & GPIOD_FLAGS_BIT_DIR_SET:
        if flags & GPIOD_FLAGS_BIT_DIR_OUT:
            value = 1 if flags & GPIOD_FLAGS_BIT_DIR_VAL else 0
            chip.direction_output(pin, value ^ 1 if chip.lines[pin].active_low else value)
        else:
            chip.direction_input(pin)
    desc = _descs(ctx) + pin * DESC_SIZE
    if managed:
        ctx.kernel.platform.devres_add(dev, DevRes("gpio", pin))
    return desc


@kapi(
    "gpiod_get_index",
    "struct gpio_desc *gpiod_get_index(struct device *dev, const char *con_id, unsigned int idx, "
    "enum gpiod_flags flags)",
    gpl=True,
)
def gpiod_get_index(ctx: CallContext) -> int:
    return _gpiod_get(
        ctx, ctx.arg(0), ctx.arg(1), ctx.arg(2) & 0xFFFFFFFF, ctx.arg(3), False, False
    )


@kapi(
    "gpiod_get",
    "struct gpio_desc *gpiod_get(struct device *dev, const char *con_id, enum gpiod_flags flags)",
    gpl=True,
)
def gpiod_get(ctx: CallContext) -> int:
    return _gpiod_get(ctx, ctx.arg(0), ctx.arg(1), 0, ctx.arg(2), False, False)


@kapi(
    "gpiod_get_optional",
    "struct gpio_desc *gpiod_get_optional(struct device *dev, const char *con_id, "
    "enum gpiod_flags flags)",
    gpl=True,
)
def gpiod_get_optional(ctx: CallContext) -> int:
    return _gpiod_get(ctx, ctx.arg(0), ctx.arg(1), 0, ctx.arg(2), False, True)


@kapi(
    "devm_gpiod_get",
    "struct gpio_desc *devm_gpiod_get(struct device *dev, const char *con_id, enum gpiod_flags flags)",
    gpl=True,
)
def devm_gpiod_get(ctx: CallContext) -> int:
    return _gpiod_get(ctx, ctx.arg(0), ctx.arg(1), 0, ctx.arg(2), True, False)


@kapi(
    "devm_gpiod_get_optional",
    "struct gpio_desc *devm_gpiod_get_optional(struct device *dev, const char *con_id, "
    "enum gpiod_flags flags)",
    gpl=True,
)
def devm_gpiod_get_optional(ctx: CallContext) -> int:
    return _gpiod_get(ctx, ctx.arg(0), ctx.arg(1), 0, ctx.arg(2), True, True)


@kapi("gpiod_put", "void gpiod_put(struct gpio_desc *desc)", gpl=True)
def gpiod_put(ctx: CallContext) -> None:
    pin = _desc_pin(ctx)
    if pin is not None:
        ctx.kernel.gpio.free(pin)
