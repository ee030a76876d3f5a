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
