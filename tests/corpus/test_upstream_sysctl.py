"""lib/test_sysctl.c, unmodified, checked as tools/testing/selftests/sysctl/sysctl.sh does.

.ci/run unpacks only lib/ and samples/, so the script's checks are replayed
here, in its order and with its values, through lkmsh's CLI: ``echo`` and
``echo -n`` for its ``echo > TARGET`` (one write), ``dd`` for its dd runs
(its bs/seek/skip, dd's default bs of 512 for a pipe into ``dd of=``; a
pipe's input is a host file here) and ``cat`` for its ``$(cat TARGET)``.
One script runs them all, ``--keep-going`` (some writes fail by design):
``echo @@N`` marks check N in standard output and ``cat /proc/@@N`` (which
fails) in standard error, so each check sees its own output and errors.
"""

from __future__ import annotations

import random
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from corpus_helpers import lkmsh_argv, log_text

SYSCTL = "/proc/sys/debug/test_sysctl"
PAGE_SIZE = 4096
MAX_DIGITS = PAGE_SIZE // 8
INT_MAX, UINT_MAX = 2**31 - 1, 2**32 - 1
#: reset_vals: what each target is set back to (echo -n VAL > TARGET)
RESET = {"int_0001": "60", "int_0002": "1", "uint_0001": "314", "string_0001": "(none)"}
WIDE = [
    "0x0000000100000000",
    "0x0000000100000001",
    "0x00000001ffffffff",
    "0x0000000180000000",
    "0x000000017fffffff",
    "0xffffffff00000000",
    "0xffffffff00000001",
    "0xffffffffffffffff",
    "0xffffffff80000000",
    "0xffffffff7fffffff",
]


@dataclass
class Check:
    name: str
    target: str
    # how the target's text must compare: (expected, equal?); diff -w when spaced
    expect: str
    equal: bool
    fails: bool | None = None  # whether the step's writes must fail (None: either)
    spaced: bool = False
    grep: str | None = None  # grep -q: the text holds it (True) or not (False)


@dataclass
class Replay:
    cwd: Path
    lines: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    target: str = ""

    def host(self, data: bytes) -> Path:
        path = self.cwd / f"in{len(list(self.cwd.glob('in*')))}"
        path.write_bytes(data)
        return path

    def echo(self, text: str, newline: bool = True) -> None:
        """echo [-n] TEXT > TARGET: one write (a host file through dd when it has spaces)."""
        data = (text + ("\n" if newline else "")).encode()
        if re.fullmatch(r"([\w.+][\w.+-]*)?", text):  # lkmsh's echo takes -3 for an option
            self.lines.append(f"echo {'' if newline else '-n '}{text} > {self.target}")
        elif data:
            self.dd(data, f"bs={len(data)}")

    def dd(self, data: bytes, *operands: str) -> None:
        self.lines.append(f"dd if={self.host(data)} of={self.target} {' '.join(operands)}")

    def check(self, name: str, expect: str, equal: bool = True, **kw) -> None:
        n = len(self.checks)
        self.checks.append(Check(name, self.target, expect, equal, **kw))
        self.lines += [f"echo @@{n}", f"cat {self.target}", f"cat /proc/@@{n}"]

    def reset(self) -> None:
        self.echo(RESET.get(self.target.rsplit("/", 1)[1], ""), newline=False)


def numeric_tests(r: Replay, test: str, orig: str) -> None:
    """run_numerictests: shell writes, one dd write, a synchronized seek, beyond the end."""
    line = (test + "\n").encode()
    r.check("not set to test value", test, equal=False)
    r.echo(test)
    r.check("writing sysctl from shell", test)
    r.echo(orig)
    r.check("resetting to original value", test, equal=False)
    r.echo(orig)
    r.dd(line, "bs=4096")
    r.check("entire sysctl in single write", test)
    r.echo(test)
    r.dd(line, "bs=1", "seek=1", "skip=1")
    r.check("middle of sysctl after synchronized seek", test)
    r.echo(orig)
    r.dd(line, "bs=20", "seek=2")
    r.check("beyond end of sysctl", test, equal=False)
    r.echo(orig)
    r.dd(b"A" * 50 + line, "bs=50")
    r.check("multiple long writes", test, equal=False)


