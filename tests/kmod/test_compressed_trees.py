"""Compressed module trees (.ko.xz, .ko.zst, .ko.gz) compared with kmod 30, file by file.

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

Each is indexed once by kmod's depmod and once by lkmsh's, and every written
file compared; lkmsh's ``depmod -n`` (from its cache, twice) is compared with
kmod's text files one after another, which is what kmod's ``-n`` prints (shown
on the built tree, where kmod runs ``-n`` too). ``modprobe --show-depends`` runs
for every module name of the built tree and a seeded sample of the big one
(test_distro_tree.py does every name of the cloud tree). The Debian tree is
also recompressed to ``.ko.zst`` (compared with kmod reading it) and to
``.ko.gz`` (this kmod is built without zlib: compared with what kmod makes of
the same modules as ``.ko.xz``, docs/dependencies.md), once: the recompressed
trees are kept in ~/.cache/lkmsh-test/recompressed, keyed by the source tree.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import random
import shutil
import tempfile
from dataclasses import dataclass
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

from lkmsh.kmod.index import read_entries

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


#: what kmod's ``depmod -n`` prints: these files, one after another (not the .bin ones)
DRY_RUN_FILES = (
    "modules.dep",
    "modules.alias",
    "modules.softdep",
    "modules.symbols",
    "modules.devname",
)


@dataclass
class Indexed:
    """A copy of a tree (its modules hard-linked) indexed by kmod's depmod."""

    path: Path  # the copy's root: PATH/lib/modules/VERSION
    version: str
    stderr: str  # what kmod's depmod said, the copy's root written ROOT

    @property
    def tree(self) -> Path:
        return self.path / "lib/modules" / self.version

    def dry_run(self) -> bytes:
        """What kmod's ``depmod -n`` prints for this tree, from the files it wrote."""
        files = (self.tree / name for name in DRY_RUN_FILES)
        return b"".join(f.read_bytes() for f in files if f.exists())


def indexed_by_kmod(root: Path, version: str, where: Path) -> Indexed:
    shutil.copytree(root, where, copy_function=os.link)
    run = kmod(KMOD_DEPMOD, "-b", str(where), version)
    assert run.returncode == 0
    return Indexed(where, version, run.stderr.replace(str(where), "ROOT"))


def same(data: bytes) -> bytes:
    return data


def compare_depmod(root: Path, kmods: Indexed, tmp: Path, lkmsh, as_kind=same) -> None:
    """Every file lkmsh's depmod writes for ROOT (cold), then ``depmod -n`` twice (from
    the module cache, then from its last answer), against kmod's KMODS; AS_KIND turns
    kmod's bytes into what they say for ROOT's compression (gzip: read from xz)."""
    mine = tmp / "mine"
    shutil.copytree(root, mine, copy_function=os.link)
    version = kmods.version
    wrote = lkmsh("depmod", "-b", str(mine), version)
    assert (wrote.returncode, wrote.stderr.replace(str(mine), "ROOT")) == (0, kmods.stderr)
    for _ in range(2):
        ours = lkmsh("depmod", "-n", "-b", str(mine), version)
        assert ours.returncode == 0
        assert ours.raw == as_kind(kmods.dry_run())
        assert ours.stderr.replace(str(mine), "ROOT") == kmods.stderr
    written = sorted(p.name for p in kmods.tree.glob("modules.*"))
    assert "modules.dep.bin" in written and "modules.alias.bin" in written
    for name in written:
        ours_file = (mine / "lib/modules" / version / name).read_bytes()
        theirs_file = (kmods.tree / name).read_bytes()
        if as_kind is same or not name.endswith(".bin"):
            assert ours_file == as_kind(theirs_file), name
        else:  # what the index says: its offsets follow from it
            assert read_entries(ours_file) == [
                (key, [(prio, as_kind(value)) for prio, value in values])
                for key, values in read_entries(theirs_file)
            ], name


def sampled(names: list[str], sample: int | None) -> list[str]:
    """SAMPLE of NAMES, the same ones every run (seeded), or all of them."""
    if sample is None:
        return names
    return sorted(random.Random(18).sample(names, min(sample, len(names))))


