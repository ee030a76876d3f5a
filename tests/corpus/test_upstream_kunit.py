"""The kernel's own KUnit suites (lib/*_kunit.c, lib/test_*.c, lib/kunit/), unmodified.

Each is built with ``lkmsh build`` from the Linux 6.1 tree, loaded with
``lkmsh insmod`` (a module's suites run at load, as Linux's kunit module
notifier runs them), and its KTAP in ``dmesg`` must say what Linux says: the
same suites, every case ok, and skipped exactly where the suite itself skips.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from corpus_helpers import ktap_suites, log_text, module_name


@dataclass(frozen=True)
class Suite:
    name: str
    cases: int  # how many KUNIT_CASEs the suite lists
    skipped: frozenset[str] = field(default_factory=frozenset)  # cases that kunit_skip() on Linux


@dataclass(frozen=True)
class Upstream:
    path: str
    suites: tuple[Suite, ...]

    @property
    def id(self) -> str:
        return Path(self.path).name


CORPUS = [
    Upstream("lib/test_sort.c", (Suite("lib_sort", 1),)),
    Upstream("lib/test_list_sort.c", (Suite("list_sort", 1),)),
    Upstream("lib/cmdline_kunit.c", (Suite("cmdline", 4),)),
    Upstream("lib/math/rational-test.c", (Suite("rational", 1),)),
    Upstream("lib/list-test.c", (Suite("list-kunit-test", 39), Suite("hlist", 18))),
    Upstream("lib/test_bits.c", (Suite("bits-test", 3),)),
    Upstream("lib/test_hash.c", (Suite("hash", 2),)),
    Upstream("lib/bitfield_kunit.c", (Suite("bitfields", 2),)),
    Upstream("lib/test_linear_ranges.c", (Suite("linear-ranges-test", 4),)),
    Upstream("lib/is_signed_type_kunit.c", (Suite("is_signed_type", 1),)),
    Upstream("lib/overflow_kunit.c", (Suite("overflow", 18),)),
    Upstream("lib/memcpy_kunit.c", (Suite("memcpy", 4),)),
    # CONFIG_FORTIFY_SOURCE, as Debian: <linux/fortify-string.h>'s __compiletime_strlen
    Upstream("lib/fortify_kunit.c", (Suite("fortify", 2),)),
    # no CONFIG_KASAN (as Debian): all five cases, the free pointer ones included
    Upstream("lib/slub_kunit.c", (Suite("slub_test", 5),)),
    # one CPU: nr_cpu_ids and nr_cpumask_bits are 1, as a uniprocessor Linux
    Upstream("lib/cpumask_kunit.c", (Suite("cpumask", 6),)),
    # lkmsh builds as Debian's kernel is configured (CONFIG_INIT_STACK_ALL_ZERO):
    # only the cases the suite itself calls XFAIL for gcc are skipped.
    Upstream(
        "lib/stackinit_kunit.c",
        (
            Suite(
                "stackinit",
                65,
                frozenset(
                    {
                        "test_small_hole_assigned_copy",
                        "test_big_hole_assigned_copy",
                        "test_trailing_hole_assigned_copy",
                        "test_switch_1_none",
                        "test_switch_2_none",
                    }
                ),
            ),
        ),
    ),
    # kprobes on the suite's own functions, kretprobes, stack traces through the trampoline
    Upstream("lib/test_kprobes.c", (Suite("kprobes_test", 6),)),
    # a kprobe's addr is how a module reaches kallsyms_lookup_name (not exported)
    Upstream("lib/longest_symbol_kunit.c", (Suite("longest-symbol", 2),)),
    Upstream(
        "lib/kunit/kunit-example-test.c",
        (Suite("example", 4, frozenset({"example_skip_test", "example_mark_skipped_test"})),),
    ),
]


@pytest.mark.parametrize("up", CORPUS, ids=lambda u: u.id)
def test_kunit_suite_passes_as_on_linux(tree, cli, up):
    build, ko = cli.build_cmd(tree, up.path)
    r = cli.line(build, f"insmod {ko}", "dmesg", f"rmmod {module_name(ko)}")
    assert r.returncode == 0, r.stderr
    log = log_text(r.stdout)
    suites = ktap_suites(log)
    assert [s.name for s in suites] == [s.name for s in up.suites], log
    for want, got in zip(up.suites, suites, strict=True):
        assert len(got.cases) == want.cases, (want.name, got.cases)
        expected = {c: ("skip" if c in want.skipped else "ok") for c in got.cases}
        assert got.cases == expected, "\n".join(log)
        assert got.ok
    assert "not ok" not in "\n".join(log)


#: lib/kunit/kunit-test.c's KTAP as Linux 6.1.0's lib/kunit/test.c prints it at insmod
#: (the stable series' "KTAP version 1" subtest headers and dashless result lines aside)
KUNIT_TEST_KTAP = """\
    # Subtest: kunit-try-catch-test
    1..2
    ok 1 - kunit_test_try_catch_successful_try_no_catch
    ok 2 - kunit_test_try_catch_unsuccessful_try_does_catch
# kunit-try-catch-test: pass:2 fail:0 skip:0 total:2
# Totals: pass:2 fail:0 skip:0 total:2
ok 1 - kunit-try-catch-test
    # Subtest: kunit-resource-test
    1..8
    ok 1 - kunit_resource_test_init_resources
    ok 2 - kunit_resource_test_alloc_resource
    ok 3 - kunit_resource_test_destroy_resource
    ok 4 - kunit_resource_test_remove_resource
    ok 5 - kunit_resource_test_cleanup_resources
    ok 6 - kunit_resource_test_proper_free_ordering
    ok 7 - kunit_resource_test_static
    ok 8 - kunit_resource_test_named
# kunit-resource-test: pass:8 fail:0 skip:0 total:8
# Totals: pass:8 fail:0 skip:0 total:8
ok 2 - kunit-resource-test
    # Subtest: kunit-log-test
    1..1
put this in log.
this too.
add to suite log.
along with this.
    ok 1 - kunit_log_test
ok 3 - kunit-log-test
    # Subtest: kunit_status
    1..2
    ok 1 - kunit_status_set_failure_test
    ok 2 - kunit_status_mark_skipped_test
# kunit_status: pass:2 fail:0 skip:0 total:2
# Totals: pass:2 fail:0 skip:0 total:2
ok 4 - kunit_status
"""


def test_kunit_own_test_suites_run_as_on_linux(tree, cli):
    """KUnit's self-test: try-catch, the resource API on a struct kunit of its own and
    on the running case's test->resources, the log, the status."""
    build, ko = cli.build_cmd(tree, "lib/kunit/kunit-test.c")
    r = cli.line(build, f"insmod {ko}", "dmesg", f"rmmod {module_name(ko)}", "dmesg")
    assert r.returncode == 0, r.stderr
    log = log_text(r.stdout)
    start = log.index("    # Subtest: kunit-try-catch-test")
    got = log[start : start + KUNIT_TEST_KTAP.count("\n")]
    assert "\n".join(got) + "\n" == KUNIT_TEST_KTAP
    # every resource was freed: the rmmod finds nothing left behind
    assert not any("kmemleak" in line or "WARNING" in line for line in log)
