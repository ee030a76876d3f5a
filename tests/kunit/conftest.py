"""Fixtures for the KUnit and kernel-library tests: build a module for an arch, load it."""

from __future__ import annotations

from pathlib import Path

import pytest
from arches import ARCHES

from lkmsh.build import build_module
from lkmsh.kernel.kernel import Kernel, KernelConfig


@pytest.fixture(params=ARCHES)
def arch(request) -> str:
    return request.param


@pytest.fixture
def kernel(arch) -> Kernel:
    return Kernel(KernelConfig(arch=arch))


@pytest.fixture
def build(tmp_path, arch):
    """Build sources (paths, or C text) into a module for the test's architecture."""

    def _build(*sources: str | Path, name: str | None = None) -> Path:
        paths = []
        for i, s in enumerate(sources):
            if isinstance(s, Path):
                paths.append(s)
            else:
                p = tmp_path / f"src{i}.c"
                p.write_text(s)
                paths.append(p)
        out = tmp_path / f"{name or paths[0].stem}.ko"
        return build_module(paths, out, arch=arch)

    return _build
