"""Splitting an insmod parameter string as Linux's kernel/params.c does."""

from __future__ import annotations

import pytest

from lkmsh.kernel.params import args_after_dashes, param_eq, parse_args


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   ", []),
        ("a=1", [("a", "1")]),
        ("a=1 b=two   c", [("a", "1"), ("b", "two"), ("c", None)]),
        ('who="big world"', [("who", "big world")]),
        ('"who=big world" n=2', [("who", "big world"), ("n", "2")]),
        ('s=""', [("s", "")]),
        ("s=", [("s", "")]),
        ("a=b=c", [("a", "b=c")]),
        ("nums=1,2,3", [("nums", "1,2,3")]),
        ('flag "quoted flag"', [("flag", None), ("quoted flag", None)]),
        ("\ta=1\n b=2 ", [("a", "1"), ("b", "2")]),
    ],
)
def test_parse_args(text, expected):
    assert parse_args(text) == expected


def test_double_dash_ends_the_parameters():
    text = "a=1 -- b=2 c"
    assert parse_args(text) == [("a", "1")]
    assert args_after_dashes(text) == "b=2 c"
    assert args_after_dashes("a=1") is None


def test_dash_and_underscore_are_the_same_in_names():
    assert param_eq("max_count", "max-count")
    assert param_eq("a-b_c", "a_b-c")
    assert not param_eq("maxcount", "max_count")


# -- applying values to a module's variables -----------------------------------

import errno  # noqa: E402
import struct  # noqa: E402

from lkmsh.errors import InvalidArgument  # noqa: E402
from lkmsh.kernel.dmesg import Dmesg  # noqa: E402
from lkmsh.kernel.heap import Heap  # noqa: E402
from lkmsh.kernel.memory import AddressSpace, Perm  # noqa: E402
from lkmsh.kernel.params import (  # noqa: E402
    KERNEL_TYPES,
    PARAM_SIZE,
    ParamType,
    apply,
    describe,
    format_value,
    read_param_table,
)

DATA = 0xFFFFFFFFA0002000
TYPE_SIZES = {"byte": 1, "short": 2, "ushort": 2, "int": 4, "uint": 4, "long": 8, "ulong": 8,
              "bool": 1, "invbool": 1, "charp": 8}  # fmt: skip


#: Where the kernel's struct kernel_param_ops would be (kernel_ops_map's result).
KERNEL_OPS = {0xFFFFFFFF82000000 + 32 * i: t for i, t in enumerate(KERNEL_TYPES)}
OPS_OF = {t: a for a, t in KERNEL_OPS.items()}


class ModuleImage:
    """A module's .data holding variables and the __param table, as module_param lays it out
    (struct kernel_param pointing at param_ops_<type>, or at param_array_ops and a
    struct kparam_array)."""

    def __init__(self, mem: AddressSpace):
        self.mem = mem
        mem.map(DATA, 0x2000, Perm.R | Perm.W, "hx:.data", "hx")
        self.cursor = DATA
        self.entries: list[bytes] = []
        self.vars: dict[str, int] = {}

    def _place(self, data: bytes) -> int:
        addr = self.cursor
        self.mem.write(addr, data)
        self.cursor += (len(data) + 7) // 8 * 8
        return addr

    def param(self, name: str, ptype: str, initial: bytes = b"", count: int = 0) -> int:
        size = TYPE_SIZES[ptype]
        var = self._place(initial.ljust(size * max(count, 1), b"\0"))
        num = self._place(b"\xee" * 4) if count else 0
        name_ptr = self._place(name.encode() + b"\0")
        ops = OPS_OF[ParamType[ptype.upper()]]
        arg = var
        if count:
            arr = struct.pack("<IIQQQ", count, size, num, ops, var)
            arg = self._place(arr)
            ops = OPS_OF[ParamType.ARRAY]
        self.entries.append(struct.pack("<QQQHbBxxxxQ", name_ptr, 0, ops, 0o644, -1, 0, arg))
        self.vars[name] = var
        if count:
            self.vars[name + "#"] = num
        return var

    def table(self) -> tuple[int, int]:
        addr = self._place(b"".join(self.entries))
        return addr, len(self.entries)


@pytest.fixture
def image():
    return ModuleImage(AddressSpace())


