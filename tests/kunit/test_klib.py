"""The kernel library (lkmsh/klib, run on the emulated CPU) through real modules."""

from __future__ import annotations

from kunit_helpers import MODULES, log_lines

from lkmsh.kernel.klib import KLIB_BASE

#: a module that sorts with the library's sort() (its code is linked to the klib address)
SORTER = r"""
#include <linux/module.h>
#include <linux/sort.h>

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int __init sorter_init(void)
{
	int v[] = { 3, 1, 2 };

	sort(v, ARRAY_SIZE(v), sizeof(int), cmp_int, NULL);
	pr_info("sorted: %d %d %d\n", v[0], v[1], v[2]);
	return 0;
}

module_init(sorter_init);
MODULE_LICENSE("GPL");
"""


def _results(kernel) -> list[str]:
    return [t for t in log_lines(kernel) if " - " in t and t.lstrip().startswith(("ok", "not ok"))]


def test_library_suite_passes(kernel, build):
    kernel.module_load(build(MODULES / "klib_kunit.c"))
    assert _results(kernel) == [
        "    ok 1 - sort_ints_test",
        "    ok 2 - sort_sizes_test",
        "    ok 3 - sort_r_test",
        "    ok 4 - list_sort_test",
        "    ok 5 - crc_test",
        "    ok 6 - bitmap_test",
        "    ok 7 - glob_test",
        "    ok 8 - math_test",
        "ok 1 - klib",
    ]


def test_library_functions_are_kernel_text_symbols(kernel):
    sort = kernel.symbol_resolve("sort")
    assert sort is not None and sort.owner is None
    assert KLIB_BASE <= sort.addr < KLIB_BASE + 0x100000
    kallsyms = kernel.read_proc("/proc/kallsyms").decode()
    assert f"{sort.addr:016x} T sort\n" in kallsyms
    assert kernel.symbolize(sort.addr + 4).startswith("sort+0x4/")


def test_self_test_module_in_lib_test_style(kernel, build):
    kernel.module_load(build(MODULES / "test_libstring.c"))
    assert log_lines(kernel)[-1] == "test_libstring: all 51 tests passed"


def test_printk_pointer_extensions(kernel, build):
    kernel.module_load(build(MODULES / "printf_ext_kunit.c"))
    assert log_lines(kernel)[-1] == "ok 1 - printf_ext"


def test_saved_kernel_keeps_library_addresses(kernel, build):
    from lkmsh.errors import StateError
    from lkmsh.kernel.kernel import Kernel

    kernel.module_load(build(SORTER, name="sorter"))
    state = kernel.export_state()
    again = Kernel.from_state(state)
    assert again.module_find("sorter") is not None
    assert again.symbol_address("sort") == kernel.symbol_address("sort")
    # a library that moved would leave the module calling into the wrong code: refused
    state.meta["klib"]["sort"] += 0x40
    import pytest

    with pytest.raises(StateError, match="uses library function sort"):
        Kernel.from_state(state)


def test_rbtree_suite(kernel, build):
    kernel.module_load(build(MODULES / "rbtree_kunit.c"))
    lines = log_lines(kernel)
    assert "    ok 1 - insert_find_erase" in lines
    assert lines[-1] == "ok 1 - rbtree"


def test_hashtable_llist_min_heap_overflow_and_slab_caches(kernel, build):
    kernel.module_load(build(MODULES / "structs_kunit.c"))
    lines = log_lines(kernel)
    assert "    ok 5 - slab_cache_test" in lines
    assert lines[-1] == "ok 1 - structs"


def test_slab_cache_destroyed_with_objects_left_warns(kernel, build):
    src = """
#include <linux/module.h>
#include <linux/slab.h>

static struct kmem_cache *cache;
static void *left;

static int __init c_init(void)
{
	cache = kmem_cache_create("leaky_cache", 48, 0, 0, NULL);
	left = kmem_cache_alloc(cache, GFP_KERNEL);
	return cache && left ? 0 : -ENOMEM;
}

static void __exit c_exit(void)
{
	kmem_cache_destroy(cache);
}

module_init(c_init);
module_exit(c_exit);
MODULE_LICENSE("GPL");
"""
    kernel.module_load(build(src, name="leaky"))
    kernel.module_unload("leaky")
    lines = log_lines(kernel)
    assert any("BUG leaky_cache" in t and "Objects remaining in leaky_cache" in t for t in lines)
    assert any(
        t.startswith("kmem_cache_destroy leaky_cache: Slab cache still has objects when called")
        for t in lines
    )


