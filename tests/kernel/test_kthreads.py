"""Kernel threads on the scheduler: they sleep in virtual time, park, and stop on rmmod."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest
from arches import ARCHES
from kernel_helpers import needs_gcc, texts

from lkmsh.build import build_module
from lkmsh.kernel.kernel import Kernel, KernelConfig

TASKS = Path(__file__).parent / "tasks"
#: modules the tutorial shows are built from sample_modules/, not copied here
SAMPLES = Path(__file__).resolve().parents[2] / "sample_modules"
SECOND = 1_000_000_000


def built(tmp_path: Path, name: str, arch: str = "x86_64") -> Path:
    out = tmp_path / arch
    out.mkdir(exist_ok=True)
    src = TASKS / f"{name}.c"
    if not src.exists():
        src = SAMPLES / f"{name}.c"
    return build_module([src], out / f"{name}.ko", arch=arch)


def ticks(k: Kernel) -> list[str]:
    return [t for t in texts(k) if t.startswith("ticker: tick ")]


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_kthread_ticks_every_second_and_stops_on_rmmod(tmp_path, arch):
    k = Kernel(KernelConfig(arch=arch))
    k.module_load(built(tmp_path, "ticker", arch))
    # kthread_run woke it; the tick insmod lets pass runs it up to its first msleep
    assert texts(k)[-2:] == [
        "ticker: ticker/0 (pid 2) started",
        "ticker: tick 1 at jiffies 4294892296",
    ]
    [task] = [t for t in k.tasks() if t.comm == "ticker/0"]
    assert (task.state, task.wchan, task.kind) == ("D", "msleep", "kthread")
    k.sleep(3 * SECOND)
    # msleep(1000) is msecs_to_jiffies(1000) + 1 = 251 jiffies, as Linux's
    assert ticks(k)[1:] == [
        "ticker: tick 2 at jiffies 4294892547",
        "ticker: tick 3 at jiffies 4294892798",
    ]
    k.module_unload("ticker")
    # kthread_stop waits for the thread's msleep to end, then gets threadfn's return value
    assert texts(k)[-2:] == ["ticker: stopping after 3 ticks", "ticker: thread returned 3"]
    assert k.tasks() == []
    assert not k.heap.allocations("ticker")


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_dmesg_timestamps_are_virtual_and_repeat_exactly(tmp_path, arch):
    ko = built(tmp_path, "ticker", arch)

    def run() -> list[str]:
        k = Kernel(KernelConfig(arch=arch))
        k.module_load(ko, "period_ms=250")
        k.sleep(SECOND)
        k.module_unload("ticker")
        return [k.format_dmesg_line(r) for r in k.dmesg()]

    first = run()
    assert first == run()
    assert "[    0.000000] ticker: tick 1 at jiffies 4294892296" in first
    assert "[    0.256000] ticker: tick 2 at jiffies 4294892360" in first  # 64 jiffies later


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_a_parked_thread_survives_the_state_file(tmp_path, arch):
    k = Kernel(KernelConfig(arch=arch))
    k.module_load(built(tmp_path, "ticker", arch))
    again = Kernel.from_state(k.export_state())  # another process, much later
    assert [t.comm for t in again.tasks()] == ["ticker/0"]
    again.sleep(5 * SECOND // 2)
    assert ticks(again)[-1] == "ticker: tick 3 at jiffies 4294892798"
    assert "[<0>] msleep+0x0/0x10\n" in again.task_stack(2)
    again.module_unload("ticker")
    assert texts(again)[-1] == "ticker: thread returned 3"


def scenario(
    tmp_path: Path, name: str, params: str = "", *, seed: int | None = None, arch: str = "x86_64"
) -> Kernel:
    k = Kernel(KernelConfig(arch=arch))
    k.set_sched_seed(seed)
    k.module_load(built(tmp_path, name, arch), params)
    return k


def since(k: Kernel, text: str) -> list[str]:
    lines = texts(k)
    return lines[lines.index(text) :]


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_producer_and_consumer_on_wait_queues_and_a_completion(tmp_path, arch):
    k = scenario(tmp_path, "handoff", arch=arch)
    waits = {t.comm: (t.state, t.wchan) for t in k.tasks()}
    # the consumer sleeps in wait_event_interruptible (inline: WCHAN is its own function)
    assert waits == {"handoff-cons": ("S", "consumer_fn"), "handoff-prod": ("D", "msleep")}
    k.sleep(SECOND)
    made = [t for t in texts(k) if t.startswith(("handoff: produced", "handoff: consumed"))]
    assert made[:4] == [
        "handoff: produced 10",
        "handoff: consumed 10",
        "handoff: produced 20",
        "handoff: consumed 20",
    ]
    assert len(made) == 10 and "handoff: consumer saw a sum of 150" in texts(k)
    k.module_unload("handoff")
    assert texts(k)[-1] == "handoff: consumer finished"


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_a_mutex_is_handed_to_the_thread_waiting_for_it(tmp_path, arch):
    k = scenario(tmp_path, "mutexpass", arch=arch)
    k.sleep(SECOND // 20)  # worker 0 sleeps holding the mutex; worker 1 waits for it
    assert {t.comm: t.wchan for t in k.tasks()}["mp-worker/1"] == "__mutex_lock"
    k.sleep(SECOND)
    k.module_unload("mutexpass")
    assert [t for t in texts(k) if t.startswith("mutexpass: ")][1:] == [
        "mutexpass: worker 0 has the lock, counter 1",
        "mutexpass: worker 1 has the lock, counter 2",
        "mutexpass: worker 0 has the lock, counter 3",
        "mutexpass: worker 1 has the lock, counter 4",
        "mutexpass: counter 4, locked 0",
    ]


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_lock_order_inversion_is_reported_the_first_time_it_is_seen(tmp_path, arch):
    k = scenario(tmp_path, "abba", arch=arch)
    k.sleep(SECOND)
    report = since(k, "WARNING: possible circular locking dependency detected")
    assert report[3] == "abba-bwd/3 is trying to acquire lock:"
    assert report[4].endswith(" (alpha){+.+.}-{3:3}, at: " + report[4].split("at: ")[1])
    assert "backward_fn+" in report[4] and "(beta)" in report[7]
    assert "  lock(beta);" in report and " *** DEADLOCK ***" in report
    assert "1 lock held by abba-bwd/3:" in report
    assert texts(k)[-1] == "abba: backward took beta then alpha"  # no real deadlock
    k.module_unload("abba")


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_sleeping_under_a_spinlock_and_in_a_timer_is_reported(tmp_path, arch):
    k = scenario(tmp_path, "atomicsleep", arch=arch)
    k.sleep(SECOND // 10)
    bugs = [i for i, t in enumerate(texts(k)) if t.startswith("BUG: sleeping function")]
    assert len(bugs) == 2
    first, second = (texts(k)[i : i + 6] for i in bugs)
    assert first[0].endswith("at kernel/time/timer.c:2163")
    assert first[1] == "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: insmod"
    assert first[2:5] == [
        "preempt_count: 1, expected: 0",
        "RCU nest depth: 0, expected: 0",
        "1 lock held by insmod/1:",
    ]
    assert "(state_lock){+.+.}-{2:2}" in first[5]
    assert second[1].endswith("pid: 0, name: swapper/0")  # the timer runs in softirq
    assert second[2] == "preempt_count: 100, expected: 0"
    assert "atomicsleep: timer callback went on" in texts(k)
    k.module_unload("atomicsleep")


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_a_thread_blocked_for_two_minutes_is_a_hung_task(tmp_path, arch):
    k = scenario(tmp_path, "hung", arch=arch)
    k.sleep(100 * SECOND)
    assert not any(t.startswith("INFO: task") for t in texts(k))
    k.sleep(30 * SECOND)
    # reported the moment it has waited the timeout, in khungtaskd's words
    report = since(k, "INFO: task hung-waiter:2 blocked for more than 120 seconds.")
    assert report[2] == '"echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.'
    assert report[3].startswith("task:hung-waiter     state:D")
    assert report[5:8] == [
        " __schedule+0x0/0x10",
        " schedule+0x0/0x10",
        " wait_for_completion+0x0/0x10",
    ]
    k.module_unload("hung")  # exit completes it: the waiter wakes and kthread_stop reaps it
    assert "hung: the waiter woke" in texts(k) and k.tasks() == []


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_an_init_that_waits_forever_ends_the_command_with_the_report(tmp_path, arch):
    from lkmsh.errors import ModuleFault

    k = Kernel(KernelConfig(arch=arch))
    with pytest.raises(ModuleFault, match="blocked in wait_for_completion"):
        k.module_load(built(tmp_path, "hung", arch), "wait_in_init=1")
    assert "INFO: task insmod:1 blocked for more than 120 seconds." in texts(k)
    assert k.module_find("hung") is None


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_the_seed_chooses_the_interleaving_and_repeats_it(tmp_path, arch):
    def order(seed):
        k = scenario(tmp_path, "race", seed=seed, arch=arch)
        return [t.removeprefix("race: ") for t in texts(k) if " step " in t]

    default = order(None)
    assert default[:3] == ["red step 0", "blue step 0", "green step 0"]  # first come, first run
    assert order(1) == order(1) and order(2) == order(2)
    assert order(1) != default and order(2) != order(1)
    assert sorted(order(1)) == sorted(default)  # the same steps, in another order


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_timers_rearm_and_hrtimers_restart_in_virtual_time(tmp_path, arch):
    k = Kernel(KernelConfig(arch=arch))
    k.module_load(built(tmp_path, "rearm", arch))
    k.sleep(SECOND)
    again = Kernel.from_state(k.export_state())  # armed timers are saved
    again.sleep(SECOND)
    again.module_unload("rearm")
    lines = [again.format_dmesg_line(r) for r in again.dmesg()]
    # the hrtimer callback reads ktime_get() after running a few blocks of its own
    # (2 ns each of virtual time): just past its expiry, which stays on the 250 ms grid
    late = [int(m[1]) for m in (re.search(r"at (\d+) ns$", line) for line in lines) if m]
    assert [ns // 1000 for ns in late[:3]] == [250_000, 500_000, 750_000]
    lines = [re.sub(r"at (\d+) ns$", lambda m: f"at {int(m[1]) // 1000} us", t) for t in lines]
    assert lines[1:7] == [
        "[    0.100000] rearm: beat 1 at jiffies 4294892321",
        "[    0.200000] rearm: beat 2 at jiffies 4294892346",
        "[    0.250000] rearm: hrtimer 1 at 250000 us",
        "[    0.300000] rearm: beat 3 at jiffies 4294892371",
        "[    0.500000] rearm: hrtimer 2 at 500000 us",
        "[    0.750000] rearm: hrtimer 3 at 750000 us",
    ]
    assert lines[-1] == "[    2.004000] rearm: 20 beats, timer was pending, hrtimer done"


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_work_delayed_work_and_a_tasklet(tmp_path, arch):
    k = scenario(tmp_path, "deferred", arch=arch)
    assert texts(k)[1:4] == [
        "deferred: queued again? 0",  # still pending: schedule_work() says false
        "deferred: tasklet runs, in softirq",
        "deferred: job 7 runs in kworker/0:1",
    ]
    k.sleep(SECOND)
    again = Kernel.from_state(k.export_state())
    again.sleep(SECOND)
    again.module_unload("deferred")
    assert [t for t in texts(again) if "poll" in t or "cancel" in t] == [
        "deferred: poll 1 at jiffies 4294892421",  # 500 ms after insmod
        "deferred: poll 2 at jiffies 4294892552",  # 500 ms after poll 1 slept 20 ms
        "deferred: poll 3 at jiffies 4294892683",
        "deferred: cancel found it pending: 0",
        "deferred: 3 polls",
    ]
    assert [t.comm for t in again.tasks()] == ["kworker/0:1"]  # the module's went with it


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_unload_reports_and_cancels_what_the_module_left_running(tmp_path, arch):
    k = scenario(tmp_path, "leaver", arch=arch)
    k.module_unload("leaver")
    tail = texts(k)[-4:]
    assert tail[0] == "leaver: bye"
    # debugobjects names a delayed work by its timer's function, as Linux does
    odebug = "ODEBUG: free active (active state 0) object type: timer_list hint: "
    first, second = sorted(tail[1:3])
    assert first == odebug + "delayed_work_timer_fn+0x0/0x10"
    assert second.startswith(odebug + "forgotten_timer_fn+0x0/") and second.endswith(" [leaver]")
    assert tail[3] == "leaver: kthread leaver:2 still running at module unload; killed"
    k.sleep(30 * SECOND)  # nothing of it runs any more
    assert texts(k)[-1] == "leaver: kthread leaver:2 still running at module unload; killed"
    assert k.tasks() == []


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_semaphores_rwsems_rcu_kref_and_bitops(tmp_path, arch):
    k = scenario(tmp_path, "shared", arch=arch)
    waits = {t.comm: t.wchan for t in k.tasks()}
    assert waits["gate-2"] == "down"  # the gate's one slot is taken
    assert waits["reader-1"] == waits["reader-2"] == "rwsem_down_read_slowpath"
    k.sleep(SECOND // 5)
    k.module_unload("shared")
    said = [t.removeprefix("shared: ") for t in texts(k) if t.startswith("shared: ")][1:]
    assert said[:6] == [
        "item refs 2",
        "item 1 released",  # the second kref_put
        "bit 70 1, was set 1",
        "flag 3",
        "flag 70",
        "1 passes the gate",
    ]
    # up_write hands the rwsem to both waiting readers at once
    assert said[6:10] == [
        "reader 1 sees table[0]=42",
        "reader 1 sees generation 2",
        "reader 2 sees table[0]=42",
        "reader 2 sees generation 2",
    ]
    assert said[10:] == ["config 2's grace period is over", "2 passes the gate"]
    assert not any("kmemleak" in t for t in texts(k))


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_a_read_that_waits_parks_the_reader_until_a_timer_brings_data(tmp_path, arch):
    import os

    from lkmsh.errors import KernelError

    k = scenario(tmp_path, "blockread", arch=arch)
    f = k.open("/dev/sleepy")
    # the cat task waits in wait_event_interruptible; the sensor's timer wakes it
    assert k.read(f, 100) == b"reading 1 at 4294892421\n"  # 500 ms after insmod
    assert k.read(f, 100) == b"reading 2 at 4294892546\n"
    k.close(f)
    f = k.open("/dev/sleepy", os.O_RDONLY | os.O_NONBLOCK)
    with pytest.raises(KernelError) as exc:
        k.read(f, 100)
    assert exc.value.errno == errno.EAGAIN
    k.close(f)
    k.module_unload("blockread")
    k.module_load(built(tmp_path, "blockread", arch), "produce=0")
    f = k.open("/dev/sleepy")
    with pytest.raises(KernelError) as exc:  # nothing will ever come: Ctrl-C, as for cat
        k.read(f, 100)
    assert exc.value.errno == errno.EINTR
    k.close(f)


#: a thread that ends by itself before its module's exit calls kthread_stop()
ONCE = r"""
#include <linux/kthread.h>
#include <linux/module.h>

static struct task_struct *worker;

static int once_fn(void *data)
{
	pr_info("once: ran\n");
	return 42;
}

static int __init once_init(void)
{
	worker = kthread_run(once_fn, NULL, "once");
	return PTR_ERR_OR_ZERO(worker);
}

static void __exit once_exit(void)
{
	pr_info("once: thread returned %d\n", kthread_stop(worker));
}

module_init(once_init);
module_exit(once_exit);
MODULE_LICENSE("GPL");
"""


@needs_gcc
def test_a_kthread_that_ended_is_reaped_at_once(tmp_path):
    """kthreadd ignores SIGCHLD: an exited kthread is no zombie in ps or /proc."""
    src = tmp_path / "once.c"
    src.write_text(ONCE)
    k = Kernel()
    k.module_load(build_module([src], tmp_path / "once.ko"))
    k.sleep(SECOND // 1000)
    assert "once: ran" in texts(k)
    assert k.tasks() == []
    assert not [e.name for e in k.listdir("/proc") if e.name.isdigit()]
    k.module_unload("once")  # its task_struct stayed for kthread_stop, as if referenced
    assert texts(k)[-1] == "once: thread returned 42"
    assert not k.heap.allocations("once")
