"""The benchmark runner works end to end (no timing is asserted: figures only exist)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="the bench builds modules")


def test_smoke_run_writes_every_figure_as_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--smoke",
            "--json",
            str(out),
            "--workdir",
            str(tmp_path / "w"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "lkmsh median" in proc.stdout and "baseline median" in proc.stdout
    result = json.loads(out.read_text())
    assert result["profile"] == "smoke"
    keys = {f["key"] for f in result["figures"]}
    assert {
        "oneshot_lsmod",
        "oneshot_insmod_rmmod",
        "inproc_small",
        "inproc_largest",
        "many_time",
        "many_memory",
        "emulation",
        "klib_sort",
        "klib_memcpy",
        "klib_crc32",
        "kunit_suite",
        "symbols_kernel",
        "state_size",
        "state_restore",
        "depmod",
        "modinfo",
    } <= keys
    for fig in result["figures"]:
        if fig["unavailable"]:
            continue
        assert fig["lkmsh"]["median"] > 0, fig["key"]
        if fig["budget"]:
            assert fig["passed"] in (True, False), fig["key"]


def test_python_bench_run_py_shows_help() -> None:
    proc = subprocess.run(
        [sys.executable, "bench/run.py", "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0
    assert "--quick" in proc.stdout and "--json" in proc.stdout


def test_only_runs_the_named_figure_groups(tmp_path: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "bench", "--list"], cwd=REPO, capture_output=True, text=True
    )
    assert listed.returncode == 0
    assert {"kernel_calls", "oneshot_insmod_rmmod", "distro_tree"} <= set(listed.stdout.split())
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--only", "kernel_calls", "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert {f["key"] for f in json.loads(out.read_text())["figures"]} == {
        "kernel_call",
        "kmalloc_pair",
    }
    bad = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "no_such_group"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "no figure group no_such_group" in bad.stderr