def check_failure(r: Replay, value: str, orig_of: dict[str, str]) -> None:
    r.reset()
    r.echo(value, newline=False)
    r.check(f"{value} fails", orig_of[r.target], fails=True)


def wideint_tests(r: Replay, orig_of: dict[str, str]) -> None:
    for sign in ("", "-"):
        for mag in WIDE:
            check_failure(r, sign + mag, orig_of)


def limit_digit(r: Replay) -> None:
    r.reset()
    r.dd(b" " * (MAX_DIGITS - 1) + b"3\n")
    r.check("ignoring spaces up to PAGE_SIZE", "3")
    r.reset()
    r.dd(b" " * MAX_DIGITS + b"4\n")
    r.check("PAGE_SIZE of spaces fails", "4", equal=False)


def limit_digit_int(r: Replay) -> None:
    r.reset()
    r.echo(str(INT_MAX), newline=False)
    r.check("INT_MAX works", str(INT_MAX))
    r.reset()
    r.echo(str(INT_MAX + 1), newline=False)
    r.check("INT_MAX + 1 fails", str(INT_MAX + 1), equal=False, fails=True)
    r.reset()
    r.echo("-3", newline=False)
    r.check("negative values work", "-3")


def limit_digit_uint(r: Replay) -> None:
    r.reset()
    r.echo(str(UINT_MAX), newline=False)
    r.check("UINT_MAX works", str(UINT_MAX))
    r.reset()
    r.echo(str(UINT_MAX + 1), newline=False)
    r.check("UINT_MAX + 1 fails", str(UINT_MAX + 1), equal=False, fails=True)
    r.reset()
    r.echo("-3", newline=False)
    r.check("negative values do not work", "-3", equal=False, fails=True)


def int_array(r: Replay) -> None:
    r.echo("4 3 2 1", newline=False)
    r.check("array works", "4 3 2 1", spaced=True)
    r.echo("100 101", newline=False)
    r.check("skipping trailing array elements", "100 101 2 1", spaced=True)
    r.dd(b" " * (MAX_DIGITS - 1) + b"9\n")
    r.check("PAGE_SIZE limit on array", "9 101 2 1", spaced=True)
    r.dd(b" " * MAX_DIGITS + b"7\n")
    r.check("exceeding PAGE_SIZE limit fails", "7 101 2 1", equal=False, spaced=True)


def string_tests(r: Replay, test: str, orig: str, maxlen: int = 65) -> None:
    line = (test + "\n").encode()
    r.echo(orig)
    r.dd(line, "bs=1")
    r.check("entire sysctl in short writes", test)
    r.echo(test)
    r.dd(line, "bs=1", "seek=1")
    r.check("middle of sysctl after unsynchronized seek", test, equal=False)
    cases = (
        ("maxlen is at least 65", b"A" * (maxlen - 2) + b"B", maxlen, True),
        ("keeps original string on overflow append", b"A" * (maxlen - 1) + b"B", maxlen - 1, False),
        ("stays NULL terminated on write", b"A" * (maxlen - 1) + b"B", maxlen, False),
        ("stays NULL terminated on overwrite", b"A" * (maxlen - 1) + b"BB", maxlen + 1, False),
    )
    for what, data, bs, has_b in cases:
        r.echo(orig)
        r.dd(data, f"bs={bs}")
        r.check(what, "B", grep=has_b)


def bitmap_string(seed: int, length: int) -> str:
    """run_bitmaptest's list of bits and ranges (its $RANDOM made reproducible)."""
    rnd = random.Random(seed)
    bit = rnd.randrange(1024)
    text = str(bit)
    while len(text) <= length:
        bit += 2 + rnd.randrange(10)
        text += f",{bit}"
        if rnd.randrange(2):
            end = bit + 1 + rnd.randrange(10)
            text += f"-{end}"
            bit = end
    return text


