"""One rule for the tree depmod, modprobe and modinfo work on (module_directory).

lkmsh's kernel has release 6.1.0-lkmsh; its /lib/modules/6.1.0-lkmsh is
$LKMSH_MODULE_PATH (else the bundled sample_modules): that is the tree when
nothing is said. With a root or a version, ROOT/lib/modules/VERSION as kmod,
VERSION defaulting to that release. A missing tree is named in the error.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kmod_helpers import SAMPLES

RELEASE = "6.1.0-lkmsh"


def chain(d: Path) -> Path:
    d.mkdir(parents=True)
    for name in ("chain_bottom", "chain_middle", "chain_top"):
        shutil.copy(SAMPLES / f"{name}.ko", d)
    return d


def test_nothing_given_means_lkmshs_own_module_directory(tmp_path, lkmsh):
    d = chain(tmp_path / "mods")
    env = {"LKMSH_MODULE_PATH": str(d)}
    r = lkmsh("depmod", extra_env=env)
    assert r.returncode == 0 and r.stderr == ""  # no modules.order to miss in a plain directory
    assert (d / "modules.dep").read_text().count(".ko:") == 3
    show = lkmsh("modprobe", "--show-depends", "chain_top", extra_env=env)
    assert show.stdout.splitlines()[0] == f"insmod {d}/chain_bottom.ko "
    info = lkmsh("modinfo", "-F", "filename", "chain_middle", extra_env=env)
    assert info.stdout == f"{d}/chain_middle.ko\n"


def test_a_root_without_a_version_takes_lkmshs_release(tmp_path, lkmsh):
    root = tmp_path / "root"
    chain(root / "lib" / "modules" / RELEASE / "kernel")
    assert lkmsh("depmod", "-b", str(root)).returncode == 0
    tree = root / "lib" / "modules" / RELEASE
    assert "kernel/chain_top.ko: kernel/chain_middle.ko kernel/chain_bottom.ko\n" in (
        (tree / "modules.dep").read_text()
    )
    show = lkmsh("modprobe", "-d", str(root), "-D", "chain_middle")
    assert (
        show.stdout
        == f"insmod {tree}/kernel/chain_bottom.ko \ninsmod {tree}/kernel/chain_middle.ko \n"
    )
    info = lkmsh("modinfo", "-b", str(root), "-F", "filename", "chain_top")
    assert info.stdout == f"{tree}/kernel/chain_top.ko\n"


def test_a_missing_tree_is_named(tmp_path, lkmsh):
    root = tmp_path / "nowhere"
    tree = f"{root}/lib/modules/5.10.0-x"
    dep = lkmsh("depmod", "-b", str(root), "5.10.0-x")
    assert (dep.returncode, dep.stderr) == (
        1,
        f"depmod: ERROR: could not open directory {tree}: No such file or directory\n"
        "depmod: FATAL: could not search modules: No such file or directory\n",
    )
    probe = lkmsh("modprobe", "-d", str(root), "chain_top")
    assert (probe.returncode, probe.stderr) == (
        1,
        f"modprobe: FATAL: Module chain_top not found in directory {root}/lib/modules/{RELEASE}\n",
    )
    # kmod 30's modinfo does not say where it looked; its bytes are kept
    info = lkmsh("modinfo", "-b", str(root), "-k", "5.10.0-x", "chain_top")
    assert (info.returncode, info.stderr) == (1, "modinfo: ERROR: Module chain_top not found.\n")


MISSING_TREE_CASES = {
    "depmod": [
        ["-b", "{root}", "9.9"],
        ["-n", "-b", "{root}", "9.9"],
        ["-A", "-b", "{root}", "9.9"],
        ["-A", "-n", "-b", "{root}", "9.9"],
        ["-e", "-F", "{root}/System.map", "-b", "{root}", "9.9"],
        ["-b", "{file}", "9.9"],
    ],
    "modprobe": [
        ["x"],
        ["-a", "x", "y"],
        ["-q", "x"],
        ["-R", "x"],
        ["-n", "-v", "x"],
        ["--show-depends", "symbol:foo"],
        ["--first-time", "x"],
        ["-r", "x"],
        ["-r", "-a", "x", "y"],
        ["-r", "-q", "x"],
        ["--show-exports", "x"],
    ],
    "modinfo": [
        ["-b", "{root}", "-k", "9.9", "x"],
        ["-k", "9.9", "-F", "filename", "x", "y"],
        ["-k", "9.9", "-0", "x"],
    ],
}


@pytest.mark.parametrize(
    ("tool", "args"),
    [(tool, args) for tool, cases in MISSING_TREE_CASES.items() for args in cases],
)
def test_a_missing_tree_reads_as_kmods(tmp_path, lkmsh, tool, args):
    """A tree that is not there: kmod 30's words and exit code, byte for byte (depmod
    and modprobe name the directory; modinfo says only that the module is not found)."""
    from kmod_helpers import KMOD_DEPMOD, KMOD_MODINFO, KMOD_MODPROBE, kmod

    binary = {"depmod": KMOD_DEPMOD, "modprobe": KMOD_MODPROBE, "modinfo": KMOD_MODINFO}[tool]
    if binary is None:
        pytest.skip(f"kmod's {tool} is not installed")
    (tmp_path / "a-file").write_text("")
    (tmp_path / "modprobe.d").mkdir()
    words = [a.format(root=tmp_path / "nowhere", file=tmp_path / "a-file") for a in args]
    if tool == "modprobe":  # kmod's default version is the host's: name one
        words = ["-d", str(tmp_path / "nowhere"), "-S", "9.9", "-C", str(tmp_path / "modprobe.d")]
        words += args
    ours, theirs = lkmsh(tool, *words), kmod(binary, *words)
    assert (ours.stdout, ours.stderr, ours.returncode) == (
        theirs.stdout,
        theirs.stderr,
        theirs.returncode,
    )
