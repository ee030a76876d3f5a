"""Names and values that are not UTF-8 (issue 17, item 14).

Linux keeps symbol names, section names and parameter values as bytes; a
module may carry any. They must load, survive the state file (byte for
byte), and print without an internal error.
"""

from __future__ import annotations

import subprocess

import pytest
from reliability_helpers import cli, lkmsh_command, needs_gcc

pytestmark = needs_gcc

ODD = r"""
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/string.h>

static char *who = "nobody";
module_param(who, charp, 0444);

/* a function whose symbol and section names are not UTF-8 */
int odd_fn(int x) __asm__("odd_\xff\xfe_fn");
__attribute__((section(".text.odd\xff"), __noinline__)) int odd_fn(int x)
{
	return x * 2;
}

static int __init un_init(void)
{
	pr_info("who=%s len=%zu first=%02x odd=%d\n", who, strlen(who),
		(unsigned char)who[0], odd_fn(21));
	return 0;
}

static void __exit un_exit(void)
{
	pr_info("bye %s\n", who);
}
module_init(un_init);
module_exit(un_exit);
MODULE_LICENSE("GPL");
"""


@pytest.fixture(scope="module")
def odd(tmp_path_factory):
    from lkmsh.build import build_module

    out = tmp_path_factory.mktemp("un")
    (out / "un_odd.c").write_bytes(ODD.encode("latin-1"))
    return build_module([out / "un_odd.c"], out / "un_odd.ko")


def test_undecodable_names_and_values_survive_the_state_file(tmp_path, odd):
    import shutil

    state = tmp_path / "s.db"
    # a path that is not UTF-8 either (os.fsencode turns the surrogates back into bytes)
    path = tmp_path / "un_\udcff.ko"
    shutil.copy(odd, path)
    r = cli(state, "insmod", str(path), "who=\udcff\udcfe")
    assert r.code == 0, r.err
    log = cli(state, "dmesg").out
    assert "un_odd: who=\\xff\\xfe len=2 first=ff odd=42" in log
    syms = subprocess.run(
        [*lkmsh_command(), "--state", str(state), "cat", "/proc/kallsyms"], capture_output=True
    )
    assert syms.returncode == 0, syms.stderr
    assert b" T odd_\xff\xfe_fn\t[un_odd]" in syms.stdout  # the name's own bytes, as Linux
    assert cli(state, "lsmod").out.splitlines()[1].split()[0] == "un_odd"
    r = cli(state, "rmmod", "un_odd")  # the restored kernel still has the module whole
    assert r.code == 0, r.err
    assert "un_odd: bye \\xff\\xfe" in cli(state, "dmesg").out


def test_the_saved_bytes_are_the_original_ones(tmp_path, odd):
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.state import StateStore

    k = Kernel()
    k.module_load(odd, "who=\udcff\udcfe")
    with StateStore(tmp_path / "s.db") as store:
        store.save(k.export_state())
        back = Kernel.from_state(store.load())
    m = back.module_find("un_odd")
    assert "odd_\udcff\udcfe_fn" in {s.name for s in m.symbols}  # the text as loaded
    assert ".text.odd\udcff" in [p.name for p in m.placements]
    assert m.params == "who=\udcff\udcfe"
