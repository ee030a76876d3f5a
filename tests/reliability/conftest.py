"""Fixtures for the reliability suite: fresh kernels and its misbehaving modules, built once."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_helpers import MODULE_SOURCES

from lkmsh.kernel.kernel import Kernel, KernelConfig


@pytest.fixture
def kernel() -> Kernel:
    """A kernel with a short watchdog: loops end in a fraction of a second."""
    return Kernel(KernelConfig(insn_budget=3_000_000, timeout_s=10.0))


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """``built("rl_null_member")`` -> the .ko compiled from tests/reliability/modules/."""
    from lkmsh.build import build_module

    out = tmp_path_factory.mktemp("rl_modules")
    cache: dict[str, Path] = {}

    def _built(name: str) -> Path:
        if name not in cache:
            cache[name] = build_module([MODULE_SOURCES / f"{name}.c"], out / f"{name}.ko")
        return cache[name]

    return _built
