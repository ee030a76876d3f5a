"""Noise-resistant timing: warm-up, interleaved A/B rounds, medians and min-max.

Interleaving (A, B, B, A, A, B ...) spreads slow drifts of the machine (CPU
frequency, page cache, another process) over both sides instead of charging
them to whichever ran second.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Stats:
    """Samples of one quantity (seconds, bytes, or a rate)."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    def to_dict(self) -> dict:
        return {"median": self.median, "min": self.min, "max": self.max, "n": len(self.samples)}


def clock(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def interleave(
    a: Callable[[], float], b: Callable[[], float] | None, rounds: int, warmup: int = 1
) -> tuple[Stats, Stats | None]:
    """Run a and b alternately; each callable returns its own sample (seconds or a rate)."""
    for _ in range(warmup):
        a()
        if b is not None:
            b()
    sa: list[float] = []
    sb: list[float] = []
    for i in range(rounds):
        order = (a, b) if i % 2 == 0 else (b, a)
        for fn in order:
            if fn is None:
                continue
            (sa if fn is a else sb).append(fn())
    return Stats(tuple(sa)), (Stats(tuple(sb)) if b is not None else None)


def run_process(argv: Sequence[str], *, env: dict | None = None, cwd: str | None = None) -> float:
    """Wall time of one process, its output piped (as in `lkmsh lsmod | awk ...`)."""
    t = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, env=env, cwd=cwd)
    elapsed = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv[:4])} ... exited {proc.returncode}: {proc.stderr.decode()[-400:]}"
        )
    return elapsed


def run_processes(argvs: Sequence[Sequence[str]], **kw) -> float:
    """Wall time of several processes run one after the other."""
    return sum(run_process(a, **kw) for a in argvs)


def cpu_of_processes(argvs: Sequence[Sequence[str]], **kw) -> float:
    """CPU time (user + system) of several processes: what they cost, whatever else runs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for a in argvs:
        run_process(a, **kw)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