def compare_show_depends(kmods: Indexed, tmp: Path, lkmsh, sample: int | None = None) -> int:
    """``modprobe -a --show-depends`` of every module name (or a seeded SAMPLE of them),
    lkmsh's against kmod's modprobe, both reading the tree kmod indexed."""
    names = sampled(show_depends_names(kmods.tree), sample)
    config = tmp / "modprobe.d"
    config.mkdir(exist_ok=True)
    args = ("-d", str(kmods.path), "-S", kmods.version, "-C", str(config), "-a", "-D", *names)
    theirs = kmod(KMOD_MODPROBE, *args)
    ours = lkmsh("modprobe", *args)
    assert ours.returncode == theirs.returncode == 0
    assert ours.stdout == theirs.stdout
    return len(names)


def compare_modinfo(
    files: list[str], lkmsh, theirs_files: list[str] | None = None
) -> tuple[str, str]:
    """(lkmsh's, kmod's) modinfo of FILES (kmod's of THEIRS_FILES, when it reads others)."""
    ours = lkmsh("modinfo", *files)
    theirs = kmod(KMOD_MODINFO, *(theirs_files or files))
    assert ours.returncode == theirs.returncode == 0
    return ours.stdout, theirs.stdout


@pytest.fixture(scope="module")
def built_kmods(built_tree, tmp_path_factory) -> Indexed:
    return indexed_by_kmod(built_tree, VERSION, tmp_path_factory.mktemp("built") / "kmods")


@needs_gcc
def test_a_built_compressed_tree_indexes_as_kmods(built_tree, built_kmods, tmp_path, lkmsh):
    # kmod's -n prints its text files one after another: what the big trees compare with
    theirs = kmod(KMOD_DEPMOD, "-n", "-b", str(built_tree), VERSION)
    assert (theirs.returncode, theirs.raw) == (0, built_kmods.dry_run())
    compare_depmod(built_tree, built_kmods, tmp_path, lkmsh)
    dep = (tmp_path / "mine" / "lib/modules" / VERSION / "modules.dep").read_text()
    # modules.order said fsx.ko first: so it is, as fsx.ko.xz or fsx.ko.zst.
    assert dep.startswith("kernel/fs/fsx/fsx.ko.")


@needs_gcc
def test_a_built_compressed_tree_probes_in_kmods_order(built_kmods, tmp_path, lkmsh):
    assert compare_show_depends(built_kmods, tmp_path, lkmsh) == 7
    show = lkmsh(
        "modprobe",
        *("-d", str(built_kmods.path), "-S", VERSION, "-C", str(tmp_path / "modprobe.d")),
        *("-D", "fsx"),
    )
    loads = [Path(line.split()[1]).name.split(".")[0] for line in show.stdout.splitlines()]
    # dependencies, then the pre softdep (an alias two modules have, in modules.order's
    # order), fsx, its post softdep
    assert loads == ["crc-base", "slow_impl", "fast-impl", "fsx", "zz_helper"]


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, Indexed]:
    """(ROOT, ROOT indexed by kmod) of the big compressed tree, or a skip."""
    env = os.environ.get("LKMSH_COMPRESSED_TREE")
    root = Path(env) if env else DISTRO_CACHE / "full"
    versions = sorted(p.parent.name for p in (root / "lib" / "modules").glob("*/kernel"))
    if not versions:
        pytest.skip(
            f"no compressed distribution tree: .ci/run unpacks Debian's linux-image-*-amd64 "
            f"into {DISTRO_CACHE / 'full'} (or set LKMSH_COMPRESSED_TREE)"
        )
    return root, indexed_by_kmod(root, versions[-1], tmp_path_factory.mktemp("big") / "kmods")


#: --show-depends of this many module names of each big tree (seeded), modinfo of
#: every MODINFO_STEP-th module: the rest of the tree goes through the same code
#: (test_distro_tree.py runs every module name of the cloud tree)
SHOW_DEPENDS_SAMPLE = 400
MODINFO_STEP = 27


