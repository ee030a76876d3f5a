"""The depmod cache never changes the answer: a changed, added or removed module
is read again, and the output stays kmod's."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from kmod_helpers import KMOD_DEPMOD, SAMPLES, build, kmod, module_source, needs_gcc, needs_kmod

VERSION = "5.10.0-cache"
pytestmark = [needs_kmod, needs_gcc]


def tree(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "root"
    kdir = root / "lib" / "modules" / VERSION / "kernel"
    kdir.mkdir(parents=True)
    for name in ("chain_bottom", "chain_middle", "chain_top", "provider"):
        shutil.copy(SAMPLES / f"{name}.ko", kdir)
    return root, kdir


def same_as_kmod(lkmsh, root: Path) -> str:
    ours = lkmsh("depmod", "-n", "-b", str(root), VERSION)
    assert ours.raw == kmod(KMOD_DEPMOD, "-n", "-b", str(root), VERSION).raw
    return ours.stdout


def test_changed_added_and_removed_modules_are_seen(tmp_path, lkmsh, env):
    root, kdir = tree(tmp_path)
    before = same_as_kmod(lkmsh, root)
    assert any(Path(env["LKMSH_CACHE_DIR"]).iterdir())  # the cache was written

    # Changed: chain_middle now also needs provider's export (same name, new bytes).
    build(
        tmp_path,
        "chain_middle",
        module_source(uses=("chain_bottom_value", "provider_add"), exports=("chain_middle_value",)),
        out=kdir / "chain_middle.ko",
    )
    os.utime(kdir / "chain_middle.ko", ns=(1, 1_000_000_000))  # an mtime in the past, new size
    changed = same_as_kmod(lkmsh, root)
    assert changed != before
    assert "kernel/chain_middle.ko: kernel/provider.ko kernel/chain_bottom.ko" in changed or (
        "kernel/chain_middle.ko: kernel/chain_bottom.ko kernel/provider.ko" in changed
    )

    # Added
    shutil.copy(SAMPLES / "consumer.ko", kdir)
    assert "kernel/consumer.ko: kernel/provider.ko" in same_as_kmod(lkmsh, root)

    # Removed
    (kdir / "provider.ko").unlink()
    removed = same_as_kmod(lkmsh, root)
    assert "provider.ko" not in removed


def test_a_damaged_cache_is_ignored(tmp_path, lkmsh, env):
    root, _kdir = tree(tmp_path)
    same_as_kmod(lkmsh, root)
    for f in Path(env["LKMSH_CACHE_DIR"]).iterdir():
        f.write_bytes(b"not marshal data")
    same_as_kmod(lkmsh, root)


def test_an_intact_cached_result_of_another_shape_is_computed_again(tmp_path, lkmsh, env):
    """A result file with a good checksum and version but another payload (older lkmsh
    code sharing the cache directory) is no internal error: depmod reads the tree."""
    from lkmsh.kmod import cache

    root, _kdir = tree(tmp_path)
    same_as_kmod(lkmsh, root)
    (result,) = Path(env["LKMSH_CACHE_DIR"]).glob("*.result")
    version, (key, payload) = cache._read(str(result))
    cache._write(str(result), (version, (key, payload[:3])))
    same_as_kmod(lkmsh, root)


def test_a_result_cached_by_other_code_is_computed_again(tmp_path, lkmsh, env):
    """A cache written by another lkmsh (an upgrade, an edited checkout) is never
    answered from: its version stamp names the code that computed it."""
    from lkmsh.kmod import cache

    root, kdir = tree(tmp_path)
    same_as_kmod(lkmsh, root)
    (result,) = Path(env["LKMSH_CACHE_DIR"]).glob("*.result")
    _, (_, full_tree_answer) = cache._read(str(result))
    (kdir / "provider.ko").unlink()
    same_as_kmod(lkmsh, root)
    version, (key, _) = cache._read(str(result))
    assert version == cache.code_stamp()

    # Control: stamped as this code, a stale answer under the current fingerprint is used.
    cache._write(str(result), (version, (key, full_tree_answer)))
    assert "provider.ko" in lkmsh("depmod", "-n", "-b", str(root), VERSION).stdout

    # Stamped as other code (another size of one source file), it is not.
    other = tuple((n, size + 1, mtime) for n, size, mtime in version[1:])
    cache._write(str(result), ((version[0], *other), (key, full_tree_answer)))
    assert "provider.ko" not in same_as_kmod(lkmsh, root)
