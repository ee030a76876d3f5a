"""modprobe.d corners of kmod 30, compared with the installed kmod on the same files.

- what libkmod reports about the files (bad lines, the deprecated ``include`` and
  ``config``, a directory named ``*.conf``), on stderr, worded as kmod's tools print it;
- ``*.alias`` files are configuration files too (kmod 30 reads them);
- ``weakdep`` (kmod 33's) is a bad line to kmod 30: reported, and no dependency; a
  module's own ``weakdep=`` record is no dependency either;
- built-in modules (``modprobe unix``, ``-R unix``) and names not found, alone (FATAL,
  the end) or with ``-a`` (a WARNING for each);
- install/remove commands: shown by ``--show-depends``/``-n -v`` as kmod shows them,
  never run (lkmsh runs no host command for its emulated kernel; the load says so).

kmod reads an empty kernel command line here (kmod_helpers' LD_PRELOAD shim), so the
host's /proc/cmdline options do not enter its output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kmod_helpers import (
    KMOD_DEPMOD,
    build,
    kmod,
    kmod_with_cmdline,
    module_source,
    needs_gcc,
    needs_kmod,
)

pytestmark = [needs_gcc, needs_kmod]

VERSION = "4.4.4"


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cfg")
    k = tmp / "root" / "lib" / "modules" / VERSION / "kernel"
    build(tmp, "mod-a", module_source(exports=("a_fn",), aliases=("thing-a",)), out=k / "mod-a.ko")
    build(tmp, "mod-b", module_source(uses=("a_fn",)), out=k / "mod-b.ko")
    build(tmp, "mod-c", module_source(), out=k / "mod-c.ko")
    tree = k.parent  # unix is built in (modprobe_builtin, modprobe_builtin_lookup_only)
    (tree / "modules.builtin").write_text("kernel/net/unix/unix.ko\n")
    (tree / "modules.builtin.modinfo").write_bytes(b"unix.alias=net-pf-1\0unix.license=GPL\0")
    assert kmod(KMOD_DEPMOD, "-b", str(tmp / "root"), VERSION).returncode == 0
    return tmp / "root"


CONFIGS = {
    "bad-lines": {
        "a.conf": "include /etc/other.conf\nconfig x\nalias\noptions mod_a\nbogus x y\n"
        "  # indented comment\nalias thing-b mod_b\n",
        "b.conf/": "",  # a directory named like a file: kmod says it is not supported
    },
    "alias-files": {"x.alias": "alias other-thing mod-c\n", "y.conf": "options mod-c q=1\n"},
    "weakdep": {"w.conf": "weakdep mod_b mod_c\nsoftdep mod_b post: mod_c\n"},
    "install": {
        "i.conf": "install mod_b /sbin/modprobe --ignore-install mod_b && echo done\n"
        "remove mod_b echo bye\ninstall thing-a true\n"
    },
}


def make_config(base: Path, files: dict[str, str]) -> Path:
    conf = base / "modprobe.d"
    conf.mkdir()
    for name, text in files.items():
        if name.endswith("/"):
            (conf / name.rstrip("/")).mkdir()
        else:
            (conf / name).write_text(text)
    return conf


@pytest.mark.parametrize("case", sorted(CONFIGS))
@pytest.mark.parametrize(
    "what",
    [
        ["-c"],
        ["--show-depends", "mod-b"],
        ["--show-depends", "thing-a"],
        ["-n", "-v", "mod-b"],
        ["-R", "other-thing"],
    ],
    ids=" ".join,
)
def test_modprobe_reads_the_configuration_as_kmod(root, shim, tmp_path, lkmsh, case, what):
    conf = make_config(tmp_path, CONFIGS[case])
    args = ("-C", str(conf), "-d", str(root), "-S", VERSION, *what)
    ours = lkmsh("modprobe", *args)
    theirs = kmod_with_cmdline(shim, tmp_path, "", *args)
    assert (ours.stdout, ours.stderr, ours.returncode) == (
        theirs.stdout,
        theirs.stderr,
        theirs.returncode,
    )


def test_an_install_command_is_refused_plainly(root, tmp_path, lkmsh):
    """kmod would run it with /bin/sh; lkmsh's emulated kernel does not run host commands."""
    conf = make_config(tmp_path, CONFIGS["install"])
    marker = tmp_path / "ran"
    (conf / "i.conf").write_text(f"install mod_c touch {marker}\n")
    args = ("-C", str(conf), "--moddir", str(root / "lib/modules" / VERSION))
    out = lkmsh("modprobe", *args, "mod-c")
    assert out.returncode == 1
    assert out.stderr == (
        f"modprobe: ERROR: install command not run (lkmsh runs no host commands): touch {marker}\n"
    )
    assert not marker.exists()
    assert "mod_c" not in lkmsh("lsmod").stdout
    # -i (--ignore-install) loads the module itself, as kmod does
    assert lkmsh("modprobe", *args, "-i", "mod-c").returncode == 0
    assert "mod_c" in lkmsh("lsmod").stdout


