"""GPL-only exports of the kernel library and the crypto API, as Linux 6.1 marks them.

The kernel library's C functions (lkmsh/klib) and its Python ones alike: a
module whose license is not GPL-compatible is refused by modpost at build
time, and by the loader (its words: "Unknown symbol") when its license was
changed after the build.
"""

from __future__ import annotations

import errno

import pytest
from kernel_helpers import gpl_flag_mismatches, needs_gcc, relicensed, texts

from lkmsh.build import build_module
from lkmsh.errors import BuildError, UnknownSymbol
from lkmsh.kernel.kernel import Kernel

#: EXPORT_SYMBOL_GPL in Linux 6.1: lib/llist.c, lib/math/gcd.c, lib/math/lcm.c,
#: lib/idr.c, lib/uuid.c, lib/kobject.c, lib/kobject_uevent.c
GPL_ONLY = {
    "llist_add_batch", "llist_del_first", "llist_reverse_order", "gcd", "lcm", "lcm_not_zero",
    "idr_alloc", "idr_find", "idr_remove", "uuid_gen", "guid_gen", "kobject_create_and_add",
    "kobject_init_and_add", "kobject_get_path", "kobject_uevent", "kobject_uevent_env",
    "kset_create_and_add", "kset_find_obj",
}  # fmt: skip
#: crypto/ exports its API with EXPORT_SYMBOL_GPL (shash.c, ahash.c, skcipher.c, api.c);
#: crypto_free_* are inline there, calling crypto_destroy_tfm (GPL-only) too
GPL_ONLY |= {
    "crypto_alloc_shash", "crypto_shash_setkey", "crypto_shash_update", "crypto_shash_final",
    "crypto_shash_finup", "crypto_shash_digest", "crypto_shash_tfm_digest", "crypto_has_shash",
    "crypto_free_shash", "crypto_alloc_ahash", "crypto_ahash_setkey", "crypto_ahash_digest",
    "crypto_ahash_final", "crypto_ahash_finup", "crypto_has_ahash", "crypto_free_ahash",
    "crypto_alloc_skcipher", "crypto_skcipher_setkey", "crypto_skcipher_encrypt",
    "crypto_skcipher_decrypt", "crypto_has_skcipher", "crypto_free_skcipher", "crypto_req_done",
}  # fmt: skip
#: lib/reed_solomon/reed_solomon.c exports everything EXPORT_SYMBOL_GPL (the coders are
#: the kernel library's C, the codec's set-up Python)
GPL_ONLY |= {
    "init_rs_gfp", "init_rs_non_canonical", "free_rs", "encode_rs8", "encode_rs16",
    "decode_rs8", "decode_rs16",
}  # fmt: skip
#: EXPORT_SYMBOL in the same files and their neighbours: any module may use them
PLAIN = {
    "sort", "list_sort", "bsearch", "rb_insert_color", "rb_erase", "rb_first", "rb_next",
    "crc32_le", "int_sqrt", "glob_match", "memcpy", "strlen", "__bitmap_weight",
    "_find_next_bit", "__kfifo_in", "rational_best_approximation", "ida_alloc_range",
    "ida_free", "idr_for_each", "idr_get_next", "idr_destroy", "uuid_parse", "kobject_put",
    "kobject_add", "kset_register", "xa_load", "xa_store", "get_random_u32", "get_random_bytes",
    # inline in Linux 6.1's crypto headers, calling no GPL-only function
    "crypto_shash_init", "crypto_shash_digestsize", "crypto_ahash_init", "crypto_ahash_update",
    "ahash_request_alloc", "ahash_request_free", "skcipher_request_alloc", "skcipher_request_free",
    "crypto_skcipher_ivsize",
}  # fmt: skip

LLIST_USER = r"""
#include <linux/module.h>
#include <linux/llist.h>
#include <linux/slab.h>

struct job {
	int id;
	struct llist_node node;
};

static LLIST_HEAD(jobs);

static int __init lq_init(void)
{
	struct llist_node *first;
	struct job *j, *tmp;
	int i;

	for (i = 0; i < 3; i++) {
		j = kzalloc(sizeof(*j), GFP_KERNEL);
		if (!j)
			return -ENOMEM;
		j->id = i;
		llist_add(&j->node, &jobs);
	}
	first = llist_reverse_order(llist_del_all(&jobs));
	llist_for_each_entry_safe(j, tmp, first, node) {
		pr_info("lq: job %d\n", j->id);
		kfree(j);
	}
	return 0;
}

static void __exit lq_exit(void)
{
}

module_init(lq_init);
module_exit(lq_exit);
MODULE_LICENSE("GPL");
"""


def test_the_flags_are_linuxs():
    missing, not_gpl, wrongly_gpl = gpl_flag_mismatches(GPL_ONLY, PLAIN)
    assert missing == set()
    assert not_gpl == set()
    assert wrongly_gpl == set()


@needs_gcc
def test_modpost_refuses_llist_to_a_proprietary_module(tmp_path):
    src = tmp_path / "lq.c"
    src.write_text(LLIST_USER.replace('MODULE_LICENSE("GPL")', 'MODULE_LICENSE("Proprietary")'))
    with pytest.raises(BuildError) as exc:
        build_module([src], tmp_path / "lq.ko")
    assert exc.value.message == (
        "modpost: GPL-incompatible module lq.ko uses GPL-only symbol 'llist_add_batch'"
    )
    assert exc.value.detail == (
        "ERROR: modpost: GPL-incompatible module lq.ko uses GPL-only symbol 'llist_reverse_order'\n"
    )


@needs_gcc
def test_insmod_refuses_llist_to_a_proprietary_ko(tmp_path):
    src = tmp_path / "lq.c"
    src.write_text(LLIST_USER)
    ko = build_module([src], tmp_path / "lq.ko")
    k = Kernel()
    k.module_load(ko)  # GPL: links and runs
    assert [t for t in texts(k) if t.startswith("lq: job")] == [
        "lq: job 0",
        "lq: job 1",
        "lq: job 2",
    ]
    foreign = relicensed(ko)
    k = Kernel()
    with pytest.raises(UnknownSymbol) as exc:
        k.module_load(foreign)
    assert exc.value.errno == errno.ENOENT
    assert texts(k)[-2:] == [
        "lq: Unknown symbol llist_add_batch (err -2)",
        "lq: Unknown symbol llist_reverse_order (err -2)",
    ]
    assert k.module_find("lq") is None
