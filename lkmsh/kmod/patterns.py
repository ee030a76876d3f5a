"""Alias patterns matched as kmod matches them, without trying every pattern.

A distribution tree has some 25,000 aliases, most of them wildcards
(``pci:v00008086d*sv*``); modprobe and modinfo try each one against a name
with ``fnmatch``. Only a pattern whose literal start (up to its first ``*``,
``?`` or ``[``) begins the name can match it, so the patterns are indexed by
that start: a lookup tries those few, in the list's order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import fnmatchcase

_SPECIAL = re.compile(r"[*?\[]")


class PatternList:
    """(pattern, value) pairs in order; ``matches(key)`` is every value whose pattern
    ``fnmatchcase`` matches KEY, in that order (a value as often as it matches)."""

    __slots__ = ("_pairs", "_starts")

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        self._pairs = list(pairs)
        self._starts: dict[int, dict[str, list[int]]] = {}  # len -> literal start -> indexes
        for at, (pattern, _value) in enumerate(self._pairs):
            special = _SPECIAL.search(pattern)
            start = pattern if special is None else pattern[: special.start()]
            self._starts.setdefault(len(start), {}).setdefault(start, []).append(at)

    def matches(self, key: str) -> list[str]:
        tried: list[int] = []
        for size, starts in self._starts.items():
            if size <= len(key):
                tried += starts.get(key[:size], ())
        tried.sort()
        return [self._pairs[at][1] for at in tried if fnmatchcase(key, self._pairs[at][0])]
