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


def gpl_flag_mismatches(gpl: set[str], plain: set[str]) -> tuple[set[str], set[str], set[str]]:
    """(not exported, GPL-only in Linux but plain here, plain in Linux but GPL-only here)."""
    from lkmsh.kernel.kernel import Kernel

    k = Kernel()
    flags = {n: k.symbol_resolve(n) for n in gpl | plain}
    missing = {n for n, s in flags.items() if s is None}
    return missing, {n for n in gpl if not flags[n].gpl}, {n for n in plain if flags[n].gpl}


def relicensed(ko: Path, license: bytes = b"BSD") -> bytes:
    """The built module's bytes with its one license=GPL record changed to @license."""
    data = ko.read_bytes()
    assert data.count(b"license=GPL\0") == 1
    return data.replace(b"license=GPL\0", b"license=" + license + b"\0")
