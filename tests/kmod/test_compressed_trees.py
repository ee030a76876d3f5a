"""Compressed module trees (.ko.xz, .ko.zst) compared with kmod 30, file by file.

Distributions compress their modules while ``modules.order`` keeps naming
them ``.ko``: depmod must match the two (kmod's ``uncrelpath``) or its whole
order, and so every file, differs. Two trees:

- one built here: gcc-built modules compressed with xz and zstd (the kinds
  the installed kmod reads), listed in modules.order as ``.ko`` in an order
  that is not the scan's, with a dependency chain across compressions and
  soft dependencies;
- Debian's full ``linux-image-*-amd64`` tree (about 4,000 ``.ko.xz``), which
  .ci/run fetches into ~/.cache/lkmsh-test/full when apt can (or set
  LKMSH_COMPRESSED_TREE to a directory holding ``lib/modules/VERSION``).

Each is compared with kmod's depmod (``-n`` and every written file), and
``modprobe --show-depends`` for every module name with kmod's modprobe. The
Debian tree is also recompressed here to ``.ko.zst`` (compared with kmod
reading it) and to ``.ko.gz`` (this kmod is built without zlib: compared with
what kmod makes of the same modules as ``.ko.xz``, docs/dependencies.md).
"""

from __future__ import annotations

import lzma
import os
import shutil
from pathlib import Path

import pytest
from kmod_helpers import (
    DISTRO_CACHE,
    KMOD_DEPMOD,
    KMOD_MODINFO,
    KMOD_MODPROBE,
    build,
    kmod,
    kmod_features,
    module_source,
    needs_gcc,
    needs_kmod,
    show_depends_names,
)

pytestmark = needs_kmod
VERSION = "6.12.0-lkmsh"


def compress(path: Path, kind: str) -> Path:
    """Replace PATH (a .ko) by PATH.xz or PATH.zst, as a distribution packs it."""
    data = path.read_bytes()
    if kind == "xz":
        packed = lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32)
    else:
        import zstandard

        packed = zstandard.ZstdCompressor(level=19).compress(data)
    out = path.with_name(path.name + "." + kind)
    out.write_bytes(packed)
    path.unlink()
    return out


@pytest.fixture(scope="module")
def built_tree(tmp_path_factory) -> Path:
    kinds = [k for k, flag in (("xz", "+XZ"), ("zst", "+ZSTD")) if flag in kmod_features()]
    if not kinds:
        pytest.skip("the installed kmod reads neither xz nor zstd modules")
    tmp = tmp_path_factory.mktemp("compressed")
    root = tmp / "root"
    tree = root / "lib" / "modules" / VERSION
    mods = {
        "kernel/lib/crc-base.ko": module_source(exports=("crc_base",)),
        "kernel/lib/zz_helper.ko": module_source(exports=("zz_help",)),
        "kernel/drivers/net/phy/lib-phy.ko": module_source(uses=("crc_base",), exports=("phy_fn",)),
        "kernel/drivers/net/phy/aq.ko": module_source(
            uses=("phy_fn", "zz_help"), aliases=("mdio:0000*", "aq-phy")
        ),
        "kernel/fs/fsx/fsx.ko": module_source(
            uses=("crc_base",), softdep="pre: crypto-fast post: zz_helper"
        ),
        "kernel/crypto/fast-impl.ko": module_source(aliases=("crypto-fast",)),
        "kernel/crypto/slow_impl.ko": module_source(aliases=("crypto-fast",)),
    }
    for i, (rel, src) in enumerate(mods.items()):
        path = build(tmp, Path(rel).name.removesuffix(".ko"), src, out=tree / rel)
        compress(path, kinds[i % len(kinds)])
    # kmod's order: what modules.order lists (as .ko), in its order, first.
    order = [
        "kernel/fs/fsx/fsx.ko",
        "kernel/drivers/net/phy/aq.ko",
        "kernel/crypto/slow_impl.ko",
        "kernel/lib/crc-base.ko",
        "kernel/drivers/net/phy/lib-phy.ko",
        "kernel/crypto/fast-impl.ko",
    ]
    (tree / "modules.order").write_text("".join(line + "\n" for line in order))
    (tree / "modules.builtin").write_text("kernel/lib/crc32.ko\n")
    (tree / "modules.builtin.modinfo").write_bytes(b"crc32.license=GPL\0")
    return root


