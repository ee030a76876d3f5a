"""Module parameters: ``insmod m.ko a=1 s="x y" arr=1,2`` with Linux's rules.

``parse_args`` splits the command line as kernel/params.c's next_arg does;
``read_param_table`` decodes a module's ``__param`` entries (struct
kernel_param, docs/abi.md); ``apply`` writes the values into the module's
variables with Linux's semantics and messages:

- an unknown name: "NAME: unknown parameter 'foo' ignored" (a warning);
- a bad value: "NAME: `abc' invalid for parameter `times'"; parsing goes on
  with the other parameters, then ``InvalidArgument`` is raised (insmod says
  "Invalid parameters");
- integers parse with kstrto* base 0 and are range-checked to their type;
  bools take what kstrtobool takes, and no value at all means true;
- ``charp`` values are copied to the kernel heap, owned by the module and
  marked *managed* (freed on unload, never reported as leaks);
- arrays take comma-separated values up to their capacity; ``*num`` gets
  the count.
"""

from __future__ import annotations

import enum
import errno
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.errors import InvalidArgument, KernelError
from lkmsh.kernel.kapi.kstrtox import kstrto_bits, kstrtobool

if TYPE_CHECKING:
    from lkmsh.kernel.dmesg import Dmesg
    from lkmsh.kernel.heap import Heap
    from lkmsh.kernel.memory import AddressSpace

PARAM_SIZE = 40  # sizeof(struct kernel_param)
CHARP_MAX = 1024  # Linux refuses longer string parameters with -ENOSPC
LOGLEVEL_ERR = 3
LOGLEVEL_WARNING = 4


class ParamType(enum.IntEnum):
    BYTE = 1
    SHORT = 2
    USHORT = 3
    INT = 4
    UINT = 5
    LONG = 6
    ULONG = 7
    BOOL = 8
    INVBOOL = 9
    CHARP = 10

    @property
    def type_name(self) -> str:
        return self.name.lower()


# (bits, signed) of each integer type, as kstrtou8/kstrtos16/... check them.
_INT_TYPES: dict[ParamType, tuple[int, bool]] = {
    ParamType.BYTE: (8, False),
    ParamType.SHORT: (16, True),
    ParamType.USHORT: (16, False),
    ParamType.INT: (32, True),
    ParamType.UINT: (32, False),
    ParamType.LONG: (64, True),
    ParamType.ULONG: (64, False),
}


@dataclass(frozen=True)
class ParamSpec:
    """One decoded struct kernel_param."""

    name: str
    entry: int  # address of the struct kernel_param
    arg: int
    type: ParamType
    perm: int
    elem_size: int
    max: int  # array capacity; 0 for a scalar
    num: int  # address of the array's count, or 0

    @property
    def is_array(self) -> bool:
        return self.max > 0


def parse_args(text: str) -> list[tuple[str, str | None]]:
    """Split a parameter string into (name, value) pairs; ``--`` ends the list."""
    return _split_args(text)[0]


def args_after_dashes(text: str) -> str | None:
    """What follows a ``--`` (Linux ignores it with a warning), or None."""
    return _split_args(text)[1]


def _split_args(text: str) -> tuple[list[tuple[str, str | None]], str | None]:
    out: list[tuple[str, str | None]] = []
    pos, n = 0, len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    while pos < n:
        param, value, pos = _next_arg(text, pos)
        if value is None and param == "--":
            return out, text[pos:]
        out.append((param, value))
    return out, None


def _next_arg(text: str, pos: int) -> tuple[str, str | None, int]:
    """kernel/params.c next_arg(): quotes may wrap the whole arg or just the value."""
    quoted = in_quote = False
    if text[pos] == '"':
        pos += 1
        quoted = in_quote = True
    i = pos
    equals = -1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace() and not in_quote:
            break
        if equals < 0 and ch == "=" and i > pos:
            equals = i
        if ch == '"':
            in_quote = not in_quote
        i += 1
    arg = text[pos:i]
    strip_end = quoted and arg.endswith('"')
    if equals < 0:
        param = arg[: len(arg) - 1] if strip_end else arg
        value = None
    else:
        eq = equals - pos
        param = arg[:eq]
        vstart = eq + 1
        if arg[vstart : vstart + 1] == '"':
            vstart += 1
            strip_end = strip_end or arg.endswith('"')
        end = len(arg) - 1 if strip_end else len(arg)
        value = arg[vstart : max(end, vstart)]
    nxt = i + 1 if i < n else i
    while nxt < n and text[nxt].isspace():
        nxt += 1
    return param, value, nxt


