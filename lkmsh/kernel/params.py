"""Module parameters: ``insmod m.ko a=1 s="x y" arr=1,2`` with Linux's rules.

``parse_args`` splits the command line as kernel/params.c's next_arg does;
``read_param_table`` decodes a module's ``__param`` entries (Linux's struct
kernel_param: the kernel's ``param_ops_<type>``, ``param_array_ops`` with a
struct kparam_array, ``param_ops_string`` with a struct kparam_string, or a
module's own struct kernel_param_ops); ``apply`` sets the values with
Linux's semantics and messages, the kernel's types here and a module's own
ops by calling its ``set(val, kp)``:

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
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lkmsh.errors import InvalidArgument, KernelError
from lkmsh.kernel.cstructs import cstruct
from lkmsh.kernel.kapi.kstrtox import kstrto_bits, kstrtobool

if TYPE_CHECKING:
    from lkmsh.kernel.dmesg import Dmesg
    from lkmsh.kernel.heap import Heap
    from lkmsh.kernel.memory import AddressSpace, CheckedAccess

    #: what parameters are read and written through: the address space, or the
    #: permission-checked view kernel functions get
    Memory = AddressSpace | CheckedAccess

KERNEL_PARAM = cstruct(
    "struct kernel_param",
    "linux/moduleparam.h",
    40,
    name=(0, 8),
    mod=(8, 8),
    ops=(16, 8),
    perm=(24, 2),
    level=(26, 1),
    flags=(27, 1),
    arg=(32, 8),
)
KERNEL_PARAM_OPS = cstruct(
    "struct kernel_param_ops",
    "linux/moduleparam.h",
    32,
    flags=(0, 4),
    set=(8, 8),
    get=(16, 8),
    free=(24, 8),
)
KPARAM_STRING = cstruct(
    "struct kparam_string", "linux/moduleparam.h", 16, maxlen=(0, 4), string=(8, 8)
)
KPARAM_ARRAY = cstruct(
    "struct kparam_array",
    "linux/moduleparam.h",
    32,
    max=(0, 4),
    elemsize=(4, 4),
    num=(8, 8),
    ops=(16, 8),
    elem=(24, 8),
)
PARAM_SIZE = KERNEL_PARAM.size
KERNEL_PARAM_OPS_FL_NOARG = 1
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
    ULLONG = 11
    HEXINT = 12
    BINT = 13
    BOOL_ENABLE_ONLY = 14
    STRING = 15  # module_param_string: a char array behind a struct kparam_string
    CUSTOM = 16  # module_param_cb with the module's own struct kernel_param_ops
    ARRAY = 17  # param_array_ops (only as an ops marker: a spec has its element type)

    @property
    def type_name(self) -> str:
        return self.name.lower()

    @property
    def ops_symbol(self) -> str:
        """The kernel's struct kernel_param_ops for this type."""
        return "param_array_ops" if self is ParamType.ARRAY else f"param_ops_{self.type_name}"


#: Types whose kernel ops the kernel exports (param_ops_<type>, param_array_ops).
KERNEL_TYPES = tuple(t for t in ParamType if t is not ParamType.CUSTOM)
#: Types that take no value ("insmod m.ko flag"): their ops have KERNEL_PARAM_OPS_FL_NOARG.
NOARG_TYPES = frozenset(
    {ParamType.BOOL, ParamType.INVBOOL, ParamType.BINT, ParamType.BOOL_ENABLE_ONLY}
)

