"""Each KUnit case runs in a kthread of its own, as Linux 6.1's kunit_try_catch_run().

The loading task waits for the case's kthread ("kunit_try_catch"): a case may
sleep, wait for a completion a timer signals or for a thread it started; an
assertion ends only its kthread (the suite's exit then runs in the loading
task, as Linux's catch does); a case that never ends is timed out after
KUnit's 300 seconds of virtual time, and the next case runs.
"""

from __future__ import annotations

from kunit_helpers import MODULES, log_lines

from lkmsh.kernel.kernel import Kernel

SECOND = 1_000_000_000


def _load(kernel: Kernel, build) -> list[str]:
    kernel.module_load(build(MODULES / "kthread_kunit.c"))
    lines = log_lines(kernel)
    return lines[lines.index("    # Subtest: sleepy") :]


def _stamp(kernel: Kernel, text: str) -> int:
    return next(r.ts_ns for r in kernel.dmesg() if r.text == text)


def test_a_case_sleeps_in_its_own_kthread(kernel, build):
    out = _load(kernel, build)
    # msleep(100) is msecs_to_jiffies(100) + 1 = 26 jiffies of 4 ms
    assert out[2:5] == [
        "    # sleep_test: slept 104 ms",
        "    # sleep_test: exit in kunit_try_catch",
        "    ok 1 - sleep_test",
    ]


def test_a_case_waits_for_a_timer_and_for_its_own_thread(kernel, build):
    out = _load(kernel, build)
    assert "    ok 2 - timer_completion_test" in out
    assert "    ok 3 - own_kthread_test" in out
    assert not any("EXPECTATION FAILED" in line for line in out)


def test_an_assertion_after_a_sleep_ends_only_its_case(kernel, build):
    out = _load(kernel, build)
    i = out.index("    # assert_after_sleep_test: exit in insmod")
    # the thread exited at the assertion; the catch ran the exit in the loading task
    assert out[i - 3].startswith("    # assert_after_sleep_test: ASSERTION FAILED at ")
    assert out[i - 2 : i] == ["    Expected 1 + 1 == 3, but", "        1 + 1 == 2 (0x2)"]
    assert out[i + 1] == "    not ok 4 - assert_after_sleep_test"
    assert "    # assert_after_sleep_test: never printed" not in out


def test_an_assertion_in_a_callback_of_a_kernel_function_ends_the_case(kernel, build):
    out = _load(kernel, build)
    i = out.index("    # nested_assert_test: exit in insmod")
    assert out[i - 2 : i] == ["    Expected id == 99, but", "        id == 0 (0x0)"]
    assert out[i + 1] == "    not ok 5 - nested_assert_test"
    assert "    # nested_assert_test: never printed either" not in out


def test_a_hanging_case_times_out_after_300_seconds(kernel, build):
    out = _load(kernel, build)
    i = out.index("    # hang_test: try timed out")
    assert out[i + 1 : i + 3] == [
        "    # hang_test: test case timed out",
        "    not ok 6 - hang_test",
    ]
    assert "    # hang_test: woke up" not in out
    assert "    # hang_test: exit in insmod" not in out  # nothing is cleaned up after it
    start = _stamp(kernel, "    # hang_test: waiting for what never comes")
    # 300 s from when the loader began to wait, a few blocks (2 ns each) before the print
    waited = _stamp(kernel, "    # hang_test: try timed out") - start
    assert 300 * SECOND - 1_000_000 < waited <= 300 * SECOND
    # khungtaskd saw both tasks in D state on the way: the loader and the case's thread
    hung = [line for line in out if line.startswith("INFO: task ")]
    assert hung[:2] == [
        "INFO: task insmod:1 blocked for more than 120 seconds.",
        "INFO: task kunit_try_catch:8 blocked for more than 120 seconds.",
    ]
    j = out.index(hung[1])
    trace = out[j : out.index("    # hang_test: try timed out")]
    assert [t.split("+")[0] for t in trace[5:]] == [
        " __schedule",
        " schedule",
        " wait_for_completion",
        " hang_test",
        " kunit_try_run_case",
        " kunit_generic_run_threadfn_adapter",
        " kthread",
        " ret_from_fork",
    ]
    # the next case runs in a thread of its own
    assert out[i + 3 : i + 6] == [
        "    # after_hang_test: still runs",
        "    # after_hang_test: exit in kunit_try_catch",
        "    ok 7 - after_hang_test",
    ]


def test_a_crash_after_a_sleep_fails_its_case_and_the_next_runs(kernel, build):
    out = _load(kernel, build)
    cpu = [line for line in out if line.startswith("CPU: 0 PID: ")]
    assert len(cpu) == 1 and " Comm: kunit_try_catch " in cpu[0]
    i = out.index("    # crash_after_sleep_test: try timed out")
    assert out[i + 1 : i + 3] == [
        "    # crash_after_sleep_test: test case timed out",
        "    not ok 8 - crash_after_sleep_test",
    ]
    assert "    ok 9 - after_hang_test" in out


