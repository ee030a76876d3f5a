"""<linux/rhashtable.h> from a module written the way kernel code uses it.

A flow table: objects embed a struct rhash_head, a const rhashtable_params
names the key and head offsets and asks for automatic shrinking. The module
checks its own results (lib/test_*.c style: init fails with -EINVAL on a
wrong one) and prints what the tests compare; the table grows and shrinks
through the deferred worker on system_wq while init sleeps. Both
architectures.
"""

from __future__ import annotations

import re

import pytest
from kernel_helpers import texts

from lkmsh.errors import KernelError

FLOWS = r"""
#include <linux/module.h>
#include <linux/delay.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

static bool leak;
module_param(leak, bool, 0);

struct flow {
	u32 id;
	u32 hits;
	struct rhash_head node;
	struct rcu_head rcu;
};

static const struct rhashtable_params flow_params = {
	.key_len = sizeof(u32),
	.key_offset = offsetof(struct flow, id),
	.head_offset = offsetof(struct flow, node),
	.automatic_shrinking = true,
};

static struct rhashtable flows;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		pr_err("flows: check failed at line %d: %s\n", __LINE__, #cond); \
		return -EINVAL;						\
	}								\
} while (0)

static struct flow *flow_new(u32 id)
{
	struct flow *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (f)
		f->id = id;
	return f;
}

static unsigned int table_size(void)
{
	const struct bucket_table *tbl;
	unsigned int size;

	rcu_read_lock();
	tbl = rht_dereference_rcu(flows.tbl, &flows);
	size = tbl->size;
	rcu_read_unlock();
	return size;
}

static int walk_count(void)
{
	struct rhashtable_iter iter;
	struct flow *f;
	int n = 0;

	rhashtable_walk_enter(&flows, &iter);
	rhashtable_walk_start(&iter);
	while ((f = rhashtable_walk_next(&iter))) {
		if (IS_ERR(f)) {
			if (PTR_ERR(f) == -EAGAIN)
				continue;	/* a resize: the walk goes on in the new table */
			n = PTR_ERR(f);
			break;
		}
		n++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return n;
}

static void flow_free(void *ptr, void *arg)
{
	kfree(ptr);
	(*(int *)arg)++;
}

static int __init flows_init(void)
{
	struct flow *f, *dup, *twin;
	unsigned int i, found = 0, size;
	u32 key;
	int err;

	err = rhashtable_init(&flows, &flow_params);
	if (err)
		return err;
	pr_info("flows: table of %u buckets\n", table_size());

	for (i = 0; i < 200; i++) {
		f = flow_new(i * 3);
		if (!f)
			return -ENOMEM;
		err = rhashtable_insert_fast(&flows, &f->node, flow_params);
		CHECK(err == 0);
	}
	msleep(20);	/* the worker grows the table meanwhile */
	size = table_size();
	pr_info("flows: 200 flows, %u buckets, %d walked\n", size, walk_count());
	CHECK(atomic_read(&flows.nelems) == 200);
	CHECK(size >= 256 && !(size & (size - 1)) && 200 <= size / 4 * 3);

	for (key = 0; key < 1000; key++) {
		f = rhashtable_lookup_fast(&flows, &key, flow_params);
		if (f) {
			CHECK(f->id == key && key % 3 == 0);
			f->hits++;
			found++;
		}
	}
	pr_info("flows: %u of 1000 keys found\n", found);

	/* the same key again: refused, or the one already there */
	dup = flow_new(42);
	if (!dup)
		return -ENOMEM;
	CHECK(rhashtable_lookup_insert_fast(&flows, &dup->node, flow_params) == -EEXIST);
	f = rhashtable_lookup_get_insert_fast(&flows, &dup->node, flow_params);
	CHECK(f && f->id == 42 && f->hits == 1);

	/* a new object takes the old one's place */
	CHECK(rhashtable_replace_fast(&flows, &f->node, &dup->node, flow_params) == 0);
	key = 42;
	rcu_read_lock();
	twin = rhashtable_lookup(&flows, &key, flow_params);
	rcu_read_unlock();
	CHECK(twin == dup && twin->hits == 0);
	CHECK(rhashtable_remove_fast(&flows, &f->node, flow_params) == -ENOENT);
	kfree(f);

	/* remove all but ten: the worker shrinks the table */
	for (key = 30; key < 600; key += 3) {
		f = rhashtable_lookup_fast(&flows, &key, flow_params);
		CHECK(f);
		CHECK(rhashtable_remove_fast(&flows, &f->node, flow_params) == 0);
		kfree_rcu(f, rcu);
	}
	msleep(20);
	pr_info("flows: %d flows, %u buckets, %d walked\n",
		atomic_read(&flows.nelems), table_size(), walk_count());
	return 0;
}

static void __exit flows_exit(void)
{
	int freed = 0;

	if (leak) {
		/* frees the flows but forgets the table */
		struct rhashtable_iter iter;
		struct flow *f;

		rhashtable_walk_enter(&flows, &iter);
		rhashtable_walk_start(&iter);
		while ((f = rhashtable_walk_next(&iter)))
			if (!IS_ERR(f)) {
				rhashtable_remove_fast(&flows, &f->node, flow_params);
				kfree_rcu(f, rcu);	/* the walk reads it on */
			}
		rhashtable_walk_stop(&iter);
		rhashtable_walk_exit(&iter);
		return;
	}
	rhashtable_free_and_destroy(&flows, flow_free, &freed);
	pr_info("flows: %d freed\n", freed);
}

module_init(flows_init);
module_exit(flows_exit);
MODULE_LICENSE("GPL");
"""


