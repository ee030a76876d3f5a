"""One rule for the tree depmod, modprobe and modinfo work on (module_directory).

lkmsh's kernel has release 6.1.0-lkmsh; its /lib/modules/6.1.0-lkmsh is
$LKMSH_MODULE_PATH (else the bundled sample_modules): that is the tree when
nothing is said. With a root or a version, ROOT/lib/modules/VERSION as kmod,
VERSION defaulting to that release. A missing tree is named in the error.
"""

from __future__ import annotations

import shutil
from pathlib import Path

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
    dep = lkmsh("depmod", "-b", str(root), "5.10.0-x")
    assert dep.returncode == 1
    assert f"could not open directory {root}/lib/modules/5.10.0-x" in dep.stderr
    probe = lkmsh("modprobe", "-d", str(root), "chain_top")
    assert probe.returncode == 1
    assert f"{root}/lib/modules/{RELEASE}: No such file or directory" in probe.stderr
