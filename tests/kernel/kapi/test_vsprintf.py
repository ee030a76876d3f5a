"""printk's formatter checked against the host C library's printf, and Linux's own rules.

The oracle is a small C program built with the host gcc: it reads a format
and its arguments (all passed as 64-bit integer-class values, exactly as
registers carry them to lkmsh's kernel) and prints what snprintf produced.
Where Linux's vsprintf deliberately differs from C (documented in
lkmsh/kernel/kapi/vsprintf.py), the expected Linux output is written out.
"""

from __future__ import annotations

import itertools
import random
import shutil
import subprocess

import pytest

from lkmsh.kernel.kapi import vsprintf

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")

ORACLE_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unhex(const char *h, char *out) {
    int n = 0;
    while (h[0] && h[1]) { unsigned v; sscanf(h, "%2x", &v); out[n++] = (char)v; h += 2; }
    out[n] = 0;
    return n;
}

int main(void) {
    static char line[8192], fmt[1024], strs[3][1024], out[4096];
    while (fgets(line, sizeof line, stdin)) {
        unsigned long long a[3] = {0, 0, 0};
        char *tok = strtok(line, "\t\n");
        unhex(tok, fmt);
        for (int i = 0; i < 3 && (tok = strtok(NULL, "\t\n")); i++) {
            if (tok[0] == 's') { unhex(tok + 2, strs[i]); a[i] = (unsigned long long)(size_t)strs[i]; }
            else a[i] = strtoull(tok + 2, NULL, 10);
        }
        int n = snprintf(out, sizeof out, fmt, a[0], a[1], a[2]);
        for (int i = 0; i < n && i < (int)sizeof out - 1; i++) printf("%02x", (unsigned char)out[i]);
        printf("\n");
    }
    return 0;
}
"""

MASK64 = (1 << 64) - 1
STRING_BASE = 0x10000


class Strings:
    """String arguments by address: what read_cstr sees for %s."""

    def __init__(self):
        self.by_addr: dict[int, bytes] = {}

    def add(self, text: bytes) -> int:
        addr = STRING_BASE + 0x1000 * len(self.by_addr)
        self.by_addr[addr] = text
        return addr

    def read_cstr(self, addr: int, limit: int) -> bytes | None:
        text = self.by_addr.get(addr)
        return None if text is None else text[:limit]


@pytest.fixture(scope="module")
def c_printf(tmp_path_factory):
    """Run a batch of (fmt, args) through the host's snprintf."""
    tmp = tmp_path_factory.mktemp("oracle")
    src = tmp / "oracle.c"
    src.write_text(ORACLE_C)
    exe = tmp / "oracle"
    subprocess.run(["gcc", "-O0", "-w", "-o", str(exe), str(src)], check=True, capture_output=True)

    def run(cases: list[tuple[bytes, list[int | bytes]]]) -> list[bytes]:
        lines = []
        for fmt, args in cases:
            fields = [fmt.hex()]
            for a in args:
                fields.append(f"s:{a.hex()}" if isinstance(a, bytes) else f"n:{a & MASK64}")
            lines.append("\t".join(fields))
        out = subprocess.run(
            [str(exe)], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True
        ).stdout.splitlines()
        return [bytes.fromhex(x) for x in out]

    return run


def linux(fmt: bytes, *args: int | bytes, symbolize=None, read_bytes=None) -> bytes:
    strings = Strings()
    regs = [strings.add(a) if isinstance(a, bytes) else a & MASK64 for a in args]
    return vsprintf.format(
        fmt, iter(regs), strings.read_cstr, symbolize=symbolize, read_bytes=read_bytes
    )


BITS = {b"hh": 8, b"h": 16, b"": 32}


def linux_differs(fmt: bytes, value: int) -> bool:
    """The integer cases where Linux deliberately prints something else than C."""
    flags = fmt[1:].split(b"*")[0]
    has_prec = b"." in fmt
    conv = fmt[-1:]
    length = fmt[1:-1].lstrip(b"-+ #0123456789.")
    value &= (1 << BITS.get(length, 64)) - 1  # what the conversion really sees
    if has_prec and (value == 0 or b"0" in flags.split(b".")[0] or b"#" in flags):
        return True
    return b"#" in flags and conv in (b"x", b"X") and value == 0


INT_VALUES = [0, 1, -1, 7, 42, -42, 127, 128, 255, 256, -129, 32767, 65535, 65536,
              2**31 - 1, -(2**31), 2**32 - 1, 2**32, 2**63 - 1, -(2**63), 0x1234ABCD5678EF90]  # fmt: skip