def test_crypto_api(kernel, build):
    kernel.module_load(build(MODULES / "crypto_kunit.c"))
    lines = log_lines(kernel)
    assert "    ok 3 - aes_test" in lines
    assert lines[-1] == "ok 1 - crypto_api"
    text = kernel.read_file("/proc/crypto").decode()
    block = text.split("\n\n")[
        [b.split("\n")[0] for b in text.split("\n\n")].index("name         : sha256")
    ]
    assert block.split("\n") == [
        "name         : sha256",
        "driver       : sha256-generic",
        "module       : kernel",
        "priority     : 100",
        "refcnt       : 1",
        "selftest     : passed",
        "internal     : no",
        "type         : shash",
        "blocksize    : 64",
        "digestsize   : 32",
    ]
    assert "name         : cbc(aes)\ndriver       : cbc(aes-generic)\n" in text


def test_kfifo_three_sample_styles(kernel, build):
    kernel.module_load(build(MODULES / "kfifo_kunit.c"))
    lines = log_lines(kernel)
    assert "    ok 3 - record_test" in lines
    assert "    ok 4 - dma_test" in lines, "\n".join(lines[-30:])
    assert lines[-1] == "ok 1 - kfifo"
    kernel.module_unload("kfifo_kunit")
    assert not any("unreferenced object" in t for t in log_lines(kernel))


def test_kfifo_behind_a_misc_device(kernel, build):
    kernel.module_load(build(MODULES / "kfifo_dev.c"))
    assert kernel.write_file("/dev/kfifo_bytes", b"hello ") == 6
    assert kernel.write_file("/dev/kfifo_bytes", b"kfifo") == 5
    # kfifo_to_user hands out what is there, then 0 (end of file) once it is empty
    assert kernel.read_file("/dev/kfifo_bytes", 8) == b"hello kf"
    assert kernel.read_file("/dev/kfifo_bytes") == b"ifo"
    assert kernel.read_file("/dev/kfifo_bytes") == b""
    # each write is one record of the record FIFO
    assert kernel.read_file("/dev/kfifo_records") == b"hello kfifo"
    kernel.module_unload("kfifo_dev")
    assert not any("unreferenced object" in t for t in log_lines(kernel))


def test_idr_ida_and_xarray(kernel, build):
    kernel.module_load(build(MODULES / "idr_kunit.c"))
    lines = log_lines(kernel)
    assert "    ok 3 - ida_many_test" in lines
    assert "    ok 4 - xarray_test" in lines
    assert lines[-1] == "ok 1 - idr"
    # the maps live on across a save and restore, and go with the module
    from lkmsh.kernel.kernel import Kernel

    again = Kernel.from_state(kernel.export_state())
    again.module_unload("idr_kunit")


def test_mem_and_str_functions_self_test(kernel, build):
    """mem*/str* are klib's C (lkmsh/klib/string.c): every size and alignment, Linux's values."""
    memcpy = kernel.symbol_resolve("memcpy")
    assert memcpy is not None and KLIB_BASE <= memcpy.addr < KLIB_BASE + 0x100000
    kernel.module_load(build(MODULES / "test_klib_string.c"))
    assert log_lines(kernel)[-1] == "test_klib_string: all 32 tests passed"


BAD_STRINGS = r"""
#include <linux/module.h>
#include <linux/string.h>

static int how;
module_param(how, int, 0444);
static const char *volatile nothing;
static const char motto[] = "read only";
static volatile size_t motto_len = sizeof(motto);	/* a real call, not gcc's inline stores */

static int __init bs_init(void)
{
	if (how == 1)
		return strlen(nothing);
	memset((char *)motto, 'x', motto_len);	/* .rodata */
	return 0;
}

module_init(bs_init);
MODULE_LICENSE("GPL");
"""


