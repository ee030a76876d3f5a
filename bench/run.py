"""The benchmark runner: ``python -m bench [--quick | --smoke] [--json FILE]``.

Prints one table (figure, lkmsh median, min–max, baseline, baseline median,
ratio, budget, pass) and exits 1 when a budget does not hold.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # python bench/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import fixtures as fx  # noqa: E402
from bench.figures import PROFILES, Bench  # noqa: E402
from bench.report import notes, table  # noqa: E402


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "executable": sys.executable,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer rounds (sizes unchanged)")
    mode.add_argument("--smoke", action="store_true", help="tiny sizes: proves the runner works")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument(
        "--workdir", metavar="DIR", help="keep built modules here (default: a temp dir)"
    )
    ap.add_argument(
        "--only",
        metavar="GROUP[,GROUP]",
        help="run only these figure groups (e.g. kernel_calls,oneshot_insmod_rmmod); "
        "--list names them",
    )
    ap.add_argument("--list", action="store_true", help="list the figure groups and exit")
    args = ap.parse_args(argv)
    profile = PROFILES["smoke" if args.smoke else "quick" if args.quick else "full"]

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.time()
    with tempfile.TemporaryDirectory(prefix="lkmsh-bench-") as tmp:
        work = fx.Workdir(Path(args.workdir) if args.workdir else Path(tmp))
        bench = Bench(profile, work, log)
        groups = [step.__name__ for step in bench.steps()]
        if args.list:
            print("\n".join(groups))
            return 0
        only = args.only.split(",") if args.only else None
        unknown = sorted(set(only or ()) - set(groups))
        if unknown:
            ap.error(f"no figure group {', '.join(unknown)} (--list names them)")
        figures = bench.all(only)
    info = machine()
    print(
        f"lkmsh benchmarks ({profile.name}) on {info['cpu']}, {info['cpus']} CPUs, "
        f"{info['system']}, {info['python']}\n"
    )
    print(table(figures, markdown=args.markdown), end="")
    print("\nNotes:\n" + notes(figures), end="")
    failed = [f.key for f in figures if f.passed is False or f.extra.get("error")]
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "profile": profile.name,
                    "machine": info,
                    "started": started,
                    "seconds": time.time() - started,
                    "figures": [f.to_dict() for f in figures],
                    "failed": failed,
                },
                indent=2,
            )
            + "\n"
        )
    if failed:
        print(f"\nbudgets not met or figures failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
