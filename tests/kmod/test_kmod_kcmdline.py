"""The kernel command line's module options (kmod testsuite's modprobe_param_kcmdline*).

kmod's modprobe reads ``/proc/cmdline``: each ``MODULE.PARAM[=VALUE]`` word becomes
``options MODULE PARAM[=VALUE]`` (``modprobe -c`` lists them, ``--show-depends`` and
a load pass them), ``modprobe.blacklist=A,B`` blacklists. lkmsh's modprobe reads its
own kernel's command line, given at boot (``lkmsh reboot --cmdline``). kmod is made to
read the same line from a file by a small LD_PRELOAD library built here with gcc
(as kmod's own testsuite redirects the path), so both read the same words.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kmod_helpers import KMOD_DEPMOD, build, kmod, kmod_with_cmdline, needs_gcc, needs_kmod

pytestmark = [needs_gcc]

VERSION = "4.4.4"

#: a module with parameters, as the Linux Kernel Module Programming Guide writes one
PARAM_MODULE = r"""
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

static int interval = 1;
module_param(interval, int, 0444);
MODULE_PARM_DESC(interval, "seconds between two polls");

static char *label = "none";
module_param(label, charp, 0444);
MODULE_PARM_DESC(label, "what the log calls us");

static bool verbose;
module_param(verbose, bool, 0444);

static int __init mod_simple_init(void)
{
	pr_info("mod-simple: interval=%d label=%s verbose=%d\n", interval, label, verbose);
	return 0;
}

static void __exit mod_simple_exit(void)
{
	pr_info("mod-simple: bye\n");
}