def param_eq(a: str, b: str) -> bool:
    """Linux's parameq(): '-' and '_' are the same character in names."""
    return a.replace("-", "_") == b.replace("-", "_")


def read_param_table(mem: AddressSpace, addr: int, count: int) -> list[ParamSpec]:
    """Decode ``count`` struct kernel_param entries at ``addr``."""
    specs = []
    for i in range(count):
        entry = addr + i * PARAM_SIZE
        raw = mem.read(entry, PARAM_SIZE)
        name_ptr = int.from_bytes(raw[0:8], "little")
        type_code = int.from_bytes(raw[16:20], "little")
        try:
            ptype = ParamType(type_code)
        except ValueError:
            raise InvalidArgument(f"parameter {i}: unknown type {type_code}") from None
        name = mem.read_cstr(name_ptr, 256).decode("utf-8", "replace")
        specs.append(
            ParamSpec(
                name=name,
                entry=entry,
                arg=int.from_bytes(raw[8:16], "little"),
                type=ptype,
                perm=int.from_bytes(raw[20:22], "little"),
                elem_size=int.from_bytes(raw[22:24], "little"),
                max=int.from_bytes(raw[24:28], "little"),
                num=int.from_bytes(raw[32:40], "little"),
            )
        )
    return specs


class _ParamError(Exception):
    def __init__(self, err: int):
        self.err = err