def test_a_fault_inside_a_library_string_function_is_linuxs_oops(kernel, build, arch):
    """The fault is the library function's own load or store: the Oops names it at its
    offset, the module's frame below it, and the module's .rodata is left as it was."""
    import re

    import pytest

    from lkmsh.errors import ModuleFault

    ko = build(BAD_STRINGS, name="bad_strings")
    with pytest.raises(ModuleFault):
        kernel.module_load(ko, "how=1")
    lines = log_lines(kernel)
    if arch == "x86_64":
        assert "BUG: kernel NULL pointer dereference, address: 0000000000000000" in lines
        assert "#PF: supervisor read access in kernel mode" in lines
        rip = next(t for t in lines if t.startswith("RIP: 0010:"))
        assert re.fullmatch(r"RIP: 0010:strlen\+0x[0-9a-f]+/0x[0-9a-f]+", rip)
    else:
        assert (
            "Unable to handle kernel NULL pointer dereference at virtual address "
            "0000000000000000" in lines
        )
        pc = next(t for t in lines if t.startswith("pc : "))
        assert re.fullmatch(r"pc : strlen\+0x[0-9a-f]+/0x[0-9a-f]+", pc)
    # strlen is a leaf without a frame of its own, as Linux's: x86's unwinder finds the
    # return address on the stack ("? "), arm64 shows it in lr
    caller = " ? bs_init+" if arch == "x86_64" else "lr : bs_init+"
    assert any(t.startswith(caller) for t in lines)
    with pytest.raises(ModuleFault):
        kernel.module_load(ko, "how=2")
    lines = log_lines(kernel)
    if arch == "x86_64":
        assert lines[-40:].count("#PF: supervisor write access in kernel mode") == 1
        assert "#PF: error_code(0x0003) - permissions violation" in lines
        rip = [t for t in lines if t.startswith("RIP: 0010:")][-1]
        assert re.fullmatch(r"RIP: 0010:memset\+0x[0-9a-f]+/0x[0-9a-f]+", rip)
    else:
        pc = [t for t in lines if t.startswith("pc : ")][-1]
        assert re.fullmatch(r"pc : memset\+0x[0-9a-f]+/0x[0-9a-f]+", pc)
    assert "D" in kernel.taints


def test_kstrto_from_user_in_a_write_handler(kernel, build):
    """kstrto*_from_user as lib/kstrtox.c: the user's text parsed, -EINVAL/-ERANGE/-EFAULT."""
    import errno

    import pytest

    from lkmsh.errors import KernelError

    kernel.module_load(build(MODULES / "kstrto_user.c"))
    assert log_lines(kernel)[-1] == "kstrto_user: hweight 8 12 20 36"
    assert kernel.write_file("/dev/kstrto_user", b"0x2a\n") == 5
    assert kernel.write_file("/dev/kstrto_bool", b"on") == 2
    assert kernel.read_file("/dev/kstrto_user") == b"42 1 kstrto_user\n"
    assert kernel.write_file("/dev/kstrto_user", b"-17") == 3
    assert kernel.write_file("/dev/kstrto_bool", b"N\n") == 2
    assert kernel.read_file("/dev/kstrto_user") == b"-17 0 kstrto_user\n"
    for text, err in ((b"12abc", errno.EINVAL), (b"2147483648", errno.ERANGE)):
        with pytest.raises(KernelError) as exc:
            kernel.write_file("/dev/kstrto_user", text)
        assert exc.value.errno == err
    assert (
        kernel.read_file("/dev/kstrto_user") == b"-17 0 kstrto_user\n"
    )  # a refused write changes nothing


def test_more_library_families(kernel, build):
    """rb_insert_color, hlist, kfifo_*_spinlocked, div64, kvasprintf, memset32/64, kstrtou64,
    ERR_CAST/PTR_ERR_OR_ZERO, atomic_andnot, ahash over a scatterlist, %pS/%ps/%px/%pK/%*phD,
    %pd[234]."""
    kernel.module_load(build(MODULES / "lib_more_kunit.c"))
    lines = _results(kernel)
    assert lines[-1] == "ok 1 - lib_more", lines
    assert len([t for t in lines if t.startswith("    ok ")]) == 9


def test_what_linux_lib_tests_lean_on(kernel, build):
    """list.h's swap/cut/splice_tail/rotate/careful forms and iterators, crc32 combine,
    IS_ENABLED() without an include, timespec64, local_irq_save, strnchr's terminator."""
    kernel.module_load(build(MODULES / "compat_kunit.c"))
    lines = _results(kernel)
    assert lines[-1] == "ok 1 - compat", lines
    assert len([t for t in lines if t.startswith("    ok ")]) == 6


