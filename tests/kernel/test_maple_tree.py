"""The maple tree (<linux/maple_tree.h>, lkmsh/klib/maple_tree.c): a module stores,
loads, erases, iterates and allocates ranges as kernel code does (mm's VMA tree,
an ID allocator), and checks the tree's shape: heights, the leaves two entries
live in, gaps. Both architectures."""

from __future__ import annotations

from kernel_helpers import texts

from lkmsh.kernel.klib import GPL_ONLY, KLIB_BASE, KLIB_SIZE

MAPLE = r"""
#include <linux/module.h>
#include <linux/maple_tree.h>

static DEFINE_MTREE(ranges);
static struct maple_tree ids;

static int __init mt_demo_init(void)
{
	unsigned long i, n = 0, sum = 0, index, start;
	struct maple_enode *first_leaf;
	void *entry;
	int ret;
	MA_STATE(mas, &ranges, 0, 0);

	/* an empty tree, then one entry at 0 lives in the root itself */
	pr_info("mt: empty %d height %u\n", mtree_empty(&ranges), mt_height(&ranges));
	mtree_store(&ranges, 0, xa_mk_value(0), GFP_KERNEL);
	pr_info("mt: one entry height %u load %lu\n", mt_height(&ranges),
		xa_to_value(mtree_load(&ranges, 0)));

	for (i = 1; i < 1000; i++) {
		ret = mtree_insert(&ranges, i, xa_mk_value(i), GFP_KERNEL);
		if (ret)
			return ret;
	}
	pr_info("mt: 1000 singletons height %u\n", mt_height(&ranges));
	pr_info("mt: insert over 5 %d, store over 5 %d\n",
		mtree_insert(&ranges, 5, xa_mk_value(55), GFP_KERNEL),
		mtree_store(&ranges, 5, xa_mk_value(5), GFP_KERNEL));
	for (i = 0; i < 1000; i++)
		if (mtree_load(&ranges, i) != xa_mk_value(i))
			pr_info("mt: bad load at %lu\n", i);
	for (i = 0; i < 1000; i += 2)
		if (mtree_erase(&ranges, i) != xa_mk_value(i))
			pr_info("mt: bad erase at %lu\n", i);
	mt_validate(&ranges);

	rcu_read_lock();
	mas_for_each(&mas, entry, ULONG_MAX) {
		n++;
		sum += xa_to_value(entry);
	}
	pr_info("mt: odd %lu sum %lu\n", n, sum);
	mas_set(&mas, 500);
	entry = mas_walk(&mas);
	pr_info("mt: walk 500 %p range %lu-%lu\n", entry, mas.index, mas.last);
	entry = mas_next(&mas, ULONG_MAX);
	pr_info("mt: next %lu range %lu-%lu\n", xa_to_value(entry), mas.index, mas.last);
	entry = mas_prev(&mas, 0);
	entry = mas_prev(&mas, 0);
	pr_info("mt: prev prev %lu range %lu-%lu\n", xa_to_value(entry), mas.index, mas.last);
	mas_set(&mas, 998);
	entry = mas_find_rev(&mas, 0);
	pr_info("mt: find_rev 998 %lu\n", xa_to_value(entry));
	/* two entries a leaf apart are in different nodes */
	mas_set(&mas, 1);
	mas_walk(&mas);
	first_leaf = mas.node;
	mas_set(&mas, 999);
	mas_walk(&mas);
	pr_info("mt: 1 and 999 share a leaf %d\n", first_leaf == mas.node);
	rcu_read_unlock();

	/* a range over many leaves replaces all it covers */
	mtree_store_range(&ranges, 10, 900, xa_mk_value(4242), GFP_KERNEL);
	mt_validate(&ranges);
	n = 0;
	index = 0;
	mt_for_each(&ranges, entry, index, ULONG_MAX)
		n++;
	pr_info("mt: after span %lu entries, 9 %lu 10 %lu 900 %lu 901 %lu height %u\n", n,
		xa_to_value(mtree_load(&ranges, 9)), xa_to_value(mtree_load(&ranges, 10)),
		xa_to_value(mtree_load(&ranges, 900)), xa_to_value(mtree_load(&ranges, 901)),
		mt_height(&ranges));
	mtree_store_range(&ranges, 0, ULONG_MAX, NULL, GFP_KERNEL);
	pr_info("mt: cleared empty %d height %u\n", mtree_empty(&ranges), mt_height(&ranges));
	mtree_destroy(&ranges);

	/* an allocation tree: gaps tracked in the internal nodes */
	mt_init_flags(&ids, MT_FLAGS_ALLOC_RANGE);
	for (i = 0; i < 300; i++)
		mtree_store_range(&ids, i * 10, i * 10 + 7, xa_mk_value(i), GFP_KERNEL);
	mt_validate(&ids);
	ret = mtree_alloc_range(&ids, &start, xa_mk_value(1000), 2, 0, 5000, GFP_KERNEL);
	pr_info("mt: alloc 2 -> %d at %lu\n", ret, start);
	ret = mtree_alloc_range(&ids, &start, xa_mk_value(1001), 3, 0, 5000, GFP_KERNEL);
	pr_info("mt: alloc 3 -> %d at %lu\n", ret, start);
	ret = mtree_alloc_rrange(&ids, &start, xa_mk_value(1002), 2, 0, 2000, GFP_KERNEL);
	pr_info("mt: rev alloc 2 -> %d at %lu\n", ret, start);
	mtree_erase(&ids, 1500);
	mtree_erase(&ids, 1510);
	mas.tree = &ids;
	mas_reset(&mas);
	rcu_read_lock();
	ret = mas_empty_area(&mas, 0, 2999, 12);
	pr_info("mt: empty area 12 -> %d at %lu-%lu\n", ret, mas.index, mas.last);
	mas_reset(&mas);
	ret = mas_empty_area_rev(&mas, 0, 2999, 12);
	pr_info("mt: rev empty area 12 -> %d at %lu-%lu\n", ret, mas.index, mas.last);
	mas_reset(&mas);
	ret = mas_empty_area(&mas, 0, 2999, 50);
	pr_info("mt: empty area 50 -> %d\n", ret);
	rcu_read_unlock();
	mt_validate(&ids);
	mtree_destroy(&ids);
	return 0;
}

static void __exit mt_demo_exit(void)
{
}

module_init(mt_demo_init);
module_exit(mt_demo_exit);
MODULE_LICENSE("GPL");
"""