@pytest.fixture
def log():
    return Dmesg()


def load(image: ModuleImage, log: Dmesg, text: str, heap: Heap | None = None):
    heap = heap or Heap(image.mem)
    addr, count = image.table()
    specs = read_param_table(image.mem, addr, count, KERNEL_OPS)
    apply(image.mem, heap, specs, parse_args(text), "hx", log)
    return specs, heap


def u(image, name, size, signed=False):
    return int.from_bytes(image.mem.read(image.vars[name], size), "little", signed=signed)


def test_table_decodes_every_field(image):
    image.param("times", "int", (3).to_bytes(4, "little"))
    image.param("nums", "ushort", count=4)
    addr, count = image.table()
    times, nums = read_param_table(image.mem, addr, count, KERNEL_OPS)
    assert (times.name, times.type, times.elem_size, times.max, times.num) == (
        "times", ParamType.INT, 4, 0, 0,
    )  # fmt: skip
    assert times.entry == addr and nums.entry == addr + PARAM_SIZE
    assert (nums.type, nums.max, nums.perm) == (ParamType.USHORT, 4, 0o644)
    assert nums.num == image.vars["nums#"]
    assert describe(nums) == {"name": "nums", "type": "array of ushort", "perm": 0o644}


def test_integer_types_and_their_ranges(image, log):
    for name in ("byte", "short", "ushort", "int", "uint", "long", "ulong"):
        image.param(name, name)
    load(image, log, "byte=0xff short=-32768 ushort=65535 int=-7 uint=0x80000000 "
                     "long=-9223372036854775808 ulong=18446744073709551615")  # fmt: skip
    assert u(image, "byte", 1) == 255
    assert u(image, "short", 2, signed=True) == -32768
    assert u(image, "ushort", 2) == 65535
    assert u(image, "int", 4, signed=True) == -7
    assert u(image, "uint", 4) == 0x80000000
    assert u(image, "long", 8, signed=True) == -(2**63)
    assert u(image, "ulong", 8) == 2**64 - 1
    assert log.records() == []


@pytest.mark.parametrize(
    ("ptype", "value", "err"),
    [("byte", "256", errno.ERANGE), ("short", "32768", errno.ERANGE),
     ("ushort", "-1", errno.EINVAL), ("int", "2147483648", errno.ERANGE),
     ("uint", "4294967296", errno.ERANGE), ("int", "abc", errno.EINVAL),
     ("int", "12 ", errno.EINVAL), ("long", "", errno.EINVAL)],
)  # fmt: skip
def test_out_of_range_or_malformed_values_are_invalid(image, log, ptype, value, err):
    """As Linux: the message says "invalid", the errno is kstrto*'s (insmod shows it)."""
    var = image.param("v", ptype, b"\x05")
    before = image.mem.read(var, TYPE_SIZES[ptype])
    with pytest.raises(InvalidArgument) as exc:
        load(image, log, f'v="{value}"')
    assert exc.value.errno == err
    assert [r.text for r in log.records()] == [f"hx: `{value}' invalid for parameter `v'"]
    assert image.mem.read(var, TYPE_SIZES[ptype]) == before


def test_a_bad_value_does_not_stop_the_other_parameters(image, log):
    image.param("a", "int")
    image.param("b", "int")
    with pytest.raises(InvalidArgument):
        load(image, log, "a=x b=2")
    assert u(image, "b", 4) == 2


def test_unknown_parameters_are_ignored_with_a_warning(image, log):
    image.param("known", "int")
    load(image, log, "foo=1 known=4 bar")
    assert [(r.level, r.text) for r in log.records()] == [
        (4, "hx: unknown parameter 'foo' ignored"),
        (4, "hx: unknown parameter 'bar' ignored"),
    ]
    assert u(image, "known", 4) == 4


def test_names_match_with_dashes_or_underscores(image, log):
    image.param("max_count", "uint")
    load(image, log, "max-count=9")
    assert u(image, "max_count", 4) == 9


