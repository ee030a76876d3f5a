"""Linux's string-to-integer rules, shared by kstrto*, simple_strto* and module parameters."""

from __future__ import annotations

import errno

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lkmsh.kernel.kapi import kstrtox as K

EINVAL, ERANGE = -errno.EINVAL, -errno.ERANGE


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        (b"42", 0, (0, 42)),
        (b"0x2a", 0, (0, 42)),
        (b"0X2A", 0, (0, 42)),
        (b"052", 0, (0, 42)),  # a leading 0 means octal
        (b"0", 0, (0, 0)),
        (b"2a", 16, (0, 42)),
        (b"0x2a", 16, (0, 42)),
        (b"101010", 2, (0, 42)),
        (b"42\n", 10, (0, 42)),  # one trailing newline is allowed (sysfs writes)
        (b"+42", 10, (0, 42)),
        (b"42\n\n", 10, (EINVAL, 0)),
        (b" 42", 10, (EINVAL, 0)),
        (b"42 ", 10, (EINVAL, 0)),
        (b"", 10, (EINVAL, 0)),
        (b"0x", 0, (EINVAL, 0)),  # no hex digit: octal "0" then junk
        (b"08", 0, (EINVAL, 0)),
        (b"-1", 10, (EINVAL, 0)),  # unsigned parsers take no sign
        (b"18446744073709551615", 10, (0, 2**64 - 1)),
        (b"18446744073709551616", 10, (ERANGE, 0)),
        (b"99999999999999999999999x", 10, (ERANGE, 0)),  # overflow wins over junk
    ],
)
def test_kstrtoull(text, base, expected):
    assert K.kstrtoull(text, base) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"-42", (0, -42)),
        (b"-0", (0, 0)),
        (b"-9223372036854775808", (0, -(2**63))),
        (b"-9223372036854775809", (ERANGE, 0)),
        (b"9223372036854775807", (0, 2**63 - 1)),
        (b"9223372036854775808", (ERANGE, 0)),
        (b"--1", (EINVAL, 0)),
        (b"-", (EINVAL, 0)),
    ],
)
def test_kstrtoll(text, expected):
    assert K.kstrtoll(text, 10) == expected


def test_kstrtoint_range_checks_to_32_bits():
    assert K.kstrto_bits(b"2147483647", 0, 32, True) == (0, 2147483647)
    assert K.kstrto_bits(b"2147483648", 0, 32, True) == (ERANGE, 0)
    assert K.kstrto_bits(b"-2147483648", 0, 32, True) == (0, -(2**31))
    assert K.kstrto_bits(b"4294967295", 0, 32, False) == (0, 2**32 - 1)
    assert K.kstrto_bits(b"0x100", 0, 8, False) == (ERANGE, 0)
    assert K.kstrto_bits(b"0xff\n", 0, 8, False) == (0, 255)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"y", (0, True)), (b"Y", (0, True)), (b"1", (0, True)), (b"yes", (0, True)),
        (b"on", (0, True)), (b"ON", (0, True)), (b"true", (0, True)),
        (b"n", (0, False)), (b"N", (0, False)), (b"0", (0, False)), (b"no", (0, False)),
        (b"off", (0, False)), (b"false", (0, False)),
        (b"o", (EINVAL, False)), (b"", (EINVAL, False)), (b"maybe", (EINVAL, False)),
        (b"2", (EINVAL, False)),
    ],
)  # fmt: skip
def test_kstrtobool_looks_at_the_first_characters(text, expected):
    assert K.kstrtobool(text) == expected


def test_simple_strtoul_stops_at_the_first_non_digit_and_wraps():
    assert K.simple_strtoull(b"123abc", 10) == (123, 3)
    assert K.simple_strtoull(b"0x1fz", 0) == (0x1F, 4)
    assert K.simple_strtoull(b"0xz", 0) == (0, 1)  # "0", then 'x' is not a digit
    assert K.simple_strtoull(b"0xz", 16) == (0, 2)  # base 16 skips the prefix anyway
    assert K.simple_strtoull(b" 5", 10) == (0, 0)  # no whitespace skipping
    assert K.simple_strtoull(b"18446744073709551617", 10) == (1, 20)
    assert K.simple_strtoll(b"-15", 10) == (2**64 - 15, 3)


@given(st.integers(min_value=0, max_value=2**64 - 1), st.sampled_from([8, 10, 16]))
def test_kstrtoull_reads_what_python_writes(value, base):
    text = {8: f"{value:o}", 10: str(value), 16: f"{value:x}"}[base].encode()
    assert K.kstrtoull(text, base) == (0, value)
    assert K.kstrtoull(text + b"\n", base) == (0, value)


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_kstrtoll_round_trips(value):
    assert K.kstrtoll(str(value).encode(), 0) == (0, value)