def test_the_big_compressed_tree_indexes_and_probes_as_kmods(big, tmp_path, lkmsh):
    root, kmods = big
    assert sum(1 for _ in kmods.tree.rglob("*.ko.xz")) > 3000
    compare_depmod(root, kmods, tmp_path, lkmsh)
    assert compare_show_depends(kmods, tmp_path, lkmsh, SHOW_DEPENDS_SAMPLE) == SHOW_DEPENDS_SAMPLE


def test_modinfo_reads_the_big_compressed_tree_as_kmod(big, lkmsh):
    _root, kmods = big
    ours, theirs = compare_modinfo(sorted(map(str, kmods.tree.rglob("*.ko.xz")))[::9], lkmsh)
    assert ours == theirs


def lookup_names(tree: Path, seed: int = 18) -> list[str]:
    """Names a user or the kernel asks modprobe for: 100 aliases, 50 ``symbol:`` names,
    50 wildcard aliases filled in as a device would (``*`` with text, ``[..]`` with
    its first character), drawn from the tree's own indexes."""
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

    _root, kmods = big
    names = lookup_names(kmods.tree)
    config = tmp_path / "modprobe.d"
    config.mkdir()
    args = ("-d", str(kmods.path), "-S", kmods.version, "-C", str(config), "-a", "-D", *names)
    theirs = kmod_with_cmdline(shim, tmp_path, "", *args)
    ours = lkmsh("modprobe", *args)
    assert theirs.stdout.count("insmod ") > 150
    assert (ours.stdout, ours.stderr, ours.returncode) == (
        theirs.stdout,
        theirs.stderr,
        theirs.returncode,
    )
    info = ("-b", str(kmods.path), "-k", kmods.version, "-F", "filename", *names)
    ours, theirs = lkmsh("modinfo", *info), kmod(KMOD_MODINFO, *info)
    # a filled-in wildcard may name no module of the tree (kmod: an error line, exit 1)
    assert theirs.raw.count(b"\n") > 150
    assert (ours.raw, ours.stderr, ours.returncode) == (
        theirs.raw,
        theirs.stderr,
        theirs.returncode,
    )


# -- the big tree recompressed: zstd (kmod reads it) and gzip (kmod here cannot) ------

#: recompressing 4,230 modules takes 10-15 s on two CPUs, once (the trees are kept);
#: past this, skip
RECOMPRESS_SECONDS = 300
#: change when _recompress writes other bytes: the kept trees are then made again
RECOMPRESS_FORMAT = "zstd level 3, gzip level 1 mtime 0"


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


def source_key(src: Path, rels: list[str]) -> str:
    """What recompressed trees are made from: the source tree's path, each module's
    name, size and mtime, its other files, and how they are recompressed."""
    digest = hashlib.sha256(f"{src}\0{RECOMPRESS_FORMAT}\n".encode())
    for rel in rels:
        st = (src / rel).stat()
        digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    for f in sorted(src.glob("modules.*")):
        digest.update(f"{f.name}\0{f.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="module")
def recompressed(big) -> dict[str, Path]:
    """{"zst": ROOT, "gz": ROOT}: the big tree with every module recompressed, its
    other files (modules.order, modules.builtin*) copied. Made once and kept in
    ~/.cache/lkmsh-test/recompressed/KEY (source_key), so a later run only reads
    them; making a new KEY removes the older ones (280 MB a set)."""
    import time
    from concurrent.futures import ProcessPoolExecutor

    root, kmods = big
    src = root / "lib/modules" / kmods.version
    rels = [str(p.relative_to(src)) for p in sorted(src.rglob("*.ko.xz"))]
    keep = DISTRO_CACHE / "recompressed"
    done = keep / source_key(src, rels)
    trees = {kind: done / kind for kind in ("zst", "gz")}
    if (done / "complete").is_file():
        return trees
    keep.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".making-", dir=keep))
    out = {kind: work / kind / "lib/modules" / kmods.version for kind in trees}
    for tree in out.values():
        tree.mkdir(parents=True)
        for f in src.iterdir():
            if f.is_file() and f.name.startswith("modules.") and not f.name.endswith(".bin"):
                shutil.copy2(f, tree / f.name)
    deadline = time.monotonic() + RECOMPRESS_SECONDS
    strs = {k: str(v) for k, v in out.items()}
    with ProcessPoolExecutor(2) as pool:
        parts = [(str(src), rels[i::2], strs, deadline) for i in (0, 1)]
        finished = list(pool.map(_recompress, parts))
    if not all(finished):
        shutil.rmtree(work)
        pytest.skip(f"recompressing {len(rels)} modules took over {RECOMPRESS_SECONDS} s")
    (work / "complete").write_text(f"{src}: {len(rels)} modules\n")
    for old in keep.iterdir():
        if old.is_dir() and old != work and not old.name.startswith(".making-"):
            shutil.rmtree(old, ignore_errors=True)
    try:
        work.rename(done)
    except OSError:  # another run made them meanwhile: use its trees
        shutil.rmtree(work, ignore_errors=True)
    return trees


