"""Three corners of kmod 30 that lkmsh now matches byte for byte.

- ``modinfo`` of a module built into the kernel (modules.builtin, with its
  records in modules.builtin.modinfo): ``name:``, ``filename: (builtin)``,
  then the records; found by name or by a built-in alias; ``-F``/``-0``/``-n``.
- ``modinfo`` with several of -a/-d/-l/-p/-n/-F: the last one wins.
- ``depmod -v``: a ``PATH needs "SYMBOL": OWNER`` line per new dependency.

Every comparison runs kmod's own tools on the same tree, indexed by kmod's
depmod, and compares stdout, stderr and the exit status.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kmod_helpers import (
    DISTRO_CACHE,
    KMOD_DEPMOD,
    KMOD_MODINFO,
    build,
    kmod,
    module_source,
    needs_gcc,
    needs_kmod,
)

pytestmark = [needs_kmod, needs_gcc]

VERSION = "6.1.0-gaps"

# modules.builtin.modinfo as the kernel build writes it: NAME.KEY=VALUE, NUL-separated,
# each module's records together. 'noeq' has no '=' (modinfo shows it with an empty
# value; kmod's depmod pairs it with the next string, so the alias fs-ext9 is not
# indexed and 'fs-ext9' is not found), a description holds a '=', a parameter has
# both parm and parmtype; 'lonely' is built in without records.
BUILTIN_RECORDS = [
    "ext9.softdep=pre: crypto-crc32c",
    "ext9.license=GPL",
    "ext9.file=fs/ext9/ext9",
    "ext9.description=Ninth = Extended Filesystem",
    "ext9.noeq",
    "ext9.alias=fs-ext9",
    "ext9.alias=ext9-*",
    "kbd_core.parm=set:Select keyboard code set (2 = default)",
    "kbd_core.parmtype=set:int",
    "kbd_core.parmtype=reset:bool",
    "kbd_core.parm=reset:Reset the keyboard",
    "kbd_core.license=GPL",
    "not_builtin.license=GPL",
]
BUILTIN_LIST = ["kernel/fs/ext9/ext9.ko", "kernel/drivers/kbd-core.ko", "kernel/lib/lonely.ko"]


def compare(lkmsh, tool: str, *args: str) -> None:
    ours = lkmsh(tool, *args)
    theirs = kmod(KMOD_MODINFO if tool == "modinfo" else KMOD_DEPMOD, *args)
    assert (ours.raw, ours.stderr, ours.returncode) == (
        theirs.raw,
        theirs.stderr,
        theirs.returncode,
    ), args


@pytest.fixture(scope="module")
def builtin_root(tmp_path_factory) -> Path:
    """A tree with one gcc-built module and three built-in ones, indexed by kmod's depmod."""
    tmp = tmp_path_factory.mktemp("builtin")
    root = tmp / "root"
    tree = root / "lib" / "modules" / VERSION
    src = module_source(aliases=("fs-loose",), exports=("loose_fn",))
    build(tmp, "loose", src, out=tree / "kernel" / "fs" / "loose.ko")
    (tree / "modules.order").write_text("kernel/fs/loose.ko\n")
    (tree / "modules.builtin").write_text("".join(p + "\n" for p in BUILTIN_LIST))
    (tree / "modules.builtin.modinfo").write_bytes(
        b"".join(r.encode() + b"\0" for r in BUILTIN_RECORDS)
    )
    assert kmod(KMOD_DEPMOD, "-b", str(root), VERSION).returncode == 0
    return root


FLAGS = ([], ["-0"], ["-F", "name"], ["-F", "filename"], ["-n"], ["-F", "alias"], ["-p"])


@pytest.mark.parametrize("flags", FLAGS, ids=lambda f: " ".join(f) or "plain")
@pytest.mark.parametrize(
    "name", ["ext9", "fs-ext9", "ext9-anything", "kbd-core", "lonely", "loose", "not_builtin"]
)
def test_modinfo_of_builtin_modules_is_kmods(builtin_root, lkmsh, name, flags):
    compare(lkmsh, "modinfo", "-b", str(builtin_root), "-k", VERSION, *flags, name)


