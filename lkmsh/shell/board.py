"""The board around the kernel: GPIO pins the user drives and watches, and interrupts.

``gpio`` is the outside world of lkmsh's virtual GPIO bank: it shows the
lines (as /sys/kernel/debug/gpio), drives input lines (an edge fires the
line's interrupt when a handler asked for it), presses buttons, attaches an
LED or a DHT11 sensor, and shows how lines changed over (virtual) time.
``irq N`` raises interrupt line N of the virtual interrupt controller.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from lkmsh.errors import KernelError
from lkmsh.shell.context import Context
from lkmsh.shell.registry import Arg, Kind, Opt, command
from lkmsh.shell.render import DoneView, View

ACTIONS = ("list", "get", "set", "press", "attach", "detach", "watch")
_MUTATING = ("set", "press", "attach", "detach")
#: gpio watch --for/--follow lets virtual time pass in steps this long, printing as it goes
WATCH_STEP_NS = 100_000_000


@dataclass
class TextView(View):
    text: str
    data: Any = None

    def plain(self) -> str:
        return self.text

    def to_json(self) -> Any:
        return self.data if self.data is not None else {"text": self.text}


def _stamp(ns: int) -> str:
    return f"[{ns // 1_000_000_000:5d}.{ns // 1000 % 1_000_000:06d}]"


def _pin(ctx: Context, words: tuple[str, ...], i: int = 0) -> int | None:
    try:
        return int(words[i], 0)
    except (IndexError, ValueError):
        ctx.fail("expected a pin number")
        return None


def _props(ctx: Context, words: tuple[str, ...]) -> dict[str, float] | None:
    props: dict[str, float] = {}
    for w in words:
        key, eq, value = w.partition("=")
        try:
            if not eq:
                raise ValueError
            props[key] = float(value)
        except ValueError:
            ctx.fail(f"bad property '{w}' (KEY=NUMBER, e.g. temp=21.5)")
            return None
    return props


@command(
    "gpio",
    "The virtual GPIO bank: gpio list|get PIN|set PIN 0|1|press PIN|attach PIN button|led|"
    "dht11 [temp=T humidity=H]|detach PIN|watch [PIN] [--for SECONDS|--follow]",
    args=[
        Arg("action", Kind.TEXT, required=False),
        Arg("words", Kind.TEXT, many=True, required=False),
    ],
    opts=[
        Opt(
            ("--for",),
            "for_",
            "watch: let SECONDS of virtual time pass, showing changes as they come",
            Kind.TEXT,
            metavar="SECONDS",
        ),
        Opt(
            ("-f", "--follow"),
            "follow",
            "watch: show changes as they come, until Ctrl-C "
            "(virtual time passes as real time does)",
        ),
    ],  # fmt: skip
    mutates=lambda p: p.get("action") in _MUTATING or bool(p.get("for_") or p.get("follow")),
)
def gpio(
    ctx: Context,
    action: str | None,
    words: tuple[str, ...],
    for_: str | None = None,
    follow: bool = False,
) -> Any:
    action = action or "list"
    if action not in ACTIONS:
        ctx.fail(f"unknown action '{action}' (one of {', '.join(ACTIONS)})")
        return None
    k = ctx.kernel()
    try:
        if action == "list":
            return _list(k)
        if action == "watch":
            pin = _pin(ctx, words) if words else None
            if words and pin is None:
                return None
            if for_ is not None or follow:
                _follow(ctx, k, pin, for_)
                return None
            return _watch(k, pin)
        if for_ is not None or follow:
            ctx.fail("--for and --follow go with gpio watch")
            return None
        pin = _pin(ctx, words)
        if pin is None:
            return None
        if action == "get":
            value = k.gpio_get(pin)
            return TextView(f"{value}\n", {"pin": pin, "value": value})
        if action == "set":
            if len(words) < 2 or words[1] not in ("0", "1"):
                ctx.fail("gpio set PIN 0|1")
                return None
            k.gpio_drive(pin, int(words[1]))
        elif action == "press":
            k.gpio_drive(pin, 1)
            k.gpio_drive(pin, 0)
        elif action == "attach":
            if len(words) < 2:
                ctx.fail("gpio attach PIN button|led|dht11 [KEY=VALUE...]")
                return None
            props = _props(ctx, words[2:])
            if props is None:
                return None
            k.gpio_attach(pin, words[1], **props)
        elif action == "detach":
            k.gpio_attach(pin, None)
    except KernelError as exc:
        ctx.fail(exc.message or exc.strerror)
        return None
    return DoneView({"action": action, "pin": pin})


def _list(k: Any) -> TextView:
    text = k.read_file("/sys/kernel/debug/gpio").decode()
    parts = [(ln.pin, ln.peripheral) for ln in k.gpio_lines() if ln.peripheral]
    for pin, p in parts:
        extra = "".join(f" {key}={v:g}" for key, v in p.items() if key not in ("kind", "level"))
        text += f" gpio-{pin:<3d} attached: {p['kind']}{extra}\n"
    data = [
        {"pin": ln.pin, "label": ln.label, "output": ln.output, "value": ln.value,
         "part": (ln.peripheral or {}).get("kind")}
        for ln in k.gpio_lines()
        if ln.requested or ln.peripheral
    ]  # fmt: skip
    return TextView(text, data)


def _event_lines(k: Any, events: list[Any], pin: int | None) -> tuple[list[str], list[Any]]:
    lines = {ln.pin: ln for ln in k.gpio_lines()}
    out, data = [], []
    for e in events:
        if pin is not None and e.pin != pin:
            continue
        line = lines[e.pin]
        kind = (line.peripheral or {}).get("kind")
        what = ("on" if e.value else "off") if kind == "led" else str(e.value)
        label = f" ({line.label})" if line.label else ""
        out.append(f"{_stamp(e.ns)} gpio-{e.pin}{label}: {what} ({e.by})\n")
        data.append({"ns": e.ns, "pin": e.pin, "value": e.value, "by": e.by})
    return out, data


def _watch(k: Any, pin: int | None) -> TextView:
    out, data = _event_lines(k, k.gpio_events(), pin)
    return TextView("".join(out), data)


def _follow(ctx: Context, k: Any, pin: int | None, for_: str | None) -> None:
    """Let virtual time pass and print each line change as it comes (JSON: one object a line).

    ``--for SECONDS`` lets that much virtual time pass as fast as it can; ``--follow``
    keeps virtual time in step with real time until Ctrl-C, as ``dmesg -w`` waits.
    """
    import json

    from lkmsh.shell.context import OutputMode
    from lkmsh.shell.messages import CommandFailed
    from lkmsh.shell.tasks import parse_seconds

    try:
        total = parse_seconds(for_) if for_ is not None else None
    except CommandFailed:
        ctx.fail(f"invalid time interval '{for_}'")
        return
    seen, passed = k.gpio_changes(), 0
    while not ctx.scope.cancelled and (total is None or passed < total):
        step = WATCH_STEP_NS if total is None else min(WATCH_STEP_NS, total - passed)
        if total is None:
            time.sleep(step / 1e9)
        k.sleep(step)
        passed += step
        fresh = k.gpio_events_since(seen)
        seen = k.gpio_changes()
        text, data = _event_lines(k, fresh, pin)
        if ctx.mode is OutputMode.JSON:
            text = [json.dumps(d) + "\n" for d in data]
        ctx.out.write("".join(text))
        ctx.out.flush()


@command(
    "irq",
    "Raise interrupt line N of the virtual interrupt controller (1-31; GPIO lines: gpio set)",
    args=[Arg("line", Kind.TEXT, missing="missing IRQ number.")],
    mutates=True,
)
def irq(ctx: Context, line: str) -> Any:
    try:
        n = int(line, 0)
    except ValueError:
        ctx.fail(f"invalid IRQ number '{line}'")
        return None
    try:
        handled = ctx.kernel().irq_raise(n)
    except KernelError as exc:
        ctx.fail(f"IRQ {n}: {exc.message or exc.strerror}")
        return None
    return DoneView({"irq": n, "handled": handled})


def parse_props(words: tuple[str, ...]) -> dict[str, Any]:
    """``compatible=a,b reg=0x10 cells="<1 2 3>" flag`` -> device-tree properties.

    A value of numbers (``0x10``, ``<1 2 3>``) is u32 cells, any other value a
    string (a key given again adds a string: a string list), a bare key a flag.
    """
    props: dict[str, Any] = {}
    for w in words:
        key, eq, value = w.partition("=")
        if not key:
            raise ValueError(f"bad property '{w}'")
        if not eq:
            props[key] = True
            continue
        cells = value.strip().removeprefix("<").removesuffix(">").split()
        try:
            numbers = [int(c, 0) for c in cells] if cells else None
        except ValueError:
            numbers = None
        if numbers is not None and all(0 <= n < 1 << 32 for n in numbers):
            props[key] = numbers
        else:
            old = props.get(key)
            props[key] = [*(old if isinstance(old, list) else []), value]
    return props


@command(
    "device",
    "Devices of the board: device add platform NAME [compatible=... KEY=VALUE...] | "
    "device del NAME | device list | device console NAME | device send NAME TEXT",
    args=[
        Arg("action", Kind.TEXT, required=False),
        Arg("words", Kind.TEXT, many=True, required=False),
    ],
    mutates=lambda p: p.get("action") in ("add", "del", "send"),
)
def device(ctx: Context, action: str | None, words: tuple[str, ...]) -> Any:
    action = action or "list"
    k = ctx.kernel()
    try:
        if action == "list":
            return _devices(k)
        if action == "add":
            if len(words) < 2 or words[0] != "platform":
                ctx.fail("device add platform NAME [compatible=... KEY=VALUE...]")
                return None
            pdev = k.platform_device_add(words[1], parse_props(words[2:]))
            return DoneView({"device": pdev.dev_name, "bound": bool(pdev.driver)})
        if action == "console" and len(words) == 1:
            text = k.device_console(words[0])
            return TextView(text, {"device": words[0], "console": text})
        if action == "send" and len(words) >= 2:
            k.device_send(words[0], (" ".join(words[1:]) + "\n").encode())
            return DoneView({"device": words[0], "sent": " ".join(words[1:])})
        if action == "del":
            if len(words) != 1:
                ctx.fail("device del NAME")
                return None
            k.platform_device_del(words[0])
            return DoneView({"removed": words[0]})
    except ValueError as exc:
        ctx.fail(str(exc))
        return None
    except KernelError as exc:
        ctx.fail(exc.message or exc.strerror)
        return None
    ctx.fail(f"unknown action '{action}' (add, del, list, console NAME or send NAME TEXT)")
    return None


def _devices(k: Any) -> TextView:
    drivers = {d.addr: d.name for d in k.platform_drivers()}
    rows, data = [], []
    for d in k.platform_devices():
        drv = drivers.get(d.driver, "-")
        compat = ",".join(d.compatible) or "-"
        rows.append(f"{d.dev_name:<24} {drv:<24} {compat}\n")
        data.append({"device": d.dev_name, "driver": drivers.get(d.driver), "compatible": d.compatible,
                     "made_by": d.owner or "shell"})  # fmt: skip
    head = f"{'DEVICE':<24} {'DRIVER':<24} COMPATIBLE\n"
    return TextView(head + "".join(rows), data)


def _code_name(ev_type: int, code: int) -> str:
    from lkmsh.shell.evcodes import CODES, TYPES

    prefix = TYPES.get(ev_type, "").removeprefix("EV_")
    return CODES.get(prefix, {}).get(code, "?")


@command(
    "evtest",
    "Show an input device's events as evtest prints them: evtest /dev/input/eventN",
    args=[Arg("device", Kind.PATH, missing="missing device node.")],
)
def evtest(ctx: Context, device: str) -> Any:
    from lkmsh.shell.evcodes import TYPES

    k = ctx.kernel()
    number = device.removeprefix("/dev/input/event")
    dev = next((d for d in k.input_devices() if str(d.number) == number), None)
    if dev is None:
        ctx.fail(f"{device}: No such device")
        return None
    bus, vendor, product, version = k.input_id(dev)
    out = [
        "Input driver version is 1.0.1\n",
        f"Input device ID: bus {bus:#x} vendor {vendor:#x} product {product:#x} version {version:#x}\n",
        f'Input device name: "{dev.name}"\n',
        "Supported events:\n",
    ]
    for ev_type, codes in k.input_capabilities(dev):
        out.append(f"  Event type {ev_type} ({TYPES.get(ev_type, '?')})\n")
        out.extend(f"    Event code {c} ({_code_name(ev_type, c)})\n" for c in codes)
    out.append("Properties:\nTesting ... (interrupt to exit)\n")
    data = []
    for ns, ev_type, code, value in dev.events:
        stamp = f"{ns // 1_000_000_000}.{ns // 1000 % 1_000_000:06d}"
        if ev_type == 0 and code == 0:
            out.append(f"Event: time {stamp}, -------------- SYN_REPORT ------------\n")
        else:
            out.append(
                f"Event: time {stamp}, type {ev_type} ({TYPES.get(ev_type, '?')}), "
                f"code {code} ({_code_name(ev_type, code)}), value {value}\n"
            )
        data.append({"ns": ns, "type": ev_type, "code": code, "value": value})
    return TextView("".join(out), {"device": device, "name": dev.name, "events": data})
