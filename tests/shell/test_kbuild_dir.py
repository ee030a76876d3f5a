"""lkmsh build as kbuild: a directory's Makefile, modpost's checks and fields, clang."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from lkmsh.sumversion import ObjectSources, srcversion

from .conftest import SAMPLES, need_kernel

CLANG = shutil.which("clang") is not None
CROSS = shutil.which("aarch64-linux-gnu-ld") is not None

# A Makefile as the Linux Kernel Module Programming Guide writes them: several
# obj-m lines, a module from two sources, flags, and the outer make's rules.
MAKEFILE = """\
obj-m += chain_bottom.o
obj-m += chain_middle.o chain_top.o
obj-m += greet.o
greet-objs := greet_main.o greet_words.o
ccflags-y := -I$(src)/include
EXTRA_CFLAGS += -DGREET_TIMES=2

PWD := $(CURDIR)

all:
\tmake -C /lib/modules/$(shell uname -r)/build M=$(PWD) modules

clean:
\tmake -C /lib/modules/$(shell uname -r)/build M=$(PWD) clean
"""

GREET_MAIN = r"""
#include <linux/module.h>
#include <linux/kernel.h>
#include "greet.h"

static int __init greet_init(void)
{
	int i;

	for (i = 0; i < GREET_TIMES; i++)
		pr_info("greet: %s\n", greet_word(i));
	return 0;
}

static void __exit greet_exit(void)
{
	pr_info("greet: bye\n");
}

module_init(greet_init);
module_exit(greet_exit);
MODULE_LICENSE("GPL");
MODULE_VERSION("1.2");
"""

GREET_WORDS = r"""
#include "greet.h"

