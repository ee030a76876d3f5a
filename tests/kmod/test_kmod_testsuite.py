"""Cases of kmod's own testsuite (testsuite/ of kmod-project/kmod) as an oracle.

The fixtures are written here after the testsuite's module-playground (the
same symbol relations, our own sources) and built with gcc; the expectations
come from running the installed kmod 30 on them, never from copied files.

- depmod_detect_loop: eleven modules, three cycles (a-b-c, d-e, h-i-j-k with
  two ways round) and two modules (f, g) only used by a cycle.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kmod_helpers import KMOD_DEPMOD, build, kmod, needs_gcc, needs_kmod

pytestmark = [needs_kmod, needs_gcc]

#: mod-loop-X uses the printY of each Y listed (testsuite/module-playground/mod-loop-*.c)
LOOP_USES = {
    "a": "BFG",
    "b": "CFG",
    "c": "A",
    "d": "E",
    "e": "D",
    "f": "",
    "g": "",
    "h": "I",
    "i": "J",
    "j": "HK",
    "k": "H",
}


def loop_module(me: str, uses: str) -> str:
    """A mod-loop module: prints hello from its own function and each one it uses."""
    lines = ["#include <linux/init.h>", "#include <linux/module.h>", "#include <linux/printk.h>"]
    lines += [f"void print{u}(void);" for u in uses]
    lines += [
        f"void print{me}(void)",
        "{",
        f'\tpr_warn("Hello, world {me}\\n");',
        "}",
        f"EXPORT_SYMBOL(print{me});",
        "static int __init test_module_init(void)",
        "{",
        *[f"\tprint{u}();" for u in me + uses],
        "\treturn 0;",
        "}",
        "module_init(test_module_init);",
        'MODULE_LICENSE("LGPL");',
        'MODULE_DESCRIPTION("dummy test module");',
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def loop_tree(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("loop")
    kdir = tmp / "root" / "lib" / "modules" / "4.4.4" / "kernel"
    for m, uses in LOOP_USES.items():
        build(tmp, f"mod-loop-{m}", loop_module(m.upper(), uses), out=kdir / f"mod-loop-{m}.ko")
    return tmp / "root"


def rotations(cycle: str) -> set[str]:
    names = cycle.split(" -> ")[:-1]
    return {" -> ".join(names[i:] + names[: i + 1]) for i in range(len(names))}


def test_depmod_detect_loop(loop_tree, lkmsh):
    ours = lkmsh("depmod", "-n", "-b", str(loop_tree), "4.4.4")
    theirs = kmod(KMOD_DEPMOD, "-n", "-b", str(loop_tree), "4.4.4")
    assert ours.returncode == theirs.returncode == 1
    assert ours.stdout == theirs.stdout == ""
    ours_lines, theirs_lines = ours.stderr.splitlines(), theirs.stderr.splitlines()
    # the count: the modules in cycles (nine), not those a cycle uses (f, g)
    assert (
        ours_lines[-1] == theirs_lines[-1] == "depmod: ERROR: Found 9 modules in dependency cycles!"
    )
    prefix = "depmod: ERROR: Cycle detected: "
    ours_cycles = [line.removeprefix(prefix) for line in ours_lines if line.startswith(prefix)]
    theirs_cycles = [line.removeprefix(prefix) for line in theirs_lines if line.startswith(prefix)]
    assert len(ours_cycles) == len(theirs_cycles) == 4  # h-i-j-k holds two
    for mine, kmods in zip(ours_cycles, theirs_cycles, strict=True):
        # the same cycle in the same place; where each starts can differ (the a-b-c
        # one: kmod starts from mod_loop_c, lkmsh from mod_loop_b; docs/dependencies.md)
        assert kmods in rotations(mine)


@pytest.fixture(scope="module")
def softdep_loop_tree(tmp_path_factory) -> Path:
    """modprobe_softdep_loop: mod-softdep-a and -b each a pre softdep of the other."""
    from kmod_helpers import module_source

    tmp = tmp_path_factory.mktemp("softdep")
    kdir = tmp / "root" / "lib" / "modules" / "4.4.4" / "kernel"
    for me, other in (("a", "b"), ("b", "a")):
        src = module_source(softdep=f"pre: mod-softdep-{other}")
        build(tmp, f"mod-softdep-{me}", src, out=kdir / f"mod-softdep-{me}.ko")
    assert kmod(KMOD_DEPMOD, "-b", str(tmp / "root"), "4.4.4").returncode == 0
    (tmp / "modprobe.d").mkdir()
    return tmp


@pytest.mark.parametrize("name", ["mod-softdep-a", "mod-softdep-b"])
def test_modprobe_softdep_loop(softdep_loop_tree, lkmsh, name):
    from kmod_helpers import KMOD_MODPROBE

    args = ("-d", str(softdep_loop_tree / "root"), "-S", "4.4.4")
    args += ("-C", str(softdep_loop_tree / "modprobe.d"), "--show-depends", name)
    ours, theirs = lkmsh("modprobe", *args), kmod(KMOD_MODPROBE, *args)
    assert theirs.stdout.count("insmod ") == 2  # each module once, the softdep first
    assert (ours.stdout, ours.stderr, ours.returncode) == (
        theirs.stdout,
        theirs.stderr,
        theirs.returncode,
    )
