"""On-demand tampering campaign: consistently edited state files are corrupt, never internal errors.

    python bench/tamper_campaign.py [--trials N] [--seed S]

A state with sample modules loaded is saved once. Each trial copies it and
replaces or deletes one JSON value of a component row, a module record (its
crc32 recomputed, as a careful editor would), a module's symbols or .modinfo,
or the config/meta row. Then it restores the kernel and works on it: /proc
reads, an insmod, rmmods. Every failure must be a KernelError (StateError:
"state file is corrupt"); any other exception is a broken promise, printed with
what was changed.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from contextlib import suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_modules"
LOADED = ("hello", "procfs", "chardev", "ramdisk", "snull", "tiny_uart", "provider", "consumer")
LOADED += ("print_string", "chain_bottom", "chain_middle")
READS = ("/proc/modules", "/proc/kallsyms", "/proc/slabinfo", "/proc/devices", "/proc/net/dev")
VALUES: list[Any] = [-1, 0, 2**70, -(2**70), "x", "", None, [], {}, 1.5, True, [1], {"a": 1}]
VALUES += [[[1, 2]], 1e308]


def base_state(path: Path) -> None:
    from lkmsh.errors import KernelError
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.state import StateStore

    k = Kernel()
    for name in LOADED:
        try:
            k.module_load(str(SAMPLES / f"{name}.ko"))
        except KernelError as e:
            print(f"note: {name} not loaded: {e}", file=sys.stderr)
    with StateStore(path) as store:
        store.save(k.export_state())


def mutate(rng: random.Random, obj: Any) -> Any:
    """@obj with one value (at most 50 list elements deep) replaced or deleted."""
    paths: list[tuple] = []

    def walk(o: Any, path: tuple) -> None:
        paths.append(path)
        items = (
            o.items() if isinstance(o, dict) else enumerate(o[:50]) if isinstance(o, list) else ()
        )
        for key, value in items:
            walk(value, (*path, key))

    walk(obj, ())
    path = rng.choice(paths)
    if not path:
        return rng.choice(VALUES)
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and rng.random() < 0.2:
        del parent[path[-1]]
    else:
        parent[path[-1]] = rng.choice(VALUES)
    return obj


def tamper(rng: random.Random, db: Path) -> str:
    from lkmsh.kernel.snapshot import text_crc

    with sqlite3.connect(db) as c:
        kind = rng.choice(["component"] * 3 + ["record", "symbols", "modinfo", "meta"])
        if kind == "component":
            name, data = rng.choice(c.execute("SELECT name, data FROM components").fetchall())
            new = json.dumps(mutate(rng, json.loads(data)))
            c.execute(
                "UPDATE components SET data=?, crc=? WHERE name=?", (new, text_crc(new), name)
            )
        elif kind == "meta":
            q = "SELECT key, value FROM meta WHERE key IN ('config', 'meta')"
            name, data = rng.choice(c.execute(q).fetchall())
            new = json.dumps(mutate(rng, json.loads(data)))
            c.execute("UPDATE meta SET value=? WHERE key=?", (new, name))
        else:
            name, data = rng.choice(c.execute(f"SELECT name, {kind} FROM modules").fetchall())
            new = json.dumps(mutate(rng, json.loads(data)))
            crc = text_crc(new) if kind == "record" else None
            c.execute(f"UPDATE modules SET {kind}=?, crc=? WHERE name=?", (new, crc, name))
    return f"{kind} {name}: {new[:160]}"


def trial(db: Path) -> None:
    from lkmsh.errors import KernelError
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.state import StateStore

    def restore(saved: Any) -> Kernel:
        return Kernel.from_state(saved) if saved else Kernel()

    # A KernelError ("state file is corrupt" or another clean refusal) keeps the promise.
    with suppress(KernelError), StateStore(db) as store, store.transaction(restore) as tx:
        k = tx.kernel
        steps = [lambda p=p: k.read_file(p) for p in READS]
        steps.append(lambda: k.module_load(str(SAMPLES / "compute.ko")))
        steps += [
            lambda m=m: k.module_unload(m) for m in ("consumer", "chain_middle", "snull", "ramdisk")
        ]
        for step in steps:
            with suppress(KernelError):
                step()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    broken = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.db"
        base_state(base)
        for n in range(args.trials):
            db = Path(tmp) / f"t{n % 2}.db"
            for f in Path(tmp).glob(f"t{n % 2}.db*"):
                f.unlink()
            shutil.copy(base, db)
            what = tamper(rng, db)
            try:
                trial(db)
            except Exception:  # noqa: BLE001 - an internal error is what the campaign counts
                broken += 1
                print(f"BROKEN trial {n}, {what}", file=sys.stderr)
                traceback.print_exc(limit=4)
    took = time.perf_counter() - started
    print(f"tamper campaign: seed {args.seed}, {args.trials} trials, {broken} broken, {took:.0f} s")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
