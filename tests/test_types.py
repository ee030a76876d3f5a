"""mypy over the layers below the shell (pyproject.toml's [tool.mypy]): the kernel
contract (what kapi code may use of ``ctx.kernel``), arguments and calls hold."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("mypy") is None, reason="mypy is not installed (pip install mypy)")
def test_mypy_passes_over_kernel_arch_and_elf():
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "lkmsh/kernel", "lkmsh/arch", "lkmsh/elf"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout[-4000:]
    assert "Success: no issues found" in r.stdout
