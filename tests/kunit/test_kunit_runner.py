"""KUnit suites in a module run when it goes live, printing KTAP as Linux 6.1's lib/kunit."""

from __future__ import annotations

from kunit_helpers import MODULES, log_lines

from lkmsh.kernel.kernel import Kernel


def _ktap(kernel: Kernel) -> list[str]:
    """The KUnit lines of the log (the Oops report between them left out)."""
    lines = log_lines(kernel)
    start = lines.index("    # Subtest: families")
    return lines[start:]


def test_suites_run_at_load_and_print_ktap(kernel, build):
    kernel.module_load(build(MODULES / "families_kunit.c"))
    out = _ktap(kernel)
    assert out[:4] == [
        "    # Subtest: families",
        "    1..9",
        "    # pass_test: exit saw value 42",
        "    ok 1 - pass_test",
    ]
    src = str(MODULES / "families_kunit.c")
    i = out.index(f"    # fail_test: EXPECTATION FAILED at {src}:70")
    assert out[i + 1 : i + 3] == ["    Expected x == 4, but", "        x == 3 (0x3)"]
    i = out.index(f"    # fail_test: EXPECTATION FAILED at {src}:71")
    # a _MSG expectation adds its message after an empty line (assert.c's "\n%pV")
    assert out[i + 1 : i + 5] == [
        "    Expected x * 2 == 7, but",
        "        x * 2 == 6 (0x6)",
        "",
        "x was 3",
    ]
    assert "    Expected x > 5 to be true, but is false" in out
    i = out.index('    Expected name == "abd", but')
    assert out[i + 1] == '        name == "abc"'
    i = out.index("    Expected a == b, but")
    assert out[i + 1 : i + 5] == [
        "        a ==",
        "         01 <02> 03  04 ",
        "        b ==",
        "         01 <09> 03  04 ",
    ]
    assert "    Expected ERR_PTR(-12) is not error, but is: -12" in out
    assert "reached the end with x=3" in out
    assert "    not ok 2 - fail_test" in out


def test_assert_ends_only_its_case(kernel, build):
    kernel.module_load(build(MODULES / "families_kunit.c"))
    out = _ktap(kernel)
    i = out.index("    Expected p != ((void *)0), but")
    assert out[i - 1].startswith("    # assert_test: ASSERTION FAILED at ")
    assert out[i + 1 : i + 3] == [
        "        p == 0000000000000000",
        "        ((void *)0) == 0000000000000000",
    ]
    assert "    # assert_test: never printed" not in out
    # the suite's exit still runs after an aborted case, and the next case runs
    assert out[i + 3 : i + 5] == [
        "    # assert_test: exit saw value 41",
        "    not ok 3 - assert_test",
    ]
    assert "    ok 4 - skip_test # SKIP needs hardware we lack" in out


def test_skip_and_mark_skipped(kernel, build):
    kernel.module_load(build(MODULES / "families_kunit.c"))
    out = _ktap(kernel)
    assert not any("after skip" in line for line in out)
    i = out.index("    # mark_skipped_test: still runs after marking")
    assert out[i + 2] == "    ok 5 - mark_skipped_test # SKIP marked"


def test_crash_fails_its_case_and_the_next_case_runs(kernel, build):
    kernel.module_load(build(MODULES / "families_kunit.c"))
    lines = log_lines(kernel)
    oops = (
        lines.index("BUG: kernel NULL pointer dereference, address: 0000000000000010")
        if (kernel.arch.name == "x86_64")
        else next(i for i, t in enumerate(lines) if t.startswith("Unable to handle kernel"))
    )
    assert any("crash_test+" in t for t in lines[oops:])
    tail = lines[oops:]
    # the Oops is the case's kunit_try_catch kthread's, as in Linux (a GPL module: 'G')
    cpu = next(t for t in tail if t.startswith("CPU: 0 PID: "))
    assert " Comm: kunit_try_catch Tainted: G      D    O     N 6.1.0" in cpu
    trace = "Call Trace:" if kernel.arch.name == "x86_64" else "Call trace:"
    below = tail[tail.index(trace) :]
    runner = [t.split("+")[0].strip() for t in below if t.startswith(" kunit_") or " kthread+" in t]
    assert runner == ["kunit_try_run_case", "kunit_generic_run_threadfn_adapter", "kthread"]
    i = tail.index("    # crash_test: try timed out")
    assert tail[i + 1 : i + 3] == [
        "    # crash_test: test case timed out",
        "    not ok 6 - crash_test",
    ]
    # the crashed case's exit did not run; the next case got a fresh init
    assert "    # crash_test: exit saw value 41" not in tail
    assert tail[i + 3 : i + 5] == [
        "    # after_crash_test: exit saw value 41",
        "    ok 7 - after_crash_test",
    ]
    assert "D" in kernel.taints and "N" in kernel.taints


def test_parameterised_cases(kernel, build):
    kernel.module_load(build(MODULES / "families_kunit.c"))
    out = _ktap(kernel)
    i = out.index("        # Subtest: square_test")
    assert [line for line in out[i:] if line.startswith("        ") and " - " in line][:3] == [
        "        ok 1 - two",
        "        ok 2 - three",
        "        not ok 3 - four",
    ]
    assert "    # square_test: pass:2 fail:1 skip:0 total:3" in out
    assert "    not ok 8 - square_test" in out
    assert "        ok 1 - param-0" in out and "        ok 3 - param-2" in out
    assert "    ok 9 - even_test" in out


def test_suite_totals_and_numbering(kernel, build):
    path = build(MODULES / "families_kunit.c")
    kernel.module_load(path)
    out = _ktap(kernel)
    assert out[out.index("# families: pass:3 fail:4 skip:2 total:9") + 1 :][:2] == [
        "# Totals: pass:7 fail:4 skip:2 total:13",
        "not ok 1 - families",
    ]
    # suite hooks: suite_init before the cases, suite_exit after them
    i = out.index("    # Subtest: hooks")
    assert out[i : i + 5] == [
        "    # Subtest: hooks",
        "    1..1",
        "    ok 1 - hooks_test",
        "hooks: suite_exit after 1 suite_init",
        "ok 2 - hooks",
    ]
    # unloading resets the suite counter (__kunit_test_suites_exit)
    kernel.module_unload("families_kunit")
    kernel.dmesg_clear()
    kernel.module_load(path)
    assert "not ok 1 - families" in log_lines(kernel)


def test_kunit_memory_is_freed_after_each_case(kernel, build):
    kernel.module_load(build(MODULES / "families_kunit.c"))
    # only the crashed case's init allocation is left (Linux does not clean up after it):
    # its struct kunit_resource and the 16 bytes it holds
    left = kernel.heap.allocations("families_kunit")
    assert sorted(a.size for a in left) == [16, 56]


def test_filter_glob(kernel, build):
    kernel.config.kunit_filter_glob = "families.*_test"
    kernel.module_load(build(MODULES / "families_kunit.c"))
    assert "    1..9" in log_lines(kernel)
    kernel.module_unload("families_kunit")
    kernel.dmesg_clear()
    kernel.config.kunit_filter_glob = "families.even*"
    kernel.module_load(build(MODULES / "families_kunit.c"))
    out = log_lines(kernel)
    assert out[out.index("    # Subtest: families") :][:2] == [
        "    # Subtest: families",
        "    1..1",
    ]
    assert "    ok 1 - even_test" in out
    assert not any("hooks" in line for line in out)
