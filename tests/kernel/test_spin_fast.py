"""spin_lock()'s fast path in emulated code (lkmsh/klib/spinlock.c, rcufast.py).

A spinlock taken while lockdep holds nothing (xa_lock around an XArray store,
a counter's lock) never reaches Python; what lockdep and the lock debugging
report (sleeping under it, a command leaving it held, an order inversion
against it, recursion) must be what it was when every call went through
Python. Both architectures.
"""

from __future__ import annotations

import pytest
from kernel_helpers import texts

from lkmsh.errors import ModuleFault
from lkmsh.kernel.klib import KLIB_BASE, KLIB_SIZE, SPIN_FAST_PATHS

TALLY = r"""
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <linux/delay.h>

static DEFINE_SPINLOCK(tally_lock);
static DEFINE_SPINLOCK(other_lock);
static DEFINE_XARRAY(tally_xa);
static unsigned long tally;

static int mode;
module_param(mode, int, 0444);
enum { BALANCED, SLEEP_UNDER, LEAVE_HELD, INVERT, RECURSE };

static int __init tally_init(void)
{
	unsigned long flags, index, count = 0;
	void *entry;

	for (index = 0; index < 1000; index++) {
		spin_lock(&tally_lock);
		tally += index;
		spin_unlock(&tally_lock);
		spin_lock_irqsave(&tally_lock, flags);
		tally -= index / 2;
		spin_unlock_irqrestore(&tally_lock, flags);
		if (xa_err(xa_store(&tally_xa, index, xa_mk_value(index), GFP_KERNEL)))
			return -ENOMEM;
	}
	xa_lock_irq(&tally_xa);
	xa_for_each(&tally_xa, index, entry)
		count += xa_to_value(entry) == index;
	xa_unlock_irq(&tally_xa);
	pr_info("tally: %lu, %lu entries\n", tally, count);

	switch (mode) {
	case SLEEP_UNDER:
		spin_lock(&tally_lock);
		msleep(1);
		spin_unlock(&tally_lock);
		break;
	case LEAVE_HELD:
		spin_lock(&tally_lock);
		break;
	case INVERT:
		spin_lock(&tally_lock);
		spin_lock(&other_lock);
		spin_unlock(&other_lock);
		spin_unlock(&tally_lock);
		spin_lock(&other_lock);
		spin_lock(&tally_lock);
		spin_unlock(&tally_lock);
		spin_unlock(&other_lock);
		break;
	case RECURSE:
		spin_lock(&tally_lock);
		spin_lock(&tally_lock);
		break;
	}
	return 0;
}

static void __exit tally_exit(void)
{
	xa_destroy(&tally_xa);
}

module_init(tally_init);
module_exit(tally_exit);
MODULE_LICENSE("GPL");
"""


def _load(k, build, mode: int) -> list[str]:
    k.module_load(build(TALLY, "tally"), params=f"mode={mode}")
    return texts(k)


def test_the_library_serves_spin_lock_and_unlock(arch_kernel):
    k, _build = arch_kernel
    for name in SPIN_FAST_PATHS:
        assert KLIB_BASE <= k.symbol_address(name) < KLIB_BASE + KLIB_SIZE
        assert not k.symbol_resolve(name).gpl  # EXPORT_SYMBOL in Linux 6.1


def test_balanced_sections_leave_the_locks_free_and_lockdep_empty(arch_kernel):
    k, build = arch_kernel
    lines = _load(k, build, 0)
    assert "tally: 250000, 1000 entries" in lines
    assert k.lockdep.held == {}
    lock = next(s.addr for s in k.module_find("tally").symbols if s.name == "tally_lock")
    assert k.mem.read(lock, 8) == bytes(4) + (0xDEAD4EAD).to_bytes(4, "little")
    k.module_unload("tally")
    assert not [t for t in texts(k) if "WARNING" in t or "BUG" in t or "kmemleak" in t]


def test_sleeping_under_a_fast_taken_lock_names_it_and_its_taker(arch_kernel):
    k, build = arch_kernel
    lines = _load(k, build, 1)
    at = lines.index(
        "BUG: sleeping function called from invalid context at kernel/time/timer.c:2163"
    )
    assert lines[at + 1 : at + 5] == [
        "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: insmod",
        "preempt_count: 1, expected: 0",
        "RCU nest depth: 0, expected: 0",
        "1 lock held by insmod/1:",
    ]
    assert " (tally_lock){+.+.}-{2:2}, at: tally_init+0x" in lines[at + 5]
    assert k.lockdep.held == {}  # released after the sleep, through the kernel


def test_a_lock_left_held_is_reported_on_the_way_to_user_space(arch_kernel):
    k, build = arch_kernel
    lines = _load(k, build, 2)
    at = lines.index("WARNING: lock held when returning to user space!")
    assert lines[at + 3 : at + 5] == [
        "insmod/1 is leaving the kernel with locks still held!",
        "1 lock held by insmod/1:",
    ]
    assert " (tally_lock){+.+.}-{2:2}, at: tally_init+0x" in lines[at + 5]


def test_an_inversion_against_a_fast_taken_lock_is_reported(arch_kernel):
    k, build = arch_kernel
    lines = _load(k, build, 3)
    at = lines.index("WARNING: possible circular locking dependency detected")
    trying, holding = lines[at + 4], lines[at + 7]
    assert " (tally_lock){+.+.}-{2:2}, at: tally_init+0x" in trying
    assert " (other_lock){+.+.}-{2:2}, at: tally_init+0x" in holding
    assert k.lockdep.held == {}


def test_taking_a_fast_taken_lock_again_is_the_recursion_bug(arch_kernel):
    k, build = arch_kernel
    with pytest.raises(ModuleFault):
        _load(k, build, 4)
    lines = texts(k)
    at = lines.index("BUG: spinlock recursion on CPU#0, insmod/1")
    assert lines[at + 1].startswith(" lock: tally_lock+0x0/0x8 [tally], .magic: dead4ead")
    trace = next(i for i in range(at, len(lines)) if lines[i].lower() == "call trace:")
    frames = [t for t in lines[trace + 1 :] if t.strip() != "<TASK>"]
    assert frames[0].startswith(" tally_init+0x")  # the caller, as the kernel's slot saw it
