"""The click-free parser gives exactly click's parameters, or hands the line to click."""

from __future__ import annotations

import pytest

from lkmsh.shell import registry
from lkmsh.shell.clickspec import HelpShown, UsageProblem, parse
from lkmsh.shell.fastparse import parse_plain, split_globals

LINES = [
    ["depmod", "-n", "--no-cache", "-b", "/tmp/root", "6.1.0"],
    ["depmod", "--basedir=/tmp/root", "-a", "-n", "-n"],
    ["depmod", "-n", "-b", "-x"],
    ["depmod", "-nA"],
    ["depmod", "-bROOT"],
    ["depmod", "--", "-n"],
    ["depmod", "--all=1"],
    ["lsmod"],
    ["lsmod", "--json"],
    ["lsmod", "--bogus"],
    ["lsmod", "extra"],
    ["insmod", "hello.ko", "a=1", "s=x"],
    ["insmod", "-f", "hello.ko", "-"],
    ["insmod"],
    ["insmod", "-h"],
    ["rmmod", "-f", "a", "b"],
    ["modinfo", "-F", "name", "hello.ko"],
    ["modinfo", "-F"],
    ["modinfo", "-1"],
    ["build", "a.c", "b.c", "-o", "x.ko"],
]


def click_params(cmd, argv):
    try:
        return parse(cmd, argv)
    except (HelpShown, UsageProblem):
        return "click says no"


@pytest.mark.parametrize("line", LINES, ids=" ".join)
def test_a_plain_line_parses_as_click_parses_it_and_the_rest_goes_to_click(line):
    cmd = registry.get(line[0])
    assert cmd is not None
    fast = parse_plain(cmd, line[1:])
    if fast is not None:
        assert fast == click_params(cmd, line[1:])
    else:
        # declined: help, usage errors and unusual spellings stay click's to word
        unusual = any(a.startswith("-") for a in line[1:])
        assert unusual or click_params(cmd, line[1:]) == "click says no"


def test_every_registered_command_with_no_arguments_agrees_with_click():
    for cmd in registry.all_commands():
        fast = parse_plain(cmd, [])
        if fast is not None:
            assert fast == click_params(cmd, []), cmd.name


def test_global_options_before_the_command_only():
    assert split_globals(["--state", "s.db", "--json", "lsmod", "-x"]) == (
        "s.db",
        True,
        False,
        ["lsmod", "-x"],
    )
    assert split_globals(["--state=s.db", "depmod"]) == ("s.db", False, False, ["depmod"])
    for declined in (["-c", "lsmod"], ["--arch", "aarch64", "lsmod"], ["--version"], ["--state"]):
        assert split_globals(declined) is None
    assert split_globals([]) is None
