"""Static keys (<linux/jump_label.h>), written as the module programming guide's
static_key.c uses them: a key defined false, branches on it, enable/disable."""

from __future__ import annotations

import pytest

FLIP = r"""
#include <linux/jump_label.h>
#include <linux/module.h>
#include <linux/printk.h>

static DEFINE_STATIC_KEY_FALSE(fkey);
static DEFINE_STATIC_KEY_TRUE(tkey);
static struct static_key plain = STATIC_KEY_INIT_FALSE;

static const char *state(void)
{
	if (static_branch_unlikely(&fkey))
		return "fkey on";
	return "fkey off";
}

static int __init flip_init(void)
{
	pr_info("%s, tkey %s\n", state(), static_branch_likely(&tkey) ? "on" : "off");
	static_branch_enable(&fkey);
	static_branch_disable(&tkey);
	pr_info("%s, tkey %s\n", state(), static_branch_likely(&tkey) ? "on" : "off");
	static_branch_enable(&fkey);	/* already on: nothing happens */
	pr_info("enabled: %d\n", static_key_enabled(&fkey));
	static_branch_disable(&fkey);
	static_branch_inc(&fkey);
	static_branch_inc(&fkey);
	static_branch_dec(&fkey);
	pr_info("%s, count %d\n", state(), static_key_count(&fkey.key));
	static_branch_dec(&fkey);
	pr_info("%s, plain %d\n", state(), static_key_false(&plain));
	return 0;
}

static void __exit flip_exit(void)
{
	static_branch_dec(&fkey);	/* one too many: Linux warns */
}

module_init(flip_init);
module_exit(flip_exit);
MODULE_LICENSE("GPL");
"""


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_static_branches_follow_their_keys(arch, tmp_path):
    from lkmsh.build import build_module, cross_compiler_available
    from lkmsh.kernel.kernel import Kernel, KernelConfig

    if not cross_compiler_available(arch):
        pytest.skip(f"no {arch} gcc (gcc-aarch64-linux-gnu)")
    src = tmp_path / "flip.c"
    src.write_text(FLIP)
    k = Kernel(KernelConfig(arch=arch))
    k.module_load(build_module([src], tmp_path / "flip.ko", arch=arch))
    log = [r.text for r in k.dmesg() if not r.text.startswith("flip: loading out-of-tree")]
    assert log == [
        "fkey off, tkey on",
        "fkey on, tkey off",
        "enabled: 1",
        "fkey on, count 1",
        "fkey off, plain 0",
    ]
    k.module_unload("flip")
    text = "\n".join(r.text for r in k.dmesg())
    assert "jump label: negative count!" in text
    assert "------------[ cut here ]------------" in text
