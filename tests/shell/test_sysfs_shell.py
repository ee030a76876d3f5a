"""echo > and cat of sysfs, /sys/module and debugfs files through the real CLI, one-shot
across processes (the module's memory and its kobjects persist in the state file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lkmsh.build import build_module

from .conftest import assert_no_traceback

MODULES = Path(__file__).resolve().parents[1] / "kernel" / "modules"
pytestmark = [
    pytest.mark.usefixtures("kernel_ready"),
    pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed"),
]


def test_kobject_example_written_and_read_across_processes(lkmsh, tmp_path):
    ko = build_module([MODULES / "kobj_values.c"], tmp_path / "kobject_example.ko")
    assert lkmsh("insmod", str(ko)).returncode == 0
    r = lkmsh("-c", "echo 5 > /sys/kernel/kobject_example/foo")
    assert (r.returncode, r.stderr) == (0, "")
    assert lkmsh("cat", "/sys/kernel/kobject_example/foo").stdout == "5\n"
    r = lkmsh("-c", "echo five > /sys/kernel/kobject_example/foo")
    assert (r.returncode, r.stderr) == (1, "echo: write error: Invalid argument\n")
    assert_no_traceback(r)
    assert lkmsh("cat", "/sys/kernel/kobject_example/foo").stdout == "5\n"
    r = lkmsh("ls", "/sys/kernel/kobject_example")
    assert r.stdout.split() == ["bar", "baz", "foo"]
    assert lkmsh("rmmod", "kobject_example").returncode == 0
    r = lkmsh("cat", "/sys/kernel/kobject_example/foo")
    assert r.returncode == 1
    assert r.stderr == "cat: /sys/kernel/kobject_example/foo: No such file or directory\n"


def test_module_parameters_and_debugfs_values_in_one_script(lkmsh, tmp_path):
    ko = build_module([MODULES / "debugfs_values.c"], tmp_path / "dbgvals.ko")
    script = tmp_path / "s.lkmsh"
    script.write_text(
        f"insmod {ko}\n"
        "insmod sample_modules/hello.ko who=world times=1\n"
        "echo 3 > /sys/module/hello/parameters/times\n"
        "cat /sys/module/hello/parameters/times /sys/module/hello/initstate\n"
        "echo 0xff > /sys/kernel/debug/dbgvals/counter\n"
        "cat /sys/kernel/debug/dbgvals/counter /sys/kernel/debug/dbgvals/enabled\n"
    )
    r = lkmsh(str(script))
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == "3\nlive\n255\nY\n"
    assert lkmsh("cat", "/sys/kernel/debug/dbgvals/counter").stdout == "255\n"
