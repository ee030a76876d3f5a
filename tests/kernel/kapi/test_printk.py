"""printk, WARN, dump_stack and panic as dmesg shows them."""

from __future__ import annotations

import pytest
from kapi_harness import call

from lkmsh.kernel.kapi.bug import KernelBug
from lkmsh.kernel.kapi.printk import split_level


def test_split_level():
    assert split_level(b"\x013hx: err\n") == (3, False, b"hx: err\n")
    assert split_level(b"\x01c more") == (None, True, b" more")
    assert split_level(b"\x01d default") == (None, False, b" default")
    assert split_level(b"no prefix") == (None, False, b"no prefix")
    assert split_level(b"\x016\x01c both") == (6, True, b" both")
    assert split_level(b"\x01x not a level") == (None, False, b"\x01x not a level")


def test_printk_formats_and_logs_at_its_level(mini):
    n = call(
        mini, "printk", mini.cstring("\x016hx: loaded %d items from %s\n"), 3, mini.cstring("disk")
    )
    assert n == len("hx: loaded 3 items from disk")
    rec = mini.log.records()[-1]
    assert (rec.level, rec.text) == (6, "hx: loaded 3 items from disk")


def test_printk_without_level_uses_the_default(mini):
    call(mini, "_printk", mini.cstring("plain\n"))
    call(mini, "printk", mini.cstring("\x01ddefault too\n"))
    assert [(r.level, r.text) for r in mini.log.records()] == [(4, "plain"), (4, "default too")]


def test_pr_cont_builds_one_line(mini):
    call(mini, "printk", mini.cstring("\x016values:"))
    for v in (1, 2, 3):
        call(mini, "printk", mini.cstring("\x01c %d"), v)
    call(mini, "printk", mini.cstring("\x01c\n"))
    assert [(r.level, r.text) for r in mini.log.records()] == [(6, "values: 1 2 3")]


def test_level_can_come_from_an_argument(mini):
    # Linux parses the prefix after formatting: printk("%s...", KERN_ERR) works.
    call(mini, "printk", mini.cstring("%shx: from arg\n"), mini.cstring("\x013"))
    assert mini.log.records()[-1].level == 3


def test_unprintable_bytes_are_escaped(mini):
    call(mini, "printk", mini.cstring(b"\x016bad \xff byte\n"))
    assert mini.texts()[-1] == "bad \\xff byte"


def test_warn_printk_prints_the_cut_here_line_and_the_message(mini):
    """WARN(cond, fmt...)'s first half, as Linux's: the trap after it writes the report."""
    call(mini, "__warn_printk", mini.cstring("hx: bad value %d\n"), 17)
    assert mini.texts() == ["------------[ cut here ]------------", "hx: bad value 17"]
    assert "W" not in mini.taints  # the trap's report taints


def test_warn_slowpath_fmt_is_the_whole_report(mini):
    """The kernel library's WARN (no trap): __warn() without registers, then the taint."""
    call(mini, "warn_slowpath_fmt", mini.cstring("lib/x.c"), 17, 9, mini.cstring("n=%d\n"), 5)
    texts = mini.texts()
    assert texts[:3] == [
        "------------[ cut here ]------------",
        "WARNING: CPU: 0 PID: 1 at lib/x.c:17 hx_init+0x12/0x40 [hx]",
        "n=5",
    ]
    assert texts[3].startswith("Modules linked in:")
    assert " hx_init+0x12/0x40 [hx]" in texts
    assert texts[-1] == "---[ end trace 0000000000000000 ]---"
    assert "W" in mini.taints


def test_dump_stack_logs_the_caller(mini):
    call(mini, "dump_stack")
    assert " hx_init+0x12/0x40 [hx]" in mini.texts()
    assert mini.texts()[0] == "Call Trace:"


def test_panic_is_an_oops_for_the_call(mini):
    with pytest.raises(KernelBug) as exc:
        call(mini, "panic", mini.cstring("fatal %d\n"), 9)
    assert exc.value.lines[0] == "Kernel panic - not syncing: fatal 9"
    assert exc.value.lines[-1] == "---[ end Kernel panic - not syncing: fatal 9 ]---"
    assert exc.value.level == 0
