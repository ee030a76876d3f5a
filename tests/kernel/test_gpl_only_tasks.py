"""GPL-only exports of time and tasks, as Linux 6.1 marks them (EXPORT_SYMBOL_GPL).

modpost refuses a module whose license is not GPL-compatible using one at
build time; a .ko that reaches insmod anyway (its license edited after the
build) is refused by the loader, which skips GPL-only symbols for it.
"""

from __future__ import annotations

import errno

import pytest
from kernel_helpers import needs_gcc, relicensed, texts

from lkmsh.build import build_module
from lkmsh.errors import BuildError, UnknownSymbol
from lkmsh.kernel.kapi import registry
from lkmsh.kernel.kernel import Kernel

#: EXPORT_SYMBOL_GPL in Linux 6.1 (kernel/kthread.c, time/hrtimer.c, time/timer.c,
#: time/timekeeping.c, rcu/tree*.c with PREEMPT_RCU as Debian builds it, workqueue.c)
GPL_ONLY = {
    "kthread_park", "kthread_unpark", "kthread_parkme", "kthread_should_park",
    "hrtimer_init", "hrtimer_start_range_ns", "hrtimer_cancel", "hrtimer_try_to_cancel",
    "hrtimer_forward", "__hrtimer_get_remaining", "round_jiffies", "round_jiffies_relative",
    "ktime_get", "call_rcu", "synchronize_rcu", "rcu_barrier", "kvfree_call_rcu",
    "__rcu_read_lock", "__rcu_read_unlock", "alloc_workqueue", "destroy_workqueue",
    "flush_work", "cancel_work_sync", "mod_delayed_work_on", "drain_workqueue",
    "schedule_hrtimeout", "schedule_hrtimeout_range", "nsecs_to_jiffies",
}  # fmt: skip
#: EXPORT_SYMBOL: what any module may use
PLAIN = {
    "kthread_create_on_node", "kthread_stop", "kthread_should_stop", "wake_up_process",
    "kthread_complete_and_exit", "schedule", "schedule_timeout", "msleep", "usleep_range_state",
    "init_timer_key", "mod_timer", "add_timer", "del_timer", "del_timer_sync",
    "queue_work_on", "queue_delayed_work_on", "flush_delayed_work", "cancel_delayed_work",
    "cancel_delayed_work_sync", "cancel_work", "__tasklet_schedule", "tasklet_setup",
    "tasklet_init", "tasklet_kill", "complete", "complete_all", "wait_for_completion",
    "wait_for_completion_timeout", "wait_for_completion_interruptible", "__wake_up",
    "prepare_to_wait_event", "finish_wait", "__init_waitqueue_head", "mutex_lock",
    "mutex_unlock", "mutex_lock_interruptible", "down", "up", "down_read", "up_write",
}  # fmt: skip

PROPRIETARY_KTHREAD = r"""
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/delay.h>

static struct task_struct *worker;

static int worker_fn(void *data)
{
	while (!kthread_should_stop()) {
		if (kthread_should_park())
			kthread_parkme();
		msleep(100);
	}
	return 0;
}

static int __init pk_init(void)
{
	worker = kthread_run(worker_fn, NULL, "pk");
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	kthread_park(worker);
	return 0;
}

static void __exit pk_exit(void)
{
	kthread_stop(worker);
}

module_init(pk_init);
module_exit(pk_exit);
MODULE_LICENSE("GPL");
"""


def test_the_flags_are_linuxs():
    funcs = {f.name: f.gpl for f in registry.kapi_table()}
    assert {n for n in GPL_ONLY if not funcs[n]} == set()
    assert {n for n in PLAIN if funcs[n]} == set()


@needs_gcc
def test_modpost_refuses_a_proprietary_module_using_gpl_only_exports(tmp_path):
    src = tmp_path / "pk.c"
    src.write_text(PROPRIETARY_KTHREAD.replace('MODULE_LICENSE("GPL")', 'MODULE_LICENSE("MIT")'))
    with pytest.raises(BuildError) as exc:
        build_module([src], tmp_path / "pk.ko")
    # one error per symbol, in modpost's words (the first is the message, the rest the detail)
    assert exc.value.message == (
        "modpost: GPL-incompatible module pk.ko uses GPL-only symbol 'kthread_park'"
    )
    assert exc.value.detail == (
        "ERROR: modpost: GPL-incompatible module pk.ko uses GPL-only symbol 'kthread_parkme'\n"
        "ERROR: modpost: GPL-incompatible module pk.ko uses GPL-only symbol 'kthread_should_park'\n"
    )
    assert not (tmp_path / "pk.ko").exists()


@needs_gcc
def test_insmod_refuses_them_to_a_proprietary_ko_as_unknown_symbols(tmp_path):
    src = tmp_path / "pk.c"
    src.write_text(PROPRIETARY_KTHREAD)
    ko = build_module([src], tmp_path / "pk.ko")
    k = Kernel()
    k.module_load(ko)  # GPL: links, parks its thread, stops it on rmmod
    k.module_unload("pk")
    # the same image with its license record changed after modpost ran
    foreign = relicensed(ko, b"MIT")
    k = Kernel()
    with pytest.raises(UnknownSymbol) as exc:
        k.module_load(foreign)
    assert exc.value.errno == errno.ENOENT
    assert texts(k)[-3:] == [
        "pk: Unknown symbol kthread_park (err -2)",
        "pk: Unknown symbol kthread_parkme (err -2)",
        "pk: Unknown symbol kthread_should_park (err -2)",
    ]
    assert k.module_find("pk") is None