def test_bitmap_text_forms_iterators_and_constant_folding(kernel, build):
    """bitmap_parselist/parse/print_*, bitmap_cut, arr32, find_nth_bit, the bitrange, wrap
    and clump8 iterators, and BUILD_BUG_ON over small constant bitmaps (folded by gcc)."""
    kernel.module_load(build(MODULES / "bitmap_more_kunit.c"))
    lines = _results(kernel)
    assert lines[-1] == "ok 1 - bitmap_more", lines
    assert len([t for t in lines if t.startswith("    ok ")]) == 5


def test_library_gaps_linux_lib_tests_found(kernel, build):
    """bitfield, byteorder/swab, stringhash, linear ranges, memcat_p, time64, bitops
    helpers, kconfig and sscanf widths: what the upstream corpus needed, our own cases."""
    kernel.module_load(build(MODULES / "corpus_gaps_kunit.c"))
    lines = log_lines(kernel)
    assert [t for t in lines if t.lstrip().startswith("not ok")] == [], "\n".join(lines)
    assert "    ok 9 - sscanf_width_test" in lines
    assert lines[-1] == "ok 1 - corpus_gaps"


def test_printk_time_flags_fourcc_sockaddr_and_software_nodes(kernel, build):
    kernel.module_load(build(MODULES / "printf_more_kunit.c"))
    lines = log_lines(kernel)
    assert [t for t in lines if t.lstrip().startswith("not ok")] == [], "\n".join(lines)
    assert "    ok 4 - software_node_test" in lines
    assert lines[-1] == "ok 1 - printf_more"
    # the node the module left registered survives a save, and goes with the module
    from lkmsh.kernel.kernel import Kernel

    again = Kernel.from_state(kernel.export_state())
    assert len(again.swnodes.by_node) == 1
    again.module_unload("printf_more_kunit")
    assert again.swnodes.by_node == {}


def test_siphash_overflow_memset_node_allocators_and_root_devices(kernel, build):
    kernel.module_load(build(MODULES / "hash_alloc_kunit.c"))
    lines = log_lines(kernel)
    assert [t for t in lines if t.lstrip().startswith("not ok")] == [], "\n".join(lines)
    assert "    ok 5 - root_device_test" in lines
    assert lines[-1] == "ok 1 - hash_alloc"
    assert kernel.vfs.lookup("/sys/devices/hash-alloc-test") is None  # unregistered
    kernel.module_unload("hash_alloc_kunit")
    assert not any("unreferenced object" in t or "leftover" in t for t in log_lines(kernel))


def test_augmented_rbtree_keeps_its_subtree_values(kernel, build):
    kernel.module_load(build(MODULES / "rbtree_augmented_kunit.c"))
    lines = log_lines(kernel)
    assert [t for t in lines if t.lstrip().startswith("not ok")] == [], "\n".join(lines[-20:])
    assert "    ok 1 - augmented_test" in lines
    assert lines[-1] == "ok 1 - rbtree_augmented"


def test_interval_trees_answer_as_a_scan_does(kernel, build):
    kernel.module_load(build(MODULES / "interval_tree_kunit.c"))
    lines = log_lines(kernel)
    assert [t for t in lines if t.lstrip().startswith("not ok")] == [], "\n".join(lines[-20:])
    assert "    ok 1 - lib_tree_test" in lines and "    ok 2 - own_tree_test" in lines
    assert lines[-1] == "ok 1 - interval_tree"


def test_string_helpers_and_ctype(kernel, build):
    kernel.module_load(build(MODULES / "string_helpers_kunit.c"))
    lines = log_lines(kernel)
    assert [t for t in lines if t.lstrip().startswith("not ok")] == [], "\n".join(lines[-30:])
    assert lines[-1] == "ok 1 - string_helpers"


def test_atomic_ordering_variants_and_cpu_features(kernel, build, arch):
    kernel.module_load(build(MODULES / "atomic_orders_kunit.c"))
    lines = log_lines(kernel)
    assert [t for t in lines if t.lstrip().startswith("not ok")] == [], "\n".join(lines[-30:])
    features = "    ok 3 - cpu_features_test"
    if arch == "aarch64":
        features += " # SKIP x86's CPUID feature words"
    assert features in lines
    assert lines[-1] == "ok 1 - atomic_orders"


def test_percpu_variables_and_cpumasks_on_one_cpu(kernel, build):
    kernel.module_load(build(MODULES / "percpu_kunit.c"))
    lines = log_lines(kernel)
    assert [t for t in lines if t.lstrip().startswith("not ok")] == [], "\n".join(lines[-30:])
    assert lines[-1] == "ok 1 - percpu_up"