def indexed_by_kmod(root: Path, version: str, where: Path) -> Path:
    """A copy of ROOT (its modules hard-linked) indexed by kmod's depmod."""
    shutil.copytree(root, where, copy_function=os.link)
    assert kmod(KMOD_DEPMOD, "-b", str(where), version).returncode == 0
    return where


def compare_depmod(root: Path, version: str, kmods: Path, tmp: Path, lkmsh) -> None:
    """depmod -n (cold, then from the cache) and every written file, against kmod's
    (KMODS: ROOT indexed by kmod)."""
    mine = tmp / "mine"
    shutil.copytree(root, mine, copy_function=os.link)
    theirs = kmod(KMOD_DEPMOD, "-n", "-b", str(root), version)
    cold = lkmsh("depmod", "-n", "-b", str(mine), version)
    assert lkmsh("depmod", "-b", str(mine), version).returncode == 0
    warm = lkmsh("depmod", "-n", "-b", str(mine), version)
    for ours in (cold, warm):
        assert ours.returncode == theirs.returncode == 0
        assert ours.raw == theirs.raw
        assert ours.stderr == theirs.stderr
    written = sorted(p.name for p in (kmods / "lib/modules" / version).glob("modules.*"))
    assert "modules.dep.bin" in written and "modules.alias.bin" in written
    for name in written:
        ours_file = (mine / "lib/modules" / version / name).read_bytes()
        assert ours_file == (kmods / "lib/modules" / version / name).read_bytes(), name


def compare_show_depends(kmods: Path, version: str, tmp: Path, lkmsh) -> int:
    """``modprobe -a --show-depends`` of every module name, against kmod's modprobe."""
    names = show_depends_names(kmods / "lib/modules" / version)
    config = tmp / "modprobe.d"
    config.mkdir()
    args = ("-d", str(kmods), "-S", version, "-C", str(config), "-a", "-D", *names)
    theirs = kmod(KMOD_MODPROBE, *args)
    ours = lkmsh("modprobe", *args)
    assert ours.returncode == theirs.returncode == 0
    assert ours.stdout == theirs.stdout
    return len(names)


@pytest.fixture(scope="module")
def built_kmods(built_tree, tmp_path_factory) -> Path:
    return indexed_by_kmod(built_tree, VERSION, tmp_path_factory.mktemp("built") / "kmods")


@needs_gcc
def test_a_built_compressed_tree_indexes_as_kmods(built_tree, built_kmods, tmp_path, lkmsh):
    compare_depmod(built_tree, VERSION, built_kmods, tmp_path, lkmsh)
    dep = (tmp_path / "mine" / "lib/modules" / VERSION / "modules.dep").read_text()
    # modules.order said fsx.ko first: so it is, as fsx.ko.xz or fsx.ko.zst.
    assert dep.startswith("kernel/fs/fsx/fsx.ko.")


@needs_gcc
def test_a_built_compressed_tree_probes_in_kmods_order(built_kmods, tmp_path, lkmsh):
    assert compare_show_depends(built_kmods, VERSION, tmp_path, lkmsh) == 7
    show = lkmsh(
        "modprobe",
        *("-d", str(built_kmods), "-S", VERSION, "-C", str(tmp_path / "modprobe.d")),
        *("-D", "fsx"),
    )
    loads = [Path(line.split()[1]).name.split(".")[0] for line in show.stdout.splitlines()]
    # dependencies, then the pre softdep (an alias two modules have, in modules.order's
    # order), fsx, its post softdep
    assert loads == ["crc-base", "slow_impl", "fast-impl", "fsx", "zz_helper"]


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, str, Path]:
    """(ROOT, VERSION, ROOT indexed by kmod) of the big compressed tree, or a skip."""
    env = os.environ.get("LKMSH_COMPRESSED_TREE")
    root = Path(env) if env else DISTRO_CACHE / "full"
    versions = sorted(p.parent.name for p in (root / "lib" / "modules").glob("*/kernel"))
    if not versions:
        pytest.skip(
            f"no compressed distribution tree: .ci/run unpacks Debian's linux-image-*-amd64 "
            f"into {DISTRO_CACHE / 'full'} (or set LKMSH_COMPRESSED_TREE)"
        )
    version = versions[-1]
    kmods = indexed_by_kmod(root, version, tmp_path_factory.mktemp("big") / "kmods")
    return root, version, kmods


