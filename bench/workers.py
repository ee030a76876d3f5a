"""Work run in a fresh interpreter, so its peak memory (ru_maxrss) is its own.

python -m bench.workers many WORKDIR N     load N modules, lsmod, unload all
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def many(workdir: Path, n: int) -> dict:
    from bench.fixtures import Workdir
    from lkmsh.kernel.kernel import Kernel, KernelConfig

    modules = Workdir(workdir).leaf_modules(n)
    k = Kernel(KernelConfig(max_modules=max(256, n)))
    t0 = time.perf_counter()
    for name, data in modules:
        k.module_load(data, path_hint=f"/bench/{name}.ko")
    t1 = time.perf_counter()
    listing = k.read_proc("/proc/modules")
    assert listing.count(b"\n") == n, "lsmod does not show every module"
    t2 = time.perf_counter()
    for m in k.module_list_all():
        k.module_unload(m.name)
    t3 = time.perf_counter()
    return {
        "load_s": t1 - t0,
        "lsmod_s": t2 - t1,
        "unload_s": t3 - t2,
        "total_s": t3 - t0,
        "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def main(argv: list[str]) -> int:
    what, workdir, n = argv[0], Path(argv[1]), int(argv[2])
    if what != "many":
        raise SystemExit(f"unknown worker {what}")
    print(json.dumps(many(workdir, n)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
