"""jiffies moves under module code that polls it, as the timer tick moves it on Linux.

The block meter stops module code each time it has run into the next jiffy
(4 ms of virtual time, 2 ns a block) and the jiffies variable is rewritten
before it goes on, so ``while (time_before(jiffies, end)) cpu_relax();``
ends without any kernel call, at the same block on every run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from arches import ARCHES
from kernel_helpers import needs_gcc

from lkmsh.build import build_module
from lkmsh.errors import KernelError
from lkmsh.kernel.clock import HZ
from lkmsh.kernel.kernel import Kernel, KernelConfig

SOURCE = Path(__file__).parent / "modules" / "jiffies_wait.c"
MS_PER_JIFFY = 1000 // HZ


def lines(k: Kernel) -> list[str]:
    return [k.format_dmesg_line(r) for r in k.dmesg()]


@needs_gcc
@pytest.mark.parametrize("arch", ARCHES)
def test_a_probe_polling_jiffies_times_out_at_the_same_jiffy_every_run(tmp_path, arch):
    ko = build_module([SOURCE], tmp_path / f"jw-{arch}.ko", name="jiffies_wait", arch=arch)

    def run() -> list[str]:
        k = Kernel(KernelConfig(arch=arch))
        with pytest.raises(KernelError) as err:
            k.module_load(ko, "timeout_ms=20")
        assert err.value.errno == 110  # -ETIMEDOUT, from the driver's own loop
        assert k.module_find("jiffies_wait") is None
        return lines(k)

    first = run()
    assert first == run()
    report = next(x for x in first if "device not ready after" in x)
    waited = int(report.split("after ")[1].split()[0])
    # time_after(jiffies, timeout): past the 5 jiffies of 20 ms, by at most a jiffy more
    assert 20 < waited <= 20 + 2 * MS_PER_JIFFY
    stamp = float(report[1:].split("]")[0])
    assert 0.020 < stamp < 0.020 + 3 * MS_PER_JIFFY / 1000  # the clock moved as far


@needs_gcc
def test_a_longer_timeout_waits_longer_in_virtual_time(tmp_path):
    ko = build_module([SOURCE], tmp_path / "jw.ko", name="jiffies_wait")
    waited = []
    for ms in (8, 40):
        k = Kernel()
        with pytest.raises(KernelError):
            k.module_load(ko, f"timeout_ms={ms}")
        report = next(x for x in lines(k) if "device not ready after" in x)
        waited.append(int(report.split("after ")[1].split()[0]))
    assert waited[0] < 40 < waited[1]


HLT_BYTE_BEFORE_LOOP = r"""
#include <linux/init.h>
#include <linux/module.h>

static unsigned long rounds = 10000000;
module_param(rounds, ulong, 0444);

static int __init hltbyte_init(void)
{
	unsigned long n = rounds;

	/* b0 f4: the byte before the loop's block is the one of a hlt */
	asm volatile("mov $0xf4, %%al\n"
		"1:	dec %0\n\t"
		"jnz 1b"
		: "+r"(n) : : "rax", "cc");
	return 0;
}

module_init(hltbyte_init);
MODULE_LICENSE("GPL");
"""


@needs_gcc
def test_a_jiffy_stop_is_not_taken_for_a_hlt_by_the_byte_before_it(tmp_path):
    """Regression: a stop at a block whose previous byte is 0xf4 (x86 hlt) was resumed as
    after a hlt, charging a tick's worth of run time at every block: a false soft lockup."""
    src = tmp_path / "hltbyte.c"
    src.write_text(HLT_BYTE_BEFORE_LOOP)
    ko = build_module([src], tmp_path / "hltbyte.ko", name="hltbyte")
    k = Kernel()
    k.module_load(ko)  # 10 M blocks: five jiffies, no report
    assert not any("soft lockup" in x for x in lines(k))
    assert k.module_find("hltbyte") is not None