def test_kunit_try_catch_run_from_a_case(kernel, build):
    """The exported kunit_try_catch_run(), as lib/kunit/kunit-test.c calls it."""
    out = _load(kernel, build)
    assert out[-5:] == [
        "    # try_catch_test: exit in kunit_try_catch",
        "    ok 10 - try_catch_test",
        "# sleepy: pass:6 fail:4 skip:0 total:10",
        "# Totals: pass:6 fail:4 skip:0 total:10",
        "not ok 1 - sleepy",
    ]


def test_a_hung_case_thread_is_left_until_its_module_goes(kernel, build):
    _load(kernel, build)
    # kthread_stop() would wait for it forever in Linux: it is left in its wait
    (left,) = kernel.tasks()
    assert (left.comm, left.state, left.wchan) == ("kunit_try_catch", "D", "wait_for_completion")
    seen = len(kernel.dmesg())
    kernel.module_unload("kthread_kunit")
    leaks = log_lines(kernel)[seen:]
    assert leaks[0] == (
        f"kthread_kunit: kthread kunit_try_catch:{left.pid} still running at module unload; killed"
    )
    assert kernel.tasks() == []
    # the hung and the crashed case were not cleaned up: their init's kunit_kzalloc()
    # leaks, as in Linux its two objects (the struct kunit_resource and the memory)
    leaks = leaks[1:]
    assert leaks[0] == "kmemleak: 4 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"
    assert sum(line.startswith("unreferenced object ") for line in leaks) == 4
    assert sum(" kunit_kmalloc_array+" in line for line in leaks) == 4


HANGING_PARAMS = r"""
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/module.h>

static DECLARE_COMPLETION(never);
static const int rounds[] = { 1, 2, 3, 4, 5, 6 };

KUNIT_ARRAY_PARAM(rounds, rounds, NULL);

static void stuck_test(struct kunit *test)
{
	wait_for_completion(&never);
}

static struct kunit_case stuck_cases[] = {
	KUNIT_CASE_PARAM(stuck_test, rounds_gen_params),
	{}
};

static struct kunit_suite stuck_suite = {
	.name = "stuck",
	.test_cases = stuck_cases,
};
kunit_test_suite(stuck_suite);
MODULE_LICENSE("GPL");
"""


def test_khungtaskd_stops_reporting_after_ten(kernel, build):
    kernel.module_load(build(HANGING_PARAMS, name="stuck_kunit"))
    out = log_lines(kernel)
    assert out.count("    # stuck_test: try timed out") == 6
    assert "    # stuck_test: pass:0 fail:6 skip:0 total:6" in out
    # each round's two tasks, the loader and the case's thread, until hung_task_warnings runs out
    hung = [line for line in out if line.startswith("INFO: task ")]
    assert len(hung) == 10
    assert hung[-2:] == [
        "INFO: task insmod:1 blocked for more than 120 seconds.",
        "INFO: task kunit_try_catch:6 blocked for more than 120 seconds.",
    ]


POLLING = r"""
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>

static void poll_test(struct kunit *test)
{
	while (!kthread_should_stop())
		msleep(1000);
	kunit_info(test, "told to stop\n");
}

static void poll_exit(struct kunit *test)
{
	kunit_info(test, "exit in %s\n", current->comm);
}

static struct kunit_case poll_cases[] = {
	KUNIT_CASE(poll_test),
	{}
};

static struct kunit_suite poll_suite = {
	.name = "poll",
	.exit = poll_exit,
	.test_cases = poll_cases,
};
kunit_test_suite(poll_suite);
MODULE_LICENSE("GPL");
"""


def test_a_timed_out_case_is_stopped_with_kthread_stop(kernel, build):
    """Past its timeout, Linux 6.1 kthread_stop()s the case's thread and waits for it:
    a case polling kthread_should_stop() ends its own way first, then the timeout is told."""
    kernel.module_load(build(POLLING, name="poll_kunit"))
    out = log_lines(kernel)
    i = out.index("    # poll_test: told to stop")
    assert out[i : i + 5] == [
        "    # poll_test: told to stop",
        "    # poll_test: exit in kunit_try_catch",
        "    # poll_test: try timed out",
        "    # poll_test: test case timed out",
        "    not ok 1 - poll_test",
    ]
    # stopped within a msleep(1000) of KUnit's 300 s
    told = _stamp(kernel, "    # poll_test: told to stop")
    assert 300 * SECOND < told <= 302 * SECOND
    assert kernel.tasks() == []
