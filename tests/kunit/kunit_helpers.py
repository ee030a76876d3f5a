"""Paths and helpers of the KUnit and kernel-library tests (imported by name, not via conftest)."""

from __future__ import annotations

from pathlib import Path

from lkmsh.kernel.kernel import Kernel

MODULES = Path(__file__).parent / "modules"


def log_lines(kernel: Kernel) -> list[str]:
    return [r.text for r in kernel.dmesg()]