def test_a_builtin_module_reads_like_kmods_listing(builtin_root, lkmsh):
    out = lkmsh("modinfo", "-b", str(builtin_root), "-k", VERSION, "ext9-anything").stdout
    assert out.splitlines()[:3] == [
        "name:           ext9",
        "filename:       (builtin)",
        "softdep:        pre: crypto-crc32c",
    ]


def test_several_names_builtin_and_not_in_one_call(builtin_root, lkmsh):
    names = ("ext9", "loose", "lonely", "kbd_core", "nosuch")
    compare(lkmsh, "modinfo", "-b", str(builtin_root), "-k", VERSION, *names)


def test_without_builtin_modinfo_a_builtin_module_has_no_records_and_no_error(
    tmp_path, builtin_root, lkmsh
):
    root = tmp_path / "root"
    shutil.copytree(builtin_root, root)
    (root / "lib" / "modules" / VERSION / "modules.builtin.modinfo").unlink()
    kmod(KMOD_DEPMOD, "-b", str(root), VERSION)  # warns that the file is missing
    compare(lkmsh, "modinfo", "-b", str(root), "-k", VERSION, "ext9")
    compare(lkmsh, "modinfo", "-b", str(root), "-k", VERSION, "ext9-anything")


@pytest.mark.parametrize(
    "flags",
    [
        ["-a", "-d"],
        ["-d", "-a"],
        ["-F", "license", "-a"],
        ["-a", "-F", "license"],
        ["-n", "-l"],
        ["-l", "-n"],
        ["-p", "-d"],
        ["-d", "-p"],
        ["-a", "-d", "-a"],
        ["-F", "alias", "-F", "license"],
        ["-l", "-F", "alias", "-n", "-F", "description"],
        ["-ad"],  # bundled: parsed by click, not the fast path
        ["-da"],
        ["-pn"],
    ],
    ids=" ".join,
)
def test_the_last_of_several_field_flags_wins(tmp_path, lkmsh, flags):
    src = module_source(aliases=("pick-me",)) + (
        'MODULE_AUTHOR("A. Author");\nMODULE_DESCRIPTION("the description");\n'
        "static int knob;\nmodule_param(knob, int, 0);\n"
        'MODULE_PARM_DESC(knob, "a knob");\n'
    )
    ko = build(tmp_path, "fields", src)
    compare(lkmsh, "modinfo", *flags, str(ko))


def test_the_last_field_flag_wins_for_builtin_modules_too(builtin_root, lkmsh):
    for flags in (["-l", "-n"], ["-n", "-l"], ["-F", "name", "-d"], ["-d", "-F", "name"]):
        compare(lkmsh, "modinfo", "-b", str(builtin_root), "-k", VERSION, *flags, "ext9")


def distro_builtin_lists() -> Path | None:
    trees = sorted(
        (DISTRO_CACHE / "unsigned" / "lib" / "modules").glob("*/modules.builtin.modinfo")
    )
    return trees[-1].parent if trees else None


def test_debian_builtin_modules_match_kmod(tmp_path, lkmsh):
    """Debian's own modules.builtin(.modinfo), in a tree without module files."""
    source = distro_builtin_lists()
    if source is None:
        pytest.skip(f"no unpacked linux-image-*-cloud-amd64-unsigned under {DISTRO_CACHE}")
    root = tmp_path / "root"
    tree = root / "lib" / "modules" / source.name
    tree.mkdir(parents=True)
    for name in ("modules.builtin", "modules.builtin.modinfo", "modules.order"):
        shutil.copy(source / name, tree / name)
    assert kmod(KMOD_DEPMOD, "-b", str(root), source.name).returncode == 0
    for name in ("ext4", "fs-ext4", "ext3", "atkbd", "binfmt_script", "crc32c_generic"):
        for flags in ([], ["-0"], ["-F", "name"], ["-n"], ["-p"], ["-F", "parmtype"]):
            compare(lkmsh, "modinfo", "-b", str(root), "-k", source.name, *flags, name)