def test_the_maple_tree_is_kernel_library_code(arch_kernel):
    k, _build = arch_kernel
    for name in ("mtree_load", "mtree_store_range", "mas_find", "mas_empty_area_rev"):
        assert KLIB_BASE <= k.symbol_address(name) < KLIB_BASE + KLIB_SIZE
    # lib/maple_tree.c: the advanced API is EXPORT_SYMBOL_GPL, the normal one EXPORT_SYMBOL
    assert {"mas_walk", "mas_store_gfp", "mas_find", "mt_dump", "mt_validate"} <= GPL_ONLY
    assert not {"mtree_load", "mtree_insert", "mt_find", "mtree_alloc_range"} & GPL_ONLY


def test_a_module_stores_walks_and_allocates_ranges(arch_kernel):
    k, build = arch_kernel
    k.module_load(build(MAPLE, "mt_demo"))
    log = [t for t in texts(k) if t.startswith("mt: ")]
    assert log == [
        "mt: empty 1 height 0",
        "mt: one entry height 0 load 0",
        "mt: 1000 singletons height 3",
        "mt: insert over 5 -17, store over 5 0",
        "mt: odd 500 sum 250000",
        "mt: walk 500 0000000000000000 range 500-500",
        "mt: next 501 range 501-501",
        "mt: prev prev 497 range 497-497",
        "mt: find_rev 998 997",
        "mt: 1 and 999 share a leaf 0",
        "mt: after span 56 entries, 9 9 10 4242 900 4242 901 901 height 2",
        "mt: cleared empty 1 height 0",
        "mt: alloc 2 -> 0 at 8",
        "mt: alloc 3 -> 0 at 2998",
        "mt: rev alloc 2 -> 0 at 1998",
        "mt: empty area 12 -> 0 at 1498-1509",
        "mt: rev empty area 12 -> 0 at 1508-1519",
        "mt: empty area 50 -> -16",
    ], "\n".join(texts(k))
    # mt_validate found nothing to report, and nothing leaked
    assert not [t for t in texts(k) if "Invalid" in t or "WARNING" in t or "wrong" in t]
    k.module_unload("mt_demo")
    assert not [t for t in texts(k) if "kmemleak" in t or "leak" in t]
