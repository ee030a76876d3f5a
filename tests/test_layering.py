"""The layering of DESIGN.md, checked on the source: shell -> kmod -> kernel -> elf/arch.

Data flows down only: elf/ and arch/ import nothing of the layers above them,
kernel/ imports neither kmod/ nor shell/, kmod/ not shell/. The kernel never
prints (it returns data and raises typed errors). The shell uses only the
Kernel's public API: it never reaches into the kernel's parts (memory, heap,
procfs, the file tree, tracing, the CPU, the log) nor anyone's private names.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "lkmsh"

#: layer -> the lkmsh packages it must not import
FORBIDDEN_IMPORTS = {
    "elf": ("lkmsh.kernel", "lkmsh.shell", "lkmsh.kmod", "lkmsh.arch"),
    "arch": ("lkmsh.kernel", "lkmsh.shell", "lkmsh.kmod"),
    "kernel": ("lkmsh.shell", "lkmsh.kmod"),
    "kmod": ("lkmsh.shell",),
}

#: the Kernel's parts; the shell asks the Kernel's methods instead
KERNEL_INTERNALS = frozenset(
    {"mem", "heap", "procfs", "vfs", "tracing", "symbol_table", "log", "load_trace",
     "clock", "components", "cpu", "_modules", "_lock"}
)  # fmt: skip


def sources(layer: str) -> list[Path]:
    return sorted((PKG / layer).rglob("*.py"))


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_IMPORTS))
def test_no_layer_imports_a_layer_above_it(layer):
    bad = []
    for path in sources(layer):
        for line, name in imported_modules(ast.parse(path.read_text())):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_IMPORTS[layer]):
                bad.append(f"{path.relative_to(PKG)}:{line}: imports {name}")
    assert sources(layer) and not bad, "\n".join(bad)


def test_the_kernel_never_prints():
    bad = []
    for path in sources("kernel") + sources("elf") + sources("arch"):
        for node in ast.walk(ast.parse(path.read_text())):
            where = f"{path.relative_to(PKG)}:{getattr(node, 'lineno', 0)}"
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("print", "input", "breakpoint")
            ):
                bad.append(f"{where}: {node.func.id}()")
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("stdout", "stderr")
                and isinstance(node.value, ast.Name)
                and node.value.id == "sys"
            ):
                bad.append(f"{where}: sys.{node.attr}")
    assert not bad, "\n".join(bad)


def test_the_shell_uses_only_the_kernels_public_api():
    bad = []
    for path in sources("shell"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue  # a class's own attributes
            private = node.attr.startswith("_") and not node.attr.startswith("__")
            if node.attr in KERNEL_INTERNALS or private:
                bad.append(f"{path.relative_to(PKG)}:{node.lineno}: {ast.unparse(node)}")
    assert not bad, "\n".join(bad)


def test_the_rules_catch_what_they_forbid():
    """The checks above are not vacuous: each finds its pattern in a sample."""
    tree = ast.parse("from lkmsh.shell.render import View\nimport lkmsh.kernel.cpu")
    assert [n for _, n in imported_modules(tree)] == ["lkmsh.shell.render", "lkmsh.kernel.cpu"]
    attrs = [
        n.attr for n in ast.walk(ast.parse("k.mem.read(1, 2)")) if isinstance(n, ast.Attribute)
    ]
    assert "mem" in attrs and "mem" in KERNEL_INTERNALS


def test_the_kernel_and_its_oops_writers_load_without_the_cpu():
    """unicorn is the CPU's alone: faults (fault.py) and reports need no emulator."""
    import subprocess
    import sys

    code = (
        "import sys, lkmsh.kernel.kernel, lkmsh.kernel.fault, lkmsh.kernel.oops, "
        "lkmsh.kernel.oops_aarch64; print('unicorn' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "False"