def test_the_big_compressed_tree_indexes_as_kmods(big, tmp_path, lkmsh):
    root, version, kmods = big
    assert sum(1 for _ in (root / "lib/modules" / version).rglob("*.ko.xz")) > 3000
    compare_depmod(root, version, kmods, tmp_path, lkmsh)


def test_the_big_compressed_tree_probes_every_module_in_kmods_order(big, tmp_path, lkmsh):
    _root, version, kmods = big
    assert compare_show_depends(kmods, version, tmp_path, lkmsh) > 3000


def test_modinfo_reads_the_big_compressed_tree_as_kmod(big, lkmsh):
    root, version, _kmods = big
    files = sorted(str(p) for p in (root / "lib/modules" / version).rglob("*.ko.xz"))[::9]
    ours, theirs = lkmsh("modinfo", *files), kmod(KMOD_MODINFO, *files)
    assert ours.returncode == theirs.returncode == 0
    assert ours.raw == theirs.raw


def lookup_names(tree: Path, seed: int = 18) -> list[str]:
    """Names a user or the kernel asks modprobe for: 100 aliases, 50 ``symbol:`` names,
    50 wildcard aliases filled in as a device would (``*`` with text, ``[..]`` with
    its first character), drawn from the tree's own indexes."""
    import random
    import re

    rng = random.Random(seed)
    aliases = [ln.split()[1] for ln in (tree / "modules.alias").read_text().splitlines()[1:]]
    symbols = [ln.split()[1] for ln in (tree / "modules.symbols").read_text().splitlines()[1:]]
    plain = [a for a in aliases if not re.search(r"[*?\[]", a)]
    wild = [a for a in aliases if re.search(r"[*?\[]", a)]

    def filled(pattern: str) -> str:
        out = re.sub(r"\[(.)[^\]]*\]", r"\1", pattern).replace("?", "7")
        return "".join(part + rng.choice(["", "0", "X1", "abc"]) for part in out.split("*"))[
            : len(out) + 8
        ]

    return (
        rng.sample(plain, min(100, len(plain)))
        + rng.sample(symbols, min(50, len(symbols)))
        + [filled(w) for w in rng.sample(wild, min(50, len(wild)))]
    )


def test_aliases_symbols_and_wildcards_resolve_as_kmods(big, shim, tmp_path, lkmsh):
    """--show-depends and modinfo by alias, symbol and filled-in wildcard (issue 18, item 2);
    kmod reads an empty kernel command line (the shim), lkmsh's kernel has none."""
    from kmod_helpers import kmod_with_cmdline

    _root, version, kmods = big
    names = lookup_names(kmods / "lib/modules" / version)
    config = tmp_path / "modprobe.d"
    config.mkdir()
    args = ("-d", str(kmods), "-S", version, "-C", str(config), "-a", "--show-depends", *names)
    theirs = kmod_with_cmdline(shim, tmp_path, "", *args)
    ours = lkmsh("modprobe", *args)
    assert theirs.stdout.count("insmod ") > 150
    assert (ours.stdout, ours.stderr, ours.returncode) == (
        theirs.stdout,
        theirs.stderr,
        theirs.returncode,
    )
    info = ("-b", str(kmods), "-k", version, "-F", "filename", *names)
    ours, theirs = lkmsh("modinfo", *info), kmod(KMOD_MODINFO, *info)
    assert (ours.raw, ours.stderr, ours.returncode) == (theirs.raw, theirs.stderr, 0)


