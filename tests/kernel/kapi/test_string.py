"""The Python str* functions, the sprintf family and kstrto* on real module memory, with C's
results (mem*, strlen, strcmp, strcpy, strchr... are klib's C: tests/kunit/test_klib.py)."""

from __future__ import annotations

import errno

import pytest
from kapi_harness import call

MASK64 = (1 << 64) - 1


def s64(v: int) -> int:
    """rax as the C caller reads a signed result."""
    v &= MASK64
    return v - (1 << 64) if v >> 63 else v


def test_strcat_strncat(mini):
    buf = mini.alloc_data(b"abc\0" + b"\xcc" * 28)
    call(mini, "strcat", buf, mini.cstring("def"))
    assert mini.mem.read(buf, 7) == b"abcdef\0"
    call(mini, "strncat", buf, mini.cstring("ghijk"), 2)
    assert mini.mem.read(buf, 9) == b"abcdefgh\0"


def test_strncpy_pads_and_does_not_terminate_on_truncation(mini):
    buf = mini.buffer(8)
    call(mini, "strncpy", buf, mini.cstring("ab"), 6)
    assert mini.mem.read(buf, 8) == b"ab\0\0\0\0\xcc\xcc"
    buf2 = mini.buffer(8)
    call(mini, "strncpy", buf2, mini.cstring("abcdefgh"), 4)
    assert mini.mem.read(buf2, 8) == b"abcd\xcc\xcc\xcc\xcc"


def test_strscpy_returns_length_or_e2big(mini):
    buf = mini.buffer(8)
    assert call(mini, "strscpy", buf, mini.cstring("abc"), 8) == 3
    assert mini.mem.read(buf, 5) == b"abc\0\xcc"  # no padding
    assert s64(call(mini, "strscpy", buf, mini.cstring("abcdefghij"), 8)) == -errno.E2BIG
    assert mini.mem.read(buf, 8) == b"abcdefg\0"  # truncated but terminated
    assert s64(call(mini, "strscpy", buf, mini.cstring("x"), 0)) == -errno.E2BIG
    assert call(mini, "strscpy", buf, mini.cstring("1234567"), 8) == 7  # exactly fits


def test_comparisons_return_linux_values(mini):
    a, b, c = mini.cstring("apple"), mini.cstring("apricot"), mini.cstring("APPLE")
    assert call(mini, "strcasecmp", a, c) == 0
    assert s64(call(mini, "strcasecmp", a, b)) == ord("p") - ord("r")


def test_searching(mini):
    s = mini.cstring("a/b/c")
    assert call(mini, "strstr", s, mini.cstring("b/c")) == s + 2
    assert call(mini, "strstr", s, mini.cstring("")) == s
    assert call(mini, "strstr", s, mini.cstring("cc")) == 0


def test_sprintf_family(mini):
    buf = mini.buffer(64)
    fmt = mini.cstring("%s=%d")
    name = mini.cstring("count")
    assert call(mini, "sprintf", buf, fmt, name, -5) == 8
    assert mini.mem.read(buf, 9) == b"count=-5\0"
    small = mini.buffer(6)
    assert call(mini, "snprintf", small, 6, fmt, name, 12345) == 11  # the full length
    assert mini.mem.read(small, 6) == b"count\0"
    assert call(mini, "scnprintf", small, 6, fmt, name, 12345) == 5  # what was written
    assert call(mini, "scnprintf", small, 0, fmt, name, 1) == 0
    untouched = mini.buffer(4)
    assert call(mini, "snprintf", untouched, 0, fmt, name, 1) == 7
    assert mini.mem.read(untouched, 4) == b"\xcc" * 4


def test_vsnprintf_reads_an_x86_64_va_list(mini):
    # After two named arguments in registers, gp_offset is 16: the next
    # variadic arguments are rdx, rcx, r8, r9 in the register save area,
    # then the stack (overflow_arg_area).
    regs = [0xAAAA, 0xBBBB, 7, mini.cstring("seven"), 0x10, 0x20]
    reg_save = mini.alloc_data(b"".join(r.to_bytes(8, "little") for r in regs))
    stack = mini.alloc_data((99).to_bytes(8, "little") + (100).to_bytes(8, "little"))
    ap = mini.alloc_data(
        (16).to_bytes(4, "little") + (48).to_bytes(4, "little")
        + stack.to_bytes(8, "little") + reg_save.to_bytes(8, "little")
    )  # fmt: skip
    buf = mini.buffer(64)
    fmt = mini.cstring("%d %s %x %x %d %d")
    n = call(mini, "vsnprintf", buf, 64, fmt, ap)
    assert mini.mem.read(buf, n + 1) == b"7 seven 10 20 99 100\0"


@pytest.mark.parametrize(
    ("func", "text", "base", "ret", "value", "size"),
    [
        ("kstrtoint", "0x10", 0, 0, 16, 4),
        ("kstrtoint", "-2147483648\n", 10, 0, -(2**31), 4),
        ("kstrtoint", "2147483648", 10, -errno.ERANGE, None, 4),
        ("kstrtoint", "12abc", 10, -errno.EINVAL, None, 4),
        ("kstrtouint", "-1", 10, -errno.EINVAL, None, 4),
        ("kstrtouint", "4294967295", 0, 0, 2**32 - 1, 4),
        ("kstrtol", "-9223372036854775808", 0, 0, -(2**63), 8),
        ("kstrtoul", "0777", 0, 0, 0o777, 8),
        ("kstrtoll", "9223372036854775808", 0, -errno.ERANGE, None, 8),
        ("kstrtoull", "18446744073709551615", 0, 0, 2**64 - 1, 8),
    ],
)
def test_kstrto(mini, func, text, base, ret, value, size):
    res = mini.buffer(8)
    assert s64(call(mini, func, mini.cstring(text), base, res)) == ret
    stored = int.from_bytes(
        mini.mem.read(res, size), "little", signed=value is not None and value < 0
    )
    if value is None:
        assert mini.mem.read(res, 8) == b"\xcc" * 8  # untouched on error
    else:
        assert stored == value


def test_kstrtobool(mini):
    res = mini.buffer(1)
    assert call(mini, "kstrtobool", mini.cstring("on"), res) == 0
    assert mini.mem.read(res, 1) == b"\x01"
    assert call(mini, "kstrtobool", mini.cstring("N"), res) == 0
    assert mini.mem.read(res, 1) == b"\x00"
    assert s64(call(mini, "kstrtobool", mini.cstring("maybe"), res)) == -errno.EINVAL


def test_simple_strtoul_sets_endp(mini):
    s = mini.cstring("0x1fg")
    endp = mini.buffer(8)
    assert call(mini, "simple_strtoul", s, endp, 0) == 0x1F
    assert int.from_bytes(mini.mem.read(endp, 8), "little") == s + 4
    assert s64(call(mini, "simple_strtol", mini.cstring("-42z"), 0, 10)) == -42
