"""lib/test_bpf.c, unmodified: the BPF interpreter's self-test, its three suites.

On Linux with the JIT off it ends "test_bpf: Summary: N PASSED, 0 FAILED, [0/M
JIT'ed]" and the summaries of its tail-call and skb_segment suites. Its whole
run (1026 programs, ~25 s of host time per architecture) is in
test_upstream_long.py; here its module parameters choose the parts that
exercise the sk_buff side: the loads from an skb's paged fragment (#532-#541),
the payload offset the flow dissector finds (#24 LD_PAYLOAD_OFF), the classic
ancillary loads around it, and the two other suites.
"""

from __future__ import annotations

import pytest
from corpus_helpers import Cli, log_text

#: test_bpf.c's names of the tests loading from an skb fragment, in its order
FRAG_TESTS = [
    f"{op} {size} {where}"
    for op in ("LD_IND", "LD_ABS")
    for size, where in [
        ("byte", "frag"),
        ("halfword", "frag"),
        ("word", "frag"),
        ("halfword", "mixed head/frag"),
        ("word", "mixed head/frag"),
    ]
]


@pytest.fixture(scope="module")
def _built(tmp_path_factory):
    return {}  # arch -> test_bpf.ko (built once per architecture: ~3 s of gcc)


@pytest.fixture
def test_bpf_ko(tree, arch, _built, tmp_path_factory):
    if arch not in _built:
        where = tmp_path_factory.mktemp(f"bpf-{arch}")
        builder = Cli(where / "build.sqlite", where, arch)
        build, ko = builder.build_cmd(tree, "lib/test_bpf.c")
        r = builder(*build.split())
        assert r.returncode == 0, r.stderr
        _built[arch] = ko
    return _built[arch]


def results(log: list[str]) -> dict[str, str]:
    """'#N name' -> its verdict (the last word: PASS, FAIL ...) for each test line."""
    out = {}
    for line in log:
        if line.startswith("test_bpf: #"):
            test, verdict = line.removeprefix("test_bpf: ").rsplit(" ", 1)
            out[test.partition(" jited:")[0]] = verdict
    return out


def test_bpf_loads_from_skb_fragments_and_finds_the_payload(test_bpf_ko, cli):
    """#532-#541 read a packet whose bytes continue in a page fragment
    (skb_add_rx_frag: LD_ABS/LD_IND through skb_header_pointer); #20-#30 are
    ancillary loads, #24 SKF_AD_PAY_OFFSET the flow dissector's answer for an
    Ethernet/IPv4/ICMP packet (42) and for one cut inside its IP header (0)."""
    ko = test_bpf_ko
    r = cli.line(
        f"insmod {ko} test_range=532,541",
        "rmmod test_bpf",
        f"insmod {ko} test_range=20,30",
        "rmmod test_bpf",
        "dmesg",
    )
    assert r.returncode == 0, r.stderr
    log = log_text(r.stdout)
    got = results(log)
    assert [name for name in got if name.startswith("#5")] == [
        f"#{532 + i} {name}" for i, name in enumerate(FRAG_TESTS)
    ], "\n".join(log)
    assert "#24 LD_PAYLOAD_OFF" in got and "#22 LD_NLATTR" in got
    assert set(got.values()) == {"PASS"}, "\n".join(log)
    summaries = [line for line in log if "Summary" in line]
    assert summaries == [
        "test_bpf: Summary: 10 PASSED, 0 FAILED, [0/10 JIT'ed]",
        "test_bpf: Summary: 11 PASSED, 0 FAILED, [0/11 JIT'ed]",
    ], "\n".join(log)
    assert not [line for line in log if any(w in line for w in ("WARNING", "BUG", "kmemleak"))]


def test_bpf_tail_calls_and_skb_segment_suites(test_bpf_ko, cli):
    """test_tail_calls: programs chained through a prog array, up to the count limit
    (#6), and the error paths of a NULL slot and an index past the end (#8, #9); #7,
    whose callee snprintf()s 34,000 times, runs in the long test. test_skb_segment:
    two GSO buffers, one with a page fragment and a frag_list, cut by skb_segment()
    and freed with kfree_skb_list(), their pages and frag_list buffers with them."""
    ko = test_bpf_ko
    r = cli.line(
        f"insmod {ko} test_suite=test_tail_calls test_range=0,6",
        "rmmod test_bpf",
        f"insmod {ko} test_suite=test_tail_calls test_range=8,9",
        "rmmod test_bpf",
        f"insmod {ko} test_suite=test_skb_segment",
        "rmmod test_bpf",
        "dmesg",
        "lsmod",
    )
    assert r.returncode == 0, r.stderr
    log = log_text(r.stdout)
    got = results(log)
    assert len(got) == 11 and set(got.values()) == {"PASS"}, "\n".join(log)
    assert "#6 Tail call error path, max count reached" in got
    assert "#8 Tail call error path, NULL target" in got
    assert "#9 Tail call error path, index out of range" in got
    assert "#0 gso_with_rx_frags" in got and "#1 gso_linear_no_head_frag" in got
    summaries = [line for line in log if "Summary" in line]
    assert summaries == [
        "test_bpf: test_tail_calls: Summary: 7 PASSED, 0 FAILED, [0/7 JIT'ed]",
        "test_bpf: test_tail_calls: Summary: 2 PASSED, 0 FAILED, [0/2 JIT'ed]",
        "test_bpf: test_skb_segment: Summary: 2 PASSED, 0 FAILED",
    ], "\n".join(log)
    # the segments, the buffers and their pages are all freed: nothing leaks
    assert not [line for line in log if any(w in line for w in ("WARNING", "BUG", "kmemleak"))]
    assert not any(line.startswith("test_bpf ") for line in log)  # rmmod'ed
