"""The soft-lockup watchdog in virtual time: the same module gives the same report.

Module code is charged virtual run time per translated block (and per kernel
call and busy-wait) since it last scheduled; past Linux's threshold
(2 * watchdog_thresh) the report comes at the watchdog's next sample, in
Linux's words. These tests set watchdog_thresh=1 (reported at 3.6 s, "3s")
to keep them short; the default 10 reports "22s" at 24 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from arches import ARCHES
from kernel_helpers import needs_gcc, texts

from lkmsh.build import build_module
from lkmsh.errors import ModuleFault
from lkmsh.kernel.kernel import Kernel, KernelConfig
from lkmsh.kernel.watchdog import watch

SPINNER = Path(__file__).parent / "tasks" / "spinner.c"
SECOND = 1_000_000_000


def spinner(tmp_path: Path, arch: str) -> Path:
    return build_module([SPINNER], tmp_path / f"spinner-{arch}.ko", name="spinner", arch=arch)


def lines(k: Kernel) -> list[str]:
    return [k.format_dmesg_line(r) for r in k.dmesg()]


def test_linuxs_arithmetic_reports_22s_at_24s_by_default():
    assert KernelConfig().watchdog_thresh == 10
    default = watch(0, 10)
    assert (default.report_ns, default.stuck_s) == (24 * SECOND, 22)
    later = watch(5 * SECOND, 10)  # touched at the 4 s sample: reported at 28 s
    assert (later.touch_ns, later.report_ns, later.stuck_s) == (4 * SECOND, 28 * SECOND, 23)
    assert watch(0, 0) is None  # watchdog_thresh=0 switches it off


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_an_init_that_spins_gets_the_same_report_on_every_run(tmp_path, arch):
    ko = spinner(tmp_path, arch)

    def run() -> list[str]:
        k = Kernel(KernelConfig(arch=arch, watchdog_thresh=1))
        with pytest.raises(ModuleFault, match="soft lockup"):
            k.module_load(ko)
        assert k.module_find("spinner") is None and "L" in k.taints
        return lines(k)

    first = run()
    assert first == run()  # registers and RIP included: the stop is at the same block
    report = first.index(
        "[    3.600000] watchdog: BUG: soft lockup - CPU#0 stuck for 3s! [insmod:1]"
    )
    assert first[report - 1] == "[    0.000000] spinner: waiting for the flag"
    assert any("wait_ready+0x" in line for line in first[report:])


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_a_kthread_that_spins_or_busy_waits_is_reported_by_its_name(tmp_path, arch):
    ko = spinner(tmp_path, arch)
    for mode in ("mode=1", "mode=2"):  # cpu_relax(), then mdelay(100): neither schedules
        k = Kernel(KernelConfig(arch=arch, watchdog_thresh=1))
        k.module_load(ko, mode)
        k.sleep(5 * SECOND)
        assert "[    3.600000] watchdog: BUG: soft lockup - CPU#0 stuck for 3s! [spinner:2]" in (
            lines(k)
        ), mode
        assert not any(t.startswith("spinner: ready") for t in texts(k))
        k.module_unload("spinner")


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_a_loop_that_calls_cond_resched_is_no_lockup(tmp_path, arch):
    k = Kernel(KernelConfig(arch=arch, watchdog_thresh=1))
    k.module_load(spinner(tmp_path, arch), "mode=3")
    k.sleep(5 * SECOND)
    assert "spinner: ready after 100000 spins" in texts(k)
    assert not any("soft lockup" in t for t in texts(k)) and "L" not in k.taints
    k.module_unload("spinner")


LONGINIT = Path(__file__).parent / "tasks" / "longinit.c"


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_a_long_init_that_calls_cond_resched_is_no_lockup(tmp_path, arch):
    """An init computing 4 s of virtual time in 400 rounds (past thresh=1's 3.6 s) with
    cond_resched() between them: each call is a schedule point (Linux's watchdog
    stopper runs there and restarts the count) even with nothing else to run. The same
    loop without the call, or with it under a spinlock, is still reported."""
    ko = build_module([LONGINIT], tmp_path / f"longinit-{arch}.ko", name="longinit", arch=arch)
    k = Kernel(KernelConfig(arch=arch, watchdog_thresh=1))
    k.module_load(ko)
    assert "longinit: done: 430dcef026caea01" in texts(k)
    assert not any("soft lockup" in t for t in texts(k)) and "L" not in k.taints
    k.module_unload("longinit")
    for params in ("resched=0", "locked=1"):
        k = Kernel(KernelConfig(arch=arch, watchdog_thresh=1))
        with pytest.raises(ModuleFault, match="soft lockup"):
            k.module_load(ko, params)
        log = lines(k)
        assert "[    3.600000] watchdog: BUG: soft lockup - CPU#0 stuck for 3s! [insmod:1]" in log
        assert not any("longinit: done" in line for line in log), params
        assert k.module_find("longinit") is None and "L" in k.taints
