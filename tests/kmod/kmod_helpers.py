"""Helpers for the kmod tests: trees built with gcc, kmod's own tools for comparison,
and the lkmsh console script. (conftest.py re-exports the fixtures defined here.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_modules"
DISTRO_CACHE = Path.home() / ".cache" / "lkmsh-test"

KMOD_DEPMOD = shutil.which("depmod") or (
    "/usr/sbin/depmod" if os.path.exists("/usr/sbin/depmod") else None
)
KMOD_MODINFO = shutil.which("modinfo") or (
    "/usr/sbin/modinfo" if os.path.exists("/usr/sbin/modinfo") else None
)
KMOD_MODPROBE = shutil.which("modprobe") or (
    "/usr/sbin/modprobe" if os.path.exists("/usr/sbin/modprobe") else None
)
needs_kmod = pytest.mark.skipif(
    KMOD_DEPMOD is None or KMOD_MODINFO is None, reason="kmod (depmod, modinfo) is not installed"
)
needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")


def kmod_features() -> str:
    """kmod's build features line (+ZSTD +XZ -ZLIB ...): which compressions it reads."""
    if KMOD_DEPMOD is None:
        return ""
    out = subprocess.run([KMOD_DEPMOD, "--version"], capture_output=True, text=True).stdout
    return out


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    raw: bytes


def lkmsh_argv() -> list[str]:
    script = Path(sys.executable).with_name("lkmsh")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-c", "import sys; from lkmsh.shell.cli import main; sys.exit(main())"]