class _Setter:
    """Writes one parameter's values; raises _ParamError(errno) as Linux's set ops return."""

    def __init__(self, mem: AddressSpace, heap: Heap, module_name: str, log: Dmesg):
        self.mem = mem
        self.heap = heap
        self.module_name = module_name
        self.log = log

    def set_scalar(self, spec: ParamSpec, addr: int, value: str | None) -> None:
        t = spec.type
        if t in (ParamType.BOOL, ParamType.INVBOOL):
            err, flag = kstrtobool(b"1" if value is None else value.encode())
            if err:
                raise _ParamError(-err)
            if t is ParamType.INVBOOL:
                flag = not flag
            self._write(addr, int(flag), spec.elem_size or 1)
            return
        if value is None:
            raise _ParamError(errno.EINVAL)
        if t is ParamType.CHARP:
            self._set_charp(spec, addr, value)
            return
        bits, signed = _INT_TYPES[t]
        err, number = kstrto_bits(value.encode(), 0, bits, signed)
        if err:
            raise _ParamError(-err)
        self._write(addr, number, spec.elem_size or bits // 8)

    def _write(self, addr: int, value: int, size: int) -> None:
        self.mem.write(addr, (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))

    def _set_charp(self, spec: ParamSpec, addr: int, value: str) -> None:
        data = value.encode()
        if len(data) > CHARP_MAX:
            self.log.emit(LOGLEVEL_ERR, f"{spec.name}: string parameter too long\n")
            raise _ParamError(errno.ENOSPC)
        old = int.from_bytes(self.mem.read(addr, 8), "little")
        if old:
            alloc = self.heap.lookup(old)
            if alloc is not None and alloc.managed and alloc.owner == self.module_name:
                self.heap.free(old)
        ptr = self.heap.alloc(len(data) + 1, self.module_name, 0, managed=True)
        if not ptr:
            raise _ParamError(errno.ENOMEM)
        self.mem.write(ptr, data + b"\0")
        self.mem.write(addr, ptr.to_bytes(8, "little"))

    def set(self, spec: ParamSpec, value: str | None) -> None:
        if not spec.is_array:
            self.set_scalar(spec, spec.arg, value)
            return
        if value is None:
            raise _ParamError(errno.EINVAL)
        count = 0
        parts = value.split(",")
        try:
            for part in parts:
                if count == spec.max:
                    self.log.emit(
                        LOGLEVEL_ERR, f"{spec.name}: can only take {spec.max} arguments\n"
                    )
                    raise _ParamError(errno.EINVAL)
                self.set_scalar(spec, spec.arg + count * spec.elem_size, part)
                count += 1
        finally:
            if spec.num:
                self.mem.write(spec.num, count.to_bytes(4, "little"))


class ParamError(KernelError):
    """A value refused by a parameter's set operation (``.err`` is its errno)."""

    def __init__(self, err: int):
        super().__init__(os.strerror(err), err)
        self.err = err


def set_one(
    mem: AddressSpace, heap: Heap, spec: ParamSpec, value: str, module_name: str, log: Dmesg
) -> None:
    """One parameter set after load, as a write to /sys/module/NAME/parameters/P does."""
    try:
        _Setter(mem, heap, module_name, log).set(spec, value)
    except _ParamError as e:
        raise ParamError(e.err) from None


def apply(
    mem: AddressSpace,
    heap: Heap,
    specs: list[ParamSpec],
    args: list[tuple[str, str | None]] | str,
    module_name: str,
    log: Dmesg,
) -> None:
    """Set the module's parameters; raises InvalidArgument after logging every bad one."""
    if isinstance(args, str):
        rest = args_after_dashes(args)
        pairs = parse_args(args)
        if rest:
            log.emit(LOGLEVEL_WARNING, f"{module_name}: parameters '{rest}' after `--' ignored\n")
    else:
        pairs = args
    setter = _Setter(mem, heap, module_name, log)
    failure: int | None = None
    bad: list[str] = []
    for name, value in pairs:
        spec = next((s for s in specs if param_eq(s.name, name)), None)
        if spec is None:
            log.emit(LOGLEVEL_WARNING, f"{module_name}: unknown parameter '{name}' ignored\n")
            continue
        try:
            setter.set(spec, value)
        except _ParamError as e:
            shown = value if value is not None else ""
            if e.err == errno.ENOSPC:
                log.emit(
                    LOGLEVEL_ERR, f"{module_name}: `{shown}' too large for parameter `{name}'\n"
                )
            else:
                log.emit(LOGLEVEL_ERR, f"{module_name}: `{shown}' invalid for parameter `{name}'\n")
            failure = e.err
            bad.append(name)
    if failure is not None:
        raise InvalidArgument(f"invalid parameter {', '.join(bad)}", errno=failure)


def _read_elem(mem: AddressSpace, spec: ParamSpec, addr: int) -> str:
    t = spec.type
    if t in (ParamType.BOOL, ParamType.INVBOOL):
        flag = mem.read(addr, spec.elem_size or 1) != bytes(spec.elem_size or 1)
        if t is ParamType.INVBOOL:
            flag = not flag
        return "Y" if flag else "N"
    if t is ParamType.CHARP:
        ptr = int.from_bytes(mem.read(addr, 8), "little")
        if not ptr:
            return "(null)"
        return mem.read_cstr(ptr, CHARP_MAX + 1).decode("utf-8", "replace")
    bits, signed = _INT_TYPES[t]
    size = spec.elem_size or bits // 8
    return str(int.from_bytes(mem.read(addr, size), "little", signed=signed))


def format_value(mem: AddressSpace, spec: ParamSpec) -> str:
    """The value as /sys/module/NAME/parameters/P shows it (param_get_*)."""
    if not spec.is_array:
        return _read_elem(mem, spec, spec.arg)
    count = int.from_bytes(mem.read(spec.num, 4), "little") if spec.num else spec.max
    count = min(count, spec.max)
    return ",".join(_read_elem(mem, spec, spec.arg + i * spec.elem_size) for i in range(count))


def describe(spec: ParamSpec) -> dict[str, Any]:
    """Plain data for listings: name, type ("int", "array of charp"), perm."""
    tname = spec.type.type_name
    return {
        "name": spec.name,
        "type": f"array of {tname}" if spec.is_array else tname,
        "perm": spec.perm,
    }
