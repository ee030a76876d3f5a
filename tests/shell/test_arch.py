"""`lkmsh --arch aarch64`: an arm64 kernel in the state file, kept across commands and reboots."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from lkmsh.build import cross_compiler_available

from .conftest import SAMPLES, assert_no_traceback

ARM = SAMPLES / "aarch64"


def test_an_arm64_kernel_is_remembered_by_the_state_file(lkmsh, kernel_ready):
    run = lkmsh("--arch", "aarch64", "insmod", str(ARM / "hello.ko"), "who=arm")
    assert run.returncode == 0, run.stderr
    # later commands need no --arch: the saved kernel is arm64
    assert lkmsh("lsmod").stdout.splitlines()[1].split()[0] == "hello"
    assert "hello: Hello, arm" in lkmsh("dmesg").stdout
    assert lkmsh("rmmod", "hello").returncode == 0


def test_an_x86_64_module_on_an_arm64_kernel_is_an_invalid_module_format(lkmsh, kernel_ready):
    assert lkmsh("--arch", "arm64", "reboot").returncode == 0
    run = lkmsh("insmod", str(SAMPLES / "hello.ko"))
    assert run.returncode == 1
    assert run.stderr.endswith("hello.ko: Invalid module format\n")
    assert_no_traceback(run)
    assert "Invalid module architecture in ELF header: 62 (x86-64" in lkmsh("dmesg").stdout


def test_reboot_keeps_the_architecture_unless_told_otherwise(lkmsh, kernel_ready):
    assert lkmsh("--arch", "aarch64", "reboot").returncode == 0
    assert lkmsh("reboot").returncode == 0
    assert lkmsh("insmod", str(ARM / "hello.ko")).returncode == 0
    assert lkmsh("--arch", "x86_64", "reboot").returncode == 0
    assert lkmsh("insmod", str(SAMPLES / "hello.ko")).returncode == 0


def test_asking_a_saved_kernel_for_another_architecture_fails_clearly(lkmsh, kernel_ready):
    assert lkmsh("insmod", str(SAMPLES / "hello.ko")).returncode == 0
    run = lkmsh("--arch", "aarch64", "rmmod", "hello")
    assert run.returncode == 1
    assert "the saved kernel is x86_64, not aarch64" in run.stderr
    assert lkmsh("lsmod").stdout.count("hello") == 1  # nothing changed


def test_an_unknown_architecture_is_a_usage_error(lkmsh):
    run = lkmsh("--arch", "sparc", "lsmod")
    assert run.returncode != 0
    assert "unknown architecture 'sparc' (one of: aarch64, x86_64)" in run.stderr
    assert_no_traceback(run)


@pytest.mark.skipif(
    not cross_compiler_available("aarch64"),
    reason="aarch64-linux-gnu-gcc is not installed (Debian package gcc-aarch64-linux-gnu)",
)
def test_build_for_arm64_then_load_it_there(lkmsh, tmp_path, kernel_ready):
    out = tmp_path / "hello.ko"
    run = lkmsh("build", "--arch", "aarch64", str(SAMPLES / "hello.c"), "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert out.read_bytes()[18] == 183  # e_machine: EM_AARCH64
    assert lkmsh("--arch", "aarch64", "insmod", str(out)).returncode == 0
    info = lkmsh("modinfo", str(out))
    assert info.returncode == 0 and "vermagic:" in info.stdout


KMOD = {tool: shutil.which(tool) or f"/usr/sbin/{tool}" for tool in ("modinfo", "depmod")}
needs_kmod = pytest.mark.skipif(
    not all(os.access(path, os.X_OK) for path in KMOD.values()),
    reason="kmod's modinfo/depmod are not installed (Debian package kmod)",
)


@needs_kmod
def test_modinfo_and_depmod_read_arm64_modules_as_kmod_does(lkmsh, tmp_path):
    for name in ("hello", "provider", "compute", "broken/null_deref"):
        ko = str(ARM / f"{name}.ko")
        ours = lkmsh("modinfo", ko)
        assert ours.returncode == 0
        assert (
            ours.stdout
            == subprocess.run(
                [KMOD["modinfo"], ko], capture_output=True, text=True, check=True
            ).stdout
        )
    tree = tmp_path / "root" / "lib" / "modules" / "6.1.0-lkmsh" / "extra"
    tree.mkdir(parents=True)
    for name in ("chain_bottom", "chain_middle", "chain_top", "provider", "consumer"):
        shutil.copy(ARM / f"{name}.ko", tree)
    args = ["-b", str(tmp_path / "root"), "-n", "6.1.0-lkmsh"]
    ours = lkmsh("depmod", *args)
    theirs = subprocess.run([KMOD["depmod"], *args], capture_output=True, text=True, check=True)
    assert ours.returncode == 0 and ours.stdout == theirs.stdout
    assert "extra/chain_top.ko: extra/chain_middle.ko extra/chain_bottom.ko" in ours.stdout
