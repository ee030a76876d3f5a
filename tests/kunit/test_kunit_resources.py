"""KUnit's resource API (<kunit/resource.h>): records on test->resources, in C."""

from __future__ import annotations

from kunit_helpers import MODULES, log_lines


def test_resource_api(kernel, build):
    kernel.module_load(build(MODULES / "resource_kunit.c"))
    out = log_lines(kernel)
    for n, case in enumerate(
        (
            "adds_three_test",
            "freed_newest_first_test",
            "named_test",
            "held_reference_test",
            "init_fails_test",
        ),
        1,
    ):
        assert f"    ok {n} - {case}" in out
    assert "    not ok 6 - aborted_case_test" in out
    assert "    ok 7 - aborted_case_was_cleaned_test" in out
    # kunit_kfree() of memory kunit did not allocate: lib/kunit/test.c's KUNIT_FAIL
    i = out.index("    # bad_kfree_test: EXPECTATION FAILED at lib/kunit/test.c:741")
    assert out[i + 1].startswith("kunit_kfree: ffffffffa")
    assert out[i + 1].endswith(" already freed or not allocated by kunit")
    assert out[i + 2] == "    not ok 8 - bad_kfree_test"
    assert "# resources: pass:6 fail:2 skip:0 total:8" in out
    # every case's resources were freed, the aborted one's too
    assert kernel.heap.allocations("resource_kunit") == []
