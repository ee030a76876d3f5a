"""Sleeping moves the kernel clock and jiffies, not the host's time."""

from __future__ import annotations

from kapi_harness import KERNEL_DATA, call

from lkmsh.kernel.clock import INITIAL_JIFFIES


def jiffies_in_memory(mini) -> int:
    return int.from_bytes(mini.mem.read(KERNEL_DATA, 8), "little")


def test_msleep_sleeps_whole_jiffies_plus_one_and_updates_jiffies(mini):
    start = call(mini, "get_jiffies_64")
    assert start == INITIAL_JIFFIES
    call(mini, "msleep", 1000)
    assert call(mini, "get_jiffies_64") == start + 251  # msecs_to_jiffies(1000) + 1
    assert jiffies_in_memory(mini) == start + 251
    assert call(mini, "ktime_get_ns") == 251 * 4_000_000


def test_delays_advance_the_clock_exactly(mini):
    call(mini, "udelay", 10)
    call(mini, "ndelay", 5)
    call(mini, "mdelay", 2)
    call(mini, "usleep_range", 100, 200)
    assert call(mini, "ktime_get") == 10_000 + 5 + 2_000_000 + 100_000
    call(mini, "ssleep", 2)
    assert call(mini, "ktime_get_ns") >= 2_000_000_000


def test_conversions_and_real_time(mini):
    assert call(mini, "msecs_to_jiffies", 10) == 3
    assert call(mini, "jiffies_to_msecs", 250) == 1000
    assert call(mini, "ktime_get_real_ns") > 1_600_000_000 * 10**9  # the host's wall clock


def test_schedule_refreshes_jiffies_for_pollers(mini):
    mini.mem.write(KERNEL_DATA, bytes(8))
    mini.clock.advance(40_000_000)  # 10 ticks pass
    call(mini, "schedule")
    assert jiffies_in_memory(mini) == INITIAL_JIFFIES + 10
    assert call(mini, "cond_resched") == 0
