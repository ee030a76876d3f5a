"""Dynamic per-CPU areas (alloc_percpu, free_percpu) and kmemleak_not_leak, with real modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from lkmsh.errors import BuildError, ModuleFault

MODULES = Path(__file__).parent / "modules"

KFREE_OF_AREA = r"""
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/slab.h>

static int __init wrong_init(void)
{
	int __percpu *counter = alloc_percpu(int);

	kfree(counter);		/* not kfree's: free_percpu's */
	return 0;
}

module_init(wrong_init);
MODULE_LICENSE("GPL");
"""


def _log(kernel) -> list[str]:
    return [r.text for r in kernel.dmesg()]


def test_per_cpu_statistics_module(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build((MODULES / "pcpu_stats.c").read_text(), "pcpu_stats"))
    log = _log(kernel)
    assert "pcpu_stats: packets 2 bytes 1500" in log
    assert not [
        line
        for line in log
        if "pcpu_stats: " in line and "packets" not in line and "taints" not in line
    ]
    # the oversized request warns as mm/percpu.c; the __GFP_NOWARN one is quiet
    warned = [line for line in log if "for percpu allocation" in line]
    assert warned == [f"illegal size ({32 * 1024 + 1}) or align (8) for percpu allocation"]
    # the object reached only through a per-CPU area, and the one marked
    # kmemleak_not_leak, are not leaks; nothing is
    assert kernel.kmemleak_scan().leaks == []
    kernel.module_unload("pcpu_stats")
    after = _log(kernel)[len(log) :]
    assert after == ["pcpu_stats: bytes at exit 1500"]  # no kmemleak report
    assert kernel.heap.allocations("pcpu_stats") == []  # all given back


def test_kfree_of_a_per_cpu_area_is_an_invalid_free(arch_kernel):
    kernel, build = arch_kernel
    with pytest.raises(ModuleFault):
        kernel.module_load(build(KFREE_OF_AREA, "wrong"))
    assert any(line.startswith("BUG: KASAN: invalid-free in wrong_init") for line in _log(kernel))


def test_alloc_percpu_is_gpl_only(arch_kernel):
    """mm/percpu.c exports it with EXPORT_SYMBOL_GPL: modpost refuses, as kbuild's."""
    _, build = arch_kernel
    src = KFREE_OF_AREA.replace('MODULE_LICENSE("GPL")', 'MODULE_LICENSE("Proprietary")')
    with pytest.raises(BuildError, match="uses GPL-only symbol '__alloc_percpu'"):
        build(src.replace("kfree(counter)", "free_percpu(counter)"), "prop")
