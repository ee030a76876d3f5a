"""A real distribution tree (Debian's linux-image-*-cloud-amd64 packages), when present.

Set LKMSH_DISTRO_TREE to a directory holding ``lib/modules/VERSION`` (an
unpacked ``linux-image-*-unsigned`` package), or unpack one under
~/.cache/lkmsh-test/unsigned (and the signed package under .../signed):

    apt-get download linux-image-6.1.0-53-cloud-amd64-unsigned
    dpkg -x linux-image-*-unsigned_*.deb ~/.cache/lkmsh-test/unsigned
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from kmod_helpers import (
    DISTRO_CACHE,
    KMOD_DEPMOD,
    KMOD_MODINFO,
    KMOD_MODPROBE,
    kmod,
    needs_kmod,
    show_depends_names,
)


def distro_root(kind: str) -> Path | None:
    env = os.environ.get("LKMSH_DISTRO_TREE") if kind == "unsigned" else None
    root = Path(env) if env else DISTRO_CACHE / kind
    return root if any((root / "lib" / "modules").glob("*/kernel")) else None


def version_of(root: Path) -> str:
    return sorted(p.parent.name for p in (root / "lib" / "modules").glob("*/kernel"))[-1]


def tree_or_skip(kind: str) -> Path:
    root = distro_root(kind)
    if root is None:
        pytest.skip(
            f"no {kind} distribution module tree (set LKMSH_DISTRO_TREE or unpack "
            f"linux-image-*-cloud-amd64{'-unsigned' if kind == 'unsigned' else ''} "
            f"under {DISTRO_CACHE / kind})"
        )
    return root


pytestmark = needs_kmod


def test_depmod_dry_run_matches_kmod_on_the_whole_tree(lkmsh):
    root = tree_or_skip("unsigned")
    version = version_of(root)
    theirs = kmod(KMOD_DEPMOD, "-n", "-b", str(root), version)
    cold = lkmsh("depmod", "-n", "-b", str(root), version)
    warm = lkmsh("depmod", "-n", "-b", str(root), version)
    assert cold.returncode == theirs.returncode == 0
    assert cold.stdout.count(".ko:") > 1000
    assert cold.raw == theirs.raw
    assert warm.raw == theirs.raw
    assert cold.stderr == theirs.stderr


@pytest.mark.parametrize("kind", ["unsigned", "signed"])
def test_modinfo_matches_kmod_for_every_module(kind, lkmsh):
    root = tree_or_skip(kind)
    files = sorted(str(p) for p in (root / "lib" / "modules").rglob("*.ko*"))
    ours = lkmsh("modinfo", *files)
    theirs = kmod(KMOD_MODINFO, *files)
    assert ours.returncode == theirs.returncode == 0
    if kind == "signed":
        assert "sig_hashalgo:   sha256\n" in ours.stdout
    assert ours.raw == theirs.raw


def test_modinfo_fields_and_null_separator_match_kmod(lkmsh):
    root = tree_or_skip("signed")
    af_key = next((root / "lib" / "modules").rglob("af_key.ko"))
    for args in (["-F", "signer"], ["-F", "signature"], ["-0"], ["-F", "depends", "-0"], ["-n"]):
        assert (
            lkmsh("modinfo", *args, str(af_key)).raw == kmod(KMOD_MODINFO, *args, str(af_key)).raw
        )


def test_show_depends_matches_kmod_for_every_module_name(tmp_path, lkmsh):
    """modprobe's load order (libkmod's probe list) for all of the tree's modules."""
    root = tree_or_skip("unsigned")
    version = version_of(root)
    indexed = tmp_path / "root"
    shutil.copytree(root, indexed, copy_function=os.link)
    assert kmod(KMOD_DEPMOD, "-b", str(indexed), version).returncode == 0
    names = show_depends_names(indexed / "lib" / "modules" / version)
    (tmp_path / "modprobe.d").mkdir()
    args = ("-d", str(indexed), "-S", version, "-C", str(tmp_path / "modprobe.d"), "-a", "-D")
    theirs = kmod(KMOD_MODPROBE, *args, *names)
    ours = lkmsh("modprobe", *args, *names)
    assert len(names) > 1000 and theirs.stdout.count("insmod ") > len(names)
    assert (ours.stdout, ours.returncode) == (theirs.stdout, theirs.returncode)


def test_forked_read_gives_the_facts_one_process_reads():
    """A cold run forks a reader only when the load leaves a CPU idle, so under a
    busy suite the fork is never taken: read 400 of the tree's modules through it."""
    from lkmsh.kmod import depmod

    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    root = tree_or_skip("unsigned")
    paths = sorted(str(p) for p in (root / "lib" / "modules").rglob("*.ko"))[:400]

    def read(some, _report):
        return [depmod._read(p) for p in some]

    alone = read(paths, False)
    assert depmod._read_forked(paths, read) == alone
    assert sum(1 for facts, problem in alone if facts and facts.needs and not problem) > 300
