"""On-demand crash campaign: kill -9 one-shot insmod/rmmod/modprobe at random moments.

    python bench/crash_campaign.py [--trials N] [--seed S]

Each trial copies a state file, runs one command through the real CLI on an
undisturbed copy (the "after" state) and on a victim copy that gets SIGKILL
after a random delay; the victim must open and equal the before or the after
state (lsmod and dmesg text), and the next command on it must work.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_modules"


def lkmsh() -> list[str]:
    exe = Path(sys.executable).with_name("lkmsh")
    return [str(exe)] if exe.exists() else [shutil.which("lkmsh") or "lkmsh"]


def run(state: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*lkmsh(), "--state", str(state), *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def snapshot(state: Path) -> tuple[str, str]:
    """What a user sees of the state: lsmod and dmesg (both must read)."""
    a, b = run(state, "lsmod"), run(state, "dmesg")
    if a.returncode or b.returncode:
        raise RuntimeError(f"state does not open: {a.stderr}{b.stderr}")
    return a.stdout, b.stdout


COMMANDS = [
    ["insmod", str(SAMPLES / "hello.ko"), "who=campaign"],
    ["rmmod", "provider"],
    ["insmod", str(SAMPLES / "consumer.ko")],
    ["insmod", str(SAMPLES / "procfs.ko")],
    ["rmmod", "chain_bottom"],
    ["modprobe", "chain_top"],  # chain_middle and chain_top over the loaded chain_bottom
    ["modprobe", "-r", "provider"],
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=120)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--max-delay", type=float, default=0.8)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    bad = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.sqlite"
        for ko in ("provider", "chain_bottom"):
            assert run(base, "insmod", str(SAMPLES / f"{ko}.ko")).returncode == 0
        before = snapshot(base)
        afters: list[tuple[str, str]] = []
        for trial in range(args.trials):
            argv_ = COMMANDS[trial % len(COMMANDS)]
            done, victim = Path(tmp) / "done.sqlite", Path(tmp) / "victim.sqlite"
            for p in (done, victim):
                for suffix in ("", "-wal", "-shm"):
                    Path(str(p) + suffix).unlink(missing_ok=True)
                shutil.copy(base, p)
            if trial < len(COMMANDS):  # each command's after state, once
                run(done, *argv_)
                afters.append(snapshot(done))
            after = afters[trial % len(COMMANDS)]
            proc = subprocess.Popen(
                [*lkmsh(), "--state", str(victim), *argv_],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                cwd=ROOT,
            )
            delay = rng.uniform(0.0, args.max_delay)
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            try:
                now = snapshot(victim)
            except RuntimeError as exc:
                bad += 1
                print(f"[{trial}] {' '.join(argv_)} killed at {delay:.3f}s: {exc}", file=sys.stderr)
                continue
            # dmesg timestamps differ run to run; compare lsmod exactly and the log's text
            strip = lambda s: [line.split("] ", 1)[-1] for line in s.splitlines()]  # noqa: E731
            if now[0] == before[0] and strip(now[1]) == strip(before[1]):
                outcomes["before"] += 1
            elif now[0] == after[0] and strip(now[1]) == strip(after[1]):
                outcomes["after"] += 1
            else:
                bad += 1
                print(
                    f"[{trial}] {' '.join(argv_)} killed at {delay:.3f}s: neither state",
                    file=sys.stderr,
                )
                continue
            if run(victim, "insmod", str(SAMPLES / "compute.ko")).returncode != 0:
                bad += 1
                print(f"[{trial}] the next command failed", file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(
        f"crash campaign: seed {args.seed}, {args.trials} kill -9 trials in {elapsed:.0f} s (pid {os.getpid()})"
    )
    print(
        f"  state was the before state: {outcomes['before']}, the after state: {outcomes['after']}"
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >> 10
    print(f"  host peak RSS of any one command: {peak} MiB")
    print(f"promises broken: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
