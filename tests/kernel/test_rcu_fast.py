"""rcu_read_lock()'s fast path in emulated code (lkmsh/klib/rcu.c, rcufast.py), and
kvfree_rcu() frees whose grace period is over in virtual time.

Module code walking an XArray under rcu_read_lock() in a loop never reaches
Python for the lock; what lockdep reports (a sleep in a read-side section with
its depth, a command leaving one held) must be what it was when every call went
through Python. Both architectures.
"""

from __future__ import annotations

from kernel_helpers import texts

from lkmsh.kernel.klib import KLIB_BASE, KLIB_SIZE

READERS = r"""
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>
#include <linux/delay.h>

static DEFINE_XARRAY(readers_xa);
static int sleep_inside;
module_param(sleep_inside, int, 0444);
static int leave_held;
module_param(leave_held, int, 0444);

static int __init readers_init(void)
{
	unsigned long index, seen = 0;
	void *entry;
	int i, err;

	for (index = 0; index < 200; index += 3) {
		err = xa_err(xa_store(&readers_xa, index, xa_mk_value(index), GFP_KERNEL));
		if (err)
			return err;
	}
	for (i = 0; i < 2000; i++) {
		XA_STATE(xas, &readers_xa, 0);

		rcu_read_lock();
		xas_for_each(&xas, entry, ULONG_MAX)
			seen += xa_to_value(entry) == xas.xa_index;
		rcu_read_unlock();
	}
	pr_info("readers: %lu entries seen\n", seen);
	if (sleep_inside) {
		rcu_read_lock();
		rcu_read_lock();
		msleep(1);
		rcu_read_unlock();
		rcu_read_unlock();
	}
	if (leave_held)
		rcu_read_lock();
	return 0;
}

static void __exit readers_exit(void)
{
	xa_destroy(&readers_xa);
}

module_init(readers_init);
module_exit(readers_exit);
MODULE_LICENSE("GPL");
"""

CHURN = r"""
#include <linux/module.h>
#include <linux/xarray.h>
#include <linux/delay.h>

static DEFINE_XARRAY(churn_xa);

/* each store makes a node and each erase frees it through RCU, 2 us apart
 * (polling a device in between): 10 ms in all, grace periods of 4 ms */
static int __init churn_init(void)
{
	unsigned int i, failed = 0;

	for (i = 0; i < 5000; i++) {
		if (xa_is_err(xa_store(&churn_xa, 1 + i % 60, xa_mk_value(i), GFP_KERNEL)))
			failed++;
		xa_erase(&churn_xa, 1 + i % 60);
		udelay(2);
	}
	pr_info("churn: %u of 5000 stores failed\n", failed);
	return 0;
}

static void __exit churn_exit(void)
{
}

module_init(churn_init);
module_exit(churn_exit);
MODULE_LICENSE("GPL");
"""


def test_the_library_serves_rcu_read_lock_and_unlock(arch_kernel):
    k, _build = arch_kernel
    for name in ("__rcu_read_lock", "__rcu_read_unlock"):
        sym = k.symbol_resolve(name)
        assert KLIB_BASE <= k.symbol_address(name) < KLIB_BASE + KLIB_SIZE
        assert sym.gpl  # EXPORT_SYMBOL_GPL in Linux 6.1 (kernel/rcu/tree_plugin.h)


def test_balanced_read_sections_leave_lockdep_as_it_was(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(READERS, "readers"))
    assert "readers: 134000 entries seen" in texts(k)  # 67 entries, 2000 walks
    assert k.lockdep.held == {}
    k.module_unload("readers")
    assert not [t for t in texts(k) if "WARNING" in t or "BUG" in t]


def test_a_sleep_two_read_sections_deep_is_reported_with_its_depth(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(READERS, "readers"), params="sleep_inside=1")
    lines = texts(k)
    at = next(i for i, t in enumerate(lines) if t.startswith("BUG: sleeping function"))
    assert lines[at] == (
        "BUG: sleeping function called from invalid context at kernel/time/timer.c:2163"
    )
    assert lines[at + 1] == "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: insmod"
    assert lines[at + 2 : at + 4] == [
        "preempt_count: 0, expected: 0",
        "RCU nest depth: 2, expected: 0",
    ]
    assert k.lockdep.held == {}  # both levels released after the sleep


def test_a_read_section_left_held_is_reported_on_the_way_to_user_space(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(READERS, "readers"), params="leave_held=1")
    lines = texts(k)
    assert "WARNING: lock held when returning to user space!" in lines
    assert "insmod/1 is leaving the kernel with locks still held!" in lines


def test_freed_nodes_come_back_once_their_grace_period_is_over(arch_kernel):
    k, build = arch_kernel
    k.heap.objects_max = 3000  # fewer live objects than the loop frees nodes
    k.module_load(build(CHURN, "churn"))
    assert "churn: 0 of 5000 stores failed" in texts(k)
    assert len(k.rcu.pending) < 2500  # the others were freed on the way
    k.module_unload("churn")
    assert not [t for t in texts(k) if "kmemleak" in t or "WARNING" in t]
    assert not k.rcu.pending
