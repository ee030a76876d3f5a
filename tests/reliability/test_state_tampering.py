"""Tampered contents inside a valid state file (issue 17, items 11 and 15).

The file opens (its tables, stamp and checksums are fine) but what it says
is wrong: a watchdog switched off, a config of the wrong type, records that
do not fit together. Every later command must say "state file is corrupt:
... (run 'lkmsh reboot' to start a fresh kernel)" and exit 1, never an internal error and
never run with the tampered limits; ``lkmsh reboot`` then starts afresh.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from reliability_helpers import cli, sample

TAMPERINGS = {
    "watchdog off": ("UPDATE meta SET value = ? WHERE key = 'config'", '{"insn_budget": 0}'),
    "endless timeout": ("UPDATE meta SET value = ? WHERE key = 'config'", '{"timeout_s": 1e9}'),
    "huge heap": (
        "UPDATE meta SET value = ? WHERE key = 'config'",
        '{"heap_limit": 1099511627776}',
    ),
    "huge log": ("UPDATE meta SET value = ? WHERE key = 'config'", '{"dmesg_bytes": 1e12}'),
    "config of a string": ("UPDATE meta SET value = ? WHERE key = 'config'", '{"heap_limit": "x"}'),
    "config a list": ("UPDATE meta SET value = ? WHERE key = 'config'", "[1, 2]"),
    "unknown config": ("UPDATE meta SET value = ? WHERE key = 'config'", '{"turbo": 1}'),
    "meta without ranges": ("UPDATE meta SET value = ? WHERE key = 'meta'", '{"taints": ""}'),
    "meta a number": ("UPDATE meta SET value = ? WHERE key = 'meta'", "7"),
    "heap of wrong shape": (
        "UPDATE components SET data = ? WHERE name = 'heap'",
        '{"live": [[1]]}',
    ),
    "log of wrong shape": ("UPDATE components SET data = ? WHERE name = 'dmesg'", '{"records": 5}'),
    "symbols of wrong shape": ("UPDATE components SET data = ? WHERE name = 'symbols'", "[[1]]"),
    "module record": ("UPDATE modules SET record = ?", '{"name": 3}'),
    "a component's field": (
        "UPDATE components SET data = json_set(data, '$.events', ?) WHERE name = 'sched'",
        "x",
    ),
    "a module's size": (
        "UPDATE modules SET record = json_set(record, '$.size', json(?))",
        "-1180591620717411303424",
    ),
    "region perms": ("UPDATE regions SET perms = ? WHERE name LIKE 'hello:%'", b""),
    "region size": ("UPDATE regions SET size = ? WHERE name LIKE 'hello:%'", 1 << 40),
}


#: A command that only reads the tampered part; one-shot commands read only what they need
#: (dmesg the log, lsmod the module table, and the heap is decoded when first used).
READER = {
    "heap of wrong shape": ("cat", "/proc/slabinfo"),
    "log of wrong shape": ("dmesg",),
}


@pytest.mark.parametrize("what", sorted(TAMPERINGS))
def test_tampered_contents_are_called_corrupt_and_reboot_starts_afresh(tmp_path, what):
    state = tmp_path / "s.db"
    assert cli(state, "insmod", str(sample("hello"))).code == 0
    sql, value = TAMPERINGS[what]
    with sqlite3.connect(state) as db:
        assert db.execute(sql, (value,)).rowcount >= 1
    reader = READER.get(what, ("cat", "/proc/modules"))
    for argv in (("insmod", str(sample("provider"))), reader):
        r = cli(state, *argv)
        assert r.code == 1, (argv, r)
        assert "internal error" not in r.err and "Traceback" not in r.err
        line = r.err.strip().splitlines()[-1]
        assert "state file" in line and "is corrupt: " in line, line
        assert line.endswith("(run 'lkmsh reboot' to start a fresh kernel)"), line
    assert cli(state, "reboot").code == 0
    assert cli(state, "insmod", str(sample("hello"))).code == 0


def test_a_tampered_heap_is_reported_before_module_code_runs(tmp_path):
    """The heap is decoded on first use: a command running module code (a /proc
    show) finds it corrupt before the call, and a plain dmesg still reads the log."""
    state = tmp_path / "s.db"
    assert cli(state, "insmod", str(sample("procfs"))).code == 0
    with sqlite3.connect(state) as db:
        db.execute("UPDATE components SET data = '{\"live\": [[1]]}' WHERE name = 'heap'")
    r = cli(state, "cat", "/proc/hello_proc")
    assert r.code == 1 and "Traceback" not in r.err and "internal error" not in r.err
    assert r.err.strip().endswith("(run 'lkmsh reboot' to start a fresh kernel)"), r.err
    assert "state file is corrupt: heap: " in r.err
    log = cli(state, "dmesg")
    assert log.code == 0 and "BUG" not in log.out and "Oops" not in log.out


def test_a_saved_watchdog_is_never_trusted_beyond_its_maximum(tmp_path):
    """Even a well-formed state cannot lift the wall-clock limit past 60 s."""
    from lkmsh.kernel.kernel import CONFIG_LIMITS, KernelConfig

    assert CONFIG_LIMITS["timeout_s"][1] == 60.0
    with pytest.raises(ValueError, match="timeout_s"):
        KernelConfig.from_data({"timeout_s": 61.0})
    with pytest.raises(ValueError, match="insn_budget"):
        KernelConfig.from_data({"insn_budget": 0})
    assert KernelConfig.from_data(json.loads('{"timeout_s": 5}')).timeout_s == 5


def test_the_lock_timeout_names_the_holder_and_says_retry(tmp_path):
    import subprocess
    import sys

    from lkmsh.kernel.state import StateBusy, StateStore
    from lkmsh.shell.messages import state_problem

    state = tmp_path / "s.db"
    assert cli(state, "insmod", str(sample("hello"))).code == 0
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
            " c.execute('BEGIN IMMEDIATE'); print('held', flush=True); sys.stdin.read()",
            str(state),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        from lkmsh.shell.context import make_kernel

        store = StateStore(str(state), busy_timeout=0.1)
        with pytest.raises(StateBusy) as exc, store.transaction(make_kernel):
            pass
    finally:
        holder.communicate("")
    text = state_problem(exc.value)
    assert f"(pid {holder.pid}: {sys.executable} -c import sqlite3" in text
    assert text.endswith("retry when it has finished")
    assert "reboot" not in text  # rebooting would wipe the kernel, and not help


def test_reboot_repairs_an_lkmsh_file_missing_its_tables(tmp_path):
    state = tmp_path / "s.db"
    assert cli(state, "insmod", str(sample("hello"))).code == 0
    with sqlite3.connect(state) as db:
        db.execute("DROP TABLE modules")
    r = cli(state, "lsmod")
    assert r.code == 1 and "is corrupt: no such table: modules" in r.err
    assert cli(state, "reboot").code == 0
    assert cli(state, "lsmod").code == 0


def test_a_directory_as_the_state_file_is_called_a_directory(tmp_path):
    r = cli(tmp_path, "lsmod")
    assert r.code == 1
    assert r.err.startswith(f"lsmod: ERROR: {tmp_path}: Is a directory (")
    assert r.err.count("\n") == 1


def test_per_process_watchdog_overrides_are_not_saved(tmp_path):
    """LKMSH_TIMEOUT/LKMSH_INSN_BUDGET are for one process: the file keeps its own limits."""
    import os
    import subprocess

    from reliability_helpers import ROOT, lkmsh_command

    state = tmp_path / "s.db"
    env = {**os.environ, "LKMSH_TIMEOUT": "600", "LKMSH_INSN_BUDGET": str(10**15)}
    proc = subprocess.run(
        [*lkmsh_command(), "--state", str(state), "insmod", str(sample("hello"))],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    with sqlite3.connect(state) as db:
        (config,) = db.execute("SELECT value FROM meta WHERE key = 'config'").fetchone()
    assert json.loads(config)["timeout_s"] == 10.0
    assert cli(state, "dmesg").code == 0


#: Rows rewritten with their checksums made to match: a tool (or a person) that edits
#: the file consistently is still refused by what the restore checks itself.
CONSISTENT = {
    "module base of a dict": ("modules", "record", "hello", "$.base", "{}"),
    "module users of a string": ("modules", "record", "hello", "$.users", '"x"'),
    "module size beyond 64 bits": (
        "modules",
        "record",
        "hello",
        "$.size",
        "1180591620717411303424",
    ),
    "rcu callback of a string": ("components", "data", "rcu", "$", '["x"]'),
    "tasklet of a string": ("components", "data", "workqueues", "$.tasklets", '["x"]'),
    "workqueue works of a string": (
        "components",
        "data",
        "workqueues",
        "$.wqs",
        '[[4096, "q", 0, "x", 0, false, null]]',
    ),
    "disk address of a string": (
        "components",
        "data",
        "block",
        "$.disks",
        '[{"addr": "x", "owner": null, "queue": 0, "part0": 0}]',
    ),
    "heap object of no kmalloc cache": (
        "components",
        "data",
        "heap",
        "$.live",
        '[[4096, 80, 1.5, "hello", 0, 0, 0, false, "kmalloc", 0, 0]]',
    ),
    "chrdev major of a string": ("components", "data", "chrdev", "$.regions[0].major", '"x"'),
    "timer events of a string": ("components", "data", "sched", "$.events", '"x"'),
    "block major name of a list": (
        "components",
        "data",
        "block",
        "$.majors",
        '[{"major": 254, "name": [], "owner": null}]',
    ),
}


def built_part_data(row: str) -> object:
    """What a kernel's Part saving under @row holds when just built (kernel.py)."""
    from lkmsh.kernel.kernel import Kernel

    [part] = [p for p in Kernel.PARTS if p.row == row]
    return getattr(Kernel(), part.attr).to_data()