# -- depmod -v ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def verbose_root(tmp_path_factory) -> Path:
    """A provider used through two symbols (one line: the first makes the dependency),
    a weak user, a chain, a module using a kernel symbol and one using nothing known."""
    tmp = tmp_path_factory.mktemp("verbose")
    root = tmp / "root"
    k = root / "lib" / "modules" / VERSION / "kernel"
    mods = {
        "provider": module_source(exports=("p_one", "p_two")),
        "both": module_source(uses=("p_one", "p_two")),
        "weakling": module_source(weak_uses=("p_two",)),
        "middle": module_source(uses=("p_two",), exports=("m_fn",)),
        "top-most": module_source(uses=("m_fn", "p_one", "kernel_fn")),
        "stranger": module_source(uses=("nobody_fn",)),
    }
    for name, src in mods.items():
        build(tmp, name, src, out=k / f"{name}.ko")
    (root / "lib" / "modules" / VERSION / "modules.order").write_text(
        "".join(f"kernel/{n}.ko\n" for n in ("stranger", "top-most", "provider", "both"))
    )
    (tmp / "System.map").write_text(
        "ffffffff81000000 T kernel_fn\nffffffff81000010 T printk\nffffffff81000020 T _printk\n"
    )
    return root


@pytest.mark.parametrize(
    "flags",
    [["-v", "-n"], ["-n", "-v"], ["-v", "-n", "-e", "-F", "{map}"], ["-v", "-n", "-a"]],
    ids=" ".join,
)
def test_depmod_verbose_prints_kmods_needs_lines(verbose_root, lkmsh, flags):
    system_map = str(verbose_root.parent / "System.map")
    args = [f.replace("{map}", system_map) for f in flags]
    compare(lkmsh, "depmod", *args, "-b", str(verbose_root), VERSION)
    again = lkmsh("depmod", *args, "-b", str(verbose_root), VERSION)  # from the cache
    assert again.raw == kmod(KMOD_DEPMOD, *args, "-b", str(verbose_root), VERSION).raw


def test_depmod_verbose_when_writing_files(tmp_path, verbose_root, lkmsh):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    shutil.copytree(verbose_root, mine)
    shutil.copytree(verbose_root, theirs)
    ours = lkmsh("depmod", "-v", "-b", str(mine), VERSION)
    kmods = kmod(KMOD_DEPMOD, "-v", "-b", str(theirs), VERSION)
    assert ours.returncode == kmods.returncode == 0
    assert 'needs "p_one"' in ours.stdout
    assert ours.stdout.replace(str(mine), "ROOT") == kmods.stdout.replace(str(theirs), "ROOT")
    dep = "lib/modules/" + VERSION + "/modules.dep"
    assert (mine / dep).read_bytes() == (theirs / dep).read_bytes()


def test_depmod_verbose_with_a_cycle(tmp_path, lkmsh):
    root = tmp_path / "root"
    k = root / "lib" / "modules" / VERSION / "kernel"
    build(tmp_path, "ring_a", module_source(exports=("ra",), uses=("rb",)), out=k / "ring_a.ko")
    build(tmp_path, "ring_b", module_source(exports=("rb",), uses=("ra",)), out=k / "ring_b.ko")
    compare(lkmsh, "depmod", "-v", "-n", "-b", str(root), VERSION)


def test_depmod_verbose_on_debian_tree(lkmsh):
    trees = sorted((DISTRO_CACHE / "unsigned" / "lib" / "modules").glob("*/kernel"))
    if not trees:
        pytest.skip(f"no unpacked linux-image-*-cloud-amd64-unsigned under {DISTRO_CACHE}")
    root, version = DISTRO_CACHE / "unsigned", trees[-1].parent.name
    system_map = root / "boot" / f"System.map-{version}"
    args = ["-v", "-n", "-b", str(root), version]
    if system_map.exists():
        args = ["-e", "-F", str(system_map), *args]
    compare(lkmsh, "depmod", *args)
