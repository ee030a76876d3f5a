"""kernel/cpu.c's CPU masks: lkmsh's kernel is a uniprocessor, CPU 0 in every mask."""

from __future__ import annotations

from lkmsh.kernel.kapi.registry import kdata

#: one word (NR_CPUS 1): CPU 0 set
_CPU0 = (1).to_bytes(8, "little")


@kdata("__cpu_possible_mask", 8, static=True)
def cpu_possible_mask(kernel) -> bytes:
    return _CPU0


@kdata("__cpu_online_mask", 8, static=True)
def cpu_online_mask(kernel) -> bytes:
    return _CPU0


@kdata("__cpu_present_mask", 8, static=True)
def cpu_present_mask(kernel) -> bytes:
    return _CPU0


@kdata("__cpu_active_mask", 8, static=True)
def cpu_active_mask(kernel) -> bytes:
    return _CPU0
