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


TASKS = TICKER.parent
needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")


@needs_gcc
def test_one_shot_commands_that_nothing_can_wake_report_and_end(tmp_path, lkmsh, kernel_ready):
    hung = build_module([TASKS / "hung.c"], tmp_path / "hung.ko")
    r = lkmsh("insmod", str(hung), "wait_in_init=1")  # wait_for_completion in init, forever
    assert r.returncode == 1
    assert r.stderr.endswith("Interrupted system call (see dmesg)\n")
    dmesg = lkmsh("dmesg").stdout
    assert "INFO: task insmod:1 blocked for more than 120 seconds." in dmesg
    assert " wait_for_completion+0x0/0x10\n" in dmesg and " hung_init+0x" in dmesg
    sleepy = build_module([TASKS / "blockread.c"], tmp_path / "blockread.ko")
    assert lkmsh("insmod", str(sleepy)).returncode == 0
    # each read waits in wait_event_interruptible for the sensor's timer; head stops at 3
    lines = lkmsh("head", "-n", "3", "/dev/sleepy").stdout.splitlines()
    assert [line.split()[1] for line in lines] == ["1", "2", "3"]
    at = [int(line.split()[-1]) for line in lines]
    assert [at[1] - at[0], at[2] - at[1]] == [125, 125]  # 500 ms apart, in virtual time
    assert lkmsh("rmmod", "blockread").returncode == 0
    assert lkmsh("insmod", str(sleepy), "produce=0").returncode == 0
    r = lkmsh("cat", "/dev/sleepy")  # an interruptible wait: the Ctrl-C's -ERESTARTSYS
    assert (r.returncode, r.stderr) == (1, "cat: /dev/sleepy: Interrupted system call\n")
    assert lkmsh("ps").stdout.splitlines()[1:] == []


@needs_gcc
def test_a_soft_lockup_reads_the_same_in_every_process(tmp_path, lkmsh, kernel_ready):
    ko = build_module([TASKS / "spinner.c"], tmp_path / "spinner.ko")
    env = {"LKMSH_WATCHDOG_THRESH": "1"}  # reported at 3.6 s of virtual time

    def report() -> list[str]:
        assert lkmsh("reboot").returncode == 0
        r = lkmsh("insmod", str(ko), env=env)
        assert r.returncode == 1 and "Bad address" in r.stderr
        return lkmsh("dmesg").stdout.splitlines()

    first = report()
    assert "[    3.600000] watchdog: BUG: soft lockup - CPU#0 stuck for 3s! [insmod:1]" in first
    assert first == report()
