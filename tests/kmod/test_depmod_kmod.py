"""depmod on a small real-format tree, compared byte for byte with kmod's depmod.

The tree is built in the test: gcc-built modules with exports (plain and
GPL), a chain, a dash in a file name, aliases with wildcards, a device node,
soft dependencies, two modules exporting one symbol, a weak reference, a
module in updates/ shadowing one in kernel/, compressed modules, a partial
modules.order and modules.builtin(.modinfo).
"""

from __future__ import annotations

import gzip
import lzma
import shutil
from pathlib import Path

import pytest
from kmod_helpers import (
    KMOD_DEPMOD,
    SAMPLES,
    build,
    kmod,
    kmod_features,
    module_source,
    needs_gcc,
    needs_kmod,
)

VERSION = "6.1.0-lkmsh"


def make_tree(tmp: Path, *, order: bool = True) -> Path:
    """ROOT with ROOT/lib/modules/VERSION/{kernel,updates}/... and the kernel's lists."""
    root = tmp / "root"
    tree = root / "lib" / "modules" / VERSION
    kdir = tree / "kernel"
    (kdir / "drivers" / "misc").mkdir(parents=True)
    (kdir / "net").mkdir(parents=True)
    (tree / "updates").mkdir(parents=True)
    put = {
        "drivers/misc/core_a.ko": module_source(exports=("a_fn",), gpl_exports=("a_gpl",)),
        "drivers/misc/mid-b.ko": module_source(uses=("a_fn",), exports=("b_fn",)),
        "net/top_c.ko": module_source(
            uses=("b_fn", "a_gpl"),
            aliases=("pci:v00008086d*sv*sd*", "char-major-10-200", "devname:topdev", "net-pf-99"),
            softdep="pre: core_a post: mid-b",
        ),
        "net/dup_one.ko": module_source(exports=("shared_fn",)),
        "net/dup_two.ko": module_source(exports=("shared_fn",)),
        "net/user_d.ko": module_source(uses=("shared_fn", "nobody_exports_this")),
        "net/weak_e.ko": module_source(weak_uses=("a_fn", "missing_weak")),
        "drivers/alias_f.ko": module_source(aliases=("usb:v1234p*", "fs-lkmshfs")),
    }
    for rel, src in put.items():
        name = Path(rel).name.removesuffix(".ko")
        build(tmp, name, src, out=kdir / rel)
    # An updated copy of mid-b in updates/ wins over kernel/ (depmod's default search).
    build(
        tmp,
        "mid-b",
        module_source(uses=("a_fn",), exports=("b_fn", "b_new")),
        out=tree / "updates" / "mid-b.ko",
    )
    for sample in ("chain_bottom", "chain_middle", "chain_top", "hello", "provider", "consumer"):
        shutil.copy(SAMPLES / f"{sample}.ko", kdir / f"{sample}.ko")
    if "+XZ" in kmod_features():
        xz = kdir / "net" / "compressed_x.ko"
        build(tmp, "compressed_x", module_source(uses=("b_fn",), aliases=("lkmsh:xz",)), out=xz)
        xz.with_suffix(".ko.xz").write_bytes(lzma.compress(xz.read_bytes(), format=lzma.FORMAT_XZ))
        xz.unlink()
    if "+ZSTD" in kmod_features():
        import zstandard

        zst = kdir / "net" / "compressed_z.ko"
        build(tmp, "compressed_z", module_source(uses=("shared_fn",)), out=zst)
        zst.with_suffix(".ko.zst").write_bytes(
            zstandard.ZstdCompressor().compress(zst.read_bytes())
        )
        zst.unlink()
    if order:
        (tree / "modules.order").write_text(
            "kernel/net/top_c.ko\nkernel/drivers/misc/core_a.ko\nkernel/chain_top.ko\n"
            "kernel/not/present.ko\nkernel/drivers/misc/mid-b.ko\n"
        )
    (tree / "modules.builtin").write_text("kernel/fs/ext4/ext4.ko\nkernel/lib/crc-t10dif.ko\n")
    (tree / "modules.builtin.modinfo").write_bytes(
        b"ext4.alias=fs-ext4\0ext4.alias=ext3\0ext4.license=GPL\0crc_t10dif.alias=crypto-crct10dif\0"
    )
    return root


pytestmark = [needs_kmod, needs_gcc]


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return make_tree(tmp_path_factory.mktemp("tree"))


def test_dry_run_output_is_kmods_byte_for_byte(tree, lkmsh):
    ours = lkmsh("depmod", "-n", "-b", str(tree), VERSION)
    theirs = kmod(KMOD_DEPMOD, "-n", "-b", str(tree), VERSION)
    assert ours.returncode == theirs.returncode == 0
    assert "kernel/net/top_c.ko:" in ours.stdout
    assert ours.raw == theirs.raw
    assert ours.stderr == theirs.stderr


