"""What the figures run on: modules built with gcc at bench time, trees, state files.

Hundreds of distinct modules come from one gcc build each of two templates:
the bench copies the object and rewrites a 7-byte name token (``lQ00000``)
into ``b000123``. Same length, so every offset stays valid, and the result
is a real gcc-built module with its own name, exports and dependencies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cached_property
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CSRC = Path(__file__).resolve().parent / "csrc"
SAMPLES = REPO / "sample_modules"
#: The ten sample modules loaded for the one-shot lsmod figure (dependencies first).
TEN_SAMPLES = (
    "hello",
    "provider",
    "consumer",
    "chain_bottom",
    "chain_middle",
    "chain_top",
    "compute",
    "procfs",
    "asm_hello",
    "shared_hello",
)
NAME_TOKEN = b"lQ00000"
DEP_TOKEN = b"uQ00000"
TREE_VERSION = "6.1.0-lkmsh-bench"


def module_name(i: int) -> str:
    return f"b{i:06d}"


def patched(template: bytes, name: str, dep: str | None = None) -> bytes:
    data = template.replace(NAME_TOKEN, name.encode())
    if dep is not None:
        data = data.replace(DEP_TOKEN, dep.encode())
    return data


def is_pyenv_shim(path: str | None) -> bool:
    if not path:
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    # A shim is a shell script that execs `pyenv exec`; a pip console script
    # merely names a pyenv interpreter in its shebang.
    return head.startswith(b"#!") and b"python" not in head.split(b"\n", 1)[0] and b"pyenv" in head


def path_commands() -> tuple[str | None, str | None]:
    """`lkmsh` and `python` as a user's shell finds them: pyenv shims when PATH has them.

    Under ``pyenv exec`` (how a shim runs ``python -m bench``) PATH starts with
    the interpreter's own bin directory, so look for a directory of shims first.
    """
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    for d in dirs:
        lk, py = Path(d) / "lkmsh", Path(d) / "python"
        if is_pyenv_shim(str(lk)) and py.exists():
            return str(lk), str(py)
    return shutil.which("lkmsh"), shutil.which("python") or shutil.which("python3")


def lkmsh_script() -> Path:
    """The console script pip installed beside this interpreter (not a shim)."""
    for candidate in (Path(sys.executable).parent / "lkmsh", Path(shutil.which("lkmsh") or "")):
        if candidate.is_file() and not is_pyenv_shim(str(candidate)):
            return candidate
    raise RuntimeError("the lkmsh console script is not installed (pip install -e .)")


class Workdir:
    """A scratch directory holding everything one run builds."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    # -- gcc builds --------------------------------------------------------------
    def build(self, source: str, name: str) -> bytes:
        from lkmsh.build import build_module

        out = self.root / f"{name}.ko"
        if not out.exists():
            build_module([CSRC / source], out, name=name, extra_cflags=[f"-I{CSRC}"])
        return out.read_bytes()

    @cached_property
    def leaf_template(self) -> bytes:
        return self.build("tmpl_leaf.c", NAME_TOKEN.decode())

    @cached_property
    def user_template(self) -> bytes:
        return self.build("tmpl_user.c", NAME_TOKEN.decode())

    @cached_property
    def spin_ko(self) -> bytes:
        return self.build("spin.c", "spin")

    @cached_property
    def kcall_ko(self) -> bytes:
        return self.build("kcall.c", "kcall")

    @cached_property
    def xorshift_ko(self) -> bytes:
        return self.build("xorshift.c", "xorshift")

    def native(self, name: str) -> Path:
        """bench/csrc/NAME.c compiled for the host with gcc -O2."""
        exe = self.root / name
        src = CSRC / f"{name}.c"
        if not exe.exists() or exe.stat().st_mtime < src.stat().st_mtime:
            subprocess.run(
                ["gcc", "-O2", f"-I{CSRC}", str(src), "-o", str(exe)],
                check=True,
                capture_output=True,
            )
        return exe

    @cached_property
    def spin_native(self) -> Path:
        return self.native("spin_native")

    @cached_property
    def klib_ko(self) -> bytes:
        return self.build("klib_bench.c", "klib_bench")

    @cached_property
    def klib_native(self) -> Path:
        """klib_body.h on the host, over lkmsh's own klib sources compiled natively.

        klib's string.c is linked with its functions renamed klib_* (the host's
        libc keeps its own memcpy), so the memcpy figure compares the same code.
        """
        klib = Path(__file__).resolve().parent.parent / "lkmsh" / "klib"
        exe = self.root / "klib_native"
        strings = self.root / "klib_string.o"
        cc = ["gcc", "-O2", "-fno-builtin", "-fno-tree-loop-distribute-patterns"]
        subprocess.run(
            [*cc, "-c", str(klib / "string.c"), "-o", str(strings)], check=True, capture_output=True
        )
        renames = [f"--redefine-sym={f}=klib_{f}" for f in ("memcpy", "memset", "memmove")]
        subprocess.run(["objcopy", *renames, str(strings)], check=True, capture_output=True)
        subprocess.run(
            ["gcc", "-O2", f"-I{CSRC}", f"-I{klib}", str(CSRC / "klib_native.c")]
            + [str(klib / "sort.c"), str(klib / "crc.c"), str(strings), "-o", str(exe)],
            check=True,
            capture_output=True,
        )
        return exe

    def kunit_suite(self, cases: int) -> tuple[Path, Path]:
        """A KUnit module of ``cases`` cases (a few expectations each) and the same cases
        as a native program under a runner shaped as Linux's KUnit (csrc/kunit_native.h:
        a struct kunit and a thread per case, KTAP lines): the baseline."""
        body = "".join(
            f"static void case_{i}(struct kunit *test)\n{{\n"
            f"\tint v = {i} * 3;\n\n\tKUNIT_EXPECT_EQ(test, v % 3, 0);\n"
            f"\tKUNIT_EXPECT_GE(test, v, {i});\n\tKUNIT_EXPECT_TRUE(test, v != -1);\n}}\n\n"
            for i in range(cases)
        )
        table = "".join(f"\tKUNIT_CASE(case_{i}),\n" for i in range(cases))
        src = self.root / f"kunit{cases}.c"
        src.write_text(
            "#include <kunit/test.h>\n\n"
            + body
            + f"static struct kunit_case cases[] = {{\n{table}\t{{}}\n}};\n\n"
            + 'static struct kunit_suite suite = {\n\t.name = "bench",\n'
            + '\t.test_cases = cases,\n};\nkunit_test_suite(suite);\nMODULE_LICENSE("GPL");\n'
        )
        native = self.root / f"kunit{cases}_native.c"
        native.write_text(
            '#include "kunit_native.h"\n\n'
            + body
            + "static struct kunit_case cases[] = {\n"
            + table
            + "\t{}\n};\n\nint main(void)\n{\n\treturn kunit_run_suite(cases);\n}\n"
        )
        ko = self.root / f"kunit{cases}.ko"
        exe = self.root / f"kunit{cases}_native"
        from lkmsh.build import build_module

        if not ko.exists():
            build_module([src], ko)
        subprocess.run(
            ["gcc", "-O2", f"-I{CSRC}", str(native), "-o", str(exe), "-lpthread"],
            check=True,
            capture_output=True,
        )
        return ko, exe

    def leaf_modules(self, n: int) -> list[tuple[str, bytes]]:
        return [(module_name(i), patched(self.leaf_template, module_name(i))) for i in range(n)]

    # -- a depmod tree -------------------------------------------------------------
    def module_tree(self, n: int) -> tuple[Path, Path]:
        """BASE/lib/modules/VERSION with n modules; module i>0 uses module (i-1)//2's export.

        Returns (base, moddir). Directories of 100 modules, as a real tree nests them.
        """
        base = self.root / f"tree{n}"
        moddir = base / "lib" / "modules" / TREE_VERSION
        marker = moddir / ".complete"
        if marker.exists():
            return base, moddir
        shutil.rmtree(base, ignore_errors=True)
        for i in range(n):
            sub = moddir / "kernel" / "drivers" / f"group{i // 100:02d}"
            sub.mkdir(parents=True, exist_ok=True)
            if i == 0:
                data = patched(self.leaf_template, module_name(0))
            else:
                data = patched(self.user_template, module_name(i), module_name((i - 1) // 2))
            (sub / f"{module_name(i)}.ko").write_bytes(data)
        marker.touch()
        return base, moddir

    def tree_files(self, moddir: Path) -> list[str]:
        return sorted(str(p) for p in moddir.rglob("*.ko"))

    # -- state files ---------------------------------------------------------------
    def state_with_samples(self, name: str, modules: tuple[str, ...]) -> Path:
        """A state file with these sample modules loaded, made by the real CLI."""
        path = self.root / f"{name}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        line = "; ".join(f"insmod {SAMPLES / m}.ko" for m in modules) or "lsmod"
        subprocess.run(
            [sys.executable, str(lkmsh_script()), "--state", str(path), "-c", line],
            check=True,
            capture_output=True,
            env=bench_env(self.root / "pycache"),
        )
        return path


def bench_env(pycache: Path | None = None) -> dict[str, str]:
    """The environment for measured processes: no LKMSH_* variables leak in.

    With @pycache, bytecode is cached there (PYTHONPYCACHEPREFIX) even where
    PYTHONDONTWRITEBYTECODE is set, as an installed package would have it;
    otherwise every run would compile lkmsh's sources again. Baselines run in
    the same environment.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("LKMSH_")}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def distro_tree(kind: str = "unsigned") -> tuple[Path, str] | None:
    """A distribution module tree (base dir, version): Debian's cloud tree
    (LKMSH_DISTRO_TREE or .ci/run's cache), or with ``kind="full"`` the big
    compressed one (LKMSH_COMPRESSED_TREE or .ci/run's cache)."""
    env = "LKMSH_DISTRO_TREE" if kind == "unsigned" else "LKMSH_COMPRESSED_TREE"
    explicit = os.environ.get(env)
    base = Path(explicit) if explicit else Path.home() / ".cache" / "lkmsh-test" / kind
    versions = sorted((base / "lib" / "modules").glob("*/kernel"))
    if not versions:
        return None
    return base, versions[-1].parent.name
