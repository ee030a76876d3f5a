"""dmesg -H (util-linux's relative time and pager) and dmesg -n (the console log level)."""

from __future__ import annotations

import re
import time

import pytest

from lkmsh.kernel.dmesg import LogRecord
from lkmsh.shell.dmesgfmt import DmesgFormat

from .conftest import REPO, SAMPLES, base_env, lkmsh_script

MINUTE = re.compile(r"^\[[A-Z][a-z]{2}[ \d]\d \d\d:\d\d\] ")
DELTA = re.compile(r"^\[ {1,2}\+\d+\.\d{6}\] ")


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_reltime_prints_the_minute_when_it_changes_else_the_delta(utc):
    boot = 1_764_590_700 * 10**9  # Mon Dec  1 12:05:00 2025 UTC
    s = 10**9
    records = [
        LogRecord(0, 0, 6, "booted"),
        LogRecord(1, 412_000, 6, "two lines\nof one record"),
        LogRecord(2, 2 * s + 412_000, 7, "a debug line -l hides"),
        LogRecord(3, 14 * s, 6, "twelve seconds on"),
        LogRecord(4, 61 * s, 4, "the next minute"),
        LogRecord(5, 61 * s + 5_000, 4, "right after"),
    ]
    fmt = DmesgFormat(boot_ns=boot, human=True)
    lines = []
    for rec in records:
        if rec.level == 7:
            fmt.skip(rec)  # as dmesg -l does: its time still counts for the next delta
        else:
            lines += fmt.line(rec).split("\n")
    assert lines == [
        "[Dec 1 12:05] booted",
        "[  +0.000412] two lines",
        "              of one record",  # a record's further lines: indented, as util-linux
        "[ +11.999588] twelve seconds on",  # from the hidden record (2.000412 s)
        "[Dec 1 12:06] the next minute",
        "[  +0.000005] right after",
    ]
    decoded = DmesgFormat(boot_ns=boot, human=True, decode=True).line(records[0])
    assert decoded == "kern  :info  : [Dec 1 12:05] booted"
    forced = DmesgFormat(boot_ns=boot, human=True, force_prefix=True)
    forced.line(records[0])
    assert forced.line(records[1]).split("\n") == [  # -p: util-linux's "[  +0.000000]"
        "[  +0.000412] two lines",
        "[  +0.000000] of one record",
    ]


def test_dmesg_h_on_the_command_line(lkmsh, kernel_ready):
    hello = str(SAMPLES / "hello.ko")
    r = lkmsh("-c", f"insmod {hello}; sleep 2; rmmod hello; insmod {hello} who=again")
    assert r.returncode == 0, r.stderr
    plain = lkmsh("dmesg").stdout.splitlines()
    human = lkmsh("dmesg", "-H").stdout.splitlines()
    assert len(human) == len(plain) >= 4
    assert MINUTE.match(human[0])
    stamps = [int(ln[1:6]) * 10**6 + int(ln[7:13]) for ln in plain]  # [%5lu.%06lu], in us
    for i in range(1, len(plain)):
        assert human[i].split("] ", 1)[1] == plain[i].split("] ", 1)[1]
        if not MINUTE.match(human[i]):  # the minute changed, or the time since the last
            delta = (stamps[i] - stamps[i - 1]) / 1e6
            assert human[i].startswith(f"[  {delta:+8.6f}] "), human[i]
    assert sum(bool(DELTA.match(ln)) for ln in human) >= len(human) - 2  # one minute change at most
    decoded = lkmsh("dmesg", "-H", "-x", "-l", "info").stdout.splitlines()
    assert decoded and all(ln.startswith("kern  :info  : [") for ln in decoded)
    assert "taints kernel" not in "".join(decoded)  # a warn record: hidden by -l info


@pytest.mark.parametrize("columns", [60, 120])
def test_dmesg_h_pages_on_a_terminal_as_util_linux(tmp_path, state, lkmsh, kernel_ready, columns):
    pexpect = pytest.importorskip("pexpect")
    hello = str(SAMPLES / "hello.ko")
    loads = "; ".join(f"insmod {hello} who=n{i}; rmmod hello" for i in range(8))
    assert lkmsh("-c", loads).returncode == 0  # 17 records: taller than the 12 rows below
    env = base_env(tmp_path)
    env.update(TERM="xterm", NO_COLOR="1", PAGER="sed s/^/PAGED:/", LESS="")
    argv = [*lkmsh_script(), "--state", str(state), "dmesg", "-H"]
    child = pexpect.spawn(
        argv[0], argv[1:], env=env, cwd=str(REPO), encoding="utf-8", timeout=60,
        dimensions=(12, columns),
    )  # fmt: skip
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    lines = [ln for ln in child.before.replace("\r\n", "\n").splitlines() if ln.strip()]
    assert len(lines) == 17 and all(ln.startswith("PAGED:[") for ln in lines)
    assert "hello: Hello, n7" in lines[-2]
    piped = lkmsh("dmesg", "-H").stdout  # piped: never paged
    assert "PAGED" not in piped and len(piped.splitlines()) == 17


def test_dmesg_n_sets_the_console_log_level_as_util_linux(lkmsh):
    assert lkmsh("cat", "/proc/sys/kernel/printk").stdout == "7\t4\t1\t7\n"
    for given, level in (("8", 8), ("debug", 8), ("1", 1), ("err", 4), ("WARN", 5)):
        r = lkmsh("dmesg", "-n", given)
        assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
        # kept in the state, as the kernel keeps console_loglevel
        assert lkmsh("cat", "/proc/sys/kernel/printk").stdout == f"{level}\t4\t1\t7\n"
    for bad in ("0", "9", "loud"):
        r = lkmsh("dmesg", "--console-level", bad)
        assert r.returncode == 1
        assert r.stderr.endswith(f"unknown level '{bad}'\n")
    assert lkmsh("cat", "/proc/sys/kernel/printk").stdout == "5\t4\t1\t7\n"  # unchanged
    # the sysctl file sets it too (its first number)
    assert lkmsh("-c", "echo 3 > /proc/sys/kernel/printk").returncode == 0
    assert lkmsh("cat", "/proc/sys/kernel/printk").stdout == "3\t4\t1\t7\n"
    assert lkmsh("reboot").returncode == 0
    assert lkmsh("cat", "/proc/sys/kernel/printk").stdout == "7\t4\t1\t7\n"
