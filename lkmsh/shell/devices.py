"""The shell's device verbs: ``ioctl PATH CMD [ARG]`` and ``mknod PATH c MAJOR MINOR``.

``ioctl`` does what a small C program would: open the file, one ioctl(2),
close it. An integer ARG is passed as the argument itself; anything else is
a buffer in user memory whose address is passed (a string, NUL-terminated,
or bytes given in hex with ``-x``; ``-b`` puts an integer in a buffer of the
command's size). A command whose direction includes _IOC_READ always gets a
buffer (zeroed, of the command's size unless ARG or ``-s`` says otherwise),
and the shell prints it after the call.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from lkmsh.errors import KernelError
from lkmsh.shell.context import Context
from lkmsh.shell.files import _problem, kernel_path
from lkmsh.shell.ioctlcmd import IOC_READ, IoctlSyntax, ioc_dir, ioc_size, parse_cmd
from lkmsh.shell.registry import Arg, Kind, Opt, command
from lkmsh.shell.render import DoneView, View


def hexdump(data: bytes) -> str:
    """hexdump -C's lines."""
    out = []
    for at in range(0, len(data), 16):
        chunk = data[at : at + 16]
        left = " ".join(f"{b:02x}" for b in chunk[:8])
        right = " ".join(f"{b:02x}" for b in chunk[8:])
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        out.append(f"{at:08x}  {left:<23}  {right:<23}  |{text}|\n")
    return "".join(out)


@dataclass
class IoctlView(View):
    cmd: int
    returned: int
    buffer: bytes | None

    def plain(self) -> str:
        text = f"ioctl {self.cmd:#010x} returned {self.returned}\n"
        if self.buffer is not None:
            text += hexdump(self.buffer)
        return text

    def to_json(self) -> Any:
        out: dict[str, Any] = {"cmd": self.cmd, "returned": self.returned}
        if self.buffer is not None:
            out["buffer"] = self.buffer.hex()
        return out


def _argument(arg: str | None, as_hex: bool, in_buffer: bool, cmd: int) -> int | bytes | None:
    """The integer to pass, the bytes of a buffer to pass, or None (no ARG)."""
    if arg is None:
        return None
    if as_hex:
        return bytes.fromhex(arg.removeprefix("0x").replace(":", "").replace(" ", ""))
    try:
        value = int(arg, 0)
    except ValueError:
        return arg.encode() + b"\0"
    if in_buffer:
        size = ioc_size(cmd) or 8
        return (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
    return value


@command(
    "ioctl",
    "Call a device's ioctl: CMD a number or _IOR('k', 1, int); ARG an integer or a buffer",
    args=[Arg("path", Kind.PATH), Arg("cmd"), Arg("arg", required=False)],
    opts=[
        Opt(("-x", "--hex"), "as_hex", "ARG is a buffer of bytes in hex (0a1b2c...)"),
        Opt(("-b", "--buffer"), "in_buffer", "Pass an integer ARG in a buffer of CMD's size"),
        Opt(("-s", "--size"), "size", "Buffer size in bytes", Kind.TEXT, metavar="N"),
    ],
    mutates=True,
)
def ioctl(
    ctx: Context,
    path: str,
    cmd: str,
    arg: str | None,
    as_hex: bool,
    in_buffer: bool,
    size: str | None,
) -> Any:
    try:
        number = parse_cmd(cmd)
        value = _argument(arg, as_hex, in_buffer, number)
        want = int(size, 0) if size is not None else 0
    except (IoctlSyntax, ValueError) as exc:
        ctx.fail(f"invalid argument: {exc}")
        return None
    if not 0 <= want <= 1 << 20:
        ctx.fail(f"invalid buffer size: {size}")
        return None
    reads = bool(ioc_dir(number) & IOC_READ)
    if value is None and (reads or want):
        value = bytes(max(want, ioc_size(number), 1))
    k = ctx.kernel()
    try:
        f = k.open(kernel_path(path), os.O_RDWR if _writable(k, path) else os.O_RDONLY)
    except KernelError as exc:
        ctx.fail(f"{path}: {_problem(exc)}")
        return None
    try:
        if isinstance(value, bytes):
            ret, after = k.ioctl_buffer(f, number, value, max(want, ioc_size(number)))
            return IoctlView(number, ret, after if reads or want else None)
        return IoctlView(number, k.ioctl(f, number, value or 0), None)
    except KernelError as exc:
        ctx.fail(f"{path}: {_problem(exc)}")
        return None
    finally:
        k.close(f)


def _writable(k: Any, path: str) -> bool:
    try:
        return bool(k.stat(kernel_path(path)).mode & 0o222)
    except KernelError:
        return False


@command(
    "mknod",
    "Make a character device node: mknod /dev/NAME c MAJOR MINOR",
    args=[Arg("path", Kind.PATH), Arg("type"), Arg("major"), Arg("minor")],
    opts=[
        Opt(("-m", "--mode"), "mode", "Permission bits (octal, 0600)", Kind.TEXT, metavar="MODE")
    ],
    mutates=True,
)
def mknod(ctx: Context, path: str, type: str, major: str, minor: str, mode: str | None) -> Any:
    if type not in ("c", "u"):
        ctx.fail(f"invalid device type '{type}' (lkmsh has character devices only: c)")
        return None
    try:
        numbers = int(major, 0), int(minor, 0)
        perm = int(mode, 8) if mode is not None else 0o600
    except ValueError:
        ctx.fail(f"invalid device number or mode: {major} {minor} {mode or ''}".rstrip())
        return None
    try:
        ctx.kernel().mknod(path, numbers[0], numbers[1], perm)
    except KernelError as exc:
        ctx.fail(f"{path}: {exc.strerror}")
        return None
    return DoneView({"path": path, "major": numbers[0], "minor": numbers[1]})
