"""The kernel clock: uptime, virtual sleeps, jiffies as Linux counts them."""

from __future__ import annotations

from lkmsh.kernel import clock as C
from lkmsh.kernel.clock import HZ, INITIAL_JIFFIES, Clock


def test_initial_jiffies_is_linux_value_for_hz_250():
    assert HZ == 250
    assert INITIAL_JIFFIES == 4294892296  # (unsigned int)(-300 * HZ)


def test_uptime_is_virtual_time_only():
    import time

    clock = Clock(base_ns=2_000_000_000)
    before = clock.ns()
    time.sleep(0.01)  # host time passing does not move the kernel's clock
    assert clock.ns() == before == 2_000_000_000
    clock.advance(1_000_000_000)  # msleep(1000) costs the host nothing
    assert clock.ns() == 3_000_000_000
    clock.advance(-5)  # time never runs backwards
    assert clock.ns() == 3_000_000_000


def test_jiffies_follow_the_clock():
    clock = Clock()
    assert clock.jiffies() == INITIAL_JIFFIES
    clock.advance(4_000_000)  # one tick at HZ=250
    assert clock.jiffies() == INITIAL_JIFFIES + 1
    clock.advance(301 * 1_000_000_000)  # past the 32-bit wrap Linux arranges at 5 minutes
    assert clock.jiffies() > 1 << 32


def test_persisted_clock_resumes_where_it_stopped():
    clock = Clock()
    clock.advance(7_000_000)
    data = clock.to_data()
    again = Clock.from_data(data)  # a new process, however much later
    assert again.ns() == 7_000_000


def test_msecs_jiffies_conversions_round_like_linux():
    assert C.msecs_to_jiffies(0) == 0
    assert C.msecs_to_jiffies(1) == 1  # rounds up
    assert C.msecs_to_jiffies(4) == 1
    assert C.msecs_to_jiffies(5) == 2
    assert C.msecs_to_jiffies(1000) == 250
    assert C.msecs_to_jiffies(0xFFFFFFFF) == ((1 << 63) - 1 >> 1) - 1  # (int)m < 0
    assert C.jiffies_to_msecs(250) == 1000
    assert C.jiffies_to_msecs(1 << 40) == ((1 << 40) * 4) & 0xFFFFFFFF


def test_time_the_shell_waits_for_its_user_is_not_uptime():
    """Virtual time: waiting at the REPL's prompt (hold ... resume) lets no time pass."""
    clock = Clock(0)
    clock.advance(2_000_000_000)  # a command's sleeps
    clock.hold()  # the REPL waits at its prompt
    clock.resume()
    assert clock.ns() == 2_000_000_000
    assert Clock.from_data(clock.to_data()).ns() == 2_000_000_000
