"""Helpers for the shell's tests: the real console script, a state file per test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_modules"
BROKEN = SAMPLES / "broken"


def lkmsh_script() -> list[str]:
    """The installed console script itself (not a pyenv shim), else the same entry point."""
    script = Path(sys.executable).with_name("lkmsh")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("lkmsh")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from lkmsh.shell.cli import main; sys.exit(main())"]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    raw: bytes


def base_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LKMSH_STATE", None)
    env.pop("NO_COLOR", None)
    env.pop("LKMSH_DEBUG", None)
    env["XDG_STATE_HOME"] = str(tmp_path / "xdg-state")
    env["PYTHONWARNINGS"] = "ignore"
    return env


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "kernel.sqlite"


@pytest.fixture
def lkmsh(tmp_path: Path, state: Path):
    """``lkmsh(*args, input=None, env=None, cwd=REPO, state=True)`` through the console script."""

    def run(
        *args: str,
        input: str | bytes | None = None,
        env: dict[str, str] | None = None,
        cwd: Path = REPO,
        with_state: bool = True,
        timeout: float = 120,
    ) -> Run:
        full_env = base_env(tmp_path)
        full_env.update(env or {})
        argv = [*lkmsh_script(), *(["--state", str(state)] if with_state else []), *args]
        data = input.encode() if isinstance(input, str) else input
        proc = subprocess.run(
            argv,
            input=data,
            stdin=None if data is not None else subprocess.DEVNULL,
            capture_output=True,
            env=full_env,
            cwd=cwd,
            timeout=timeout,
        )
        return Run(
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
            proc.stdout,
        )

    return run


@cache
def kernel_problem() -> str | None:
    """Why the kernel cannot run modules here (None when it can)."""
    try:
        from lkmsh.kernel.kernel import Kernel

        k = Kernel()
        k.module_load(SAMPLES / "hello.ko", "")
        k.module_unload("hello")
    except Exception as exc:  # anything: the e2e tests are skipped, naming it
        return f"{type(exc).__name__}: {exc}"
    return None


def need_kernel() -> None:
    problem = kernel_problem()
    if problem is not None:
        pytest.skip(f"needs a working lkmsh.kernel.kernel.Kernel (insmod of hello.ko): {problem}")


@pytest.fixture
def kernel_ready() -> None:
    need_kernel()


def assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert "internal error" not in run.stderr, run.stderr