# -- the big tree recompressed: zstd (kmod reads it) and gzip (kmod here cannot) ------

#: recompressing 4,230 modules takes about 10 s on two CPUs; past this, skip
RECOMPRESS_SECONDS = 300


def _recompress(args: tuple[str, list[str], dict[str, str], float]) -> bool:
    """Decompress each .ko.xz of SRC once and write it as .ko.zst and .ko.gz under the
    trees of OUT (kind -> tree); False when the deadline passed first."""
    import gzip
    import time

    import zstandard

    src, rels, out, deadline = args
    zstd = zstandard.ZstdCompressor(level=3)
    for rel in rels:
        if time.monotonic() > deadline:
            return False
        elf = lzma.decompress((Path(src) / rel).read_bytes())
        base = rel.removesuffix(".xz")
        for kind, packed in (("zst", zstd.compress(elf)), ("gz", gzip.compress(elf, 1, mtime=0))):
            target = Path(out[kind]) / f"{base}.{kind}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(packed)
    return True


@pytest.fixture(scope="module")
def recompressed(big, tmp_path_factory):
    """{"zst": ROOT, "gz": ROOT}: the big tree with every module recompressed, every
    other file (modules.order, modules.builtin*) linked; removed afterwards."""
    import time
    from concurrent.futures import ProcessPoolExecutor

    root, version, _kmods = big
    src = root / "lib/modules" / version
    base = tmp_path_factory.mktemp("recompressed")
    out = {kind: base / kind / "lib/modules" / version for kind in ("zst", "gz")}
    rels = [str(p.relative_to(src)) for p in sorted(src.rglob("*.ko.xz"))]
    for tree in out.values():
        tree.mkdir(parents=True)
        for f in src.iterdir():
            if f.is_file() and f.name.startswith("modules.") and not f.name.endswith(".bin"):
                os.link(f, tree / f.name)
    deadline = time.monotonic() + RECOMPRESS_SECONDS
    strs = {k: str(v) for k, v in out.items()}
    with ProcessPoolExecutor(2) as pool:
        done = list(pool.map(_recompress, [(str(src), rels[i::2], strs, deadline) for i in (0, 1)]))
    if not all(done):
        shutil.rmtree(base)
        pytest.skip(f"recompressing {len(rels)} modules took over {RECOMPRESS_SECONDS} s")
    yield {kind: base / kind for kind in out}
    shutil.rmtree(base)


def test_the_big_tree_as_zstd_is_kmods(big, recompressed, tmp_path, lkmsh):
    """Every file depmod writes, depmod -n, modinfo of every ninth module and
    modprobe --show-depends of every module name, against kmod reading the .ko.zst."""
    if "+ZSTD" not in kmod_features():
        pytest.skip("the installed kmod does not read zstd modules")
    _root, version, _kmods = big
    root = recompressed["zst"]
    kmods = indexed_by_kmod(root, version, tmp_path / "kmods")
    compare_depmod(root, version, kmods, tmp_path, lkmsh)
    assert compare_show_depends(kmods, version, tmp_path, lkmsh) > 3000
    files = sorted(str(p) for p in (root / "lib/modules" / version).rglob("*.ko.zst"))[::9]
    ours, theirs = lkmsh("modinfo", *files), kmod(KMOD_MODINFO, *files)
    assert ours.returncode == theirs.returncode == 0
    assert ours.raw == theirs.raw


