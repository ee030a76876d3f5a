"""Shared fixtures: a fresh kernel, and modules built with the real gcc."""

from __future__ import annotations

from pathlib import Path

import pytest

from lkmsh.kernel.kernel import Kernel, KernelConfig


@pytest.fixture
def kernel() -> Kernel:
    return Kernel()


@pytest.fixture
def small_kernel() -> Kernel:
    """A kernel with a short watchdog, for modules that loop."""
    return Kernel(KernelConfig(insn_budget=2_000_000, timeout_s=5.0))


@pytest.fixture
def build(tmp_path):
    """Compile C/assembly text (or a source path) into a module with lkmsh build."""
    from lkmsh.build import build_module

    def _build(source: str | Path, name: str = "t", *, shared: bool = False, suffix=".c") -> Path:
        if isinstance(source, Path):
            src = source
        else:
            src = tmp_path / f"{name}{suffix}"
            src.write_text(source)
        return build_module([src], tmp_path / f"{name}.ko", shared=shared)

    return _build


@pytest.fixture(params=["x86_64", "aarch64"])
def arch_kernel(request, tmp_path):
    """(kernel, build) for each architecture: ``build(source, name)`` makes a module
    for that kernel's architecture (arm64 skips, naming the package, without its gcc)."""
    from lkmsh.build import build_module, cross_compiler_available

    arch = request.param
    if not cross_compiler_available(arch):
        pytest.skip(f"no {arch} gcc (gcc-aarch64-linux-gnu)")

    def build(source: str, name: str) -> Path:
        path = tmp_path / f"{name}.c"
        path.write_text(source)
        return build_module([path], tmp_path / f"{name}.ko", arch=arch)

    return Kernel(KernelConfig(arch=arch)), build
