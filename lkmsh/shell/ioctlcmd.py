"""ioctl command numbers as the shell reads them: a number, or ``_IOR('k', 1, int)``.

The encoding is <asm-generic/ioctl.h>'s, which x86-64 and arm64 share: 8 bits
of number, 8 of type, 14 of size, 2 of direction (1: _IOC_WRITE, 2: _IOC_READ).
"""

from __future__ import annotations

import re

IOC_NONE, IOC_WRITE, IOC_READ = 0, 1, 2
_DIRS = {"_IO": IOC_NONE, "_IOW": IOC_WRITE, "_IOR": IOC_READ, "_IOWR": IOC_READ | IOC_WRITE}
_CALL = re.compile(r"^\s*(_IO|_IOR|_IOW|_IOWR)\s*\((.*)\)\s*$")
#: sizes of the C types an ioctl definition names (LP64, both architectures)
TYPE_SIZES = {
    "char": 1, "signed char": 1, "unsigned char": 1, "u8": 1, "s8": 1, "__u8": 1, "__s8": 1,
    "bool": 1, "short": 2, "unsigned short": 2, "u16": 2, "s16": 2, "__u16": 2, "__s16": 2,
    "int": 4, "unsigned int": 4, "unsigned": 4, "u32": 4, "s32": 4, "__u32": 4, "__s32": 4,
    "long": 8, "unsigned long": 8, "long long": 8, "unsigned long long": 8, "u64": 8,
    "s64": 8, "__u64": 8, "__s64": 8, "size_t": 8, "ssize_t": 8, "loff_t": 8,
}  # fmt: skip


class IoctlSyntax(ValueError):
    """A command number the shell cannot read."""


def ioc(direction: int, kind: int, nr: int, size: int) -> int:
    return (direction << 30) | (size << 16) | (kind << 8) | nr


def ioc_dir(cmd: int) -> int:
    return (cmd >> 30) & 3


def ioc_size(cmd: int) -> int:
    return (cmd >> 16) & 0x3FFF


def _number(text: str) -> int:
    text = text.strip()
    m = re.fullmatch(r"'(\\x[0-9a-fA-F]{2}|\\.|.)'", text)
    if m:
        ch = m.group(1)
        return int(ch[2:], 16) if ch.startswith("\\x") else ord(ch[-1])
    try:
        return int(text, 0)
    except ValueError:
        raise IoctlSyntax(f"not a number: {text!r}") from None


def _size(text: str) -> int:
    text = " ".join(text.replace("sizeof", "").strip().strip("()").split())
    arr = re.fullmatch(r"(.+?)\s*\[\s*(\w+)\s*\]", text)
    if arr:
        return _size(arr.group(1)) * _number(arr.group(2))
    if text.endswith("*"):
        return 8
    if text in TYPE_SIZES:
        return TYPE_SIZES[text]
    if re.fullmatch(r"[0-9][0-9a-fA-Fx]*", text):
        return _number(text)
    raise IoctlSyntax(f"unknown type '{text}' (give its size as a number)")


def parse_cmd(text: str) -> int:
    """``0x80046b01``, ``2147773185`` or ``_IOR('k', 1, int)`` as a 32-bit command."""
    m = _CALL.match(text)
    if m is None:
        value = _number(text)
        if not 0 <= value < 1 << 32:
            raise IoctlSyntax(f"command {text} does not fit in 32 bits")
        return value
    macro, body = m.group(1), m.group(2)
    parts = [p.strip() for p in body.split(",")]
    want = 2 if macro == "_IO" else 3
    if len(parts) != want:
        raise IoctlSyntax(f"{macro} takes {want} arguments")
    kind, nr = _number(parts[0]), _number(parts[1])
    size = _size(parts[2]) if want == 3 else 0
    if not (0 <= kind < 256 and 0 <= nr < 256 and 0 <= size < 1 << 14):
        raise IoctlSyntax(f"{text}: type, number or size out of range")
    return ioc(_DIRS[macro], kind, nr, size)
