"""kmalloc/kzalloc/kfree's fast path (8 to 1024 bytes) in emulated code (lkmsh/klib/slab.c, slabfast.py).

Module code allocating and freeing in a loop never reaches Python for most
calls; what the heap reports (leaks on rmmod, KASAN double and invalid frees,
ksize, krealloc, poisoning, the saved state) must be what it was when every
call went through Python. Both architectures.
"""

from __future__ import annotations

import re

import pytest
from kernel_helpers import texts

from lkmsh.errors import ModuleFault
from lkmsh.kernel.kernel import Kernel
from lkmsh.kernel.klib import KLIB_BASE, KLIB_SIZE

CYCLES = r"""
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

static const size_t sizes[] = { 1, 8, 24, 64, 90, 128, 150, 200, 256, 300, 512, 700, 3000 };
static void *kept[3];

static int __init cycles_init(void)
{
	void *live[ARRAY_SIZE(sizes)];
	unsigned int round, i, bad = 0;
	u8 *p, first, last;

	for (round = 0; round < 300; round++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			live[i] = (round & 1) ? kzalloc(sizes[i], GFP_KERNEL) : kmalloc(sizes[i], GFP_KERNEL);
			if (!live[i])
				goto nomem;
			if ((round & 1) && memchr_inv(live[i], 0, sizes[i]))
				bad++;
			memset(live[i], 0xff, sizes[i]);
		}
		for (i = 0; i < ARRAY_SIZE(sizes); i++)
			kfree(live[i]);
	}
	/* a freed object is poisoned as slub_debug=P does */
	p = kmalloc(64, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	kfree(p);
	first = p[0];
	last = p[63];		/* before the slot is handed out (and zeroed) again */
	pr_info("cycles: poison %02x %02x, ksize %zu, %u unzeroed\n", first, last,
		ksize(kept[0] = kmalloc(40, GFP_KERNEL)), bad);
	kept[1] = kmalloc(100, GFP_KERNEL);
	kept[2] = kzalloc(10, GFP_KERNEL);
	if (!kept[0] || !kept[1] || !kept[2])
		return -ENOMEM;
	strcpy(kept[2], "kept");
	kept[2] = krealloc(kept[2], 200, GFP_KERNEL);
	return kept[2] ? 0 : -ENOMEM;
nomem:
	while (i--)
		kfree(live[i]);
	return -ENOMEM;
}

static void __exit cycles_exit(void)
{
	pr_info("cycles: %s\n", (char *)kept[2]);
	kfree(kept[1]); /* kept[0] and kept[2] are left: kmemleak names both */
}

module_init(cycles_init);
module_exit(cycles_exit);
MODULE_LICENSE("GPL");
"""

MISUSE = r"""
#include <linux/module.h>
#include <linux/slab.h>

static int how;
module_param(how, int, 0);
static int size = 64;
module_param(size, int, 0);

static int __init misuse_init(void)
{
	char *a = kmalloc(size, GFP_KERNEL), *b = kmalloc(size, GFP_KERNEL);

	if (!a || !b)
		return -ENOMEM;
	kfree(a);
	if (how == 0)
		kfree(a);	/* double free */
	else
		kfree(b + 8);	/* not the start of an object */
	return 0;
}

static void __exit misuse_exit(void)
{
}

module_init(misuse_init);
module_exit(misuse_exit);
MODULE_LICENSE("GPL");
"""

KEEP = r"""
#include <linux/module.h>
#include <linux/slab.h>

static char *objs[6];

static int __init keep_init(void)
{
	int i;

	for (i = 0; i < 6; i++) {
		objs[i] = kmalloc(32 + 16 * i, GFP_KERNEL);
		if (!objs[i])
			return -ENOMEM;
		snprintf(objs[i], 32, "object %d", i);
	}
	return 0;
}

static void __exit keep_exit(void)
{
	int i;
	void *again;

	for (i = 0; i < 4; i++) {
		pr_info("keep: %s\n", objs[i]);
		kfree(objs[i]);
	}
	again = kmalloc(32, GFP_KERNEL);	/* the restored kernel's fast path */
	pr_info("keep: reused %d\n", again == objs[0]);
	kfree(again);
}

module_init(keep_init);
module_exit(keep_exit);
MODULE_LICENSE("GPL");
"""


def _leaks(lines: list[str]) -> list[tuple[int, str]]:
    """(size, backtrace function) of each object kmemleak reported."""
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"unreferenced object 0x[0-9a-f]{16} \(size (\d+)\):", line)
        if m:
            out.append((int(m.group(1)), lines[i + 3].split("] ")[1].split("+")[0]))
    return out


def test_the_library_serves_kmalloc_kzalloc_and_kfree(arch_kernel):
    k, _build = arch_kernel
    for name in ("kmalloc", "kzalloc", "kfree"):
        assert KLIB_BASE <= k.symbol_address(name) < KLIB_BASE + KLIB_SIZE


def test_many_cycles_across_size_classes_then_the_leaks_in_linux_words(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(CYCLES, "cycles"))
    assert "cycles: poison 6b a5, ksize 64, 0 unzeroed" in texts(k)
    mine = k.heap.allocations(owner="cycles")
    assert sorted(a.size for a in mine) == [40, 100, 200]
    assert all(k.symbolize(a.caller).startswith("cycles_init+") for a in mine)
    k.module_unload("cycles")
    lines = texts(k)
    assert "cycles: kept" in lines
    assert "kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" in lines
    assert sorted(_leaks(lines)) == [(40, "cycles_init"), (200, "cycles_init")]
    assert k.heap.allocations(owner="cycles") == []
    stats = {s.name: s for s in k.heap.stats()}
    assert all(s.active_objs == 0 for s in stats.values())


