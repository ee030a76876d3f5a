"""Hostile module trees and caches (issue 17, items 10 and 17).

Two ``ln -s .`` links in a module directory once made depmod's walk
exponential; a cache file with flipped bits once changed depmod's answer.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from kmod_helpers import SAMPLES

VERSION = "5.10.0-hostile"


def tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "root"
    kdir = root / "lib" / "modules" / VERSION / "kernel"
    kdir.mkdir(parents=True)
    for name in ("chain_bottom", "chain_middle", "chain_top", "provider"):
        shutil.copy(SAMPLES / f"{name}.ko", kdir)
    return root, kdir


def test_symlink_cycles_are_walked_once(tmp_path, lkmsh):
    root, kdir = tree(tmp_path)
    plain = lkmsh("depmod", "-n", "-b", str(root), VERSION)
    os.symlink(".", kdir / "again")
    os.symlink(".", kdir / "and_again")
    os.symlink("..", kdir / "up")
    (kdir / "sub").mkdir()
    os.symlink("../..", kdir / "sub" / "loop")
    looped = lkmsh("depmod", "-n", "-b", str(root), VERSION)
    assert looped.returncode == 0, looped.stderr
    assert looped.stdout == plain.stdout  # every module found once, at its own path


def test_symlink_cycles_do_not_hang_modprobe(tmp_path, lkmsh):
    _root, kdir = tree(tmp_path)
    os.symlink(".", kdir / "again")
    os.symlink(".", kdir / "and_again")
    out = lkmsh("modprobe", "-d", str(tmp_path / "root"), "-S", VERSION, "chain_top")
    assert out.returncode == 0, out.stderr
    names = [line.split()[0] for line in lkmsh("lsmod").stdout.splitlines()[1:]]
    assert names == ["chain_top", "chain_middle", "chain_bottom"]


def test_a_cache_with_flipped_bits_is_rebuilt_not_trusted(tmp_path, lkmsh, env):
    root, _kdir = tree(tmp_path)
    good = lkmsh("depmod", "-n", "-b", str(root), VERSION).stdout
    for f in Path(env["LKMSH_CACHE_DIR"]).iterdir():
        data = bytearray(f.read_bytes())
        # flip a bit in a module path inside the stored data: still loadable marshal
        at = data.find(b"chain_middle")
        if at >= 0:
            data[at] ^= 0x01
            f.write_bytes(bytes(data))
    assert lkmsh("depmod", "-n", "-b", str(root), VERSION).stdout == good