def run(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    proc = subprocess.run(
        argv, capture_output=True, env=env, cwd=cwd, stdin=subprocess.DEVNULL, timeout=300
    )
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
        proc.stdout,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A private state file, cache directory and module path for one test."""
    e = dict(os.environ)
    e["LKMSH_STATE"] = str(tmp_path / "state" / "kernel.sqlite")
    e["LKMSH_CACHE_DIR"] = str(tmp_path / "cache")
    e.pop("LKMSH_MODULE_PATH", None)
    e["PYTHONWARNINGS"] = "ignore"
    return e


@pytest.fixture
def lkmsh(env: dict[str, str]):
    """``lkmsh(*args)`` through the console script, with the test's environment."""

    def call(*args: str, cwd: Path | None = None, extra_env: dict[str, str] | None = None) -> Run:
        full = dict(env)
        full.update(extra_env or {})
        return run([*lkmsh_argv(), *args], env=full, cwd=cwd)

    return call


def kmod(tool: str | None, *args: str) -> Run:
    assert tool is not None
    return run([tool, *args])


def build(tmp: Path, name: str, source: str, *, out: Path | None = None) -> Path:
    """Compile one module from C source with lkmsh's builder (real gcc)."""
    from lkmsh.build import build_module

    src = tmp / "src" / f"{name}.c"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(source)
    target = out or (tmp / "build" / f"{name}.ko")
    target.parent.mkdir(parents=True, exist_ok=True)
    return build_module([src], target, name=name.replace("-", "_"))


def module_source(
    *,
    exports: tuple[str, ...] = (),
    gpl_exports: tuple[str, ...] = (),
    uses: tuple[str, ...] = (),
    weak_uses: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    softdep: str | None = None,
    init_returns: int = 0,
    request: str | None = None,
) -> str:
    """C for a module that exports, uses, aliases what it is told to."""
    lines = ["#include <linux/module.h>", "#include <linux/kmod.h>"]
    for sym in uses:
        lines.append(f"extern int {sym}(int);")
    for sym in weak_uses:
        lines.append(f"extern int {sym}(int) __attribute__((weak));")
    for sym in exports + gpl_exports:
        lines.append(f"int {sym}(int x) {{ return x + 1; }}")
    lines += [f"EXPORT_SYMBOL({s});" for s in exports]
    lines += [f"EXPORT_SYMBOL_GPL({s});" for s in gpl_exports]
    body = " + ".join([f"{s}(1)" for s in uses] + [f"({s} ? {s}(1) : 0)" for s in weak_uses]) or "0"
    req = f'request_module("{request}");' if request else ""
    lines.append(
        f"static int __init t_init(void) {{ volatile int v = {body}; (void)v; {req} return {init_returns}; }}"
    )
    lines.append("static void __exit t_exit(void) { }")
    lines += ["module_init(t_init);", "module_exit(t_exit);", 'MODULE_LICENSE("GPL");']
    lines += [f'MODULE_ALIAS("{a}");' for a in aliases]
    if softdep:
        lines.append(f'MODULE_SOFTDEP("{softdep}");')
    return "\n".join(lines) + "\n"


def build_failing_chain(tmp: Path) -> Path:
    """base_ok <- mid_fails (init returns -EIO) <- top_needs, in tmp/mods."""
    d = tmp / "mods"
    build(tmp, "base_ok", module_source(exports=("base_fn",)), out=d / "base_ok.ko")
    build(
        tmp,
        "mid_fails",
        module_source(uses=("base_fn",), exports=("mid_fn",), init_returns=-5),
        out=d / "mid_fails.ko",
    )
    build(tmp, "top_needs", module_source(uses=("mid_fn",)), out=d / "top_needs.ko")
    return d


def host_cmdline_modules() -> set[str]:
    """Modules the host's /proc/cmdline gives options (MODULE.PARAM=VALUE): kmod's
    modprobe adds those to its insmod lines, lkmsh its own kernel's command line."""
    try:
        words = Path("/proc/cmdline").read_text().split()
    except OSError:
        return set()
    return {w.split(".", 1)[0].replace("-", "_") for w in words if "." in w.split("=", 1)[0]}


def show_depends_names(tree: Path) -> list[str]:
    """Every module name of an indexed tree (modules.dep), less the host's command line's."""
    skip = host_cmdline_modules()
    names = []
    for line in (tree / "modules.dep").read_text().splitlines():
        name = Path(line.partition(":")[0]).name.split(".", 1)[0]
        if name.replace("-", "_") not in skip:
            names.append(name)
    return names


#: /proc/cmdline redirected to $FAKE_PROC_CMDLINE for the kmod run it is preloaded into
SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *redirect(const char *path)
{
	const char *file = getenv("FAKE_PROC_CMDLINE");

	if (file && path && strcmp(path, "/proc/cmdline") == 0)
		return file;
	return path;
}

#define WRAP_OPEN(name)                                          \
	int name(const char *path, int flags, ...)               \
	{                                                        \
		static int (*real)(const char *, int, ...);      \
		mode_t mode = 0;                                 \
		if (flags & (O_CREAT | O_TMPFILE)) {             \
			va_list ap;                              \
			va_start(ap, flags);                     \
			mode = va_arg(ap, mode_t);               \
			va_end(ap);                              \
		}                                                \
		if (!real)                                       \
			real = dlsym(RTLD_NEXT, #name);          \
		return real(redirect(path), flags, mode);        \
	}

WRAP_OPEN(open)
WRAP_OPEN(open64)
"""


@pytest.fixture(scope="module")
def shim(tmp_path_factory) -> Path:
    """A library that makes kmod read /proc/cmdline from $FAKE_PROC_CMDLINE (gcc-built)."""
    out = tmp_path_factory.mktemp("shim")
    (out / "shim.c").write_text(SHIM)
    lib = out / "cmdline-shim.so"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O2", "-o", str(lib), str(out / "shim.c"), "-ldl"],
        check=True,
    )
    return lib


def kmod_with_cmdline(shim: Path, tmp: Path, cmdline: str, *args: str) -> Run:
    proc_cmdline = tmp / "proc-cmdline"
    proc_cmdline.write_text(cmdline + "\n")  # as Linux's /proc/cmdline reads
    env = dict(os.environ, LD_PRELOAD=str(shim), FAKE_PROC_CMDLINE=str(proc_cmdline))
    assert KMOD_MODPROBE is not None
    return run([KMOD_MODPROBE, *args], env=env)
