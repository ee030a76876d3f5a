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


def test_an_ambiguous_abbreviation_names_the_candidates_in_kmods_order(lkmsh):
    for args in (["--rem", "x"], ["--s", "x"], ["--f=1", "x"]):
        ours, theirs = lkmsh("modprobe", *args), kmod_as("modprobe", *args)
        assert "is ambiguous; possibilities: " in theirs.stderr
        assert (ours.stdout, ours.stderr, ours.returncode) == (theirs.stdout, theirs.stderr, 1)


def long_option_words(tool: str) -> list[str]:
    """The words that tell how getopt_long resolves TOOL's long options: every prefix
    two of kmod 30's options share, each option's shortest unique prefix and full name,
    and ``--`` with each letter (an option missing from the table shows there)."""
    from lkmsh.shell.getoptwords import KMOD30_LONGOPTS

    names = [name for name, _arg, _val in KMOD30_LONGOPTS[tool]]
    words = {chr(c) for c in range(ord("a"), ord("z") + 1)}
    for name in names:
        for end in range(1, len(name) + 1):
            words.add(name[:end])
            if sum(other.startswith(name[:end]) for other in names) == 1:
                break
        words.add(name)
    return sorted("--" + w for w in words)


@pytest.mark.parametrize("tool", ["depmod", "modprobe", "modinfo", "insmod", "rmmod"])
def test_every_long_option_prefix_resolves_as_in_kmod(tool, tmp_path, monkeypatch, capsys):
    """Each word with a value and then a bad option (``--WORD=x -Z``: nothing runs) and,
    where that leaves the option's argument rule open, alone (``--WORD``): getopt's
    reply names the option WORD resolved to (doesn't allow / requires an argument),
    the candidates of an ambiguous one in table order, or says it is unrecognized.
    lkmsh runs in this process (the same entry point as the console script). A word
    only lkmsh's own options match (``depmod --g``: ``--graph``) kmod does not know."""
    from lkmsh.shell import registry
    from lkmsh.shell.cli import run_cli
    from lkmsh.shell.getoptwords import KMOD30_LONGOPTS, Ambiguous, resolve_long

    monkeypatch.setenv("LKMSH_STATE", str(tmp_path / "state.sqlite"))
    monkeypatch.setenv("LKMSH_MODULE_PATH", str(tmp_path / "no-tree"))
    monkeypatch.setenv("LKMSH_CACHE_DIR", str(tmp_path / "cache"))
    compared = 0
    kmod_names = ["--" + name for name, _arg, _val in KMOD30_LONGOPTS[tool]]
    for word in long_option_words(tool):
        if not any(name.startswith(word) for name in kmod_names):
            try:
                lkmsh_only = resolve_long(registry.get(tool), word) is not None
            except Ambiguous:
                lkmsh_only = True
            if lkmsh_only:
                theirs = kmod_as(tool, f"{word}=x", "-Z")
                assert theirs.stderr == f"{tool}: unrecognized option '{word}=x'\n"
                continue
        for args in ([f"{word}=x", "-Z"], [word]):
            theirs = kmod_as(tool, *args)
            status = run_cli([tool, *args])
            ours = capsys.readouterr()
            assert (ours.out, ours.err, status) == (theirs.stdout, theirs.stderr, 1), args
            compared += 1
            if "invalid option -- 'Z'" not in theirs.stderr:
                break  # the first form told it all (and --WORD alone would run the tool)
    assert compared >= 20


LOOP_ORDER = [
    ("depmod", ["-b", "/nonexistent", "-q", "-u", "1.0"]),  # warnings in command-line order
    ("depmod", ["-uq", "--ro", "-b", "/nonexistent", "1.0"]),  # an abbreviation warns in full
    ("depmod", ["-u", "-Z"]),  # warned before getopt refuses -Z
    ("depmod", ["-u", "-V", "-Z"]),  # -V ends the loop: what follows is not read
    ("depmod", ["-V", "-u"]),
    ("depmod", ["-A", "-P", "ab"]),  # -P is checked in the loop: FATAL
    ("depmod", ["-P", "xy", "-Z"]),
    ("depmod", ["-b", "/nonexistent", "1"]),  # not a version: kmod 30 refuses it
    ("modprobe", ["-w", "5x", "-Z"]),  # -w is checked in the loop
    ("modprobe", ["--wait=1", "-V", "-Z"]),
    ("modinfo", ["-V", "-Z"]),
    ("rmmod", ["-V", "--bogus"]),
    ("insmod", ["-p", "-s", "-V", "-Z"]),
]


@pytest.mark.parametrize(("tool", "args"), LOOP_ORDER)
def test_options_act_as_kmods_loop_meets_them(tool, args, tmp_path, monkeypatch, capsys):
    """kmod's tools act on some options inside their getopt loop (a deprecated option's
    warning, -P's and -w's checks, -V): what comes before a bad word happens, what
    follows -V is never read. (-V's features line says +ZLIB here: lkmsh reads gzip.)"""
    from lkmsh.shell.cli import run_cli

    monkeypatch.setenv("LKMSH_STATE", str(tmp_path / "state.sqlite"))
    monkeypatch.setenv("LKMSH_CACHE_DIR", str(tmp_path / "cache"))
    theirs = kmod_as(tool, *args)
    status = run_cli([tool, *args])
    ours = capsys.readouterr()
    assert (ours.out, ours.err, status) == (
        theirs.stdout.replace("-ZLIB", "+ZLIB"),
        theirs.stderr,
        theirs.returncode,
    )
