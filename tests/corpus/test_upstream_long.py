"""Upstream self-tests that pass in lkmsh but run too long for every test run.

Each is checked as test_upstream_selftests.py checks its files, with the
soft-lockup watchdog off (their run is seconds on Linux, but past the
watchdog's 2 x 60 s of virtual time under emulation, which charges each
translated block 100 ns). ``LKMSH_CORPUS_LONG=1`` runs them; docs/upstream-
corpus.md gives each one's CPU time.
"""

from __future__ import annotations

import os
import re

import pytest
from corpus_helpers import log_text, module_name

LONG = os.environ.get("LKMSH_CORPUS_LONG")
pytestmark = pytest.mark.skipif(
    LONG not in ("1", "all"),
    reason="long upstream runs (30 s to 2 minutes of CPU each per architecture): "
    "LKMSH_CORPUS_LONG=1",
)


def test_parman_keeps_its_priority_array(tree, cli):
    """lib/test_parman.c: 2 M random add/remove steps, ~68 M move callbacks, then the check."""
    cli.env["LKMSH_WATCHDOG_THRESH"] = "0"
    build, ko = cli.build_cmd(tree, "lib/test_parman.c")
    name = module_name(ko)
    r = cli.line(build, f"insmod {ko}", "lsmod", f"rmmod {name}", "dmesg")
    assert r.returncode == 0, r.stderr
    assert f"{name} " in r.stdout  # init returned 0: loaded
    log = log_text(r.stdout)
    assert "test_parman: Priority array check successful" in log, "\n".join(log)
    assert not [
        line
        for line in log
        if "WARNING" in line or "test_parman: " in line and "successful" not in line
    ], "\n".join(log)


def test_xarray_passes_every_check(tree, cli):
    """lib/test_xarray.c: 41,301,630 checks of the XArray API in one init (~1.4 G
    blocks: past the watchdog's pace, a few seconds on Linux); it says how many
    passed, and a failed one also prints its line and dumps the array."""
    cli.env["LKMSH_WATCHDOG_THRESH"] = "0"
    build, ko = cli.build_cmd(tree, "lib/test_xarray.c")
    name = module_name(ko)
    r = cli.line(build, f"insmod {ko}", "lsmod", f"rmmod {name}", "dmesg")
    assert r.returncode == 0, r.stderr
    assert f"{name} " in r.stdout  # init returned 0: loaded
    log = log_text(r.stdout)
    assert "XArray: 41301630 of 41301630 tests passed" in log, "\n".join(log)
    assert not [
        line for line in log if any(w in line for w in ("WARNING", "BUG", "kmemleak", "Oops"))
    ], "\n".join(log)


def test_bpf_runs_all_three_suites_in_one_init(tree, cli):
    """lib/test_bpf.c with no parameters, as modprobe test_bpf on Linux: 1026
    programs of the main suite, the ten tail-call tests, the two skb_segment ones,
    in one init (~25 s of host time per architecture, most of it #7's snprintf
    calls and the 1,000 runs of each program). Its cond_resched() between tests
    is the schedule point the soft-lockup watchdog, left on, needs: the run is
    ~55 s of the watchdog's virtual time, past its 2 x 10 s."""
    cli.env.pop("LKMSH_WATCHDOG_THRESH")  # the default watchdog_thresh (10)
    build, ko = cli.build_cmd(tree, "lib/test_bpf.c")
    name = module_name(ko)
    r = cli.line(build, f"insmod {ko}", "lsmod", f"rmmod {name}", "dmesg")
    assert r.returncode == 0, r.stderr
    assert f"{name} " in r.stdout  # init returned 0: loaded
    log = log_text(r.stdout)
    tests = [line for line in log if line.startswith("test_bpf: #")]
    assert len(tests) == 1026 + 10 + 2 and all(line.endswith(" PASS") for line in tests)
    assert [line for line in log if "Summary" in line] == [
        "test_bpf: Summary: 1026 PASSED, 0 FAILED, [0/1014 JIT'ed]",
        "test_bpf: test_tail_calls: Summary: 10 PASSED, 0 FAILED, [0/10 JIT'ed]",
        "test_bpf: test_skb_segment: Summary: 2 PASSED, 0 FAILED",
    ], "\n".join(log)
    assert not [
        line for line in log if any(w in line for w in ("WARNING", "BUG", "kmemleak", "lockup"))
    ], "\n".join(log)


def test_maple_tree_passes_every_check(tree, cli):
    """lib/test_maple_tree.c: the maple tree's API checks (stores, spanning stores,
    splits and heights, next/prev, gaps and allocations; check_dup copies ~12,000
    trees, ~7 M stores, which makes it the longest here: ~2 minutes of CPU); it says
    how many of its MT_BUG_ON checks passed, and a failed one prints its function
    and line and dumps the tree."""
    cli.env["LKMSH_WATCHDOG_THRESH"] = "0"
    cli.allow(1800)
    build, ko = cli.build_cmd(tree, "lib/test_maple_tree.c")
    name = module_name(ko)
    r = cli.line(build, f"insmod {ko}", "lsmod", f"rmmod {name}", "dmesg")
    assert r.returncode == 0, r.stderr
    assert f"{name} " in r.stdout  # init returned 0: loaded
    log = log_text(r.stdout)
    verdict = [line for line in log if line.startswith("maple_tree: ")]
    assert len(verdict) == 1, "\n".join(log)
    passed, run = re.fullmatch(r"maple_tree: (\d+) of (\d+) tests passed", verdict[0]).groups()
    assert passed == run and int(run) > 12_000_000, "\n".join(log)
    assert "TEST STARTING" in map(str.strip, log)  # pr_info("\nTEST STARTING\n\n")
    assert not [
        line for line in log if any(w in line for w in ("WARNING", "BUG", "kmemleak", "Oops"))
    ], "\n".join(log)


@pytest.mark.skipif(
    LONG != "all",
    reason="lib/reed_solomon/test_rslib.c takes ~20 minutes of CPU per architecture "
    "(~130 s natively): LKMSH_CORPUS_LONG=all",
)
def test_rslib_decodes_every_code_of_its_table(tree, cli):
    """lib/reed_solomon/test_rslib.c unmodified: its fixed table of codes from GF(2^2)
    to GF(2^9), each with its shortened lengths, encoded, hit with every count of
    errors and erasures the code corrects (three decoder interfaces) and beyond it;
    "rslib: test ok" and no FAIL line, then init returns -EAGAIN by design."""
    cli.env["LKMSH_WATCHDOG_THRESH"] = "0"
    cli.allow(7200)
    build, ko = cli.build_cmd(tree, "lib/reed_solomon/test_rslib.c")
    r = cli.line(build, f"insmod {ko}")
    assert r.returncode == 1
    assert r.stderr.strip() == (
        f"insmod: ERROR: could not insert module {ko}: Resource temporarily unavailable"
    )
    log = log_text(cli("dmesg").stdout)
    assert log[-1] == "rslib: test ok", "\n".join(log)
    tested = [line for line in log if line.startswith("Testing (")]
    assert len(tested) > 40 and tested[0] == "Testing (3,2)_4 code...", "\n".join(log)
    assert not [line for line in log if "FAIL" in line or "WARNING" in line], "\n".join(log)
