"""Memory has no owner in Linux: an object one module allocated and another keeps.

lkmsh reclaims what a module still holds when it goes (and reports it in
kmemleak's words); an object another module still points at is not a leak
of the going one: it stays, and is the keeping module's from then on (freed by
it, or reclaimed and reported when it goes in turn). lib/livepatch/test_klp_state2.c
relies on this when it takes over test_klp_state.c's klp_state data.
"""

from __future__ import annotations

from kernel_helpers import texts

KEEPER = r"""
#include <linux/module.h>
#include <linux/slab.h>

static void *kept;

void keeper_keep(void *p) { kept = p; }
EXPORT_SYMBOL(keeper_keep);

void keeper_free(void) { kfree(kept); kept = NULL; }
EXPORT_SYMBOL(keeper_free);

static int __init keeper_init(void) { return 0; }
static void __exit keeper_exit(void) { }
module_init(keeper_init);
module_exit(keeper_exit);
MODULE_LICENSE("GPL");
"""

GIVER = r"""
#include <linux/module.h>
#include <linux/slab.h>

void keeper_keep(void *p);

static int __init giver_init(void)
{
	char *p = kstrdup("handed over", GFP_KERNEL);
	void *lost = kmalloc(40, GFP_KERNEL);

	if (!p || !lost)
		return -ENOMEM;
	keeper_keep(p);
	return 0;
}
static void __exit giver_exit(void) { }
module_init(giver_init);
module_exit(giver_exit);
MODULE_LICENSE("GPL");
"""


def _leaks(lines: list[str]) -> list[str]:
    return [line for line in lines if "suspected memory leak" in line]


def test_an_object_another_module_keeps_is_not_reclaimed_with_its_allocator(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(KEEPER, "keeper"))
    kernel.module_load(build(GIVER, "giver"))
    (kept,) = [a for a in kernel.heap.allocations("giver") if a.size == 12]
    kernel.module_unload("giver")
    # the 40 bytes nothing points at are giver's leak; the string is keeper's now
    assert _leaks(texts(kernel)) == [
        "kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"
    ]
    assert [a.addr for a in kernel.heap.allocations("keeper")] == [kept.addr]
    assert kernel.mem.read_cstr(kept.addr, 32) == b"handed over"
    kernel.dmesg_clear()
    kernel.module_unload("keeper")  # keeper never freed it: now its leak
    assert _leaks(texts(kernel)) == [
        "kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)"
    ]
    assert not any(a.owner in ("giver", "keeper") for a in kernel.heap.allocations())


def test_the_keeper_frees_what_it_was_handed(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(KEEPER, "keeper"))
    kernel.module_load(build(GIVER, "giver"))
    kernel.module_unload("giver")
    keeper_free = kernel.symbol_address("keeper_free")
    with kernel.running(kernel.module_find("keeper")):
        kernel.call(keeper_free)
    assert kernel.heap.allocations("keeper") == []
    kernel.dmesg_clear()
    kernel.module_unload("keeper")
    assert _leaks(texts(kernel)) == []
    assert not any("double-free" in line for line in texts(kernel))
