"""modprobe -r says what kmod 30's says, at the level it says it (FATAL).

The same tree (the sample chain plus a modules.builtin entry, indexed by
kmod's own depmod) is asked of kmod's modprobe and of lkmsh's: a module that
is not loaded is silently done (``--first-time`` makes it an error), a
built-in one cannot be removed, an unknown name is not found. kmod cannot
load into this machine's kernel, so "in use" is checked against the text of
kmod's tools/modprobe.c (``LOG("Module %s is in use.\\n")``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kmod_helpers import KMOD_DEPMOD, KMOD_MODPROBE, SAMPLES, kmod, needs_kmod

VERSION = "6.1.0-lkmsh-words"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """ROOT/lib/modules/VERSION holding the sample chain, indexed by kmod's depmod
    when it is installed (else by lkmsh's, so the lkmsh-only stories still run)."""
    base = tmp_path / "root"
    tree = base / "lib" / "modules" / VERSION
    (tree / "kernel").mkdir(parents=True)
    for name in ("chain_bottom", "chain_middle", "chain_top"):
        shutil.copy(SAMPLES / f"{name}.ko", tree / "kernel")
    (tree / "modules.builtin").write_text("kernel/fs/fake_builtin.ko\n")
    return base


def index(root: Path, lkmsh) -> None:
    if KMOD_DEPMOD is not None:
        kmod(KMOD_DEPMOD, "-b", str(root), VERSION)
    else:
        lkmsh("depmod", "-b", str(root), VERSION)


CASES = [
    pytest.param(["fake_builtin"], id="builtin"),
    pytest.param(["chain_top"], id="not-loaded"),
    pytest.param(["--first-time", "chain-top"], id="first-time-not-loaded"),
    pytest.param(["no_such_module"], id="unknown"),
]


@needs_kmod
@pytest.mark.skipif(KMOD_MODPROBE is None, reason="kmod's modprobe is not installed")
@pytest.mark.parametrize("args", CASES)
def test_removal_errors_match_kmod(root, lkmsh, args):
    index(root, lkmsh)
    theirs = kmod(KMOD_MODPROBE, "-r", "-d", str(root), "-S", VERSION, *args)
    ours = lkmsh("modprobe", "-r", "-d", str(root), "-S", VERSION, *args)
    assert (ours.returncode, ours.stdout, ours.stderr) == (
        theirs.returncode,
        theirs.stdout,
        theirs.stderr,
    )


def test_removal_words_without_kmod(root, lkmsh):
    """The same stories with the expected text spelled out (kmod 30's)."""
    index(root, lkmsh)
    where = ["-d", str(root), "-S", VERSION]
    quiet = lkmsh("modprobe", "-r", *where, "chain_top")
    assert (quiet.returncode, quiet.stderr) == (0, "")
    first = lkmsh("modprobe", "-r", "--first-time", *where, "chain-top")
    assert (first.returncode, first.stderr) == (
        1,
        "modprobe: FATAL: Module chain_top is not in kernel.\n",
    )
    builtin = lkmsh("modprobe", "-r", *where, "fake_builtin")
    assert builtin.stderr == "modprobe: FATAL: Module fake_builtin is builtin.\n"
    unknown = lkmsh("modprobe", "-r", *where, "no_such_module")
    assert unknown.stderr == "modprobe: FATAL: Module no_such_module not found.\n"


def test_a_module_in_use_is_fatal_and_stays_loaded(root, lkmsh):
    index(root, lkmsh)
    where = ["-d", str(root), "-S", VERSION]
    assert lkmsh("modprobe", *where, "chain_top").returncode == 0
    busy = lkmsh("modprobe", "-r", *where, "chain_middle")
    assert (busy.returncode, busy.stdout, busy.stderr) == (
        1,
        "",
        "modprobe: FATAL: Module chain_middle is in use.\n",
    )
    lsmod = lkmsh("lsmod").stdout
    assert "chain_middle" in lsmod and "chain_bottom" in lsmod
    done = lkmsh("modprobe", "-r", *where, "chain_top")
    assert done.returncode == 0, done.stderr
    assert lkmsh("lsmod").stdout.splitlines()[1:] == []
