"""Debian's arm64 kernel modules (linux-image-*-cloud-arm64), read by lkmsh as kmod reads them.

A tree of real AArch64 modules: depmod's dry run and written indexes, the
unknown-symbol report against the kernel's System.map, and modinfo on module
files (signed ones too) and on names looked up through the tree, each equal
byte for byte to kmod's on the same tree. .ci/run fetches the packages; by hand:

    dpkg --add-architecture arm64 && apt-get update
    apt-get download linux-image-6.1.0-56-cloud-arm64-unsigned:arm64 \\
        linux-image-6.1.0-56-cloud-arm64:arm64
    dpkg -x linux-image-*-cloud-arm64-unsigned_*.deb ~/.cache/lkmsh-test/arm64/unsigned
    dpkg -x linux-image-*-cloud-arm64_*.deb ~/.cache/lkmsh-test/arm64/signed
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from kmod_helpers import DISTRO_CACHE, KMOD_DEPMOD, KMOD_MODINFO, kmod, needs_kmod

from lkmsh.elf.constants import EM_AARCH64

ARM64_CACHE = DISTRO_CACHE / "arm64"

pytestmark = needs_kmod


def arm64_tree(kind: str) -> Path:
    """The unpacked package of that kind (unsigned, signed), or a skip saying how to get it."""
    root = ARM64_CACHE / kind
    if not any((root / "lib" / "modules").glob("*/kernel")):
        package = "linux-image-*-cloud-arm64" + ("-unsigned" if kind == "unsigned" else "")
        pytest.skip(f"no {kind} arm64 module tree: unpack {package}:arm64 under {root}")
    return root


def version_of(root: Path) -> str:
    return sorted(p.parent.name for p in (root / "lib" / "modules").glob("*/kernel"))[-1]


def module_files(root: Path) -> list[Path]:
    return sorted((root / "lib" / "modules").rglob("*.ko*"))


def sample(files: list[Path]) -> list[Path]:
    """Every arm64-specific module (crypto extensions, ...) and every fourth of the rest."""
    own = [f for f in files if "/kernel/arch/arm64/" in str(f)]
    return own + [f for f in files[::4] if f not in own]


def machine_of(path: Path) -> int:
    with path.open("rb") as f:
        return int.from_bytes(f.read(20)[18:20], "little")


def linked_copy(root: Path, dest: Path) -> Path:
    """The tree under dest with its modules hard-linked (copied across filesystems),
    so depmod can write its indexes there without touching the cache."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(root / "lib", dest / "lib", symlinks=True, copy_function=link)
    return dest


def test_the_tree_holds_real_aarch64_modules():
    files = module_files(arm64_tree("unsigned"))
    assert len(files) > 500
    assert {machine_of(f) for f in files[::50]} == {EM_AARCH64}


def test_depmod_dry_run_matches_kmod_cold_and_from_the_cache(lkmsh):
    root = arm64_tree("unsigned")
    version = version_of(root)
    theirs = kmod(KMOD_DEPMOD, "-n", "-b", str(root), version)
    cold = lkmsh("depmod", "-n", "-b", str(root), version)
    warm = lkmsh("depmod", "-n", "-b", str(root), version)
    assert cold.returncode == theirs.returncode == 0
    assert cold.stdout.count(".ko:") > 500
    assert "kernel/arch/arm64/crypto/sha1-ce.ko:" in cold.stdout
    assert cold.raw == theirs.raw
    assert warm.raw == theirs.raw
    assert cold.stderr == theirs.stderr


def test_unknown_symbols_against_the_arm64_system_map_match_kmod(lkmsh):
    root = arm64_tree("unsigned")
    version = version_of(root)
    system_map = root / "boot" / f"System.map-{version}"
    if not system_map.is_file():
        pytest.skip(f"the package has no {system_map.name}")
    args = ("-n", "-e", "-F", str(system_map), "-b", str(root), version)
    ours, theirs = lkmsh("depmod", *args), kmod(KMOD_DEPMOD, *args)
    assert ours.returncode == theirs.returncode == 0
    assert "needs unknown symbol" in theirs.stderr
    assert ours.stderr == theirs.stderr
    assert ours.raw == theirs.raw


def test_written_indexes_are_kmods_and_names_resolve_through_them(tmp_path, lkmsh):
    root = arm64_tree("unsigned")
    version = version_of(root)
    mine = linked_copy(root, tmp_path / "mine")
    theirs = linked_copy(root, tmp_path / "theirs")
    assert lkmsh("depmod", "-b", str(mine), version).returncode == 0
    assert kmod(KMOD_DEPMOD, "-b", str(theirs), version).returncode == 0
    written = sorted(p.name for p in (theirs / "lib/modules" / version).glob("modules.*.bin"))
    assert "modules.dep.bin" in written and "modules.alias.bin" in written
    for name in sorted(p.name for p in (theirs / "lib/modules" / version).glob("modules.*")):
        ours = (mine / "lib/modules" / version / name).read_bytes()
        assert ours == (theirs / "lib/modules" / version / name).read_bytes(), name
    # By module name and by alias, as kmod resolves them in the tree lkmsh wrote.
    lookup = ("-b", str(mine), "-k", version)
    for args in (["xfs"], ["-m", "sha1-ce"], ["crypto-sha1"], ["-F", "depends", "btrfs"]):
        ours, theirs_run = lkmsh("modinfo", *lookup, *args), kmod(KMOD_MODINFO, *lookup, *args)
        assert ours.returncode == theirs_run.returncode == 0, args
        assert ours.stdout.strip(), args
        assert ours.raw == theirs_run.raw, args


@pytest.mark.parametrize("kind", ["unsigned", "signed"])
def test_modinfo_on_a_sample_of_module_files_matches_kmod(kind, lkmsh):
    root = arm64_tree(kind)
    files = [str(f) for f in sample(module_files(root))]
    assert len(files) > 100
    ours = lkmsh("modinfo", *files)
    theirs = kmod(KMOD_MODINFO, *files)
    assert ours.returncode == theirs.returncode == 0
    assert ours.stdout.count("filename:") == len(files)
    if kind == "signed":
        assert ours.stdout.count("sig_hashalgo:   sha256\n") == len(files)
    assert ours.raw == theirs.raw


def test_signature_fields_one_by_one_match_kmod(lkmsh):
    root = arm64_tree("signed")
    module = next((root / "lib" / "modules").rglob("sha1-ce.ko"))
    for args in (["-F", "signer"], ["-F", "signature"], ["-F", "sig_key"], ["-0"], ["-n"]):
        ours, theirs = lkmsh("modinfo", *args, str(module)), kmod(KMOD_MODINFO, *args, str(module))
        assert ours.returncode == theirs.returncode == 0, args
        assert ours.raw == theirs.raw, args
    assert "Build time autogenerated kernel key" in lkmsh("modinfo", str(module)).stdout
