"""Cases of kmod's own testsuite (testsuite/ of kmod-project/kmod) as an oracle.

The fixtures are written here after the testsuite's module-playground (the
same symbol relations, our own sources) and built with gcc; the expectations
come from running the installed kmod 30 on them, never from copied files.

- depmod_detect_loop: eleven modules, three cycles (a-b-c, d-e, h-i-j-k with
  two ways round) and two modules (f, g) only used by a cycle.
- modprobe_softdep_loop: two modules, each the other's pre softdep.
- depmod_search_order_external_first/_last, test_modinfo_external,
  modprobe_external: depmod.d's ``external`` directories.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kmod_helpers import KMOD_DEPMOD, KMOD_MODINFO, build, kmod, needs_gcc, needs_kmod

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


def test_depmod_detect_loop(loop_tree, lkmsh):
    """kmod's report byte for byte: which module each cycle starts at, their order, the
    count (the nine modules in cycles, not f and g that a cycle only uses)."""
    ours = lkmsh("depmod", "-n", "-b", str(loop_tree), "4.4.4")
    theirs = kmod(KMOD_DEPMOD, "-n", "-b", str(loop_tree), "4.4.4")
    assert (ours.returncode, ours.stdout, ours.stderr) == (1, "", theirs.stderr)
    assert theirs.returncode == 1 and theirs.stdout == ""
    lines = theirs.stderr.splitlines()
    assert lines[-1] == "depmod: ERROR: Found 9 modules in dependency cycles!"
    assert sum(line.startswith("depmod: ERROR: Cycle detected: ") for line in lines) == 4
    again = lkmsh("depmod", "-n", "-b", str(loop_tree), "4.4.4")  # from the cache
    assert (again.returncode, again.stdout, again.stderr) == (1, "", theirs.stderr)


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


def softdep_printing_module(me: str, other: str) -> str:
    """mod-softdep-ME: says so when loaded and unloaded; the other is its pre softdep."""
    return f"""#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

static int __init softdep_{me}_init(void)
{{
\tpr_info("mod-softdep-{me} loaded\\n");
\treturn 0;
}}

static void __exit softdep_{me}_exit(void)
{{
\tpr_info("mod-softdep-{me} unloaded\\n");
}}