def test_the_big_tree_as_zstd_is_kmods(big, recompressed, tmp_path, lkmsh):
    """Every file depmod writes, depmod -n, modinfo of every 27th module and
    --show-depends of the sampled module names, against kmod reading the .ko.zst."""
    if "+ZSTD" not in kmod_features():
        pytest.skip("the installed kmod does not read zstd modules")
    root = recompressed["zst"]
    kmods = indexed_by_kmod(root, big[1].version, tmp_path / "kmods")
    compare_depmod(root, kmods, tmp_path, lkmsh)
    assert compare_show_depends(kmods, tmp_path, lkmsh, SHOW_DEPENDS_SAMPLE) == SHOW_DEPENDS_SAMPLE
    files = sorted(map(str, kmods.tree.rglob("*.ko.zst")))[::MODINFO_STEP]
    ours, theirs = compare_modinfo(files, lkmsh)
    assert ours == theirs


def test_the_big_tree_as_gzip_is_what_kmod_makes_of_it(big, recompressed, tmp_path, lkmsh):
    """kmod reads .ko.gz only when built with zlib (this one says -ZLIB): what it would
    make of the gzip tree is what it makes of the same modules as .ko.xz, each path
    ending .ko.gz instead (a module's name, its place in kmod's hash table and in
    modules.order do not depend on its suffix). So lkmsh on the .ko.gz tree is compared
    with kmod on the .ko.xz tree: every text file, the .bin indexes entry by entry,
    depmod -n, --show-depends of the sampled module names, modinfo of every 27th."""
    xz_root, kmods = big
    gz_root = recompressed["gz"]

    def as_gz(data: bytes) -> bytes:
        return data.replace(b".ko.xz", b".ko.gz")

    compare_depmod(gz_root, kmods, tmp_path, lkmsh, as_gz)
    mine = tmp_path / "mine"
    names = sampled(show_depends_names(kmods.tree), SHOW_DEPENDS_SAMPLE)
    (tmp_path / "modprobe.d").mkdir()
    args = ("-S", kmods.version, "-C", str(tmp_path / "modprobe.d"), "-a", "-D", *names)
    ours = lkmsh("modprobe", "-d", str(mine), *args)
    theirs = kmod(KMOD_MODPROBE, "-d", str(kmods.path), *args)
    assert ours.returncode == theirs.returncode == 0
    assert ours.raw == as_gz(theirs.raw).replace(bytes(kmods.path), bytes(mine))
    assert ours.stdout.count(".ko.gz") > SHOW_DEPENDS_SAMPLE
    xz_files = sorted(map(str, (xz_root / "lib/modules" / kmods.version).rglob("*.ko.xz")))
    xz_files = xz_files[::MODINFO_STEP]
    gz_files = [f.replace(str(xz_root), str(gz_root)).replace(".ko.xz", ".ko.gz") for f in xz_files]
    ours, theirs = compare_modinfo(gz_files, lkmsh, xz_files)
    assert ours == theirs.replace(str(xz_root), str(gz_root)).replace(".ko.xz", ".ko.gz")
