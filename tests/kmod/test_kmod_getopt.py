"""kmod's tools read their options with getopt_long: abbreviated long options and
getopt's own words for a bad command line, compared with the installed kmod 30.

kmod is run under its tool's name (argv[0] ``modprobe``, as a shell runs it from
PATH): getopt names the program by argv[0].
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from kmod_helpers import KMOD_DEPMOD, KMOD_MODINFO, KMOD_MODPROBE, SAMPLES, Run, needs_kmod

pytestmark = needs_kmod
KMOD = {"depmod": KMOD_DEPMOD, "modinfo": KMOD_MODINFO, "modprobe": KMOD_MODPROBE}
KMOD["insmod"] = KMOD["rmmod"] = KMOD["lsmod"] = KMOD_MODPROBE  # one binary, by argv[0]


def kmod_as(tool: str, *args: str) -> Run:
    binary = KMOD[tool]
    assert binary is not None
    if tool in ("insmod", "rmmod", "lsmod"):
        binary = str(Path(binary).with_name(tool))
        if not os.path.exists(binary):
            pytest.skip(f"kmod's {tool} is not installed")
    proc = subprocess.run(
        [tool, *args], executable=binary, capture_output=True, stdin=subprocess.DEVNULL
    )
    return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode(), proc.stdout)


BAD_COMMAND_LINES = [
    ("modprobe", ["--bogus", "x"]),
    ("modprobe", ["-Z", "x"]),
    ("modprobe", ["-aZ", "x"]),
    ("modprobe", ["--wait"]),
    ("modprobe", ["-w"]),
    ("modprobe", ["--all=3", "x"]),
    ("depmod", ["-Z"]),
    ("depmod", ["--bogus"]),
    ("depmod", ["-b"]),
    ("depmod", ["--basedir"]),
    ("modinfo", ["-Z", "x"]),
    ("modinfo", ["--bogus", "x"]),
    ("modinfo", ["-F"]),
    ("modinfo", ["-0F"]),
    ("insmod", ["-Z", "x.ko"]),
    ("insmod", ["--bogus", "x.ko"]),
    ("rmmod", ["-Z", "x"]),
    ("rmmod", ["--bogus", "x"]),
    ("lsmod", ["-Z"]),
    ("lsmod", ["--bogus"]),
]


@pytest.mark.parametrize(("tool", "args"), BAD_COMMAND_LINES)
def test_a_bad_command_line_is_told_in_getopts_words(lkmsh, tool, args):
    ours, theirs = lkmsh(tool, *args), kmod_as(tool, *args)
    assert (ours.stdout, ours.stderr, ours.returncode) == (theirs.stdout, theirs.stderr, 1)


@pytest.mark.parametrize(
    "args",
    [
        ["--show-dep", "chain_top"],
        ["--resolve", "chain_top"],
        ["--s", "chain_top"],
        ["--show", "chain_top"],
        ["--show-c"],
    ],
)
def test_long_options_may_be_abbreviated_as_with_getopt(tmp_path, lkmsh, args):
    root = tmp_path / "root"
    kdir = root / "lib" / "modules" / "6.1.0-getopt" / "kernel"
    kdir.mkdir(parents=True)
    for name in ("chain_bottom", "chain_middle", "chain_top"):
        (kdir / f"{name}.ko").write_bytes((SAMPLES / f"{name}.ko").read_bytes())
    assert kmod_as("depmod", "-b", str(root), "6.1.0-getopt").returncode == 0
    (tmp_path / "modprobe.d").mkdir()
    base = ["-d", str(root), "-S", "6.1.0-getopt", "-C", str(tmp_path / "modprobe.d")]
    ours, theirs = lkmsh("modprobe", *base, *args), kmod_as("modprobe", *base, *args)
    if args == ["--show-c"]:  # -c: kmod adds the host's kernel command line, lkmsh its own
        assert ours.returncode == theirs.returncode == 0
        assert "# End of configuration files. Dumping indexes now:" in ours.stdout
        return
    assert (ours.stdout, ours.stderr, ours.returncode) == (
        theirs.stdout,
        theirs.stderr,
        theirs.returncode,
    )


def test_an_ambiguous_abbreviation_names_the_candidates(lkmsh):
    ours, theirs = lkmsh("modprobe", "--rem", "x"), kmod_as("modprobe", "--rem", "x")
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr.startswith("modprobe: option '--rem' is ambiguous; possibilities: ")
    candidates = ours.stderr.split("possibilities: ", 1)[1].split()
    assert sorted(candidates) == sorted(theirs.stderr.split("possibilities: ", 1)[1].split())
