"""SLUB's debug caches (SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER,
SLAB_CONSISTENCY_CHECKS): their layout, checks and reports as mm/slub.c's, with
real gcc-built modules on both architectures. lib/slub_kunit.c (tests/corpus)
checks the error counting under KUnit."""

from __future__ import annotations

from pathlib import Path

from kernel_helpers import texts

from lkmsh.kernel.kernel import Kernel

MODULES = Path(__file__).parent / "modules"


def _ordered(lines: list[str], wanted: list[str]) -> None:
    """Each of @wanted starts a line of @lines, in this order."""
    at = 0
    for w in wanted:
        at = next((i for i in range(at, len(lines)) if lines[i].startswith(w)), None)
        assert at is not None, (w, lines)
        at += 1


def test_debug_cache_reports_and_repairs_as_slub(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build((MODULES / "slub_debug.c").read_text(), "slub_debug"))
    lines = texts(kernel)
    # calculate_sizes(): 8 left red zone + 40 object + 8 right red zone + free pointer
    # + two struct tracks + one word of padding = 136
    assert "sd: slot 136 bytes for 40, free pointer at 48, red zone 8" in lines
    assert "sd: poisoned at allocation: 1" in lines  # SLAB_POISON: no init_on_alloc zeroing
    assert "sd: red zone restored: 1" in lines
    _ordered(
        lines,
        [
            "=" * 77,
            "BUG sd_cache (Tainted: G           O      ): Right Redzone overwritten",
            "-" * 77,
            "",
            "0x",  # fault range, hashed as %p
            "Allocated in slub_debug_init+",
            "Slab 0x",
            "Object 0x",
            "",
            "Redzone  ",
            "Object   ",
            "Redzone  ",
            "Padding  ",
            "FIX sd_cache: Restoring Right Redzone 0x",
            "sd: validated 1 slabs",
            "BUG sd_cache (Tainted: G    B      O      ): Object already free",
            "Allocated in slub_debug_init+",
            "Freed in slub_debug_init",
            "FIX sd_cache: Object at 0x",
            "BUG sd_cache (Tainted: G    B      O      ): Poison overwritten",
            "FIX sd_cache: Restoring Poison 0x",
            "FIX sd_cache: Marking all objects used",
        ],
    )
    fault = next(t for t in lines if t.startswith("0x") and "@offset=48." in t)
    assert fault.endswith("First byte 0x0 instead of 0xcc")
    assert any(t.endswith("@offset=11. First byte 0x11 instead of 0x6b") for t in lines)
    redzone = [t for t in lines if t.startswith("Redzone  ")]
    assert redzone[1].split(": ", 1)[1].startswith("00 cc cc cc cc cc cc cc")
    assert "B" in kernel.tainted_field()

    kernel.dmesg_clear()
    kernel.module_unload("slub_debug")
    lines = texts(kernel)
    # the slab whose allocation check failed is frozen: its objects are never freed
    _ordered(
        lines,
        [
            "BUG sd_cache (Tainted: G    B      O      ): Slab disabled since SLUB metadata"
            " consistency check failed",
            "FIX sd_cache: Object at 0x",
            "kmem_cache_destroy sd_cache: Slab cache still has objects when called from"
            " slub_debug_exit+",
        ],
    )


UAF = r"""
#include <linux/module.h>
#include <linux/slab.h>
#include "../mm/slab.h"

static struct kmem_cache *cache;

static int __init uaf_init(void)
{
	char *p;

	cache = kmem_cache_create("uaf_cache", 100, 0, SLAB_POISON, NULL);
	if (!cache)
		return -ENOMEM;
	p = kmem_cache_alloc(cache, GFP_KERNEL);
	if (!p) {
		kmem_cache_destroy(cache);
		return -ENOMEM;
	}
	kmem_cache_free(cache, p);
	p[99] = 'x';		/* the last byte of a freed object */
	return 0;
}

static void __exit uaf_exit(void)
{
	pr_info("uaf: %ld slabs validated\n", validate_slab_cache(cache));
	kmem_cache_destroy(cache);
}

module_init(uaf_init);
module_exit(uaf_exit);
MODULE_LICENSE("GPL");
"""


def test_debug_slabs_survive_the_state_file(kernel, build):
    """The cache's slabs and the scribbled byte are still there for the next command."""
    kernel.module_load(build(UAF, "uaf"))
    again = Kernel.from_state(kernel.export_state())
    again.module_unload("uaf")
    lines = texts(again)
    _ordered(
        lines,
        [
            "BUG uaf_cache (Tainted: G           O      ): End Poison overwritten",
            "FIX uaf_cache: Restoring End Poison 0x",
            "uaf: 1 slabs validated",
        ],
    )
    assert any(t.endswith("@offset=99. First byte 0x78 instead of 0xa5") for t in lines)
    # the emptied slab went back with the cache: nothing is reported as left
    assert not any("still has objects" in t for t in lines)
    assert again.heap.allocations("uaf") == []
