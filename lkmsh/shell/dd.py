"""``dd``: copy blocks between kernel files (a block device, a char device) and host files.

coreutils' operands (``if= of= bs= ibs= obs= count= skip= seek= conv=notrunc``),
sizes with its suffixes (c w b K M G, kB MB GB). A kernel path (/dev, /proc,
/sys) is opened, read or written one block per read(2)/write(2), and
released, as dd does; a host path is a file of the host. The summary goes
to standard error as dd prints it, without the time and rate (lkmsh's time
is virtual).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from lkmsh.errors import KernelError
from lkmsh.shell.context import Context
from lkmsh.shell.files import _problem, full_write, is_kernel_path, kernel_path
from lkmsh.shell.registry import Arg, Kind, command
from lkmsh.shell.render import RawView

SUFFIXES = {
    "c": 1, "w": 2, "b": 512, "K": 1024, "k": 1024, "M": 1 << 20, "G": 1 << 30,
    "kB": 1000, "KB": 1000, "MB": 10**6, "GB": 10**9,
}  # fmt: skip
#: the most one dd may move (the shell holds what it copies)
MAX_BYTES = 64 << 20


class DdError(Exception):
    pass


def parse_size(text: str, what: str) -> int:
    num = text.rstrip("cwbkKMGB")
    suffix = text[len(num) :]
    try:
        value = int(num, 10) * (SUFFIXES[suffix] if suffix else 1)
    except (ValueError, KeyError):
        raise DdError(f"invalid number: '{text}'") from None
    if value < 0 or (what.endswith("bs") and value == 0):
        raise DdError(f"invalid number: '{text}'")
    return value


@dataclass
class Operands:
    src: str | None = None
    dst: str | None = None
    ibs: int = 512
    obs: int = 512
    count: int | None = None
    skip: int = 0
    seek: int = 0
    notrunc: bool = False


def parse(words: tuple[str, ...]) -> Operands:
    ops = Operands()
    for w in words:
        key, eq, value = w.partition("=")
        if not eq:
            raise DdError(f"unrecognized operand '{w}'")
        if key == "if":
            ops.src = value
        elif key == "of":
            ops.dst = value
        elif key == "bs":
            ops.ibs = ops.obs = parse_size(value, key)
        elif key in ("ibs", "obs") or key in ("count", "skip", "seek"):
            setattr(ops, key, parse_size(value, key))
        elif key == "conv":
            for c in value.split(","):
                if c != "notrunc":
                    raise DdError(f"invalid conversion: '{c}'")
            ops.notrunc = True
        else:
            raise DdError(f"unrecognized operand '{w}'")
    return ops


def _records(sizes: list[int], bs: int) -> str:
    full = sum(1 for n in sizes if n == bs)
    return f"{full}+{len(sizes) - full}"


def _human(n: int) -> str:
    if n < 1000:
        return f"{n} bytes"
    units = ["kB", "MB", "GB"]
    value, unit = n / 1000, 0
    while value >= 1000 and unit < 2:
        value, unit = value / 1000, unit + 1
    bin_value, bin_unit = n / 1024, 0
    while bin_value >= 1024 and bin_unit < 2:
        bin_value, bin_unit = bin_value / 1024, bin_unit + 1
    return (
        f"{n} bytes ({value:.1f} {units[unit]}, {bin_value:.1f} {['KiB', 'MiB', 'GiB'][bin_unit]})"
    )


@command(
    "dd",
    "Copy blocks: dd if=FILE of=FILE [bs=N] [count=N] [skip=N] [seek=N] [conv=notrunc]",
    args=[Arg("operands", Kind.TEXT, many=True, required=False)],
    mutates=True,
)
def dd(ctx: Context, operands: tuple[str, ...]) -> Any:
    try:
        ops = parse(operands)
    except DdError as exc:
        ctx.fail(str(exc))
        return None
    k = ctx.kernel()
    sizes_in: list[int] = []
    try:
        data = _read_blocks(k, ops, sizes_in)
    except (KernelError, OSError, DdError) as exc:
        ctx.fail(_why(ops.src, exc))
        return None
    out: RawView | None = None
    sizes_out: list[int] = [len(data[i : i + ops.obs]) for i in range(0, len(data), ops.obs)]
    try:
        if ops.dst is None:
            out = RawView("-", data)
        else:
            _write_blocks(k, ops, data)
    except (KernelError, OSError) as exc:
        ctx.fail(_why(ops.dst, exc))
        sizes_out = []
    ctx.err.write(
        f"{_records(sizes_in, ops.ibs)} records in\n{_records(sizes_out, ops.obs)} records out\n"
        f"{_human(sum(sizes_out))} copied\n"
    )
    ctx.err.flush()
    return out


def _why(path: str | None, exc: BaseException) -> str:
    """coreutils' words: failed to open, error reading, error writing."""
    if isinstance(exc, KernelError):
        doing = getattr(exc, "dd_doing", "failed to open")
        return f"{doing} '{path}': {_problem(exc)}"
    if isinstance(exc, OSError):
        return f"failed to open '{path}': {exc.strerror}"
    return str(exc)


def _doing(exc: KernelError, what: str) -> KernelError:
    exc.dd_doing = what  # type: ignore[attr-defined]
    return exc


def _read_blocks(k: Any, ops: Operands, sizes: list[int]) -> bytes:
    if ops.src is not None and is_kernel_path(ops.src):
        f = k.open(kernel_path(ops.src), os.O_RDONLY)
        try:
            if ops.skip:
                k.lseek(f, ops.skip * ops.ibs)

            def read(n: int) -> bytes:
                try:
                    return k.read(f, n)
                except KernelError as exc:
                    raise _doing(exc, "error reading") from None

            return _blocks(read, ops, sizes)
        finally:
            k.close(f)
    stream: BinaryIO = open(ops.src, "rb") if ops.src is not None else sys.stdin.buffer  # noqa: SIM115
    try:
        if ops.skip:
            stream.read(ops.skip * ops.ibs)
        return _blocks(stream.read, ops, sizes)
    finally:
        if ops.src is not None:
            stream.close()


def _blocks(read: Callable[[int], bytes], ops: Operands, sizes: list[int]) -> bytes:
    """Blocks of ibs bytes (the last may be short) until EOF or count=, at most MAX_BYTES."""
    chunks: list[bytes] = []
    total = 0
    while ops.count is None or len(sizes) < ops.count:
        block = read(ops.ibs)
        if not block:
            break
        chunks.append(block)
        sizes.append(len(block))
        total += len(block)
        if total > MAX_BYTES:
            raise DdError(f"{ops.src or '-'}: more than {MAX_BYTES >> 20} MiB; give count=")
    return b"".join(chunks)


def _write_blocks(k: Any, ops: Operands, data: bytes) -> None:
    assert ops.dst is not None
    if is_kernel_path(ops.dst):
        f = k.open(kernel_path(ops.dst), os.O_WRONLY)
        try:
            if ops.seek:
                k.lseek(f, ops.seek * ops.obs)
            for at in range(0, len(data), ops.obs):
                try:
                    full_write(k, f, data[at : at + ops.obs])  # iwrite: the rest of a short write
                except KernelError as exc:
                    raise _doing(exc, "error writing") from None
        finally:
            k.close(f)
        return
    mode = "r+b" if os.path.exists(ops.dst) else "wb"
    with open(ops.dst, mode) as host:
        host.seek(ops.seek * ops.obs)
        host.write(data)
        if not ops.notrunc:
            host.truncate()
