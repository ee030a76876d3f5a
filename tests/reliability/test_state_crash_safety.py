"""One-shot commands through the real CLI: kill -9, parallel scripts, a full disk, file mode.

tests/kernel/test_state.py covers the store itself (kill -9 of a writer, 8
parallel writers, read-only files); this file checks the same promises end
to end, through ``lkmsh --state FILE insmod/rmmod`` processes.
"""

from __future__ import annotations

import random
import resource
import shutil
import signal
import stat
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from reliability_helpers import ROOT, cli, lkmsh_command, sample

SCRIPTS = 8
COMMANDS_PER_SCRIPT = 50


def lsmod_names(state: Path) -> list[str]:
    r = cli(state, "lsmod")
    assert r.code == 0, r.err
    return [line.split()[0] for line in r.out.splitlines()[1:]]


def test_the_state_file_is_created_private(tmp_path):
    state = tmp_path / "k.sqlite"
    assert cli(state, "insmod", str(sample("hello"))).code == 0
    assert stat.S_IMODE(state.stat().st_mode) == 0o600


def kill_at_random(state: Path, argv: list[str], delay: float) -> None:
    proc = subprocess.Popen(
        [*lkmsh_command(), "--state", str(state), *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_kill_9_at_random_moments_leaves_the_before_or_the_after_state(tmp_path):
    rng = random.Random(6)
    base = tmp_path / "base.sqlite"
    assert cli(base, "insmod", str(sample("provider"))).code == 0
    commands = [
        ["insmod", str(sample("hello")), "who=kill"],
        ["rmmod", "provider"],
        ["insmod", str(sample("consumer"))],
        ["modprobe", "chain_top"],  # three modules in one command: all or none
    ]
    outcomes = set()
    for trial in range(6):
        argv = commands[trial % len(commands)]
        before = lsmod_names(base)
        # the after state, from an undisturbed run on a copy
        done = tmp_path / f"done{trial}.sqlite"
        shutil.copy(base, done)
        assert cli(done, *argv).code == 0
        after = lsmod_names(done)
        victim = tmp_path / f"victim{trial}.sqlite"
        shutil.copy(base, victim)
        kill_at_random(victim, argv, rng.uniform(0.05, 0.7))
        now = lsmod_names(victim)  # the state opens ...
        assert now in (before, after)  # ... and is one of the two
        outcomes.add("after" if now == after else "before")
        # and the kernel behind it still works
        # (a module none of the commands loads: chain_bottom is there after modprobe)
        assert cli(victim, "insmod", str(sample("shared_hello"))).code == 0
    assert outcomes  # (both usually appear; which one depends on timing)


def test_eight_parallel_scripts_of_fifty_commands_lose_no_update(tmp_path):
    """Each script inserts and removes its own module 25 times; the odd ones end
    with one more insmod. Every command is its own transaction on one file."""
    state = tmp_path / "k.sqlite"
    image = sample("hello").read_bytes()  # no exports: the copies cannot clash
    scripts = []
    for i in range(SCRIPTS):
        name = f"hel{i:02d}"  # hello renamed (same length) in .modinfo and __this_module
        ko = tmp_path / f"{name}.ko"
        ko.write_bytes(image.replace(b"hello\0", name.encode() + b"\0"))
        lines = []
        for _ in range(COMMANDS_PER_SCRIPT // 2):
            lines += [f"insmod {ko}", f"rmmod {name}"]
        if i % 2:
            lines[-1] = "lsmod"  # still 50 commands, ending loaded
        assert len(lines) == COMMANDS_PER_SCRIPT
        script = tmp_path / f"s{i}.lkmsh"
        script.write_text("\n".join(lines) + "\n")
        scripts.append(script)

    def run(script: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*lkmsh_command(), "--state", str(state), str(script)],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )

    with ThreadPoolExecutor(SCRIPTS) as pool:
        results = list(pool.map(run, scripts))
    assert [r.returncode for r in results] == [0] * SCRIPTS, [r.stderr for r in results]
    expected = sorted(f"hel{i:02d}" for i in range(SCRIPTS) if i % 2)
    assert sorted(lsmod_names(state)) == expected


def test_a_full_disk_is_a_clear_error_and_nothing_half_written(tmp_path):
    state = tmp_path / "k.sqlite"
    assert cli(state, "insmod", str(sample("provider"))).code == 0
    before = state.read_bytes()

    def small_disk():  # writes past 4 KiB fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    r = subprocess.run(
        [*lkmsh_command(), "--state", str(state), "insmod", str(sample("hello"))],
        capture_output=True,
        text=True,
        preexec_fn=small_disk,
        cwd=ROOT,
        timeout=60,
    )
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith(f"insmod: ERROR: I/O error on state file {state}")
    assert len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr
    assert state.read_bytes() == before  # the database file itself untouched
    assert lsmod_names(state) == ["provider"]
    assert cli(state, "insmod", str(sample("hello"))).code == 0  # room again: works
    assert lsmod_names(state) == ["hello", "provider"]
