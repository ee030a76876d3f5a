"""A saved kernel survives an lkmsh upgrade that adds kernel functions (kimage.py).

The upgrade is simulated in-process: a kernel function is registered (or
unregistered) between saving a state and restoring it, exactly what a newer
lkmsh's table looks like to the saved module images.
"""

from __future__ import annotations

import contextlib

import pytest

from lkmsh.errors import StateError
from lkmsh.kernel.kapi import registry
from lkmsh.kernel.kernel import Kernel

USER = r"""
#include <linux/module.h>
#include <linux/printk.h>

extern int %(fn)s(int x);

static int __init user_init(void)
{
	pr_info("%(fn)s(20) = %%d\n", %(fn)s(20));
	return 0;
}

static void __exit user_exit(void)
{
	pr_info("bye\n");
}

module_init(user_init);
module_exit(user_exit);
MODULE_LICENSE("GPL");
"""


@contextlib.contextmanager
def kernel_function(name: str):
    """A kernel function that exists only inside the block (a newer or older lkmsh)."""
    from lkmsh.kernel.kapi import index

    registry.kapi(name, f"int {name}(int x)")(lambda ctx: ctx.arg(0) + 22)
    funcs = index.FUNCS
    index.FUNCS = tuple(sorted((*funcs, (name, "test", False))))  # a kernel boots from the index
    try:
        yield
    finally:
        index.FUNCS = funcs
        del registry._FUNCS[name]
        registry._sorted_cache = None


@pytest.fixture
def hello(build):
    return build(
        r"""
#include <linux/module.h>
#include <linux/printk.h>
static int __init hi_init(void) { pr_info("hi\n"); return 0; }
static void __exit hi_exit(void) { pr_info("goodbye from hi\n"); }
module_init(hi_init);
module_exit(hi_exit);
MODULE_LICENSE("GPL");
""",
        "hi",
    )


def test_a_state_saved_before_functions_were_added_still_runs(hello, build):
    old = Kernel()
    old.module_load(hello)
    state = old.export_state()
    # A newer lkmsh: one more function, sorted before every other name.
    with kernel_function("aaa_lkmsh_added"):
        k = Kernel.from_state(state)
        assert k.symbol_address("printk") == old.symbol_address("printk")
        new = k.symbol_address("aaa_lkmsh_added")
        assert new is not None and new > k.return_slot  # appended, nothing moved
        k.module_load(build(USER % {"fn": "aaa_lkmsh_added"}, "user"))
        k.module_unload("hi")
        texts = [r.text for r in k.dmesg()]
        assert "aaa_lkmsh_added(20) = 42" in texts
        assert texts[-1] == "goodbye from hi"
        # and that layout is saved in turn
        again = Kernel.from_state(k.export_state())
        assert again.symbol_address("aaa_lkmsh_added") == new


def test_a_removed_function_a_loaded_module_uses_is_refused(build):
    with kernel_function("zzz_lkmsh_going"):
        k = Kernel()
        k.module_load(build(USER % {"fn": "zzz_lkmsh_going"}, "user"))
        state = k.export_state()
    with pytest.raises(StateError) as err:
        Kernel.from_state(state)
    msg = str(err.value)
    assert "module user uses kernel function zzz_lkmsh_going" in msg
    assert "lkmsh reboot" in msg


def test_a_removed_function_nobody_uses_is_no_problem(hello):
    with kernel_function("zzz_lkmsh_unused"):
        k = Kernel()
        k.module_load(hello)
        state = k.export_state()
    again = Kernel.from_state(state)
    assert again.symbol_address("zzz_lkmsh_unused") is None
    again.module_unload("hi")
    assert [r.text for r in again.dmesg()][-1] == "goodbye from hi"