def said(kernel, name: str) -> list[str]:
    """The module's own lines (not the kernel's taint notice)."""
    return [t for t in texts(kernel) if t.startswith(f"{name}: ") and "taints" not in t]


def _flows(arch_kernel, leak: bool = False):
    kernel, build = arch_kernel
    kernel.module_load(build(FLOWS, "flows"), "leak=1" if leak else "")
    return kernel


def test_a_flow_table_grows_finds_replaces_and_shrinks(arch_kernel):
    kernel = _flows(arch_kernel)
    lines = said(kernel, "flows")
    assert lines[0] == "flows: table of 64 buckets"  # HASH_DEFAULT_SIZE without a hint
    grown = re.fullmatch(r"flows: 200 flows, (\d+) buckets, 200 walked", lines[1])
    assert grown, lines
    assert lines[2] == "flows: 200 of 1000 keys found"  # ids 0, 3, ..., 597
    # ten flows left (0, 3, ..., 27): the smallest table that is not at once too
    # full, roundup_pow_of_two(10 * 3 / 2)
    assert lines[3] == "flows: 10 flows, 16 buckets, 10 walked"
    kernel.module_unload("flows")
    assert texts(kernel)[-1] == "flows: 10 freed"
    assert not kernel.heap.allocations("flows")


def test_a_table_left_behind_is_a_leak_of_the_module(arch_kernel):
    kernel = _flows(arch_kernel, leak=True)
    kernel.module_unload("flows")
    log = texts(kernel)
    assert "kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" in log
    # the table the worker allocated when it shrank: 16 buckets after the header's
    # cache line (struct bucket_table's buckets are ____cacheline_aligned_in_smp)
    at = next(
        i for i, t in enumerate(log) if re.search(r"^unreferenced object .* \(size 192\):", t)
    )
    assert log[at + 2] == "  backtrace:"
    assert re.fullmatch(r"    \[<[0-9a-f]+>\] bucket_table_alloc\+0x\w+/0x\w+", log[at + 3])
    # the removals queued a shrink the module left pending: debugobjects' words
    assert (
        "ODEBUG: free active (active state 0) object type: work_struct hint: "
        "rht_deferred_worker+0x0/0x"
    ) in "\n".join(log)


DUPLICATES = r"""
#include <linux/module.h>
#include <linux/rhashtable.h>

struct port {
	int number;
	char user[12];
	struct rhlist_head list;
};

static const struct rhashtable_params port_params = {
	.key_len = sizeof(int),
	.key_offset = offsetof(struct port, number),
	.head_offset = offsetof(struct port, list),
	.max_size = 8,
};

static struct port ports[] = {
	{ 80, "httpd" }, { 80, "nginx" }, { 22, "sshd" }, { 80, "caddy" },
};
static struct rhltable table;

static int __init ports_init(void)
{
	struct rhlist_head *head, *pos;
	struct port *p;
	int i, err, key = 80;

	err = rhltable_init(&table, &port_params);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(ports); i++) {
		err = rhltable_insert(&table, &ports[i].list, port_params);
		if (err)
			goto out;
	}
	pr_info("ports: %d keys\n", atomic_read(&table.ht.nelems));
	rcu_read_lock();
	head = rhltable_lookup(&table, &key, port_params);
	rhl_for_each_entry_rcu(p, pos, head, list)
		pr_info("ports: %d %s\n", p->number, p->user);
	rcu_read_unlock();
	err = rhltable_remove(&table, &ports[1].list, port_params);
	pr_info("ports: remove nginx %d, again %d\n", err,
		rhltable_remove(&table, &ports[1].list, port_params));
	err = 0;
out:
	rhltable_destroy(&table);
	return err;
}

static void __exit ports_exit(void)
{
}

module_init(ports_init);
module_exit(ports_exit);
MODULE_LICENSE("GPL");
"""


def test_an_rhltable_lists_the_objects_of_a_key(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build(DUPLICATES, "ports"))
    assert said(kernel, "ports") == [
        "ports: 2 keys",  # nelems counts keys, not objects
        # the newest first: each joins its key's list at the head
        "ports: 80 caddy",
        "ports: 80 nginx",
        "ports: 80 httpd",
        "ports: remove nginx 0, again -2",
    ]


INIT_ERRORS = r"""
#include <linux/module.h>
#include <linux/rhashtable.h>

struct obj {
	u64 key;
	struct rhash_head node;
};

static struct rhashtable ht;

static int __init bad_init(void)
{
	/* no key_len and no obj_hashfn: nothing to hash */
	struct rhashtable_params none = { .head_offset = offsetof(struct obj, node) };

	return rhashtable_init(&ht, &none);
}

module_init(bad_init);
MODULE_LICENSE("GPL");
"""


def test_rhashtable_init_refuses_params_without_a_hash(arch_kernel):
    kernel, build = arch_kernel
    with pytest.raises(KernelError) as e:
        kernel.module_load(build(INIT_ERRORS, "badparams"))
    assert e.value.errno == 22  # EINVAL