@pytest.mark.parametrize("what", sorted(CONSISTENT))
def test_a_consistently_rewritten_row_of_the_wrong_shape_is_still_corrupt(tmp_path, what):
    from lkmsh.kernel.snapshot import text_crc

    state = tmp_path / "s.db"
    assert cli(state, "insmod", str(sample("hello"))).code == 0
    table, column, name, path, value = CONSISTENT[what]
    key = "name"
    with sqlite3.connect(state) as db:
        row = db.execute(f"SELECT {column} FROM {table} WHERE {key} = ?", (name,)).fetchone()
        if row is None:  # a component built on first use and left as built saves no row
            row = (json.dumps(built_part_data(name)),)
            db.execute("INSERT INTO components(name, data, crc) VALUES (?, ?, 0)", (name, row[0]))
        (text,) = row
        (new,) = db.execute("SELECT json_set(?, ?, json(?))", (text, path, value)).fetchone()
        db.execute(
            f"UPDATE {table} SET {column} = ?, crc = ? WHERE {key} = ?", (new, text_crc(new), name)
        )
    commands = [("insmod", str(sample("provider"))), ("cat", "/proc/modules")]
    if table == "components" and name == "heap":
        commands = commands[:1]  # cat decodes no heap (item 8); insmod does, before any init
    for argv in commands:
        r = cli(state, *argv)
        assert r.code == 1 and "Traceback" not in r.err and "internal error" not in r.err, r
        assert r.err.strip().endswith("(run 'lkmsh reboot' to start a fresh kernel)"), r.err
        assert "is corrupt: " in r.err, r.err