def index_entries(path: Path) -> list[tuple[bytes, list[tuple[int, bytes]]]]:
    """A kmod index file as (key, [(priority, value)...]) in trie order: everything it
    says but the offsets, which follow from it."""
    import struct

    data = path.read_bytes()
    u32 = struct.Struct(">I")
    assert u32.unpack_from(data, 0)[0] == 0xB007F457
    entries = []
    stack = [(u32.unpack_from(data, 8)[0], b"")]
    while stack:
        offset, key = stack.pop()
        pos = offset & 0x0FFFFFFF
        if offset & 0x80000000:
            end = data.index(b"\0", pos)
            key, pos = key + data[pos:end], end + 1
        children = []
        if offset & 0x20000000:
            first, last = data[pos], data[pos + 1]
            pos += 2
            for ch in range(first, last + 1):
                child = u32.unpack_from(data, pos)[0]
                pos += 4
                if child:
                    children.append((child, key + bytes([ch])))
        if offset & 0x40000000:
            values = []
            count, pos = u32.unpack_from(data, pos)[0], pos + 4
            for _ in range(count):
                end = data.index(b"\0", pos + 4)
                values.append((u32.unpack_from(data, pos)[0], data[pos + 4 : end]))
                pos = end + 1
            entries.append((key, values))
        stack.extend(reversed(children))
    return entries


def test_the_big_tree_as_gzip_is_what_kmod_makes_of_it(big, recompressed, tmp_path, lkmsh):
    """kmod reads .ko.gz only when built with zlib (this one says -ZLIB): what it would
    make of the gzip tree is what it makes of the same modules as .ko.xz, each path
    ending .ko.gz instead (a module's name, its place in kmod's hash table and in
    modules.order do not depend on its suffix). So lkmsh on the .ko.gz tree is compared
    with kmod on the .ko.xz tree: every text file, the .bin indexes entry by entry,
    depmod -n, modprobe --show-depends of every module name, modinfo of every ninth."""
    xz_root, version, kmods = big
    gz_root = recompressed["gz"]
    mine = tmp_path / "mine"
    shutil.copytree(gz_root, mine, copy_function=os.link)

    def as_gz(text: str, root: Path = xz_root) -> str:
        return text.replace(".ko.xz", ".ko.gz").replace(str(root), str(gz_root))

    cold = lkmsh("depmod", "-n", "-b", str(gz_root), version)
    theirs = kmod(KMOD_DEPMOD, "-n", "-b", str(xz_root), version)
    assert cold.returncode == theirs.returncode == 0
    assert cold.stdout == as_gz(theirs.stdout) and cold.stderr == as_gz(theirs.stderr)
    assert lkmsh("depmod", "-b", str(mine), version).returncode == 0
    ours_dir, kmod_dir = mine / "lib/modules" / version, kmods / "lib/modules" / version
    written = sorted(p.name for p in kmod_dir.glob("modules.*"))
    for name in written:
        if name.endswith(".bin"):
            ours_entries = index_entries(ours_dir / name)
            kmod_entries = [
                (k, [(p, v.replace(b".ko.xz", b".ko.gz")) for p, v in vals])
                for k, vals in index_entries(kmod_dir / name)
            ]
            assert ours_entries == kmod_entries, name
        else:
            ours_text = (ours_dir / name).read_text(errors="surrogateescape")
            assert ours_text == as_gz((kmod_dir / name).read_text(errors="surrogateescape")), name
    names = show_depends_names(kmod_dir)
    config = tmp_path / "modprobe.d"
    config.mkdir()
    args = ("-S", version, "-C", str(config), "-a", "-D", *names)
    ours = lkmsh("modprobe", "-d", str(mine), *args)
    theirs = kmod(KMOD_MODPROBE, "-d", str(kmods), *args)
    assert ours.returncode == theirs.returncode == 0
    assert ours.stdout == as_gz(theirs.stdout, kmods).replace(str(gz_root), str(mine))
    assert ours.stdout.count(".ko.gz") > 3000
    xz_files = sorted(str(p) for p in (xz_root / "lib/modules" / version).rglob("*.ko.xz"))[::9]
    ours = lkmsh("modinfo", *[as_gz(f) for f in xz_files])
    theirs = kmod(KMOD_MODINFO, *xz_files)
    assert ours.returncode == theirs.returncode == 0
    assert ours.stdout == as_gz(theirs.stdout)