@pytest.mark.parametrize(
    ("text", "expected"),
    [("flag", 1), ("flag=y", 1), ("flag=Y", 1), ("flag=1", 1), ("flag=on", 1), ("flag=true", 1),
     ("flag=n", 0), ("flag=N", 0), ("flag=0", 0), ("flag=off", 0), ("flag=false", 0)],
)  # fmt: skip
def test_bools(image, log, text, expected):
    image.param("flag", "bool", b"\x07")
    load(image, log, text)
    assert u(image, "flag", 1) == expected


def test_invbool_stores_the_opposite(image, log):
    image.param("quiet", "invbool")
    load(image, log, "quiet=n")
    assert u(image, "quiet", 1) == 1
    addr, count = image.table()
    (spec,) = read_param_table(image.mem, addr, count, KERNEL_OPS)
    assert format_value(image.mem, spec) == "N"


def test_bad_bool_and_missing_int_value(image, log):
    image.param("flag", "bool")
    image.param("n", "int")
    with pytest.raises(InvalidArgument):
        load(image, log, "flag=maybe n")
    assert [r.text for r in log.records()] == [
        "hx: `maybe' invalid for parameter `flag'",
        "hx: `' invalid for parameter `n'",
    ]


def test_charp_is_copied_to_the_heap_as_managed_memory(image, log):
    image.param("who", "charp")
    specs, heap = load(image, log, 'who="big world"')
    ptr = u(image, "who", 8)
    assert image.mem.read_cstr(ptr) == b"big world"
    (alloc,) = heap.allocations("hx")
    assert alloc.addr == ptr and alloc.managed
    assert format_value(image.mem, specs[0]) == "big world"
    assert heap.reclaim("hx") == []  # freed on unload, never a leak


def test_charp_given_twice_frees_the_first_copy(image, log):
    image.param("who", "charp")
    _, heap = load(image, log, "who=first who=second")
    assert [image.mem.read_cstr(a.addr) for a in heap.allocations("hx")] == [b"second"]


def test_charp_too_long_is_enospc(image, log):
    image.param("who", "charp")
    with pytest.raises(InvalidArgument) as exc:
        load(image, log, "who=" + "x" * 1025)
    assert exc.value.errno == errno.ENOSPC
    texts = [r.text for r in log.records()]
    assert texts[0] == "who: string parameter too long"
    assert texts[1].startswith("hx: `xxx")  # (a dmesg line is cut at 992 bytes, as Linux)


def test_arrays_fill_elements_and_count(image, log):
    image.param("nums", "int", count=4)
    specs, _ = load(image, log, "nums=1,-2,0x10")
    raw = image.mem.read(image.vars["nums"], 16)
    assert struct.unpack("<4i", raw) == (1, -2, 16, 0)
    assert u(image, "nums#", 4) == 3
    assert format_value(image.mem, specs[0]) == "1,-2,16"


def test_array_overflow_and_bad_element(image, log):
    image.param("nums", "short", count=2)
    with pytest.raises(InvalidArgument):
        load(image, log, "nums=1,2,3")
    assert [r.text for r in log.records()] == [
        "nums: can only take 2 arguments",
        "hx: `1,2,3' invalid for parameter `nums'",
    ]
    assert u(image, "nums#", 4) == 2


def test_array_of_charp_and_bool(image, log):
    image.param("names", "charp", count=3)
    image.param("bits", "bool", count=3)
    specs, _ = load(image, log, "names=a,bc bits=y,n,1")
    by_name = {s.name: s for s in specs}
    assert format_value(image.mem, by_name["names"]) == "a,bc"
    assert format_value(image.mem, by_name["bits"]) == "Y,N,Y"


def test_parameters_after_dashes_are_ignored(image, log):
    image.param("a", "int")
    addr, count = image.table()
    specs = read_param_table(image.mem, addr, count, KERNEL_OPS)
    apply(image.mem, Heap(image.mem), specs, "a=1 -- a=2", "hx", log)
    assert u(image, "a", 4) == 1
    assert [r.text for r in log.records()] == ["hx: parameters 'a=2' after `--' ignored"]


def test_format_values_of_scalars(image, log):
    image.param("count", "int", (-3).to_bytes(4, "little", signed=True))
    image.param("name", "charp")
    image.param("on", "bool", b"\x01")
    addr, count = image.table()
    specs = read_param_table(image.mem, addr, count, KERNEL_OPS)
    assert [format_value(image.mem, s) for s in specs] == ["-3", "(null)", "Y"]