# (bits, signed) of each integer type, as kstrtou8/kstrtos16/... check them.
_INT_TYPES: dict[ParamType, tuple[int, bool]] = {
    ParamType.BYTE: (8, False),
    ParamType.SHORT: (16, True),
    ParamType.USHORT: (16, False),
    ParamType.INT: (32, True),
    ParamType.UINT: (32, False),
    ParamType.LONG: (64, True),
    ParamType.ULONG: (64, False),
    ParamType.ULLONG: (64, False),
    ParamType.HEXINT: (32, False),
}
#: Bytes of one value of each kernel type (the C type param_check_<type> demands).
SIZES: dict[ParamType, int] = {
    **{t: bits // 8 for t, (bits, _) in _INT_TYPES.items()},
    ParamType.BOOL: 1,
    ParamType.INVBOOL: 1,
    ParamType.BOOL_ENABLE_ONLY: 1,
    ParamType.BINT: 4,
    ParamType.CHARP: 8,
}


def kernel_ops_map(resolve: Callable[[str], int | None]) -> dict[int, ParamType]:
    """Address of each kernel struct kernel_param_ops -> its type (``resolve``: a symbol's address)."""
    out: dict[int, ParamType] = {}
    for t in KERNEL_TYPES:
        addr = resolve(t.ops_symbol)
        if addr:
            out[addr] = t
    return out


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
    ops: int = 0  # the (element) struct kernel_param_ops; a CUSTOM one is called
    maxlen: int = 0  # module_param_string's buffer size

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


def _raw(value: str) -> bytes:
    """A parameter value's bytes: the command line's own (insmod passes bytes, and
    undecodable ones arrive as surrogateescape characters), so who=$'\\xff' stores 0xff."""
    return value.encode("utf-8", "surrogateescape")


def _natural_size(spec: ParamSpec) -> int:
    if spec.type is ParamType.STRING:
        return spec.maxlen
    return SIZES.get(spec.type, 8)


def check_targets(mem: Memory, specs: list[ParamSpec], owner: str) -> None:
    """Every parameter's variable (and array count) must lie, whole, in the module's
    own writable memory: a crafted ``__param`` entry cannot aim insmod's writes at
    kernel text or another module. Raises ElfError (ENOEXEC) naming the entry."""
    from lkmsh.errors import ElfError
    from lkmsh.kernel.memory import Perm

    for spec in specs:
        if spec.type is ParamType.CUSTOM:
            continue  # the module's own set() writes, as its own code
        size = spec.elem_size or _natural_size(spec)
        if spec.is_array and not spec.elem_size:
            raise ElfError(f"{owner}: parameter {spec.name}: array of elements of size 0")
        targets = [(spec.arg, size * max(spec.max, 1))]
        if spec.num:
            targets.append((spec.num, 4))
        for at, n in targets:
            end = at + n
            ok = end <= 1 << 64
            while ok and at < end:
                region = mem.region_at(at)
                ok = region is not None and region.owner == owner
                if ok:
                    step = min(end, region.end) - at
                    try:
                        mem.check_access(at, step, Perm.W)
                    except KernelError:
                        ok = False
                    at += step
            if not ok:
                raise ElfError(
                    f"{owner}: parameter {spec.name}: {n} bytes at {at:#x}"
                    " are not the module's own writable memory"
                )


def read_param_table(
    mem: Memory, addr: int, count: int, kernel_ops: dict[int, ParamType]
) -> list[ParamSpec]:
    """Decode ``count`` struct kernel_param entries at ``addr``.

    ``kernel_ops`` (kernel_ops_map) tells the kernel's ops from a module's own.
    """
    specs = []
    for i in range(count):
        entry = addr + i * PARAM_SIZE
        raw = mem.read(entry, PARAM_SIZE)

        def field(name: str, blob: bytes = raw, struct=KERNEL_PARAM) -> int:
            f = struct.field(name)
            return int.from_bytes(blob[f.offset : f.offset + f.size], "little")

        name = mem.read_cstr(field("name"), 256).decode("utf-8", "replace")
        ops, arg, perm = field("ops"), field("arg"), field("perm")
        ptype = kernel_ops.get(ops, ParamType.CUSTOM)
        if ptype is ParamType.ARRAY:
            arr = mem.read(arg, KPARAM_ARRAY.size)
            elem_ops = field("ops", arr, KPARAM_ARRAY)
            specs.append(
                ParamSpec(
                    name,
                    entry,
                    field("elem", arr, KPARAM_ARRAY),
                    kernel_ops.get(elem_ops, ParamType.CUSTOM),
                    perm,
                    field("elemsize", arr, KPARAM_ARRAY),
                    field("max", arr, KPARAM_ARRAY),
                    field("num", arr, KPARAM_ARRAY),
                    elem_ops,
                )
            )
        elif ptype is ParamType.STRING:
            kps = mem.read(arg, KPARAM_STRING.size)
            string = field("string", kps, KPARAM_STRING)
            maxlen = field("maxlen", kps, KPARAM_STRING)
            specs.append(ParamSpec(name, entry, string, ptype, perm, 1, 0, 0, ops, maxlen))
        else:
            specs.append(ParamSpec(name, entry, arg, ptype, perm, SIZES.get(ptype, 0), 0, 0, ops))
    return specs


class _ParamError(Exception):
    def __init__(self, err: int):
        self.err = err


#: Runs module code: (function address, arguments) -> the raw return register.
ModuleCall = Callable[[int, list[int]], int]


def _int32(raw: int) -> int:
    raw &= 0xFFFFFFFF
    return raw - (1 << 32) if raw & 0x80000000 else raw


def _kernel_string(mem: Memory, heap: Heap, value: str) -> int:
    from lkmsh.kernel.heap import KERNEL_OWNER

    data = _raw(value)
    ptr = heap.alloc(len(data) + 1, KERNEL_OWNER, 0, managed=True)
    if not ptr:
        raise _ParamError(errno.ENOMEM)
    mem.write(ptr, data + b"\0")
    return ptr


@contextmanager
def _element_param(mem: Memory, heap: Heap, spec: ParamSpec, addr: int):
    """The struct kernel_param to hand an element's ops: the entry, or (for an array
    element) a copy whose arg is the element, as param_array_set/get make."""
    if not spec.is_array:
        yield spec.entry
        return
    from lkmsh.kernel.heap import KERNEL_OWNER

    kp = heap.alloc(PARAM_SIZE, KERNEL_OWNER, 0, managed=True)
    if not kp:
        raise _ParamError(errno.ENOMEM)
    try:
        mem.write(kp, mem.read(spec.entry, PARAM_SIZE))
        mem.write_u64(kp + KERNEL_PARAM.off("arg"), addr)
        yield kp
    finally:
        heap.free(kp)


class _Setter:
    """Writes one parameter's values; raises _ParamError(errno) as Linux's set ops return."""

    def __init__(
        self,
        mem: Memory,
        heap: Heap,
        module_name: str,
        log: Dmesg,
        call: ModuleCall | None = None,
    ):
        self.mem = mem
        self.heap = heap
        self.module_name = module_name
        self.log = log
        self.call = call

    def set_scalar(self, spec: ParamSpec, addr: int, value: str | None) -> None:
        t = spec.type
        if t is ParamType.CUSTOM:
            self._set_custom(spec, addr, value)
            return
        if t in NOARG_TYPES:
            err, flag = kstrtobool(b"1" if value is None else _raw(value))
            if err:
                raise _ParamError(-err)
            if t is ParamType.INVBOOL:
                flag = not flag
            if t is ParamType.BOOL_ENABLE_ONLY and not flag and self.mem.read_u8(addr):
                raise _ParamError(errno.EROFS)  # "Don't let them unset it once it's set!"
            self._write(addr, int(flag), spec.elem_size or SIZES[t])
            return
        if value is None:
            raise _ParamError(errno.EINVAL)
        if t is ParamType.CHARP:
            self._set_charp(spec, addr, value)
            return
        if t is ParamType.STRING:
            data = _raw(value)
            if len(data) + 1 > spec.maxlen:
                self.log.emit(
                    LOGLEVEL_ERR, f"{spec.name}: string doesn't fit in {spec.maxlen - 1} chars.\n"
                )
                raise _ParamError(errno.ENOSPC)
            self.mem.write(addr, data + b"\0")
            return
        bits, signed = _INT_TYPES[t]
        err, number = kstrto_bits(_raw(value), 0, bits, signed)
        if err:
            raise _ParamError(-err)
        self._write(addr, number, spec.elem_size or bits // 8)

    def _set_custom(self, spec: ParamSpec, addr: int, value: str | None) -> None:
        """A module's own ops->set(val, kp), run as module code."""
        flags = self.mem.read_u32(spec.ops + KERNEL_PARAM_OPS.off("flags"))
        setfn = self.mem.read_u64(spec.ops + KERNEL_PARAM_OPS.off("set"))
        if value is None and not flags & KERNEL_PARAM_OPS_FL_NOARG:
            raise _ParamError(errno.EINVAL)
        if not setfn or self.call is None:
            raise _ParamError(errno.EPERM)
        val = _kernel_string(self.mem, self.heap, value) if value is not None else 0
        with _element_param(self.mem, self.heap, spec, addr) as kp:
            try:
                ret = _int32(self.call(setfn, [val, kp]))
            finally:
                if val:
                    self.heap.free(val)
        if ret < 0:
            raise _ParamError(-ret)

    def _write(self, addr: int, value: int, size: int) -> None:
        self.mem.write(addr, (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))

    def _set_charp(self, spec: ParamSpec, addr: int, value: str) -> None:
        data = _raw(value)
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
    mem: Memory,
    heap: Heap,
    spec: ParamSpec,
    value: str | None,
    module_name: str,
    log: Dmesg,
    call: ModuleCall | None = None,
) -> None:
    """One parameter set after load, as a write to /sys/module/NAME/parameters/P does."""
    try:
        _Setter(mem, heap, module_name, log, call).set(spec, value)
    except _ParamError as e:
        raise ParamError(e.err) from None


def apply(
    mem: Memory,
    heap: Heap,
    specs: list[ParamSpec],
    args: list[tuple[str, str | None]] | str,
    module_name: str,
    log: Dmesg,
    call: ModuleCall | None = None,
    unknown: Callable[[str, str | None], bool] | None = None,
) -> None:
    """Set the module's parameters; raises InvalidArgument after logging every bad one.

    ``unknown`` takes a name no parameter has (dynamic debug's ``dyndbg``) and says
    whether it was its, as load_module()'s unknown_module_param_cb.

    ``call`` runs module code (a module_param_cb's set); without it such a
    parameter is refused with -EPERM.
    """
    if isinstance(args, str):
        rest = args_after_dashes(args)
        pairs = parse_args(args)
        if rest:
            log.emit(LOGLEVEL_WARNING, f"{module_name}: parameters '{rest}' after `--' ignored\n")
    else:
        pairs = args
    setter = _Setter(mem, heap, module_name, log, call)
    failure: int | None = None
    bad: list[str] = []
    for name, value in pairs:
        spec = next((s for s in specs if param_eq(s.name, name)), None)
        if spec is None:
            if unknown is None or not unknown(name, value):
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


def _read_elem(mem: Memory, spec: ParamSpec, addr: int) -> str:
    t = spec.type
    if t in (ParamType.BOOL, ParamType.INVBOOL, ParamType.BOOL_ENABLE_ONLY):
        flag = mem.read(addr, spec.elem_size or 1) != bytes(spec.elem_size or 1)
        if t is ParamType.INVBOOL:
            flag = not flag
        return "Y" if flag else "N"
    if t is ParamType.CHARP:
        ptr = int.from_bytes(mem.read(addr, 8), "little")
        if not ptr:
            return "(null)"
        return mem.read_cstr(ptr, CHARP_MAX + 1).decode("utf-8", "replace")
    if t is ParamType.STRING:
        return mem.read_cstr(addr, max(spec.maxlen, 1)).decode("utf-8", "replace")
    if t is ParamType.BINT:
        return str(int.from_bytes(mem.read(addr, 4), "little", signed=True))
    if t is ParamType.CUSTOM:
        raise _ParamError(errno.EPERM)
    bits, signed = _INT_TYPES[t]
    size = spec.elem_size or bits // 8
    value = int.from_bytes(mem.read(addr, size), "little", signed=signed)
    return f"{value:#08x}" if t is ParamType.HEXINT else str(value)


def _count(mem: Memory, spec: ParamSpec) -> int:
    count = int.from_bytes(mem.read(spec.num, 4), "little") if spec.num else spec.max
    return min(count, spec.max)


def format_value(mem: Memory, spec: ParamSpec) -> str:
    """The value of a kernel-typed parameter as param_get_* shows it (without the newline)."""
    if not spec.is_array:
        return _read_elem(mem, spec, spec.arg)
    return ",".join(
        _read_elem(mem, spec, spec.arg + i * spec.elem_size) for i in range(_count(mem, spec))
    )


def sysfs_text(mem: Memory, heap: Heap, spec: ParamSpec, call: ModuleCall | None = None) -> bytes:
    """What reading /sys/module/NAME/parameters/P gives: ops->get's text (param_attr_show).

    A module's own get runs as module code into a page; an array's elements
    are joined by commas, as param_array_get joins them.
    """
    if spec.type is not ParamType.CUSTOM:
        try:
            return (format_value(mem, spec) + "\n").encode()
        except _ParamError as e:
            raise ParamError(e.err) from None
    getfn = mem.read_u64(spec.ops + KERNEL_PARAM_OPS.off("get"))
    if not getfn or call is None:
        raise ParamError(errno.EPERM)
    from lkmsh.kernel.heap import KERNEL_OWNER

    page = heap.alloc(4096, KERNEL_OWNER, 0, zero=True, managed=True)
    if not page:
        raise ParamError(errno.ENOMEM)
    try:
        elems = [spec.arg + i * spec.elem_size for i in range(_count(mem, spec))]
        out = bytearray()
        for addr in elems if spec.is_array else [spec.arg]:
            if out and out.endswith(b"\n"):
                out[-1:] = b","
            with _element_param(mem, heap, spec, addr) as kp:
                ret = _int32(call(getfn, [page, kp]))
            if ret < 0:
                raise ParamError(-ret)
            out += mem.read(page, min(ret, 4096))
        return bytes(out[:4096])
    except _ParamError as e:
        raise ParamError(e.err) from None
    finally:
        heap.free(page)


def describe(spec: ParamSpec) -> dict[str, Any]:
    """Plain data for listings: name, type ("int", "array of charp"), perm."""
    tname = spec.type.type_name
    return {
        "name": spec.name,
        "type": f"array of {tname}" if spec.is_array else tname,
        "perm": spec.perm,
    }
