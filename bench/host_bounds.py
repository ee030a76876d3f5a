"""Host peak RSS of each hostile case of issue 17, each in its own process.

    python bench/host_bounds.py

Builds the hostile modules of tests/reliability/test_host_bounds.py, runs
each case in a fresh child capped at 1 GiB of address space (RLIMIT_AS), and
prints the outcome and the child's peak RSS (ru_maxrss) as a table for
docs/reliability.md. Also times nothing: the figures are memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

import test_host_bounds as T  # noqa: E402

CAP = 1 << 30

CHILD = textwrap.dedent(
    """
    import errno, json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
    from lkmsh.errors import KernelError
    from lkmsh.kernel.kernel import Kernel
    from lkmsh.kernel.state import StateStore
    k = Kernel()
    try:
        m = k.module_load(sys.argv[1], sys.argv[2])
        outcome = "loaded"
    except KernelError as e:
        outcome = errno.errorcode.get(e.errno, str(e.errno))
    with StateStore(sys.argv[3]) as store:  # what every later command would read
        store.save(k.export_state())
        Kernel.from_state(store.load())
    print(json.dumps([outcome, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))
    """
)


def run_case(ko: Path, params: str, tmp: Path) -> tuple[str, int]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD.format(cap=CAP), str(ko), params, str(tmp / "s.db")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    if proc.returncode:
        return f"crashed: {proc.stderr.strip().splitlines()[-1]}", 0
    outcome, peak = json.loads(proc.stdout)
    return outcome, peak


def run_cli(argv: list[str], tmp: Path, state: str = "cli.db") -> tuple[str, int]:
    code = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, timeout=120)\n"
        "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    exe = Path(sys.executable).with_name("lkmsh")
    lkmsh = [str(exe)] if exe.exists() else [sys.executable, "-m", "lkmsh"]
    out = subprocess.run(
        [sys.executable, "-c", code, *lkmsh, "--state", str(tmp / state), *argv],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "LKMSH_TIMEOUT": "60"},  # 800,000 kernel calls on a busy machine
    )
    rc, peak = out.stdout.split()
    return f"exit {rc}", int(peak)


#: What a module may leave in the state, then the one-shot commands that follow it.
LATER = ("dmesg", "lsmod", "cat /proc/modules", "ls /proc", "cat /proc/slabinfo")
RECORDS = (
    "#include <linux/module.h>\n"
    "static int __init mr_init(void) { return 0; }\nmodule_init(mr_init);\n"
    'MODULE_LICENSE("GPL");\n'
    'asm(".section .modinfo,\\"a\\"\\n.rept 16000\\n.asciz \\"x=y\\"\\n.endr\\n.previous");\n'
)


def later_commands(tmp: Path) -> list[tuple[str, str, int]]:
    """A state holding the issue's 800,000 kmallocs (65,535 kept) and a module at the
    .modinfo record limit: the host cost of each one-shot command after it."""
    from lkmsh.build import build_module

    rows = []
    for name, text in (("mk_800k", T.EIGHT_HUNDRED_THOUSAND), ("mr_16k", RECORDS)):
        (tmp / f"{name}.c").write_text(text)
        ko = build_module([tmp / f"{name}.c"], tmp / f"{name}.ko")
        rows.append((f"insmod {name}", *run_cli(["insmod", str(ko)], tmp, "later.db")))
    for cmd in LATER:
        rows.append((f"then {cmd}", *run_cli(cmd.split(), tmp, "later.db")))
    return rows


def main() -> int:
    from lkmsh.build import build_module

    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sources = {
            "hb_hog": T.HOG,
            "hb_bss": T.BIG_BSS,
            "mo_many": T.MANY_OBJECTS.replace("slab.h>", "slab.h>\n#include <linux/vmalloc.h>"),
        }
        built = {}
        for name, text in sources.items():
            (tmp / f"{name}.c").write_text(text)
            built[name] = build_module([tmp / f"{name}.c"], tmp / f"{name}.ko")
        cases = [
            ("printk of 128 fields %8388607d", "hb_hog", "what=printk"),
            ("snprintf of 128 fields %8388607d", "hb_hog", "what=snprintf"),
            ("memset of 3 GiB", "hb_hog", "what=memset"),
            ("strncpy of 3 GiB", "hb_hog", "what=strncpy"),
            ("memcpy of 3 GiB", "hb_hog", "what=memcpy"),
            ("1000 MiB of .bss", "hb_bss", ""),
            ("100,000 kmalloc(8)", "mo_many", ""),
        ]
        for label, name, params in cases:
            rows.append((label, *run_case(built[name], params, tmp)))
        fifo = tmp / "fifo.ko"
        os.mkfifo(fifo)
        rows.append(("insmod /dev/zero", *run_cli(["insmod", "/dev/zero"], tmp)))
        rows.append(("insmod of a FIFO", *run_cli(["insmod", str(fifo)], tmp)))
        words = tmp / "words.lk"
        words.write_text("echo " + " ".join(f"w{i}" for i in range(640_000)) + "\n")
        rows.append(("a script line of 640,000 words", *run_cli([str(words)], tmp)))
        rows += later_commands(tmp)
    print("| case | outcome | host peak RSS |")
    print("| --- | --- | ---: |")
    for label, outcome, peak in rows:
        print(f"| {label} | {outcome} | {peak / 1024:.0f} MiB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
