"""Functions and data that Linux 6.1 declares in its headers but does not export
(kthread_exit, kset_init, tty_write_message, parse_option_str, power_kobj): a
module that uses one builds with modpost's "undefined!" warning and is refused
at insmod with "Unknown symbol", as on Linux. module_put_and_kthread_exit, the
exported way for a thread to end, works.
"""

from __future__ import annotations

import errno

import pytest
from kernel_helpers import needs_gcc, texts

from lkmsh.build import build_module
from lkmsh.errors import UnknownSymbol
from lkmsh.kernel.kernel import Kernel

UNEXPORTED = ("kset_init", "kthread_exit", "parse_option_str", "power_kobj", "tty_write_message")

#: a module that reaches for each of them, as code written against the headers might
USES_THEM = r"""
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/kthread.h>
#include <linux/tty.h>

static struct kset set;

static int __init reach_init(void)
{
	if (parse_option_str("quiet,debug", "debug"))
		kset_init(&set);
	if (!power_kobj)
		tty_write_message(NULL, "none");
	return 0;
}

static void __exit reach_exit(void)
{
	kthread_exit(0);
}

module_init(reach_init);
module_exit(reach_exit);
MODULE_LICENSE("GPL");
"""

#: a thread that pins its module while it runs, as drivers with a worker thread do
PINNED = r"""
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/completion.h>

static DECLARE_COMPLETION(started);

static int worker(void *data)
{
	complete(&started);
	pr_info("worker: done\n");
	module_put_and_kthread_exit(0);
}

static int __init pinned_init(void)
{
	struct task_struct *t;

	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	t = kthread_run(worker, NULL, "pinned_worker");
	if (IS_ERR(t)) {
		module_put(THIS_MODULE);
		return PTR_ERR(t);
	}
	wait_for_completion(&started);
	return 0;
}

static void __exit pinned_exit(void)
{
}

module_init(pinned_init);
module_exit(pinned_exit);
MODULE_LICENSE("GPL");
"""


@needs_gcc
def test_symbols_linux_declares_but_does_not_export_are_unknown(tmp_path):
    src = tmp_path / "reach.c"
    src.write_text(USES_THEM)
    warnings: list[str] = []
    ko = build_module([src], tmp_path / "reach.ko", on_warning=warnings.append)
    for name in UNEXPORTED:
        assert any(f'"{name}" [' in w and "undefined!" in w for w in warnings), name
    k = Kernel()
    with pytest.raises(UnknownSymbol) as exc:
        k.module_load(ko)
    assert exc.value.errno == errno.ENOENT
    assert texts(k)[-len(UNEXPORTED) :] == [
        f"reach: Unknown symbol {name} (err -2)" for name in UNEXPORTED
    ]
    assert k.module_find("reach") is None


@needs_gcc
def test_module_put_and_kthread_exit_drops_the_threads_reference(tmp_path):
    src = tmp_path / "pinned.c"
    src.write_text(PINNED)
    ko = build_module([src], tmp_path / "pinned.ko")
    k = Kernel()
    k.module_load(ko)
    k.sleep(1_000_000)  # a millisecond of virtual time: the worker runs to its end
    assert "worker: done" in texts(k)
    assert {t.state for t in k.tasks() if t.comm == "pinned_worker"} <= {"Z"}  # it ended
    assert k.module_refcount(k.module_find("pinned")) == 0
    k.module_unload("pinned")
    assert k.module_find("pinned") is None