module_init(mod_simple_init);
module_exit(mod_simple_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("a module whose parameters the kernel command line sets");
"""

#: the kinds of words kmod's testsuite feeds its parser (kcmdline, 2..8), our own lines
CMDLINES = {
    "value": "quiet mod-simple.interval=5 rw",
    "no-value": "mod_simple.verbose quiet",
    "unrelated": "BOOT_IMAGE=/vmlinuz-6.1 root=UUID=1.2.3 ro console=ttyS0,115200n8",
    "spaces": 'mod-simple.label="one two" psmouse.rate=40',
    "dots-elsewhere": "ip=10.0.0.2:::::eth0 mod-simple.interval=3 vga=0x317 a.b.c=1 x=y.z",
    "quoted-value": 'psmouse.foo parport.dyndbg="file drivers/parport/ieee1284_ops.c +mpf" quiet rw',
    "quoted-word": 'psmouse.foo "parport.dyndbg=file drivers/parport/ieee1284_ops.c +mpf" quiet rw',
    "blacklist": "modprobe.blacklist=mod-simple,psmouse mod-simple.interval=2",
    "bad-quotes": 'mod-simple.lab"el=x mod"simple.a=1 mod-simple.interval=9 tail.x="open',
    "tabs": "mod-simple.interval=4\tmod-simple.verbose=1",
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """ROOT with lib/modules/4.4.4/kernel/mod-simple.ko, indexed, and an empty modprobe.d."""
    tmp = tmp_path_factory.mktemp("kcmdline")
    root = tmp / "root"
    kdir = root / "lib" / "modules" / VERSION / "kernel"
    build(tmp, "mod-simple", PARAM_MODULE, out=kdir / "mod-simple.ko")
    (root / "lib" / "modules" / VERSION / "modules.order").write_text("kernel/mod-simple.ko\n")
    (tmp / "modprobe.d").mkdir()
    (tmp / "options.d").mkdir()
    (tmp / "options.d" / "simple.conf").write_text("options mod-simple interval=2 label=conf\n")
    if KMOD_DEPMOD is not None:  # kmod's own index, for the comparisons
        assert kmod(KMOD_DEPMOD, "-b", str(root), VERSION).returncode == 0
    return root


def boot(lkmsh, cmdline: str) -> None:
    booted = lkmsh("reboot", "--cmdline", cmdline)
    assert booted.returncode == 0, booted.stderr


@needs_kmod
@pytest.mark.parametrize("case", sorted(CMDLINES))
def test_modprobe_c_lists_the_command_lines_options_as_kmod(case, tree, shim, tmp_path, lkmsh):
    args = ("-C", str(tree.parent / "modprobe.d"), "-d", str(tree), "-S", VERSION, "-c")
    boot(lkmsh, CMDLINES[case])
    ours = lkmsh("modprobe", *args)
    theirs = kmod_with_cmdline(shim, tmp_path, CMDLINES[case], *args)
    assert theirs.returncode == 0
    assert (ours.stdout, ours.stderr, ours.returncode) == (
        theirs.stdout,
        theirs.stderr,
        theirs.returncode,
    )


@needs_kmod
@pytest.mark.parametrize("case", sorted(CMDLINES))
def test_show_depends_passes_the_command_lines_options_as_kmod(case, tree, shim, tmp_path, lkmsh):
    boot(lkmsh, CMDLINES[case])
    for conf, extra in (
        ("modprobe.d", ("--show-depends", "mod-simple")),
        ("modprobe.d", ("--show-depends", "mod-simple", "verbose=0")),
        ("options.d", ("--show-depends", "mod_simple", "x=1")),  # files, command line, args
    ):
        args = ("-C", str(tree.parent / conf), "-d", str(tree), "-S", VERSION)
        ours = lkmsh("modprobe", *args, *extra)
        theirs = kmod_with_cmdline(shim, tmp_path, CMDLINES[case], *args, *extra)
        assert (ours.stdout, ours.stderr, ours.returncode) == (
            theirs.stdout,
            theirs.stderr,
            theirs.returncode,
        ), extra


def test_the_command_line_is_proc_cmdline_and_in_dmesg(lkmsh):
    line = 'mod-simple.interval=5 mod-simple.label="a b" quiet'
    boot(lkmsh, line)
    assert lkmsh("cat", "/proc/cmdline").stdout == line + "\n"
    assert f"Kernel command line: {line}" in lkmsh("dmesg").stdout
    # a plain reboot boots with the same line again, as a boot loader passes it again
    boot_again = lkmsh("reboot")
    assert boot_again.returncode == 0
    assert lkmsh("cat", "/proc/cmdline").stdout == line + "\n"
    boot(lkmsh, "")
    assert lkmsh("cat", "/proc/cmdline").stdout == "\n"
    assert "Kernel command line" not in lkmsh("dmesg").stdout


def test_a_command_line_a_boot_loader_cannot_pass_is_refused(lkmsh):
    for bad in ("x" * 2048, "a\x01b"):
        out = lkmsh("reboot", "--cmdline", bad)
        assert out.returncode == 1
        assert "Traceback" not in out.stderr
        assert out.stderr.strip().endswith("shorter than 2048 bytes")


def test_modprobe_loads_a_module_with_its_command_line_options(tree, lkmsh):
    boot(lkmsh, 'quiet mod-simple.interval=5 mod_simple.label="from boot" mod-simple.verbose')
    args = ("-C", str(tree.parent / "modprobe.d"), "--moddir", str(tree / "lib/modules/4.4.4"))
    loaded = lkmsh("modprobe", *args, "mod-simple")
    assert loaded.returncode == 0, loaded.stderr
    assert "mod-simple: interval=5 label=from boot verbose=1" in lkmsh("dmesg").stdout
    params = "/sys/module/mod_simple/parameters"
    assert lkmsh("cat", f"{params}/interval").stdout == "5\n"
    assert lkmsh("cat", f"{params}/label").stdout == "from boot\n"
    # the command line's options come before the ones given to modprobe: the last wins
    assert lkmsh("modprobe", *args, "-r", "mod-simple").returncode == 0
    assert lkmsh("modprobe", *args, "mod-simple", "interval=8").returncode == 0
    assert lkmsh("cat", f"{params}/interval").stdout == "8\n"


def test_modprobe_blacklist_on_the_command_line(tree, lkmsh):
    (tree.parent / "alias.d").mkdir(exist_ok=True)
    (tree.parent / "alias.d" / "a.conf").write_text("alias simple-thing mod_simple\n")
    boot(lkmsh, "modprobe.blacklist=mod_simple")
    args = ("-C", str(tree.parent / "alias.d"), "--moddir", str(tree / "lib/modules/4.4.4"))
    by_alias = lkmsh("modprobe", *args, "simple-thing")
    assert (by_alias.returncode, by_alias.stderr) == (0, "")  # kmod: nothing to do, no error
    assert "mod_simple" not in lkmsh("lsmod").stdout
    assert lkmsh("modprobe", *args, "mod-simple").returncode == 0  # by its name: loaded


def test_a_tampered_command_line_is_corrupt_state_and_reboot_drops_it(tmp_path, env, lkmsh):
    import json
    import sqlite3

    boot(lkmsh, "mod-simple.interval=5")
    with sqlite3.connect(env["LKMSH_STATE"]) as db:
        (text,) = db.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()
        config = json.loads(text)
        config["cmdline"] = "x\nmod-simple.interval=6" + "y" * 3000
        db.execute("UPDATE meta SET value = ? WHERE key = 'config'", (json.dumps(config),))
    broken = lkmsh("cat", "/proc/cmdline")  # the kernel is built from the state: refused
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    assert lkmsh("reboot").returncode == 0
    assert lkmsh("cat", "/proc/cmdline").stdout == "\n"