const char *greet_word(int i)
{
	return i ? "world" : "hello";
}
"""


@pytest.fixture
def moddir(tmp_path):
    d = tmp_path / "mods"
    (d / "include").mkdir(parents=True)
    for name in ("chain_bottom", "chain_middle", "chain_top"):
        shutil.copy(SAMPLES / f"{name}.c", d)
    (d / "greet_main.c").write_text(GREET_MAIN)
    (d / "greet_words.c").write_text(GREET_WORDS)
    (d / "include" / "greet.h").write_text("const char *greet_word(int i);\n")
    (d / "Makefile").write_text(MAKEFILE)
    return d


def modinfo(lkmsh, ko, field):
    return lkmsh("modinfo", "-F", field, str(ko)).stdout.splitlines()


@pytest.mark.parametrize("how", ["dir", "-C", "M="])
def test_a_makefile_with_many_obj_m_lines_builds_every_module(lkmsh, moddir, how):
    argv = {"dir": [str(moddir)], "-C": ["-C", str(moddir)], "M=": [f"M={moddir}"]}[how]
    r = lkmsh("build", *argv)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""  # no warning a kbuild build would not give
    for name in ("chain_bottom", "chain_middle", "chain_top", "greet"):
        assert (moddir / f"{name}.ko").is_file()
    # modpost: depends= from the build's own exports, name=, retpoline=, srcversion
    assert modinfo(lkmsh, moddir / "chain_top.ko", "depends") == ["chain_middle"]
    assert modinfo(lkmsh, moddir / "chain_middle.ko", "depends") == ["chain_bottom"]
    assert modinfo(lkmsh, moddir / "greet.ko", "name") == ["greet"]
    assert modinfo(lkmsh, moddir / "greet.ko", "retpoline") == ["Y"]
    (src,) = modinfo(lkmsh, moddir / "greet.ko", "srcversion")  # it has a MODULE_VERSION
    # modpost's: both objects' sources, in greet-objs order (include/greet.h is not summed)
    objs = [ObjectSources(moddir / "greet_main.c"), ObjectSources(moddir / "greet_words.c")]
    assert src == srcversion(objs) and len(src) == 23
    assert modinfo(lkmsh, moddir / "chain_top.ko", "srcversion") == []  # no version: none
    symvers = (moddir / "Module.symvers").read_text().splitlines()
    assert symvers == [
        f"0x00000000\tchain_bottom_value\t{moddir.resolve()}/chain_bottom\tEXPORT_SYMBOL\t",
        f"0x00000000\tchain_middle_value\t{moddir.resolve()}/chain_middle\tEXPORT_SYMBOL\t",
    ]


def test_the_built_modules_load_and_run(lkmsh, moddir):
    need_kernel()
    assert lkmsh("build", str(moddir)).returncode == 0
    for name in ("chain_bottom", "chain_middle", "chain_top", "greet"):
        r = lkmsh("insmod", str(moddir / f"{name}.ko"))
        assert r.returncode == 0, r.stderr
    log = lkmsh("dmesg").stdout
    assert "greet: hello" in log and "greet: world" in log  # two sources, -D and -I flags


def test_another_builds_exports_come_from_its_symvers(lkmsh, moddir, tmp_path):
    assert lkmsh("build", str(moddir)).returncode == 0
    top = tmp_path / "top"
    top.mkdir()
    shutil.copy(SAMPLES / "chain_top.c", top / "chain_top.c")
    (top / "Kbuild").write_text("obj-m := chain_top.o\n")
    # without the provider's exports modpost warns, in its words, and records no dependency
    r = lkmsh("build", str(top))
    assert r.returncode == 0
    ko = top / "chain_top.ko"
    assert f'WARNING: modpost: "chain_middle_value" [{ko}] undefined!' in r.stderr
    assert modinfo(lkmsh, ko, "depends") == [""]
    for given in (["-M", str(moddir)], ["--symvers", str(moddir / "Module.symvers")],
                  [f"KBUILD_EXTRA_SYMBOLS={moddir / 'Module.symvers'}"]):  # fmt: skip
        r = lkmsh("build", str(top), *given)
        assert r.returncode == 0 and "undefined" not in r.stderr, r.stderr
        assert modinfo(lkmsh, ko, "depends") == ["chain_middle"]


def test_a_module_without_a_license_is_modposts_error(lkmsh, tmp_path):
    src = tmp_path / "nolicense.c"
    src.write_text(
        "#include <linux/module.h>\nstatic int __init n_init(void) { return 0; }\n"
        "module_init(n_init);\n"
    )
    r = lkmsh("build", str(src))
    assert r.returncode == 1
    obj = tmp_path / "nolicense.o"
    assert r.stderr == f"lkmsh build: ERROR: modpost: missing MODULE_LICENSE() in {obj}\n"
    assert not (tmp_path / "nolicense.ko").exists()


def test_unknown_make_constructs_are_a_clear_error(lkmsh, tmp_path):
    d = tmp_path / "odd"
    d.mkdir()
    (d / "Makefile").write_text("obj-m += a.o\nSRCS := $(wildcard *.c)\nobj-m += $(SRCS)\n")
    (d / "a.c").write_text("")
    r = lkmsh("build", str(d))
    assert r.returncode == 1
    assert "Makefile:3: make function $(wildcard ...) is not supported here" in r.stderr
    (d / "Makefile").write_text("define RULE\nendef\n")
    r = lkmsh("build", str(d))
    assert r.returncode == 1 and "Makefile:1: 'define' is not supported" in r.stderr
    (d / "Makefile").write_text("all:\n\techo nothing\n")
    r = lkmsh("build", str(d))
    assert r.returncode == 1 and "no modules: it sets no obj-m" in r.stderr


def test_kernelrelease_conditionals_take_kbuilds_branch(lkmsh, tmp_path):
    d = tmp_path / "two_pass"
    d.mkdir()
    shutil.copy(SAMPLES / "hello.c", d)
    (d / "Makefile").write_text(
        "ifneq ($(KERNELRELEASE),)\nobj-m := hello.o\nelse\n"
        "KDIR ?= /lib/modules/$(shell uname -r)/build\n"
        "default:\n\t$(MAKE) -C $(KDIR) M=$$PWD\nendif\n"
    )
    r = lkmsh("build", str(d))
    assert r.returncode == 0, r.stderr
    assert (d / "hello.ko").is_file()


def test_kbuild_flags_change_what_compiles(lkmsh, tmp_path):
    # -Wno-pointer-sign: no warning for char */unsigned char *; -Werror=strict-prototypes
    src = tmp_path / "flags.c"
    src.write_text(
        "#include <linux/module.h>\n"
        "static unsigned char buf[4];\n"
        "char *as_chars(void);\n"
        "char *as_chars(void) { return buf; }\n"
        'MODULE_LICENSE("GPL");\n'
    )
    r = lkmsh("build", str(src))
    assert (r.returncode, r.stderr) == (0, "")
    src.write_text('#include <linux/module.h>\nint old_style();\nMODULE_LICENSE("GPL");\n')
    r = lkmsh("build", str(src))
    assert r.returncode == 1 and "strict-prototypes" in r.stderr
    # an error line names the file once
    (first,) = [ln for ln in r.stderr.splitlines() if "ERROR" in ln]
    assert first.count("flags.c") == 1


@pytest.mark.skipif(not CLANG, reason="clang is not installed")
@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_clang_builds_for_the_kernels_architecture(lkmsh, moddir, arch):
    if arch == "aarch64" and not CROSS:
        pytest.skip("no aarch64 binutils for clang to link with")
    for argv in (["--cc", "clang"], ["CC=clang"]):
        r = lkmsh("build", "--arch", arch, str(moddir), *argv)
        assert (r.returncode, r.stderr) == (0, "")
        out = subprocess.run(
            ["readelf", "-h", "-p", ".comment", str(moddir / "greet.ko")],
            capture_output=True,
            text=True,
        ).stdout
        assert ("AArch64" if arch == "aarch64" else "X86-64") in out
        assert "clang" in out
    if arch == "x86_64":
        need_kernel()
        for name in ("chain_bottom", "chain_middle", "chain_top"):
            assert lkmsh("insmod", str(moddir / f"{name}.ko")).returncode == 0
        assert "chain_top: loaded, chain_middle_value(20) = 41" in lkmsh("dmesg").stdout


LLD = shutil.which("ld.lld") is not None


@pytest.mark.skipif(not (CLANG and LLD), reason="LLVM=1 needs clang and ld.lld (Debian: clang lld)")
@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_llvm_1_builds_with_clang_and_ld_lld_for_both_architectures(lkmsh, moddir, arch):
    # LLVM=1 needs no binutils of the target: ld.lld links every architecture
    r = lkmsh("--arch", arch, "reboot")
    assert r.returncode == 0, r.stderr
    r = lkmsh("build", str(moddir), "LLVM=1")  # the state's architecture
    assert (r.returncode, r.stderr) == (0, "")
    out = subprocess.run(
        ["readelf", "-h", "-p", ".comment", str(moddir / "chain_top.ko")],
        capture_output=True,
        text=True,
    ).stdout
    assert ("AArch64" if arch == "aarch64" else "X86-64") in out and "clang" in out
    assert modinfo(lkmsh, moddir / "chain_top.ko", "depends") == ["chain_middle"]
    need_kernel()
    for name in ("chain_bottom", "chain_middle", "chain_top", "greet"):
        r = lkmsh("insmod", str(moddir / f"{name}.ko"))
        assert r.returncode == 0, r.stderr
    log = lkmsh("dmesg").stdout
    assert "chain_top: loaded, chain_middle_value(20) = 41" in log
    assert "greet: hello" in log


@pytest.mark.skipif(not (CLANG and LLD), reason="needs clang and ld.lld (Debian: clang lld)")
@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_clang_alone_builds_where_there_are_no_gnu_binutils(lkmsh, moddir, tmp_path, arch):
    # a host with clang and lld only (macOS, or no cross binutils): --cc clang links with lld
    readelf = shutil.which("readelf")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("clang", "ld.lld"):
        (bindir / tool).symlink_to(shutil.which(tool))
    only = {**os.environ, "PATH": str(bindir)}
    r = lkmsh("build", "--arch", arch, "--cc", "clang", str(moddir), env=only)
    assert (r.returncode, r.stderr) == (0, "")
    out = subprocess.run([readelf, "-h", str(moddir / "greet.ko")], capture_output=True, text=True)
    assert ("AArch64" if arch == "aarch64" else "X86-64") in out.stdout
    (bindir / "ld.lld").unlink()  # no linker at all: say which would do
    r = lkmsh("build", "--arch", arch, "--cc", "clang", str(moddir), env=only)
    assert r.returncode == 1
    assert f"clang needs a linker for {arch} modules: {arch}-linux-gnu-ld" in r.stderr
    assert "or ld.lld (Debian's lld package)" in r.stderr


@pytest.mark.skipif(not CLANG, reason="clang is not installed")
def test_llvm_1_without_ld_lld_says_what_to_install(lkmsh, moddir, tmp_path):
    bindir = tmp_path / "bin"  # a PATH with clang but no ld.lld
    bindir.mkdir()
    (bindir / "clang").symlink_to(shutil.which("clang"))
    r = lkmsh("build", str(moddir), "LLVM=1", env={**os.environ, "PATH": str(bindir)})
    assert r.returncode == 1
    assert "LLVM=1 links with ld.lld, which is not on PATH (install lld)" in r.stderr


@pytest.mark.parametrize("columns", [60, 120])
def test_compiler_colours_and_carets_reach_a_terminal(tmp_path, state, columns):
    pexpect = pytest.importorskip("pexpect")
    from .conftest import REPO, base_env, lkmsh_script

    src = tmp_path / "typo.c"
    src.write_text(
        '#include <linux/module.h>\nint f(void) { return nope; }\nMODULE_LICENSE("GPL");\n'
    )
    env = base_env(tmp_path)
    env.update(TERM="xterm")
    argv = [*lkmsh_script(), "--state", str(state), "build", str(src)]
    child = pexpect.spawn(
        argv[0], argv[1:], env=env, cwd=str(REPO), encoding="utf-8", timeout=120,
        dimensions=(40, columns),
    )  # fmt: skip
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    out = child.before
    assert "\x1b[" in out  # gcc's own colours, as on a terminal
    import re

    plain = re.sub(r"\x1b\[[0-9;]*[mK]", "", out)
    assert "| int f(void) { return nope; }" in plain  # its source and caret lines
    assert any(ln.strip(" |\r") == "^" for ln in plain.splitlines())
    first = next(ln for ln in out.splitlines() if "lkmsh build: ERROR:" in ln)
    assert first.count("typo.c") == 1


GPL_PROVIDER = r"""
#include <linux/module.h>

