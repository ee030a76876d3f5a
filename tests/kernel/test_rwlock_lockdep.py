"""rwlock_t under lockdep, as Linux 6.1 reports it: recursion, lock order, bad unlock."""

from __future__ import annotations

from pathlib import Path

import pytest
from arches import ARCHES
from kernel_helpers import needs_gcc, texts

from lkmsh.build import build_module
from lkmsh.errors import ModuleFault
from lkmsh.kernel.kernel import Kernel, KernelConfig

RWTABLE = Path(__file__).parent / "tasks" / "rwtable.c"
SECOND = 1_000_000_000


@pytest.fixture(params=ARCHES)
def load(request, tmp_path):
    arch = request.param
    ko = build_module([RWTABLE], tmp_path / f"rwtable-{arch}.ko", name="rwtable", arch=arch)

    def run(mode: int) -> Kernel:
        k = Kernel(KernelConfig(arch=arch))
        k.module_load(ko, f"mode={mode}")
        k.sleep(SECOND)
        return k

    run.ko = ko
    run.arch = arch
    return run


def since(k: Kernel, text: str) -> list[str]:
    lines = texts(k)
    return lines[lines.index(text) :]


@needs_gcc
def test_readers_a_writer_and_a_softirq_reader_nesting_are_no_report(load):
    k = load(0)
    assert [t for t in texts(k) if t.startswith("rwtable: ")][1:] == [
        "rwtable: updated the table",
        "rwtable: 1 lookups, table[1]=42",
        "rwtable: audit sees table[1]=42",  # the timer's nested read_lock: softirq may
    ]
    assert not any(t.startswith("WARNING") for t in texts(k))
    k.module_unload("rwtable")


@needs_gcc
def test_an_rwlock_and_a_spinlock_taken_in_both_orders_are_a_circular_dependency(load):
    k = load(1)
    report = since(k, "WARNING: possible circular locking dependency detected")
    assert report[3] == "rw-reporter/3 is trying to acquire lock:"
    assert " (table_lock){++++}-{2:2}, at: reporter_fn+" in report[4]
    assert " (stats_lock){+.+.}-{2:2}, at: reporter_fn+" in report[7]
    assert (
        report[report.index("-> #1 (stats_lock){+.+.}-{2:2}:") + 1]
        .strip()
        .startswith("updater_fn+")
    )
    assert "  lock(table_lock);" in report and " *** DEADLOCK ***" in report
    assert "rwtable: 0 lookups, table[1]=42" in texts(k)  # this run did not deadlock
    k.module_unload("rwtable")


@needs_gcc
def test_a_second_read_lock_in_one_task_is_recursive_locking(load):
    k = load(2)
    report = since(k, "WARNING: possible recursive locking detected")
    assert report[3] == "insmod/1 is trying to acquire lock:"
    assert " (table_lock){++++}-{2:2}, at: " in report[4]
    assert "1 lock held by insmod/1:" in report
    assert "rwtable: table[0]=0" in texts(k)  # no writer waits: the read goes through
    k.module_unload("rwtable")


@needs_gcc
def test_a_read_unlock_of_a_lock_not_held_is_a_bad_unlock(load):
    k = load(3)
    report = since(k, "WARNING: bad unlock balance detected!")
    assert report[2] == "insmod/1 is trying to release lock (table_lock) at:"
    assert report[3].startswith("rwtable_init+")
    assert report[4] == "but there are no more locks to release!"
    k.module_unload("rwtable")


@needs_gcc
def test_write_locking_an_rwlock_the_task_holds_ends_the_call(tmp_path):
    src = tmp_path / "selfwrite.c"
    src.write_text(
        "#include <linux/module.h>\n#include <linux/spinlock.h>\n"
        "static DEFINE_RWLOCK(cfg_lock);\n"
        "static int __init sw_init(void)\n"
        "{\n\tread_lock(&cfg_lock);\n\twrite_lock(&cfg_lock);\n"
        "\twrite_unlock(&cfg_lock);\n\tread_unlock(&cfg_lock);\n\treturn 0;\n}\n"
        'module_init(sw_init);\nMODULE_LICENSE("GPL");\n'
    )
    k = Kernel()
    with pytest.raises(ModuleFault, match="recursive locking"):
        k.module_load(build_module([src], tmp_path / "selfwrite.ko"))
    assert "insmod/1 is trying to acquire lock:" in texts(k)
    assert k.module_find("selfwrite") is None
