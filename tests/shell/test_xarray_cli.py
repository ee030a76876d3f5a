"""<linux/xarray.h>'s normal API from a module, through the CLI, on both architectures.

The xarray is lkmsh's kernel library (klib/xarray.c) with Linux 6.1's node
layout, so its contents live in module and heap memory: entries stored by one
command are there for the next (the state file is saved and restored between
them), nodes a module leaves behind are kmemleak's report on rmmod, and
xa_lock is a spinlock to the checks of sleeping in atomic context.
"""

from __future__ import annotations

import pytest

from lkmsh.build import cross_compiler_available

from .conftest import assert_no_traceback

XA_DEMO = r"""
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/xarray.h>

struct item {
	unsigned long id;
	char name[16];
};

static DEFINE_XARRAY_ALLOC1(items);
static DEFINE_XARRAY(values);

/* echo N > .../parameters/add stores value N at index N * 1000 */
static int add_set(const char *val, const struct kernel_param *kp)
{
	unsigned long n;
	int err = kstrtoul(val, 0, &n);

	if (err)
		return err;
	return xa_err(xa_store(&values, n * 1000, xa_mk_value(n), GFP_KERNEL));
}

/* cat .../parameters/add lists the values, marked ones with a star */
static int add_get(char *buf, const struct kernel_param *kp)
{
	unsigned long index;
	void *entry;
	int len = 0;

	xa_for_each(&values, index, entry)
		len += scnprintf(buf + len, PAGE_SIZE - len, "%lu=%lu%s ", index,
			xa_to_value(entry), xa_get_mark(&values, index, XA_MARK_0) ? "*" : "");
	len += scnprintf(buf + len, PAGE_SIZE - len, "\n");
	return len;
}

static const struct kernel_param_ops add_ops = {
	.set = add_set,
	.get = add_get,
};
module_param_cb(add, &add_ops, NULL, 0644);

static bool leak;
module_param(leak, bool, 0444);

static int __init xa_demo_init(void)
{
	struct item *it;
	unsigned long index;
	u32 id, next = 0;
	void *old;
	int i, err;

	for (i = 0; i < 5; i++) {
		it = kzalloc(sizeof(*it), GFP_KERNEL);
		if (!it)
			return -ENOMEM;
		snprintf(it->name, sizeof(it->name), "item%d", i);
		err = xa_alloc(&items, &id, it, XA_LIMIT(1, 100), GFP_KERNEL);
		if (err) {
			kfree(it);
			return err;
		}
		it->id = id;
	}
	xa_set_mark(&items, 2, XA_MARK_1);
	xa_set_mark(&items, 4, XA_MARK_1);
	xa_for_each_marked(&items, index, it, XA_MARK_1)
		pr_info("xa_demo: marked %lu %s\n", index, it->name);
	pr_info("xa_demo: mark of 3: %d\n", xa_get_mark(&items, 3, XA_MARK_1));
	err = xa_alloc_cyclic(&items, &id, NULL, XA_LIMIT(1, 6), &next, GFP_KERNEL);
	pr_info("xa_demo: cyclic %d id %u next %u\n", err, id, next);
	err = xa_alloc(&items, &id, NULL, XA_LIMIT(1, 6), GFP_KERNEL);
	pr_info("xa_demo: full %d\n", err);

	xa_store(&values, 1000000, xa_mk_value(1000), GFP_KERNEL);
	xa_store(&values, 7, xa_mk_value(7), GFP_KERNEL);
	pr_info("xa_demo: insert taken %d\n", xa_insert(&values, 7, xa_mk_value(8), GFP_KERNEL));
	old = xa_cmpxchg(&values, 7, xa_mk_value(7), xa_mk_value(70), GFP_KERNEL);
	pr_info("xa_demo: cmpxchg %lu then %lu\n", xa_to_value(old),
		xa_to_value(xa_load(&values, 7)));
	err = xa_reserve(&values, 12, GFP_KERNEL);
	pr_info("xa_demo: reserve %d load %px\n", err, xa_load(&values, 12));
	xa_release(&values, 12);
	xa_lock_bh(&values);
	__xa_store(&values, 8, xa_mk_value(8), GFP_ATOMIC);
	xa_unlock_bh(&values);
	xa_store_irq(&values, 9, xa_mk_value(9), GFP_KERNEL);
	xa_set_mark(&values, 8, XA_MARK_0);
	pr_info("xa_demo: erase %lu\n", xa_to_value(xa_erase(&values, 1000000)));
	index = 0;
	old = xa_find(&values, &index, ULONG_MAX, XA_MARK_0);
	pr_info("xa_demo: first marked %lu\n", index);
	return 0;
}

static void __exit xa_demo_exit(void)
{
	struct item *it;
	unsigned long index;

	xa_for_each(&items, index, it)
		kfree(it);
	xa_destroy(&items);
	if (!leak)
		xa_destroy(&values);
	pr_info("xa_demo: empty %d\n", xa_empty(&items));
}

module_init(xa_demo_init);
module_exit(xa_demo_exit);
MODULE_LICENSE("GPL");
"""

