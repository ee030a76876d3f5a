"""Splitting an insmod parameter string as Linux's kernel/params.c does."""

from __future__ import annotations

import pytest

from lkmsh.kernel.params import args_after_dashes, param_eq, parse_args


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   ", []),
        ("a=1", [("a", "1")]),
        ("a=1 b=two   c", [("a", "1"), ("b", "two"), ("c", None)]),
        ('who="big world"', [("who", "big world")]),
        ('"who=big world" n=2', [("who", "big world"), ("n", "2")]),
        ('s=""', [("s", "")]),
        ("s=", [("s", "")]),
        ("a=b=c", [("a", "b=c")]),
        ("nums=1,2,3", [("nums", "1,2,3")]),
        ('flag "quoted flag"', [("flag", None), ("quoted flag", None)]),
        ("\ta=1\n b=2 ", [("a", "1"), ("b", "2")]),
    ],
)
def test_parse_args(text, expected):
    assert parse_args(text) == expected


def test_double_dash_ends_the_parameters():
    text = "a=1 -- b=2 c"
    assert parse_args(text) == [("a", "1")]
    assert args_after_dashes(text) == "b=2 c"
    assert args_after_dashes("a=1") is None


def test_dash_and_underscore_are_the_same_in_names():
    assert param_eq("max_count", "max-count")
    assert param_eq("a-b_c", "a_b-c")
    assert not param_eq("maxcount", "max_count")