FLAGS = ["", "-", "+", " ", "#", "0", "-0", "+0", " 0", "#0", "-#", "+ ", "0-+"]
WIDTHS = ["", "1", "4", "9", "22"]
PRECISIONS = ["", ".0", ".1", ".5", ".12"]
LENGTHS = ["", "hh", "h", "l", "ll", "z", "t"]
CONVERSIONS = "diuxXo"


def integer_cases(sample: int = 6000) -> list[tuple[bytes, list[int | bytes]]]:
    rng = random.Random(20240611)
    combos = list(itertools.product(FLAGS, WIDTHS, PRECISIONS, LENGTHS, CONVERSIONS))
    picked = rng.sample(combos, min(sample // 3, len(combos)))
    cases = []
    for flags, width, prec, length, conv in picked:
        fmt = f"%{flags}{width}{prec}{length}{conv}".encode()
        for value in rng.sample(INT_VALUES, 3):
            cases.append((fmt, [value]))
    return cases


@needs_gcc
def test_integer_conversions_match_c_printf(c_printf):
    cases = [(f, a) for f, a in integer_cases() if not linux_differs(f, a[0])]
    expected = c_printf(cases)
    mismatches = [
        (f, a[0], e, got)
        for (f, a), e in zip(cases, expected, strict=True)
        if (got := linux(f, *a)) != e
    ]
    assert len(cases) > 2500
    assert mismatches == []


@needs_gcc
def test_star_width_and_precision_match_c_printf(c_printf):
    cases = []
    for width, prec, value in itertools.product(
        [-12, -3, 0, 3, 12], [-4, 1, 3, 8], [5, -5, 123456]
    ):
        cases.append((b"%*d|", [width, value]))
        cases.append((b"%-*x|", [width, value]))
        if value:
            cases.append((b"%*.*d|", [width, prec, value]))
    expected = c_printf(cases)
    for (fmt, args), e in zip(cases, expected, strict=True):
        assert linux(fmt, *args) == e, (fmt, args)


@needs_gcc
def test_strings_and_chars_match_c_printf(c_printf):
    words = [b"", b"a", b"hello", b"hello world, from a module", b"\xc3\xa9t\xc3\xa9"]
    fmts = [b"%s", b"%10s", b"%-10s|", b"%.3s", b"%10.3s", b"%-10.2s|", b"%.0s|", b"%3s", b"[%s]"]
    cases = [(f, [w]) for f in fmts for w in words]
    cases += [(f, [c]) for f in (b"%c", b"%3c", b"%-3c|") for c in (65, 0x7A, 0x141)]
    cases += [(b"%s=%d (%c)", [b"x", -7, 0x21]), (b"100%% %s", [b"done"]), (b"%%d", [])]
    expected = c_printf(cases)
    for (fmt, args), e in zip(cases, expected, strict=True):
        assert linux(fmt, *args) == e, (fmt, args)


# -- where Linux differs from C, by design ---------------------------------


@pytest.mark.parametrize(
    ("fmt", "value", "expected"),
    [
        (b"%.0d", 0, b"0"),  # C prints nothing
        (b"%.d", 0, b"0"),  # a bare '.' is no precision at all in Linux
        (b"%05.d", 5, b"00005"),
        (b"%#x", 0, b"0x0"),  # C prints "0"
        (b"%#X", 0, b"0X0"),
        (b"%#.3o", 8, b"0010"),  # C prints "010"
        (b"%08.3d", 5, b"00000005"),  # C ignores the 0 flag with a precision
        (b"%#o", 0, b"0"),
    ],
)
def test_linux_integer_rules(fmt, value, expected):
    assert linux(fmt, value) == expected


def test_bare_dot_precision_prints_whole_string():
    assert linux(b"%.s|", b"abc") == b"abc|"


def test_length_modifiers_take_the_right_bits_of_the_register():
    reg = 0xFFFFFFFF_FFFFFF85  # -123 in every width
    assert linux(b"%hhd %hhu %hd %d %ld", reg, reg, reg, reg, reg) == (b"-123 133 -123 -123 -123")
    garbage_upper = 0xDEADBEEF_0000002A  # an int argument: upper half is undefined
    assert linux(b"%d %u %x", garbage_upper, garbage_upper, garbage_upper) == b"42 42 2a"
    assert linux(b"%lld %zu %td", -1, -1, -1) == b"-1 18446744073709551615 -1"


def test_unknown_conversion_stops_the_output_as_linux():
    warnings = []
    out = vsprintf.format(
        b"a=%d %jd tail", iter([1, 2]), lambda a, n: None, on_invalid=warnings.append
    )
    assert out == b"a=1 "
    assert warnings == ["Please remove unsupported %j in format string"]
    assert linux(b"%n here", 0) == b""
    assert linux(b"end %") == b"end "


def test_null_and_bad_string_pointers():
    assert linux(b"[%s]", 0) == b"[(null)]"
    assert linux(b"[%s]", 0x10) == b"[(efault)]"  # below PAGE_SIZE
    assert linux(b"[%s]", 0xFFFF888000123000) == b"[(efault)]"  # unreadable
    assert linux(b"[%s]", (-12) & MASK64) == b"[(efault)]"  # an ERR_PTR
    assert linux(b"[%10s]", 0) == b"[    (null)]"
    assert linux(b"[%.3s]", 0) == b"[(nu]"


def test_hashed_pointers_are_stable_and_hide_the_address():
    addr = 0xFFFF888000001000
    first = linux(b"%p", addr)
    assert first == linux(b"%p", addr)
    assert len(first) == 16 and first.startswith(b"00000000")
    assert first != b"%016x" % addr
    assert linux(b"%p", addr + 8) != first
    assert linux(b"%pK", addr) == first  # kptr_restrict=0 hashes %pK too
    assert linux(b"%p", 0) == b"0000000000000000"  # NULL prints raw
    assert linux(b"%p", (-22) & MASK64) == b"ffffffffffffffea"  # so do ERR_PTRs
    other_key = vsprintf.format(b"%p", iter([addr]), lambda a, n: None, ptr_key=b"other boot")
    assert other_key != first


def test_raw_pointer_and_width():
    assert linux(b"%px", 0xFFFF888000001000) == b"ffff888000001000"
    assert linux(b"%px", 0x1234) == b"0000000000001234"
    assert linux(b"[%20px]", 0x1234) == b"[                1234]"


def test_symbolised_pointers():
    def symbolize(addr):
        return "hx_init+0x12/0x40 [hx]" if addr == 0xFFFFFFFFA0000012 else f"0x{addr:x}"

    assert linux(b"%pS", 0xFFFFFFFFA0000012, symbolize=symbolize) == b"hx_init+0x12/0x40 [hx]"
    assert linux(b"%ps", 0xFFFFFFFFA0000012, symbolize=symbolize) == b"hx_init [hx]"
    # 6.1 has no %pF/%pf symbols any more: %pF is a plain (hashed) %p, %pf a firmware node
    plain = linux(b"%p", 0xFFFFFFFFA0000012, symbolize=symbolize)
    assert linux(b"%pF", 0xFFFFFFFFA0000012, symbolize=symbolize) == plain
    assert linux(b"%pf", 0xFFFFFFFFA0000012, symbolize=symbolize) == b"(%pf?)"
    assert linux(b"%pS", 0x1234, symbolize=symbolize) == b"0x1234"


def test_pointer_extensions_consume_alphanumerics():
    out = linux(b"%pabc-%d", 0xFFFF888000001000, 5)
    assert out.endswith(b"-5") and b"abc" not in out


def test_mac_ip_hex_and_error_names():
    blobs = {
        0x5000: bytes([0x00, 0x1B, 0x21, 0x3C, 0x4D, 0x5E]),
        0x6000: bytes([192, 168, 1, 20]),
        0x7000: bytes(range(16)),
    }

    def read_bytes(addr, n):
        return blobs[addr][:n] if addr in blobs else None

    assert linux(b"%pM", 0x5000, read_bytes=read_bytes) == b"00:1b:21:3c:4d:5e"
    assert linux(b"%pm", 0x5000, read_bytes=read_bytes) == b"001b213c4d5e"
    assert linux(b"%pMR", 0x5000, read_bytes=read_bytes) == b"5e:4d:3c:21:1b:00"
    assert linux(b"%pI4", 0x6000, read_bytes=read_bytes) == b"192.168.1.20"
    assert linux(b"%pi4", 0x6000, read_bytes=read_bytes) == b"192.168.001.020"
    assert linux(b"%pI6", 0x7000, read_bytes=read_bytes) == (
        b"0001:0203:0405:0607:0809:0a0b:0c0d:0e0f"
    )
    assert linux(b"%*ph", 4, 0x7000, read_bytes=read_bytes) == b"00 01 02 03"
    assert linux(b"%*phC", 3, 0x7000, read_bytes=read_bytes) == b"00:01:02"
    assert linux(b"%pM", 0, read_bytes=read_bytes) == b"(null)"
    assert linux(b"%pe", (-12) & MASK64) == b"-ENOMEM"
    assert linux(b"%pe", (-4000) & MASK64) == b"-4000"


def test_number_helper_matches_linux_number():
    assert vsprintf.number(-5, 10, vsprintf.SIGN | vsprintf.ZEROPAD, 6, -1) == b"-00005"
    assert vsprintf.number(
        255, 16, vsprintf.SPECIAL | vsprintf.SMALL | vsprintf.ZEROPAD, 8, -1
    ) == (b"0x0000ff")
