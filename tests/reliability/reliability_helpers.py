"""Helpers for the reliability suite: building its modules once, dmesg slices, the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MODULE_SOURCES = HERE / "modules"
SAMPLES = ROOT / "sample_modules"

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")


def sample(name: str) -> Path:
    return SAMPLES / f"{name}.ko"


def lines_since(kernel, seq: int) -> list[str]:
    """dmesg texts of the records after sequence number ``seq``."""
    return [r.text for r in kernel.dmesg() if r.seq > seq]


def last_seq(kernel) -> int:
    records = kernel.dmesg()
    return records[-1].seq if records else -1


def lkmsh_command() -> list[str]:
    """The installed console script, as a user runs it."""
    exe = Path(sys.executable).with_name("lkmsh")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("lkmsh")
    if found:
        return [found]
    return [sys.executable, "-c", "from lkmsh.shell.cli import main; main()"]


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def cli(state: Path, *argv: str, timeout: float = 60) -> CliResult:
    """Run ``lkmsh --state STATE ARGV...`` in a new process (piped: kmod's plain text)."""
    env = {**os.environ, "LKMSH_STATE": str(state)}
    proc = subprocess.run(
        [*lkmsh_command(), "--state", str(state), *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)
