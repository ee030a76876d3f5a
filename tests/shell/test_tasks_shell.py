"""sleep, ps and /proc/PID/stack through the real console script, one command per process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lkmsh.build import build_module

TICKER = Path(__file__).resolve().parents[1] / "kernel" / "tasks" / "ticker.c"


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_a_thread_parked_in_one_command_runs_in_the_next(tmp_path, lkmsh, kernel_ready):
    ko = build_module([TICKER], tmp_path / "ticker.ko")
    assert lkmsh("insmod", str(ko)).returncode == 0
    ps = lkmsh("ps")
    assert ps.stdout.splitlines() == [
        "    PID STAT WCHAN                  COMMAND",
        "      2 D    msleep                 [ticker/0]",
    ]
    stack = lkmsh("cat", "/proc/2/stack").stdout.splitlines()
    assert stack[:3] == [
        "[<0>] __schedule+0x0/0x10",
        "[<0>] schedule+0x0/0x10",
        "[<0>] msleep+0x0/0x10",
    ]
    assert stack[3].startswith("[<0>] ticker_fn") and stack[3].endswith(" [ticker]")
    assert lkmsh("sleep", "1.5").returncode == 0  # the thread wakes in this process
    dmesg = lkmsh("dmesg").stdout.splitlines()
    assert dmesg[-2:] == [
        "[    0.000000] ticker: tick 1 at jiffies 4294892296",
        "[    1.004000] ticker: tick 2 at jiffies 4294892547",
    ]
    assert lkmsh("rmmod", "ticker").returncode == 0
    assert lkmsh("dmesg").stdout.splitlines()[-1] == "[    2.008000] ticker: thread returned 2"
    assert lkmsh("ps").stdout.splitlines()[1:] == []


def test_sleep_refuses_what_is_not_a_time(lkmsh, kernel_ready):
    r = lkmsh("sleep", "soon")
    assert (r.returncode, r.stderr) == (1, "lkmsh sleep: ERROR: invalid time interval 'soon'\n")
    assert lkmsh("sleep", "-1").returncode == 1
