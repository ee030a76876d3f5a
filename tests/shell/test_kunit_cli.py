"""``lkmsh kunit run``: build, load, run, unload; KTAP when piped, --json, exit status."""

from __future__ import annotations

import json

import pytest

from lkmsh.build import cross_compiler_available

from .conftest import REPO

KUNIT = REPO / "tests" / "kunit"
FAMILIES = str(KUNIT / "modules" / "families_kunit.c")
RATIONAL = str(KUNIT / "modules" / "rational_kunit.c")


def test_piped_output_is_one_ktap_document(lkmsh):
    r = lkmsh("kunit", "run", FAMILIES, RATIONAL)
    assert r.returncode == 1  # families has failing cases
    lines = r.stdout.splitlines()
    assert lines[:4] == ["KTAP version 1", "1..3", "    # Subtest: families", "    1..9"]
    # suites of several modules are numbered as one run
    tops = [x for x in lines if x.startswith(("ok ", "not ok "))]
    assert tops == ["not ok 1 - families", "ok 2 - hooks", "ok 3 - rational"]
    # the crash is in the log of its case, and the run went on
    assert any(x.startswith("RIP: 0010:crash_test+") for x in lines)
    assert "    ok 7 - after_crash_test" in lines


def test_passing_run_exits_zero(lkmsh):
    r = lkmsh("kunit", "run", RATIONAL)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "ok 1 - rational"


def test_json_results(lkmsh):
    r = lkmsh("--json", "kunit", "run", FAMILIES)
    data = json.loads(r.stdout)
    assert data["summary"] == {
        "passed": 8,
        "failed": 4,
        "skipped": 2,
        "errors": 0,
        "total": 14,
    }
    cases = {c["name"]: c for c in data["suites"][0]["cases"]}
    assert cases["skip_test"]["skip_reason"] == "needs hardware we lack"
    assert [p["name"] for p in cases["square_test"]["params"]] == ["two", "three", "four"]
    assert any("Expected x == 4, but" in line for line in cases["fail_test"]["log"])


def test_filter_runs_only_matching_cases(lkmsh):
    r = lkmsh("kunit", "run", "--filter", "families.even*", FAMILIES)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:4] == ["KTAP version 1", "1..1", "    # Subtest: families", "    1..1"]
    assert lines[-1] == "ok 1 - families"


def test_bad_input_is_one_line_error(lkmsh, tmp_path):
    r = lkmsh("kunit", "run", str(tmp_path / "missing.c"))
    assert r.returncode == 1
    assert "missing.c: No such file or directory" in r.stderr
    assert "Traceback" not in r.stderr
    r = lkmsh("kunit", "walk", RATIONAL)
    assert r.returncode == 1 and "unknown action 'walk'" in r.stderr


@pytest.mark.skipif(not cross_compiler_available("aarch64"), reason="no aarch64 gcc")
def test_aarch64_kernel(lkmsh):
    r = lkmsh("--arch", "aarch64", "kunit", "run", RATIONAL)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "ok 1 - rational"


def test_the_kunit_pages_first_suite_runs_as_written(lkmsh, tmp_path):
    """docs/kunit.md's ring_test.c, run as the README's `lkmsh kunit run ring_test.c`."""
    page = (REPO / "docs" / "kunit.md").read_text()
    (tmp_path / "ring_test.c").write_text(page.split("```c\n", 1)[1].split("```", 1)[0])
    r = lkmsh("kunit", "run", str(tmp_path / "ring_test.c"))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "# Totals: pass:4 fail:0 skip:1 total:5" in lines
    assert lines[-1] == "ok 1 - ring"


def test_sleeping_and_hanging_cases(lkmsh):
    """Cases in kthreads of their own: sleeps, waits, a hang timed out; the run goes on."""
    r = lkmsh("--json", "kunit", "run", str(KUNIT / "modules" / "kthread_kunit.c"))
    assert r.returncode == 1
    data = json.loads(r.stdout)
    cases = {c["name"]: c for c in data["suites"][0]["cases"]}
    for name in ("sleep_test", "timer_completion_test", "own_kthread_test", "try_catch_test"):
        assert cases[name]["status"] == "PASSED", cases[name]
    hang = cases["hang_test"]
    assert hang["status"] == "FAILED"
    assert hang["log"][-2:] == [
        "    # hang_test: try timed out",
        "    # hang_test: test case timed out",
    ]
    assert data["summary"]["passed"] == 6 and data["summary"]["failed"] == 4
