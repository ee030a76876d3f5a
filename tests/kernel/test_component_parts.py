"""Components built on first use (component.py's Part): a command imports and builds
only the subsystems it touches, saves no row for one it left as built, and gets back
at restore every one that holds something, its files with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lkmsh.kernel.kernel import COMPONENT_ORDER, Kernel
from lkmsh.kernel.state import StateStore

SAMPLES = Path(__file__).resolve().parents[2] / "sample_modules"
PART_MODULES = sorted(f"lkmsh.kernel.{p.module}" for p in Kernel.PARTS)


def modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_a_kernel_boots_without_importing_any_part():
    mods = modules_after("from lkmsh.kernel.kernel import Kernel; Kernel()")
    assert "lkmsh.kernel.kernel" in mods
    assert sorted(mods & set(PART_MODULES)) == []


def test_every_component_takes_its_place_in_component_order():
    k = Kernel()
    for part in reversed(Kernel.PARTS):  # built backwards, each still lands in its place
        component = getattr(k, part.attr)
        assert component.name == part.row
        assert getattr(k, part.attr) is component  # built once
    assert [c.name for c in k.components] == list(COMPONENT_ORDER)


def test_a_part_left_as_built_saves_no_row_and_is_not_built_again(tmp_path):
    k = Kernel()
    assert k.gpio_get(3) == 0  # builds the GPIO bank, changes nothing
    assert "gpio" in k.__dict__
    with StateStore(tmp_path / "s.db") as store:
        store.save(k.export_state())
        again = Kernel.from_state(store.load())
    assert "gpio" not in again.__dict__ and "irqs" not in again.__dict__
    assert "gpio" not in again.export_state().components


def test_a_part_holding_something_is_back_at_restore_with_its_files(tmp_path):
    k = Kernel()
    k.module_load(SAMPLES / "snull.ko")
    k.net_set_up("sn0", True)
    with StateStore(tmp_path / "s.db") as store:
        store.save(k.export_state())
        again = Kernel.from_state(store.load())
    assert "net" in again.__dict__  # built before anything asked for it
    assert again.read_file("/sys/class/net/sn0/operstate") == b"up\n"
    again.module_unload("snull")
    assert again.read_file("/proc/net/dev").count(b":") == 0