@pytest.mark.parametrize(
    "what",
    [
        ["unix"],
        ["-R", "unix"],
        ["-R", "net-pf-1"],
        ["--show-depends", "net-pf-1"],
        ["-r", "unix"],
        ["--first-time", "unix"],
        ["nosuch"],
        ["-a", "nosuch", "unix"],
        ["-a", "--show-depends", "nosuch", "mod-b", "other"],
        ["-R", "-a", "nosuch", "thing-a"],
        ["-r", "nosuch", "other"],
        ["-r", "-a", "nosuch", "other"],
        ["-r", "unix", "nosuch"],
        ["-q", "-a", "nosuch", "unix"],
    ],
    ids=" ".join,
)
def test_builtin_and_missing_modules_as_kmod(root, shim, tmp_path, lkmsh, what):
    conf = make_config(tmp_path, {})
    args = ("-C", str(conf), "-d", str(root), "-S", VERSION, *what)
    ours = lkmsh("modprobe", *args)
    theirs = kmod_with_cmdline(shim, tmp_path, "", *args)
    assert (ours.stdout, ours.stderr, ours.returncode) == (
        theirs.stdout,
        theirs.stderr,
        theirs.returncode,
    )


def test_a_modules_own_weakdep_record_is_not_a_dependency_to_kmod_30(tmp_path, shim, lkmsh):
    """Linux 6.1 has no MODULE_WEAKDEP (6.11's); a module's ``weakdep=`` record written
    with MODULE_INFO is shown by modinfo but indexed by neither depmod (kmod 30 writes no
    modules.weakdep) and loads nothing more."""
    src = module_source(softdep="pre: mod-c") + 'MODULE_INFO(weakdep, "mod-a");\n'
    tree = tmp_path / "root" / "lib" / "modules" / VERSION
    build(tmp_path, "mod-w", src, out=tree / "kernel" / "mod-w.ko")
    build(tmp_path, "mod-a", module_source(), out=tree / "kernel" / "mod-a.ko")
    build(tmp_path, "mod-c", module_source(), out=tree / "kernel" / "mod-c.ko")
    args = ("-n", "-b", str(tmp_path / "root"), VERSION)
    ours, theirs = lkmsh("depmod", *args), kmod(KMOD_DEPMOD, *args)
    assert (ours.stdout, ours.stderr, ours.returncode) == (
        theirs.stdout,
        theirs.stderr,
        theirs.returncode,
    )
    assert "weakdep" not in ours.stdout
    assert kmod(KMOD_DEPMOD, "-b", str(tmp_path / "root"), VERSION).returncode == 0
    conf = make_config(tmp_path, {})
    show = ("-C", str(conf), "-d", str(tmp_path / "root"), "-S", VERSION, "--show-depends", "mod-w")
    ours, theirs = lkmsh("modprobe", *show), kmod_with_cmdline(shim, tmp_path, "", *show)
    assert (ours.stdout, ours.stderr, ours.returncode) == (theirs.stdout, theirs.stderr, 0)
    assert "mod-a.ko" not in ours.stdout and "mod-c.ko" in ours.stdout
    info = lkmsh("modinfo", "-F", "weakdep", str(tree / "kernel" / "mod-w.ko"))
    assert info.stdout == "mod-a\n"