module_init(softdep_{me}_init);
module_exit(softdep_{me}_exit);
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: mod-softdep-{other}");
"""


@pytest.fixture(scope="module")
def printing_softdep_loop(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("softdep-load")
    kdir = tmp / "root" / "lib" / "modules" / "4.4.4" / "kernel"
    for me, other in (("a", "b"), ("b", "a")):
        src = softdep_printing_module(me, other)
        build(tmp, f"mod-softdep-{me}", src, out=kdir / f"mod-softdep-{me}.ko")
    assert kmod(KMOD_DEPMOD, "-b", str(tmp / "root"), "4.4.4").returncode == 0
    (tmp / "modprobe.d").mkdir()
    return tmp


@pytest.mark.parametrize("name", ["mod-softdep-a", "mod-softdep-b"])
def test_modprobe_softdep_loop_loads_as_kmod_would(printing_softdep_loop, lkmsh, name):
    """A real load on lkmsh's kernel: what kmod's ``modprobe -n -v`` says it would load,
    in its order and its words (each module once, the softdep first); no hang. Then
    ``modprobe -r`` takes both out (kmod's removal: the module, then its pre softdep,
    whose own pre softdep is no longer loaded)."""
    from kmod_helpers import KMOD_MODPROBE

    tree = printing_softdep_loop
    args = ("-d", str(tree / "root"), "-S", "4.4.4", "-C", str(tree / "modprobe.d"))
    theirs = kmod(KMOD_MODPROBE, *args, "-n", "-v", name)
    assert theirs.returncode == 0 and theirs.stdout.count("insmod ") == 2
    ours = lkmsh("modprobe", *args, "-v", name)
    assert (ours.stdout, ours.stderr, ours.returncode) == (theirs.stdout, theirs.stderr, 0)
    first, second = (Path(line.split()[1]).stem for line in theirs.stdout.splitlines())
    dmesg = [line for line in lkmsh("dmesg").stdout.splitlines() if "mod-softdep-" in line]
    assert [line.split("] ", 1)[1] for line in dmesg] == [f"{first} loaded", f"{second} loaded"]
    lsmod = {line.split()[0] for line in lkmsh("lsmod").stdout.splitlines()[1:]}
    assert {"mod_softdep_a", "mod_softdep_b"} <= lsmod
    again = lkmsh("modprobe", *args, "-v", name)  # both loaded: nothing to do, as kmod
    assert (again.stdout, again.stderr, again.returncode) == ("", "", 0)
    removed = lkmsh("modprobe", *args, "-r", "-v", name)
    assert removed.returncode == 0, removed.stderr
    other = "mod_softdep_" + ("b" if name.endswith("a") else "a")
    assert removed.stdout == f"rmmod {name.replace('-', '_')}\nrmmod {other}\n"
    assert not {"mod_softdep_a", "mod_softdep_b"} & {
        line.split()[0] for line in lkmsh("lsmod").stdout.splitlines()[1:]
    }


# -- depmod.d's external directories (depmod_search_order_external_first/_last,
#    modinfo's test_modinfo_external, modprobe_external) ---------------------------------

INDEX_FILES = (
    "modules.dep",
    "modules.dep.bin",
    "modules.alias",
    "modules.alias.bin",
    "modules.softdep",
    "modules.symbols",
    "modules.symbols.bin",
    "modules.builtin.bin",
    "modules.builtin.alias.bin",
    "modules.devname",
)


@pytest.fixture(scope="module")
def external_tree(tmp_path_factory) -> Path:
    """mod-simple twice: ROOT/lib/modules/4.4.4/foobar/ and an external directory
    (external directories are absolute paths, not under -b's root, as kmod reads them)."""
    from kmod_helpers import module_source

    tmp = tmp_path_factory.mktemp("external")
    src = module_source(exports=("simple_fn",), aliases=("simple-thing",))
    build(tmp, "mod-simple", src, out=tmp / "root" / "lib/modules/4.4.4/foobar/mod-simple.ko")
    build(tmp, "mod-simple", src, out=tmp / "external" / "mod-simple.ko")
    user = module_source(uses=("simple_fn",))
    build(tmp, "mod-user", user, out=tmp / "root" / "lib/modules/4.4.4/kernel/mod-user.ko")
    return tmp


def external_config(tree: Path, search: str) -> Path:
    conf = tree / f"depmod.d-{search.replace(' ', '-')}"
    conf.mkdir(exist_ok=True)
    (conf / "search.conf").write_text(
        f"search {search}\nexternal 4.4.4 {tree / 'external'}\n"
        "external 4.* /nonexistent/external\nexternal 5.0 /not/this/version\n"
    )
    return conf


@pytest.mark.parametrize(
    "search", ["external foobar", "foobar external", "external built-in", "built-in external"]
)
def test_depmod_search_order_external(external_tree, tmp_path, lkmsh, search):
    """Every file depmod writes is kmod's: with ``external`` first, modules.dep names the
    external file by its full path (and the module using it depends on that path)."""
    import shutil

    conf = external_config(external_tree, search)
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    shutil.copytree(external_tree / "root", mine)
    shutil.copytree(external_tree / "root", theirs)
    ours = lkmsh("depmod", "-C", str(conf), "-b", str(mine), "4.4.4")
    kmods = kmod(KMOD_DEPMOD, "-C", str(conf), "-b", str(theirs), "4.4.4")
    assert (ours.returncode, ours.stdout) == (kmods.returncode, kmods.stdout) == (0, "")
    assert ours.stderr.replace(str(mine), "ROOT") == kmods.stderr.replace(str(theirs), "ROOT")
    assert "could not open directory /nonexistent/external" in ours.stderr
    for name in INDEX_FILES:
        path = f"lib/modules/4.4.4/{name}"
        assert (mine / path).read_bytes() == (theirs / path).read_bytes(), name
    dep = (mine / "lib/modules/4.4.4/modules.dep").read_text()
    winner = str(external_tree / "external" / "mod-simple.ko")
    if search.startswith("external"):
        assert f"{winner}:" in dep and f"kernel/mod-user.ko: {winner}" in dep
    else:
        assert "foobar/mod-simple.ko:" in dep


@pytest.fixture(scope="module")
def external_indexed(external_tree) -> Path:
    """The tree indexed by kmod's depmod with the external directory first."""
    conf = external_config(external_tree, "external foobar")
    indexed = kmod(KMOD_DEPMOD, "-C", str(conf), "-b", str(external_tree / "root"), "4.4.4")
    assert indexed.returncode == 0
    (external_tree / "modprobe.d").mkdir(exist_ok=True)
    return external_tree


@pytest.mark.parametrize("flags", [["-F", "filename"], [], ["-F", "alias"], ["-n"]])
@pytest.mark.parametrize("name", ["mod-simple", "simple-thing", "mod_user"])
def test_modinfo_external(external_indexed, lkmsh, flags, name):
    args = ("-b", str(external_indexed / "root"), "-k", "4.4.4", *flags, name)
    ours, theirs = lkmsh("modinfo", *args), kmod(KMOD_MODINFO, *args)
    assert (ours.raw, ours.stderr, ours.returncode) == (theirs.raw, theirs.stderr, 0)


def test_modprobe_external(external_indexed, lkmsh):
    """--show-depends as kmod's; then the external file is the one loaded."""
    from kmod_helpers import KMOD_MODPROBE

    args = ("-C", str(external_indexed / "modprobe.d"), "-d", str(external_indexed / "root"))
    args += ("-S", "4.4.4")
    for name in ("mod-user", "simple-thing"):
        ours = lkmsh("modprobe", *args, "--show-depends", name)
        theirs = kmod(KMOD_MODPROBE, *args, "--show-depends", name)
        assert (ours.stdout, ours.stderr, ours.returncode) == (theirs.stdout, theirs.stderr, 0)
    assert str(external_indexed / "external" / "mod-simple.ko") in ours.stdout
    loaded = lkmsh("modprobe", *args, "mod-user")
    assert loaded.returncode == 0, loaded.stderr
    lsmod = lkmsh("lsmod").stdout
    assert "mod_simple" in lsmod and "mod_user" in lsmod


# -- depmod.d search order and overrides (depmod_search_order_simple, _same_prefix,
#    _override) -------------------------------------------------------------------------

SEARCH_DIRS = ("kernel", "updates", "foo", "foobar", "extra/foo")

SEARCH_CONFIGS = {
    "default": "",
    "simple": "search kernel updates\n",
    "same-prefix": "search foo foobar\n",
    "same-prefix-reversed": "search foobar foo built-in\n",
    "built-in-first": "search built-in updates\n",
    "two-lines": "search extra\nsearch foobar\n",
    "override": "override mod-simple * foobar\nsearch updates\n",
    "override-version": "override mod-simple 4\\.4\\..* kernel\noverride mod-simple 5.* foo\n",
    "override-missing-word": "override mod-simple *\nsearch foo\n",
}


@pytest.fixture(scope="module")
def search_tree(tmp_path_factory) -> Path:
    """mod-simple in each of SEARCH_DIRS, and mod-user using it from kernel/."""
    from kmod_helpers import module_source

    tmp = tmp_path_factory.mktemp("search")
    tree = tmp / "root" / "lib/modules/4.4.4"
    first = build(tmp, "mod-simple", module_source(exports=("simple_fn",)))
    for d in SEARCH_DIRS:
        (tree / d).mkdir(parents=True, exist_ok=True)
        (tree / d / "mod-simple.ko").write_bytes(first.read_bytes())
    build(tmp, "mod-user", module_source(uses=("simple_fn",)), out=tree / "kernel/mod-user.ko")
    return tmp


@pytest.mark.parametrize("case", sorted(SEARCH_CONFIGS))
def test_depmod_search_order(search_tree, lkmsh, case):
    conf = search_tree / f"depmod.d-{case}"
    conf.mkdir(exist_ok=True)
    (conf / "search.conf").write_text(SEARCH_CONFIGS[case])
    args = ("-n", "-C", str(conf), "-b", str(search_tree / "root"), "4.4.4")
    ours, theirs = lkmsh("depmod", *args), kmod(KMOD_DEPMOD, *args)
    assert (ours.stdout, ours.stderr, ours.returncode) == (
        theirs.stdout,
        theirs.stderr,
        theirs.returncode,
    )