ATOMIC = r"""
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/xarray.h>

static DEFINE_XARRAY(xa);

static int __init xa_atomic_init(void)
{
	xa_lock(&xa);
	msleep(1);	/* sleeps: not under a spinlock */
	xa_unlock(&xa);
	return 0;
}

module_init(xa_atomic_init);
MODULE_LICENSE("GPL");
"""

INIT_LINES = [
    "xa_demo: marked 2 item1",
    "xa_demo: marked 4 item3",
    "xa_demo: mark of 3: 0",
    "xa_demo: cyclic 0 id 6 next 7",
    "xa_demo: full -16",
    "xa_demo: insert taken -16",
    "xa_demo: cmpxchg 7 then 70",
    "xa_demo: reserve 0 load 0000000000000000",
    "xa_demo: erase 1000",
    "xa_demo: first marked 8",
]

ARCHES = [
    "x86_64",
    pytest.param(
        "aarch64",
        marks=pytest.mark.skipif(
            not cross_compiler_available("aarch64"),
            reason="aarch64-linux-gnu-gcc is not installed (Debian package gcc-aarch64-linux-gnu)",
        ),
    ),
]


def _messages(dmesg: str) -> list[str]:
    return [line.split("] ", 1)[1] for line in dmesg.splitlines() if "] " in line]


def _build(lkmsh, tmp_path, arch: str, name: str, source: str):
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    ko = tmp_path / f"{name}.ko"
    run = lkmsh("build", "--arch", arch, str(src), "-o", str(ko), with_state=False)
    assert run.returncode == 0, run.stderr
    return ko


@pytest.mark.parametrize("arch", ARCHES)
def test_the_normal_api_and_entries_kept_between_commands(lkmsh, tmp_path, kernel_ready, arch):
    ko = _build(lkmsh, tmp_path, arch, "xa_demo", XA_DEMO)
    param = "/sys/module/xa_demo/parameters/add"
    assert lkmsh("--arch", arch, "insmod", str(ko)).returncode == 0
    assert lkmsh("cat", param).stdout == "7=70 8=8* 9=9 \n"
    for n in ("3", "70000"):  # each a command of its own: the state is saved and restored
        run = lkmsh("-c", f"echo {n} > {param}")
        assert run.returncode == 0, run.stderr
    assert lkmsh("cat", param).stdout == "7=70 8=8* 9=9 3000=3 70000000=70000 \n"
    run = lkmsh("rmmod", "xa_demo")
    assert run.returncode == 0, run.stderr
    log = _messages(lkmsh("dmesg").stdout)
    assert log[0] == "xa_demo: loading out-of-tree module taints kernel."
    assert [line for line in log if line.startswith("xa_demo: ")][1:] == [
        *INIT_LINES,
        "xa_demo: empty 1",
    ]
    assert not [line for line in log if "kmemleak" in line or "BUG" in line]
    assert_no_traceback(run)


def test_nodes_left_behind_are_reported_as_leaks(lkmsh, tmp_path, kernel_ready):
    ko = _build(lkmsh, tmp_path, "x86_64", "xa_demo", XA_DEMO)
    assert lkmsh("insmod", str(ko), "leak=1").returncode == 0
    assert lkmsh("rmmod", "xa_demo").returncode == 0
    log = _messages(lkmsh("dmesg").stdout)
    # values left one node at the top (indices 7..9) and none below 1000000 (erased)
    assert "kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)" in log
    assert any(line.endswith("(size 576):") for line in log)  # sizeof(struct xa_node)


def test_xa_lock_is_a_spinlock_to_the_atomic_checks(lkmsh, tmp_path, kernel_ready):
    ko = _build(lkmsh, tmp_path, "x86_64", "xa_atomic", ATOMIC)
    assert lkmsh("insmod", str(ko)).returncode == 0
    log = _messages(lkmsh("dmesg").stdout)
    assert any(
        line.startswith("BUG: sleeping function called from invalid context") for line in log
    )
