"""The kernel library image: lkmsh's own C (lkmsh/klib/), prebuilt per architecture.

Pure computation that module code calls in tight loops or that calls back
into module code (sort with a module's compare, list_sort, bsearch, the CRCs,
bitmaps and find_bit, glob_match, lib/math) runs on the emulated CPU as real
kernel text would, instead of one Python round trip per element. The image is
mapped read+execute at ``KLIB_BASE`` in kernel text (outside the trap slots)
and its functions are exported like every kernel function.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lkmsh.errors import REBOOT_HINT, StateError
from lkmsh.kernel.layout import KERNEL_TEXT_BASE

KLIB_BASE = KERNEL_TEXT_BASE + 0x00800000
KLIB_SIZE = 0x00100000
PREBUILT = Path(__file__).resolve().parent.parent / "klib" / "prebuilt"
#: the architectures the package ships an image for
ARCHES = ("x86_64", "aarch64")
#: the image's functions Linux 6.1 exports with EXPORT_SYMBOL_GPL (lib/llist.c,
#: lib/math/gcd.c, lib/math/lcm.c, lib/interval_tree.c, lib/kunit/, lib/xarray.c's and lib/maple_tree.c's advanced API,
#: lib/rhashtable.c); every other one is
#: EXPORT_SYMBOL
GPL_ONLY = frozenset(
    {
        "llist_add_batch",
        "llist_del_first",
        "llist_reverse_order",
        "gcd",
        "lcm",
        "lcm_not_zero",
        "interval_tree_insert",
        "interval_tree_remove",
        "interval_tree_iter_first",
        "interval_tree_iter_next",
    }
    | {"kunit_init_test", "__kunit_add_resource", "kunit_remove_resource"}
    | {"kunit_destroy_resource", "kunit_cleanup", "kunit_kmalloc_array", "kunit_kfree"}
    # lib/xarray.c's advanced API (its normal API is EXPORT_SYMBOL)
    | {"xas_load", "xas_nomem", "xas_create_range", "xas_store", "xas_get_mark"}
    | {"xas_set_mark", "xas_clear_mark", "xas_init_marks", "xas_split_alloc", "xas_split"}
    | {"xas_pause", "__xas_prev", "__xas_next", "xas_find", "xas_find_marked"}
    | {"xas_find_conflict", "xas_get_order", "xa_delete_node", "xas_destroy"}
    # lib/rhashtable.c exports everything EXPORT_SYMBOL_GPL
    | {"rhashtable_init", "rhltable_init", "rhashtable_insert_slow", "rhashtable_walk_enter"}
    | {"rhashtable_walk_exit", "rhashtable_walk_start_check", "rhashtable_walk_next"}
    | {"rhashtable_walk_peek", "rhashtable_walk_stop", "rhashtable_free_and_destroy"}
    | {"rhashtable_destroy", "__rht_bucket_nested", "rht_bucket_nested"}
    | {"rht_bucket_nested_insert"}
    # lib/maple_tree.c: the advanced API and the debug functions (the normal API is
    # EXPORT_SYMBOL)
    | {"mas_walk", "mas_store", "mas_store_gfp", "mas_store_prealloc", "mas_destroy"}
    | {"mas_expected_entries", "mas_next", "mt_next", "mas_prev", "mt_prev", "mas_pause"}
    | {"mas_find", "mas_find_rev", "mas_erase", "__mt_destroy", "mas_empty_area"}
    | {"mas_empty_area_rev", "mt_cache_shrink", "mt_dump", "mt_validate"}
    # mm/page_alloc.c
    | {"split_page"}
    | {"__rcu_read_lock", "__rcu_read_unlock"}
    # lib/ref_tracker.c (its dir_exit and dir_print are EXPORT_SYMBOL)
    | {"ref_tracker_alloc", "ref_tracker_free"}
    # lib/reed_solomon/reed_solomon.c
    | {"encode_rs8", "encode_rs16", "decode_rs8", "decode_rs16"}
    # kernel/bpf/core.c, net/core/filter.c
    | {"__bpf_call_base", "bpf_prog_alloc", "bpf_prog_free", "bpf_prog_select_runtime"}
    | {"bpf_prog_create", "bpf_prog_destroy"}
)

#: the image's fast paths of kernel functions that also have a slot (lkmsh/klib/slab.c,
#: rcu.c, spinlock.c, get_random.c): exported instead of the slot, which they jump to when
#: Python must answer; the lock ones in the order of rcufast.py's control block
SLAB_FAST_PATHS = ("kmalloc", "kzalloc", "kfree")
RCU_FAST_PATHS = ("__rcu_read_lock", "__rcu_read_unlock")
SPIN_FAST_PATHS = (
    "spin_lock",
    "spin_unlock",
    "_raw_spin_lock_irqsave",
    "_raw_spin_unlock_irqrestore",
)
#: lkmsh/klib/get_random.c: the kernel lends it the random stream's next bytes (randfast.py)
RANDOM_FAST_PATHS = (
    "get_random_u8",
    "get_random_u16",
    "get_random_u32",
    "get_random_u64",
    "get_random_bytes",
)
FAST_PATHS = SLAB_FAST_PATHS + RCU_FAST_PATHS + SPIN_FAST_PATHS + RANDOM_FAST_PATHS


@dataclass(frozen=True)
class KlibSymbol:
    """A function or object of the kernel library image, at its address in kernel text."""

    name: str
    addr: int
    size: int


@dataclass(frozen=True)
class KlibImport:
    """A kernel function the library calls: the pointer its stub jumps through."""

    name: str
    pointer: int


@dataclass(frozen=True)
class KlibImage:
    """The prebuilt kernel library for one architecture: its bytes, symbols and data imports."""

    data: bytes
    symbols: tuple[KlibSymbol, ...]
    imports: tuple[KlibImport, ...] = ()
    #: its static functions: named in backtraces and hints, never exported
    local_symbols: tuple[KlibSymbol, ...] = ()

    def symbol_at(self, addr: int) -> KlibSymbol | None:
        for s in self.symbols + self.local_symbols:
            if s.addr <= addr < s.addr + max(s.size, 1):
                return s
        return None


@cache
def image(arch: str) -> KlibImage | None:
    """The prebuilt image for ``arch`` (None when the package ships none for it)."""
    base = PREBUILT / arch
    try:
        data = (base / "klib.bin").read_bytes()
        rows = (base / "klib.sym").read_text().split("\n")
        imp_rows = (base / "klib.imp").read_text().split()
    except FileNotFoundError:
        return None
    syms, local = [], []
    for row in rows:
        parts = row.split()
        if len(parts) in (3, 4):  # a fourth column: "local"
            sym = KlibSymbol(parts[0], int(parts[1], 16), int(parts[2], 16))
            (local if len(parts) == 4 else syms).append(sym)
    imports = tuple(
        KlibImport(n, int(a, 16)) for n, a in zip(imp_rows[::2], imp_rows[1::2], strict=True)
    )
    return KlibImage(data, tuple(syms), imports, tuple(local))


def check_carried_over(saved: dict[str, int], arch: str, used: dict[str, set[str]]) -> None:
    """Refuse a saved kernel whose modules call library functions this image moved or lacks."""
    img = image(arch)
    now = {s.name: s.addr for s in img.symbols} if img is not None else {}
    for module, names in sorted(used.items()):
        for name in sorted(names):
            if name in saved and now.get(name) != saved[name]:
                raise StateError(
                    f"the saved kernel's module {module} uses library function {name}, which "
                    f"this lkmsh version has elsewhere ({REBOOT_HINT})"
                )
