"""__vmalloc_node()'s alignment, vmalloc_node/vzalloc_node and kvfree_rcu()'s one- and
two-argument forms, with a real gcc-built module on both architectures.
lib/test_vmalloc.c (tests/corpus) stresses the same calls."""

from __future__ import annotations

from kernel_helpers import texts

ALIGNED = r"""
#include <linux/module.h>
#include <linux/vmalloc.h>
#include <linux/rcupdate.h>
#include <linux/mm.h>

struct rec {
	struct rcu_head rcu;
	char name[16];
};

static int __init aligned_init(void)
{
	unsigned long align;
	struct rec *r;
	char *p;
	int bad = 0;

	for (align = PAGE_SIZE; align <= (1UL << 24); align <<= 1) {
		p = __vmalloc_node(3 * PAGE_SIZE, align, GFP_KERNEL | __GFP_ZERO, NUMA_NO_NODE,
							__builtin_return_address(0));
		if (!p || ((unsigned long)p & (align - 1)) || p[3 * PAGE_SIZE - 1])
			bad++;
		vfree(p);
	}
	pr_info("aligned: %d bad of 13, THREAD_ALIGN %lu\n", bad, (unsigned long)THREAD_ALIGN);

	p = __vmalloc_node(PAGE_SIZE, 1UL << 62, GFP_KERNEL | __GFP_NOWARN, NUMA_NO_NODE,
						__builtin_return_address(0));
	pr_info("aligned: 2^62 %s\n", p ? "given" : "refused");

	p = vzalloc_node(5000, NUMA_NO_NODE);
	pr_info("aligned: vzalloc_node %s\n", p && !p[4999] ? "zeroed" : "dirty");
	vfree(p);

	r = vmalloc_node(sizeof(*r), 0);
	if (r)
		kvfree_rcu(r, rcu);
	r = vmalloc(sizeof(*r));
	if (r)
		kvfree_rcu(r);
	return 0;
}

static void __exit aligned_exit(void)
{
	rcu_barrier();
}

module_init(aligned_init);
module_exit(aligned_exit);
MODULE_LICENSE("GPL");
"""


def test_vmalloc_node_aligns_and_kvfree_rcu_frees(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(ALIGNED, "aligned"))
    lines = texts(kernel)
    align = 32768 if kernel.config.arch == "aarch64" else 16384
    assert f"aligned: 0 bad of 13, THREAD_ALIGN {align}" in lines
    assert "aligned: 2^62 refused" in lines  # __GFP_NOWARN: quietly
    assert not any("vmalloc error" in t for t in lines)
    assert "aligned: vzalloc_node zeroed" in lines
    kernel.sleep(100_000_000)  # `sleep 0.1`: past the grace period, the RCU frees run
    kernel.module_unload("aligned")
    assert kernel.heap.allocations("aligned") == []
    assert not any("kmemleak" in t for t in texts(kernel))