def seen_matches(c: Check, seen: str) -> bool:
    if c.grep is not None:
        return (c.expect in seen) == c.grep
    if c.spaced:  # diff -w of echo "$TEST_STR" against the file
        same = re.sub(r"\s+", "", seen) == re.sub(r"\s+", "", c.expect)
    else:  # $(cat) drops trailing newlines
        same = seen.rstrip("\n") == c.expect
    return same == c.equal


def test_sysctl_selftest_script(tree, cli):
    build, ko = cli.build_cmd(tree, "lib/test_sysctl.c")
    r = cli.line(build, f"insmod {ko}", f"cat {SYSCTL}/int_0001", "ls /sys/module/test_sysctl")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "60"
    replay = Replay(cli.cwd)
    replay.target = "/proc/sys/kernel/sysctl_writes_strict"
    replay.check("production write strict setting", "1")
    orig_of = {f"{SYSCTL}/{t}": v for t, v in RESET.items()}
    for target, test, extra in (
        ("int_0001", "61", (limit_digit,)),  # 0001: proc_dointvec_minmax
        ("string_0001", "Testing sysctl", ()),  # 0002: proc_dostring
        ("int_0002", "2", (limit_digit, limit_digit_int)),  # 0003: proc_dointvec
        ("uint_0001", "315", (limit_digit, limit_digit_uint)),  # 0004: proc_douintvec
    ):
        replay.target = f"{SYSCTL}/{target}"
        replay.reset()
        numeric_tests(replay, test, RESET[target])
        if target == "string_0001":
            string_tests(replay, test, RESET[target])
        else:
            wideint_tests(replay, orig_of)
        for more in extra:
            more(replay)
    replay.target = f"{SYSCTL}/int_0003"  # 0005: an array of four ints
    int_array(replay)
    # 0006: proc_do_large_bitmap, through cat's one write (the kernel takes PAGE_SIZE - 1
    # bytes of it at a time, and the rest at the new position); read back with one
    # 128 KiB read, as GNU cat reads
    bits = bitmap_string(6, 9000)
    replay.target = f"{SYSCTL}/bitmap_0001"
    replay.reset()
    replay.dd(bits.encode(), f"bs={len(bits)}")
    n = len(replay.checks)
    replay.checks.append(Check("bitmap handler", replay.target, bits, True, spaced=True))
    replay.lines += [f"echo @@{n}", f"dd if={replay.target} bs=128K", f"cat /proc/@@{n}"]
    replay.target = f"{SYSCTL}/match_int"  # 0008: the SYSCTL_* values
    replay.check("match_int", "1")
    script = cli.cwd / "sysctl.lkmsh"
    script.write_text("\n".join(replay.lines) + "\n")
    argv = [*lkmsh_argv(), "--state", str(cli.state), "--arch", cli.arch, "--keep-going"]
    proc = subprocess.run(
        [*argv, str(script)], capture_output=True, text=True, env=cli.env, cwd=cli.cwd, timeout=300
    )
    outs = re.split(r"^@@\d+\n", proc.stdout, flags=re.M)[1:]
    # a script's errors are "FILE:LINE: cat: ...", dd's summary goes to standard error too
    errs = re.split(r"^.*cat: /proc/@@\d+: No such file or directory\n", proc.stderr, flags=re.M)
    assert len(outs) == len(replay.checks), proc.stderr
    wrong = []
    for i, c in enumerate(replay.checks):
        seen = re.sub(
            r"^\d+\+\d+ records (in|out)\n|^\d+ bytes.* copied\n", "", outs[i], flags=re.M
        )
        failed = [e for e in errs[i].splitlines() if "records" not in e and "copied" not in e]
        if not seen_matches(c, seen) or (c.fails is not None and bool(failed) != c.fails):
            wrong.append(f"{c.target} {c.name}: read {seen!r}, errors {failed}")
    assert not wrong, "\n".join(wrong)
    # 0007 (boot_int) skips for a module, as the script does: /sys/module/test_sysctl exists
    r = cli.line("rmmod test_sysctl", "dmesg", f"ls {SYSCTL}")
    assert r.returncode == 1
    assert "No such file or directory" in r.stderr
    assert [line for line in log_text(r.stdout) if "taints kernel" not in line] == []
