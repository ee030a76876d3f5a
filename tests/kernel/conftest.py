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