def test_a_rerun_from_the_cache_prints_the_same(tree, lkmsh):
    first = lkmsh("depmod", "-n", "-b", str(tree), VERSION)
    second = lkmsh("depmod", "-n", "-b", str(tree), VERSION)
    assert first.raw == second.raw == kmod(KMOD_DEPMOD, "-n", "-b", str(tree), VERSION).raw


def test_without_modules_order_the_hash_order_matches_too(tmp_path, lkmsh):
    root = make_tree(tmp_path, order=False)
    ours = lkmsh("depmod", "-n", "-b", str(root), VERSION)
    theirs = kmod(KMOD_DEPMOD, "-n", "-b", str(root), VERSION)
    assert ours.raw == theirs.raw
    assert "could not open modules.order" in ours.stderr
    assert ours.stderr == theirs.stderr


def test_written_files_text_and_binary_are_kmods(tmp_path, tree, lkmsh):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    shutil.copytree(tree, mine, symlinks=True)
    shutil.copytree(tree, theirs, symlinks=True)
    assert lkmsh("depmod", "-b", str(mine), VERSION).returncode == 0
    assert kmod(KMOD_DEPMOD, "-b", str(theirs), VERSION).returncode == 0
    names = sorted(p.name for p in (theirs / "lib/modules" / VERSION).glob("modules.*"))
    assert "modules.dep.bin" in names and "modules.builtin.alias.bin" in names
    for name in names:
        a = (mine / "lib/modules" / VERSION / name).read_bytes()
        b = (theirs / "lib/modules" / VERSION / name).read_bytes()
        assert a == b, name


def test_unknown_symbols_are_reported_with_a_system_map(tmp_path, tree, lkmsh):
    system_map = tmp_path / "System.map"
    system_map.write_text(
        "ffffffff81000000 T printk\nffffffff82000000 r __ksymtab__printk\n"
        "ffffffff82000010 r __ksymtab_printk\n"
    )
    args = ("-n", "-e", "-F", str(system_map), "-b", str(tree), VERSION)
    ours, theirs = lkmsh("depmod", *args), kmod(KMOD_DEPMOD, *args)
    assert "needs unknown symbol nobody_exports_this" in ours.stderr
    assert "missing_weak" not in ours.stderr  # weak references are not reported
    assert ours.stderr == theirs.stderr
    assert ours.raw == theirs.raw


def test_a_cycle_fails_and_names_every_module_in_it(tmp_path, lkmsh):
    root = tmp_path / "root"
    kdir = root / "lib/modules" / VERSION / "kernel"
    build(tmp_path, "ring_a", module_source(exports=("ra",), uses=("rb",)), out=kdir / "ring_a.ko")
    build(tmp_path, "ring_b", module_source(exports=("rb",), uses=("ra",)), out=kdir / "ring_b.ko")
    shutil.copy(SAMPLES / "hello.ko", kdir / "hello.ko")
    ours = lkmsh("depmod", "-n", "-b", str(root), VERSION)
    theirs = kmod(KMOD_DEPMOD, "-n", "-b", str(root), VERSION)
    assert ours.returncode == theirs.returncode == 1
    assert "Cycle detected: ring_" in ours.stderr
    assert "ring_a" in ours.stderr and "ring_b" in ours.stderr
    assert ours.stderr == theirs.stderr and ours.raw == theirs.raw


def test_gzip_modules_are_read_even_where_kmod_was_built_without_zlib(tmp_path, lkmsh):
    """kmod reads .ko.gz only when built with zlib; lkmsh always does (Python's gzip)."""
    root = tmp_path / "root"
    kdir = root / "lib/modules" / VERSION / "kernel"
    kdir.mkdir(parents=True)
    shutil.copy(SAMPLES / "chain_bottom.ko", kdir)
    (kdir / "chain_middle.ko.gz").write_bytes(
        gzip.compress((SAMPLES / "chain_middle.ko").read_bytes())
    )
    ours = lkmsh("depmod", "-n", "-b", str(root), VERSION)
    assert "kernel/chain_middle.ko.gz: kernel/chain_bottom.ko\n" in ours.stdout
    assert "alias symbol:chain_middle_value chain_middle\n" in ours.stdout


def test_a_corrupt_module_is_reported_and_listed_without_dependencies(tmp_path, lkmsh):
    root = tmp_path / "root"
    kdir = root / "lib/modules" / VERSION / "kernel"
    kdir.mkdir(parents=True)
    shutil.copy(SAMPLES / "provider.ko", kdir)
    (kdir / "bad.ko").write_bytes(b"\x7fELF" + b"\x02\x01\x01" + b"\0" * 20)
    ours = lkmsh("depmod", "-n", "-b", str(root), VERSION)
    theirs = kmod(KMOD_DEPMOD, "-n", "-b", str(root), VERSION)
    assert "failed to load symbols from" in ours.stderr
    assert ours.raw == theirs.raw and ours.stderr == theirs.stderr
