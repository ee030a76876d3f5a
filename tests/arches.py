"""The architectures a test runs on, as pytest parameters: aarch64 only where its
cross compiler is installed (shared by every test directory; tests/ is on sys.path
through tests/conftest.py)."""

import shutil

import pytest

from lkmsh.build import cross_compiler_available

ARCHES = [
    pytest.param("x86_64", marks=pytest.mark.skipif(shutil.which("gcc") is None, reason="no gcc")),
    pytest.param(
        "aarch64",
        marks=pytest.mark.skipif(
            not cross_compiler_available("aarch64"), reason="aarch64-linux-gnu-gcc not installed"
        ),
    ),
]
