"""Helpers for the kernel tests: sample module paths, dmesg texts, gcc availability."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_modules"
HERE_MODULES = Path(__file__).parent / "modules"

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")


def sample(name: str) -> Path:
    return SAMPLES / f"{name}.ko"


def texts(kernel) -> list[str]:
    return [r.text for r in kernel.dmesg()]
