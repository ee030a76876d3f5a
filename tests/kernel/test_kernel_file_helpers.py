"""filp_open, get_kernel_nofault, schedule_hrtimeout, nsecs_to_jiffies from module code
(modules/kfile_probe.c), on both architectures."""

from __future__ import annotations

import pytest
from kernel_helpers import HERE_MODULES, needs_gcc, texts

pytestmark = needs_gcc


@pytest.fixture
def probe(arch_kernel):
    kernel, build = arch_kernel
    kernel.module_load(build((HERE_MODULES / "kfile_probe.c").read_text(), "kfile_probe"))
    return kernel, [t for t in texts(kernel) if t.startswith("kfile_probe: ") and "taints" not in t]


def test_filp_open_gives_an_inode_to_lock(probe):
    kernel, log = probe
    assert log[:5] == [
        "kfile_probe: modules: regular=1 magic=0x9fa0 id=proc",
        "kfile_probe: host is the inode: 1",
        "kfile_probe: missing: -2",
        "kfile_probe: read-only for writing: -13",
        "kfile_probe: debugfs dir: 1 debugfs",
    ]


def test_nofault_reads_and_the_hrtimer_sleep(probe):
    kernel, log = probe
    assert log[5:] == [
        "kfile_probe: nofault: 0 1234",
        "kfile_probe: nofault unmapped: -14",
        "kfile_probe: mm: set",  # insmod is a process: it has an mm, as on Linux
        "kfile_probe: jiffies: 2 250",  # HZ 250: 10 ms is 2.5 jiffies, cut down
        "kfile_probe: hrtimeout: 0 after 5 jiffies",
        "kfile_probe: timeout: 0 after 5 jiffies",  # jiffies moved for insmod's own wait too
    ]
