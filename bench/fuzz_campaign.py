"""On-demand fuzzing campaign: mutated modules into insmod, modinfo and depmod.

    python bench/fuzz_campaign.py [--inputs N] [--seed S] [--out DIR]

Uses the reliability suite's mutators and oracle (tests/reliability/), so a
finding here is a finding there. Every input that breaks a promise is saved
under DIR (default: fuzz-crashes/) with its notes; copy it into
tests/reliability/regressions/ once fixed. Prints a summary to paste into
docs/reliability.md.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

from elf_mutations import mutate  # noqa: E402
from fuzz_oracle import (  # noqa: E402
    OracleViolation,
    check_depmod,
    check_insmod,
    check_modinfo,
    depmod_available,
)

from lkmsh.kernel.kernel import Kernel, KernelConfig  # noqa: E402
from lkmsh.kernel.state import StateStore  # noqa: E402

BASES = ("hello", "provider", "consumer", "shared_hello", "procfs", "compute", "asm_hello")


def fresh_kernel() -> Kernel:
    k = Kernel(KernelConfig(insn_budget=1_000_000, timeout_s=5.0))
    k.module_load(ROOT / "sample_modules" / "chain_bottom.ko")
    return k


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--out", type=Path, default=Path("fuzz-crashes"))
    ap.add_argument("--save-every", type=int, default=50, help="save the state every N inputs")
    args = ap.parse_args(argv)

    rng = random.Random(args.seed)
    bases = {n: (ROOT / "sample_modules" / f"{n}.ko").read_bytes() for n in BASES}
    tools = ["insmod", "modinfo"] + (["depmod"] if depmod_available() else [])
    outcomes: Counter[tuple[str, str]] = Counter()
    failures = 0
    slowest = 0.0
    peak_mem = 0

    kernel = fresh_kernel()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        store = StateStore(Path(tmp) / "state.sqlite")

        def save_and_restore(k: Kernel) -> None:
            """The state holding the fuzzed module saves and reads back whole."""
            store.save(k.export_state())
            back = Kernel.from_state(store.load())
            if sorted(m.name for m in back.module_list_all()) != sorted(
                m.name for m in k.module_list_all()
            ):
                raise AssertionError("the restored kernel lists other modules")

        for i in range(args.inputs):
            base = rng.choice(sorted(bases))
            data, notes = mutate(bases[base], rng, rng.choice((1, 1, 2, 3)))
            for tool in tools:
                t0 = time.perf_counter()
                measure = i % 100 == 0
                if measure:
                    tracemalloc.start()
                try:
                    if tool == "insmod":
                        result = check_insmod(kernel, data, save_and_restore)
                    elif tool == "modinfo":
                        result = check_modinfo(data)
                    else:
                        result = check_depmod(tree, data)
                except OracleViolation as exc:
                    failures += 1
                    result = "VIOLATION"
                    args.out.mkdir(parents=True, exist_ok=True)
                    stem = args.out / f"{tool}-{args.seed}-{i}"
                    stem.with_suffix(".ko").write_bytes(data)
                    stem.with_suffix(".txt").write_text(f"{base}: {notes}\n{exc}\n")
                    print(f"[{i}] {tool} {base} {notes}: {exc}", file=sys.stderr)
                    kernel = fresh_kernel()
                finally:
                    if measure:
                        peak_mem = max(peak_mem, tracemalloc.get_traced_memory()[1])
                        tracemalloc.stop()
                slowest = max(slowest, time.perf_counter() - t0)
                outcomes[(tool, result)] += 1
            if i % args.save_every == 0:
                store.save(kernel.export_state())
    elapsed = time.perf_counter() - started
    print(
        f"fuzz campaign: seed {args.seed}, {args.inputs} inputs x {len(tools)} tools ({', '.join(tools)})"
    )
    print(
        f"time {elapsed:.1f} s, slowest input {slowest * 1000:.0f} ms, peak Python memory per input {peak_mem >> 10} KiB"
    )
    for (tool, result), n in sorted(outcomes.items()):
        print(f"  {tool:8} {result:10} {n}")
    print(f"host peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10} MiB")
    print(f"promises broken: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