@pytest.mark.parametrize(
    ("size", "cache"), [(64, "kmalloc-64 of size 64"), (576, "kmalloc-1k of size 1024")]
)
@pytest.mark.parametrize(
    ("how", "kind", "where"),
    [
        (0, "double-free", "The buggy address is located 0 bytes inside of"),
        (1, "invalid-free", "The buggy address is located 8 bytes inside of"),
    ],
)
def test_a_bad_kfree_after_fast_calls_is_kasans_report(arch_kernel, how, kind, where, size, cache):
    k, build = arch_kernel
    with pytest.raises(ModuleFault):
        k.module_load(build(MISUSE, "misuse"), params=f"how={how} size={size}")
    lines = texts(k)
    assert any(re.match(rf"BUG: KASAN: {kind} in misuse_init\+0x", t) for t in lines)
    at = lines.index("Allocated by task 1:")
    assert lines[at + 1].startswith(" misuse_init+")
    if how == 0:
        assert lines[lines.index("Freed by task 1:") + 1].startswith(" misuse_init+")
    assert f" which belongs to the cache {cache}" in lines
    assert where in lines


def test_live_fast_allocations_survive_a_state_round_trip(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(KEEP, "keep"))
    again = Kernel.from_state(k.export_state())
    assert sorted(a.size for a in again.heap.allocations(owner="keep")) == [32, 48, 64, 80, 96, 112]
    again.module_unload("keep")
    lines = texts(again)
    assert [t for t in lines if t.startswith("keep: object")] == [
        f"keep: object {i}" for i in range(4)
    ]
    assert "keep: reused 1" in lines
    assert "kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" in lines
    assert sorted(_leaks(lines)) == [(96, "keep_init"), (112, "keep_init")]


#: an XArray's nodes: 576 bytes, kmalloc-1k objects (32 to an order-3 slab), zeroed
NODES = r"""
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#define NODE_SIZE 576
static void *kept[2];

static int __init nodes_init(void)
{
	static void *live[100];
	unsigned int round, i, unzeroed = 0;

	for (round = 0; round < 50; round++) {
		for (i = 0; i < ARRAY_SIZE(live); i++) {
			live[i] = kzalloc(NODE_SIZE, GFP_KERNEL);
			if (!live[i])
				goto nomem;
			if (memchr_inv(live[i], 0, NODE_SIZE))
				unzeroed++;
			memset(live[i], 0x5a, NODE_SIZE);
		}
		for (i = 0; i < ARRAY_SIZE(live); i++)
			kfree(live[i]);
	}
	kept[0] = kmalloc(NODE_SIZE, GFP_KERNEL);
	kept[1] = kzalloc(1000, GFP_KERNEL);
	pr_info("nodes: %u unzeroed, ksize %zu\n", unzeroed, ksize(kept[0]));
	return kept[0] && kept[1] ? 0 : -ENOMEM;
nomem:
	while (i--)
		kfree(live[i]);
	return -ENOMEM;
}

static void __exit nodes_exit(void)
{
}

module_init(nodes_init);
module_exit(nodes_exit);
MODULE_LICENSE("GPL");
"""


def test_xarray_sized_nodes_come_zeroed_and_their_leaks_are_named(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(NODES, "nodes"))
    assert "nodes: 0 unzeroed, ksize 1024" in texts(k)
    assert sorted(a.size for a in k.heap.allocations(owner="nodes")) == [576, 1000]
    k.module_unload("nodes")
    lines = texts(k)
    assert "kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" in lines
    assert sorted(_leaks(lines)) == [(576, "nodes_init"), (1000, "nodes_init")]


#: a loop long enough for jiffies to move under it several times (a jiffy is 2 M
#: blocks of module code), with no kernel call the tick could wait for
CHURN = r"""
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>

static int __init churn_init(void)
{
	unsigned long start = jiffies, i;

	for (i = 0; i < 600000; i++) {
		void *p = (i & 1) ? kzalloc(64, GFP_KERNEL) : kmalloc(64, GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		kfree(p);
	}
	pr_info("churn: jiffies moved %lu times\n", jiffies - start);
	return 0;
}

static void __exit churn_exit(void)
{
}

module_init(churn_init);
module_exit(churn_exit);
MODULE_LICENSE("GPL");
"""


def test_jiffies_moving_mid_kmalloc_or_kfree_leaves_their_records_whole(arch_kernel):
    """The tick that moves jiffies under module code also moves the clock, which settles
    the heap; it waits until the library's kmalloc/kfree (and kfree's memset) are done."""
    k, build = arch_kernel
    k.module_load(build(CHURN, "churn"))
    [moved] = [t for t in texts(k) if t.startswith("churn: jiffies moved ")]
    assert int(moved.split()[3]) >= 3
    assert not [t for t in texts(k) if "KASAN" in t or "BUG" in t]
    assert k.heap.allocations(owner="churn") == []
    k.module_unload("churn")
    assert not [t for t in texts(k) if "leak" in t]
