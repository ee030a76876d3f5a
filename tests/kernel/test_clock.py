"""The kernel clock: uptime, virtual sleeps, jiffies as Linux counts them."""

from __future__ import annotations

from lkmsh.kernel import clock as C
from lkmsh.kernel.clock import HZ, INITIAL_JIFFIES, Clock


class HostClock:
    def __init__(self):
        self.t = 5_000_000_000

    def __call__(self) -> int:
        return self.t


def test_initial_jiffies_is_linux_value_for_hz_250():
    assert HZ == 250
    assert INITIAL_JIFFIES == 4294892296  # (unsigned int)(-300 * HZ)


def test_uptime_counts_process_time_and_virtual_sleep():
    host = HostClock()
    clock = Clock(base_ns=2_000_000_000, source=host)
    assert clock.ns() == 2_000_000_000
    host.t += 250_000_000
    assert clock.ns() == 2_250_000_000
    clock.advance(1_000_000_000)  # msleep(1000) costs the host nothing
    assert clock.ns() == 3_250_000_000
    clock.advance(-5)  # time never runs backwards
    assert clock.ns() == 3_250_000_000


def test_jiffies_follow_the_clock():
    host = HostClock()
    clock = Clock(source=host)
    assert clock.jiffies() == INITIAL_JIFFIES
    clock.advance(4_000_000)  # one tick at HZ=250
    assert clock.jiffies() == INITIAL_JIFFIES + 1
    clock.advance(301 * 1_000_000_000)  # past the 32-bit wrap Linux arranges at 5 minutes
    assert clock.jiffies() > 1 << 32


def test_persisted_clock_resumes_where_it_stopped():
    host = HostClock()
    clock = Clock(source=host)
    clock.advance(7_000_000)
    data = clock.to_data()
    host.t += 10**12  # a new process much later: wall time between commands does not count
    again = Clock.from_data(data, source=host)
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
    host = HostClock()
    clock = Clock(0, host)
    host.t += 2_000_000_000  # a command runs for 2 s
    clock.hold()  # the REPL waits at its prompt
    host.t += 60_000_000_000  # the user thinks for a minute
    assert clock.ns() == 2_000_000_000  # nothing counted while waiting
    clock.resume()
    host.t += 1_000_000_000
    assert clock.ns() == 3_000_000_000
    # the same time a one-shot command sees, which reloads the kernel saved before the wait
    clock.hold()
    data = clock.to_data()
    host.t += 5_000_000_000
    clock.resume()
    assert clock.ns() == Clock.from_data(data, host).ns() == 3_000_000_000