int gpl_helper(int x)
{
	return x * 2;
}
EXPORT_SYMBOL_GPL(gpl_helper);

MODULE_LICENSE("GPL");
"""

# A proprietary driver of the kind modpost exists to stop: it uses the
# GPL-only class and device API of the kernel and a GPL-only export of a
# module built beside it.
PROPRIETARY = r"""
#include <linux/module.h>
#include <linux/device.h>
#include <linux/err.h>

int gpl_helper(int x);
static struct class *cls;

static int __init closed_init(void)
{
	cls = class_create(THIS_MODULE, "closed");
	if (IS_ERR(cls))
		return PTR_ERR(cls);
	return gpl_helper(0);
}

static void __exit closed_exit(void)
{
	class_destroy(cls);
}

module_init(closed_init);
module_exit(closed_exit);
MODULE_LICENSE("LICENSE_TAG");
"""


def test_a_gpl_incompatible_module_using_gpl_only_symbols_is_modposts_error(lkmsh, tmp_path):
    d = tmp_path / "closed"
    d.mkdir()
    (d / "gpl_provider.c").write_text(GPL_PROVIDER)
    (d / "closed.c").write_text(PROPRIETARY.replace("LICENSE_TAG", "Proprietary"))
    (d / "Makefile").write_text("obj-m += gpl_provider.o closed.o\n")
    r = lkmsh("build", str(d))
    assert r.returncode == 1
    # modpost's words (Linux 6.1 scripts/mod/modpost.c), one line per symbol
    assert r.stderr.splitlines() == [
        "lkmsh build: ERROR: modpost: GPL-incompatible module closed.ko"
        " uses GPL-only symbol '__class_create'",
        "ERROR: modpost: GPL-incompatible module closed.ko uses GPL-only symbol 'class_destroy'",
        "ERROR: modpost: GPL-incompatible module closed.ko uses GPL-only symbol 'gpl_helper'",
    ]
    assert not (d / "closed.ko").exists()
    # a GPL-compatible license (as include/linux/license.h lists them) builds
    (d / "closed.c").write_text(PROPRIETARY.replace("LICENSE_TAG", "Dual MIT/GPL"))
    r = lkmsh("build", str(d))
    assert (r.returncode, r.stderr) == (0, "")
    assert modinfo(lkmsh, d / "closed.ko", "depends") == ["gpl_provider"]
